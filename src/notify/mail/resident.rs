//! Mail to residents (and supporters): the receipt, every step of their case, links to
//! sign in or confirm, reception-day bookings.

use super::{CaseView, Content, Cx, Link, MailData, Stage};
use crate::format::encode;

/// What the mail says, for the kinds this audience receives.
pub(super) fn content(data: &MailData, cx: &Cx) -> Option<Content> {
    let (subject, paragraphs, quote, link): Content = match data {
        MailData::Receipt {
            number,
            sealed_token,
            department,
            acceptance_due,
        } => {
            let link = cx.env.sealer.open(sealed_token).map(|token| Link {
                label: cx.tr.t("mail.private_link").to_string(),
                url: format!(
                    "{}/cases/{}?token={}",
                    cx.env.base_url,
                    encode(number),
                    encode(&token)
                ),
            });
            (
                cx.tr.f("mail.receipt.subject", &[("number", number)]),
                vec![
                    cx.tr.f(
                        "mail.receipt.body",
                        &[("number", number), ("department", &cx.dept(department))],
                    ),
                    cx.tr.f("mail.receipt.due", &[("due", &cx.day(acceptance_due))]),
                    cx.tr.t("mail.receipt.keep").to_string(),
                ],
                None,
                link.or_else(|| Some(cx.track(number))),
            )
        }
        MailData::Accepted {
            number,
            department,
            answer_due,
        } => (
            cx.tr.f("mail.accepted.subject", &[("number", number)]),
            vec![cx.tr.f(
                "mail.accepted.body",
                &[
                    ("department", &cx.dept(department)),
                    ("number", number),
                    ("due", &cx.day(answer_due)),
                ],
            )],
            None,
            Some(cx.case(number, None, CaseView::Case)),
        ),
        MailData::NotAccepted {
            number,
            department,
            reason,
            channel,
        } => {
            let channel = cx
                .env
                .catalog
                .channel(channel)
                .map(|c| format!("{}：{}", c.names.get(cx.locale), c.descriptions.get(cx.locale)))
                .unwrap_or_else(|| channel.clone());
            (
                cx.tr.f("mail.not_accepted.subject", &[("number", number)]),
                vec![
                    cx.tr.f(
                        "mail.not_accepted.body",
                        &[("department", &cx.dept(department)), ("number", number)],
                    ),
                    cx.tr.f("mail.not_accepted.channel", &[("channel", &channel)]),
                ],
                Some(reason.clone()),
                Some(cx.case(number, None, CaseView::Case)),
            )
        }
        MailData::Transferred {
            number,
            department,
            reason,
        } => (
            cx.tr.f("mail.transferred.subject", &[("number", number)]),
            vec![cx.tr.f(
                "mail.transferred.body",
                &[("number", number), ("department", &cx.dept(department))],
            )],
            Some(reason.clone()),
            Some(cx.case(number, None, CaseView::Case)),
        ),
        MailData::ExtensionApproved {
            number,
            days,
            reason,
            answer_due,
        } => (
            cx.tr.f("mail.extension_approved.subject", &[("number", number)]),
            vec![cx.tr.f(
                "mail.extension_approved.body",
                &[
                    ("number", number),
                    ("days", &days.to_string()),
                    ("due", &cx.day(answer_due)),
                ],
            )],
            Some(reason.clone()),
            Some(cx.case(number, None, CaseView::Case)),
        ),
        MailData::Answered {
            number,
            department,
            outcome,
            text,
            legal_basis,
            window_end,
        } => {
            let mut paragraphs = vec![cx.tr.f(
                "mail.answered.body",
                &[
                    ("department", &cx.dept(department)),
                    ("number", number),
                    ("outcome", cx.tr.t(&format!("outcome.{}", outcome.as_str()))),
                ],
            )];
            paragraphs.push(format!("{}{}", cx.tr.t("event.legal_basis"), legal_basis));
            if *outcome == crate::domain::case::Outcome::Mediated {
                paragraphs.push(cx.tr.t("mail.answered.court_confirmation").to_string());
            }
            if let Some(end) = window_end {
                paragraphs.push(cx.tr.f("mail.answered.window", &[("due", &cx.day(end))]));
            }
            (
                cx.tr.f("mail.answered.subject", &[("number", number)]),
                paragraphs,
                Some(text.clone()),
                Some(cx.case(number, *window_end, CaseView::Answer)),
            )
        }
        MailData::ReviewRequested {
            number,
            department,
            stage,
            due,
        } => {
            let mut paragraphs = vec![cx.tr.f(
                &format!("mail.{}_requested.body", stage.key()),
                &[("department", &cx.dept(department)), ("number", number)],
            )];
            if let Some(due) = due {
                paragraphs.push(cx.tr.f("mail.review_requested.due", &[("due", &cx.day(due))]));
            }
            (
                cx.tr.f(
                    &format!("mail.{}_requested.subject", stage.key()),
                    &[("number", number)],
                ),
                paragraphs,
                None,
                Some(cx.case(number, None, CaseView::Case)),
            )
        }
        MailData::ReviewAccepted {
            number,
            department,
            stage,
            answer_due,
        } => (
            cx.tr.f(
                &format!("mail.{}_accepted.subject", stage.key()),
                &[("number", number)],
            ),
            vec![cx.tr.f(
                &format!("mail.{}_accepted.body", stage.key()),
                &[
                    ("department", &cx.dept(department)),
                    ("number", number),
                    ("due", &cx.day(answer_due)),
                ],
            )],
            None,
            Some(cx.case(number, None, CaseView::Case)),
        ),
        MailData::ReviewDecided {
            number,
            department,
            stage,
            outcome,
            text,
            legal_basis,
            window_end,
        } => {
            let mut paragraphs = vec![cx.tr.f(
                &format!("mail.{}_decided.body", stage.key()),
                &[
                    ("department", &cx.dept(department)),
                    ("number", number),
                    ("outcome", cx.tr.t(&format!("outcome.{}", outcome.as_str()))),
                ],
            )];
            paragraphs.push(format!("{}{}", cx.tr.t("event.legal_basis"), legal_basis));
            match (stage, window_end) {
                (Stage::Review, Some(end)) => {
                    paragraphs.push(cx.tr.f("mail.review_decided.window", &[("due", &cx.day(end))]))
                }
                (Stage::ReReview, _) => paragraphs.push(cx.tr.t("mail.re_review_decided.final").to_string()),
                _ => {}
            }
            (
                cx.tr.f(
                    &format!("mail.{}_decided.subject", stage.key()),
                    &[("number", number)],
                ),
                paragraphs,
                Some(text.clone()),
                Some(cx.case(number, *window_end, CaseView::Answer)),
            )
        }
        MailData::Closed { number, satisfied } => (
            cx.tr.f("mail.closed.subject", &[("number", number)]),
            vec![cx.tr.f(
                if *satisfied {
                    "mail.closed.satisfied"
                } else {
                    "mail.closed.expired"
                },
                &[("number", number)],
            )],
            None,
            Some(cx.case(number, None, CaseView::Case)),
        ),
        MailData::SignInLink { sealed_token } => (
            cx.tr.t("mail.sign_in.subject").to_string(),
            vec![
                cx.tr.t("mail.sign_in.body").to_string(),
                cx.tr.t("mail.not_you").to_string(),
            ],
            None,
            cx.env.sealer.open(sealed_token).map(|token| Link {
                label: cx.tr.t("mail.sign_in.link").to_string(),
                url: format!("{}/account/link?token={}", cx.env.base_url, encode(&token)),
            }),
        ),
        MailData::SupportConfirm { number, sealed_token } => (
            cx.tr.f("mail.support_confirm.subject", &[("number", number)]),
            vec![
                cx.tr.f("mail.support_confirm.body", &[("number", number)]),
                cx.tr.t("mail.not_you").to_string(),
            ],
            None,
            cx.env.sealer.open(sealed_token).map(|token| Link {
                label: cx.tr.t("mail.support_confirm.link").to_string(),
                url: format!("{}/supports/confirm?token={}", cx.env.base_url, encode(&token)),
            }),
        ),
        MailData::FilingConfirm {
            number,
            sealed_token,
            sealed_access,
        } => {
            let mut paragraphs = vec![cx.tr.f("mail.filing_confirm.body", &[("number", number)])];
            if let Some(access) = cx.env.sealer.open(sealed_access) {
                paragraphs.push(cx.tr.f(
                    "mail.filing_confirm.private",
                    &[(
                        "url",
                        &format!(
                            "{}/cases/{}?token={}",
                            cx.env.base_url,
                            encode(number),
                            encode(&access)
                        ),
                    )],
                ));
            }
            paragraphs.push(cx.tr.t("mail.not_you").to_string());
            (
                cx.tr.f("mail.filing_confirm.subject", &[("number", number)]),
                paragraphs,
                None,
                cx.env.sealer.open(sealed_token).map(|token| Link {
                    label: cx.tr.t("mail.filing_confirm.link").to_string(),
                    url: format!("{}/filings/confirm?token={}", cx.env.base_url, encode(&token)),
                }),
            )
        }
        MailData::Reception {
            number,
            date,
            starts_at,
            place,
            leader,
            reminder,
        } => {
            let key = if *reminder {
                "reception_reminder"
            } else {
                "reception_booked"
            };
            let when = crate::format::local_day(cx.locale, *date);
            (
                cx.tr.f(&format!("mail.{key}.subject"), &[("date", &when)]),
                vec![
                    cx.tr.f(
                        &format!("mail.{key}.body"),
                        &[
                            ("number", number),
                            ("date", &when),
                            ("time", starts_at),
                            ("place", place),
                            ("leader", leader),
                        ],
                    ),
                    cx.tr.t("mail.reception_bring").to_string(),
                ],
                None,
                Some(cx.case(number, cx.end_of(*date), CaseView::Booking)),
            )
        }
        MailData::ReceptionDayCancelled { number, date, reason } => {
            let when = crate::format::local_day(cx.locale, *date);
            (
                cx.tr
                    .f("mail.reception_day_cancelled.subject", &[("date", &when)]),
                vec![cx.tr.f(
                    "mail.reception_day_cancelled.body",
                    &[("number", number), ("date", &when)],
                )],
                Some(reason.clone()),
                Some(cx.case(number, None, CaseView::Booking)),
            )
        }
        MailData::PublicUpdate { number, event, .. } => (
            cx.tr.f("mail.public_update.subject", &[("number", number)]),
            vec![
                cx.tr.f("mail.public_update.body", &[("number", number)]),
                cx.tr.t("mail.public_update.why").to_string(),
            ],
            Some(
                crate::format::event_text(cx.tr, cx.env.catalog, cx.env.tz, event.kind(), Some(event))
                    .summary,
            ),
            Some(cx.track(number)),
        ),

        _ => return None,
    };
    Some((subject, paragraphs, quote, link))
}
