//! Mail to leaders: the monthly digest, tomorrow's reception list, cases in personal charge.

use super::{Content, Cx, Link, MailData};

/// What the mail says, for the kinds this audience receives.
pub(super) fn content(data: &MailData, cx: &Cx) -> Option<Content> {
    let (subject, paragraphs, quote, link): Content = match data {
        MailData::Digest { month, lines } => {
            let mut paragraphs = vec![cx.tr.f("mail.digest.body", &[("month", month)])];
            paragraphs.extend(lines.iter().map(|l| {
                cx.tr.f(
                    "mail.digest.line",
                    &[
                        ("department", &cx.dept(&l.department)),
                        ("received", &l.received.to_string()),
                        ("answered", &l.answered.to_string()),
                        ("overdue", &l.overdue.to_string()),
                    ],
                )
            }));
            (
                cx.tr.f("mail.digest.subject", &[("month", month)]),
                paragraphs,
                None,
                Some(Link {
                    label: cx.tr.t("mail.staff_link").to_string(),
                    url: format!("{}/staff", cx.env.base_url),
                }),
            )
        }
        MailData::ReceptionList {
            date,
            starts_at,
            place,
            lines,
        } => {
            let when = crate::format::local_day(cx.locale, *date);
            let mut paragraphs = vec![cx.tr.f(
                "mail.reception_list.body",
                &[
                    ("date", &when),
                    ("time", starts_at),
                    ("place", place),
                    ("count", &lines.len().to_string()),
                ],
            )];
            paragraphs.extend(lines.iter().map(|l| format!("{} · {}", l.number, l.title)));
            (
                cx.tr.f(
                    "mail.reception_list.subject",
                    &[("date", &when), ("count", &lines.len().to_string())],
                ),
                paragraphs,
                None,
                Some(Link {
                    label: cx.tr.t("mail.staff_link").to_string(),
                    url: format!("{}/leader", cx.env.base_url),
                }),
            )
        }
        MailData::Supervised { number, leader } => (
            cx.tr.f("mail.supervised.subject", &[("number", number)]),
            vec![
                cx.tr
                    .f("mail.supervised.body", &[("number", number), ("leader", leader)]),
            ],
            None,
            Some(cx.case(number, None, super::CaseView::Case)),
        ),
        _ => return None,
    };
    Some((subject, paragraphs, quote, link))
}
