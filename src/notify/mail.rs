//! What each mail says. A notice is stored as facts ([`MailData`], JSON) and rendered here,
//! in the recipient's language, as text and HTML from one pair of templates.

use askama::Template;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::seal::Sealer;
use crate::domain::case::{CaseState, Outcome};
use crate::domain::catalog::Catalog;
use crate::domain::locale::Locale;
use crate::format::encode;
use crate::format::{area_path_name, category_name, date, department_name};
use crate::i18n::Tr;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum MailData {
    /// To the resident: the case is filed; the private link.
    Receipt {
        number: String,
        sealed_token: String,
        department: String,
        acceptance_due: DateTime<Utc>,
    },
    /// To a department: a case is now yours.
    Assignment {
        number: String,
        department: String,
        category: String,
        area: String,
        title: String,
        due: Option<DateTime<Utc>>,
    },
    Accepted {
        number: String,
        department: String,
        answer_due: DateTime<Utc>,
    },
    NotAccepted {
        number: String,
        department: String,
        reason: String,
        channel: String,
    },
    Transferred {
        number: String,
        department: String,
        reason: String,
    },
    /// To the department's heads: an extension awaits their decision.
    ExtensionRequested {
        number: String,
        department: String,
        days: u32,
        reason: String,
    },
    ExtensionApproved {
        number: String,
        days: u32,
        reason: String,
        answer_due: DateTime<Utc>,
    },
    Answered {
        number: String,
        department: String,
        outcome: Outcome,
        text: String,
        legal_basis: String,
        window_end: Option<DateTime<Utc>>,
    },
    /// To the resident: the reviewing body took up the review (or re-review).
    ReviewAccepted {
        number: String,
        department: String,
        stage: Stage,
        answer_due: DateTime<Utc>,
    },
    /// To the resident: the review (or re-review) decision.
    ReviewDecided {
        number: String,
        department: String,
        stage: Stage,
        outcome: Outcome,
        text: String,
        legal_basis: String,
        window_end: Option<DateTime<Utc>>,
    },
    /// To the resident: the case is closed, and why.
    Closed { number: String, satisfied: bool },
    /// To the department holding it: the resident withdrew the case.
    Withdrawn {
        number: String,
        department: String,
        title: String,
    },
    /// To the department: the resident is not satisfied with the answer.
    Unsatisfied {
        number: String,
        department: String,
        comment: String,
    },
    /// To the department: a deadline is close.
    Reminder {
        number: String,
        department: String,
        state: CaseState,
        title: String,
        due: DateTime<Utc>,
    },
    /// To the department's heads and supervising leader: a deadline has passed.
    Escalation {
        number: String,
        department: String,
        state: CaseState,
        title: String,
        due: DateTime<Utc>,
    },
    /// To leaders, at the start of a month: last month in figures.
    Digest { month: String, lines: Vec<DigestLine> },
    /// To a resident who asked to sign in: the one-time link.
    SignInLink { sealed_token: String },
    /// To someone who supports a case: the link that confirms it.
    SupportConfirm { number: String, sealed_token: String },
    /// To the resident, when filings must be confirmed: the confirming link and the
    /// private link.
    FilingConfirm {
        number: String,
        sealed_token: String,
        sealed_access: String,
    },
    /// To a supporter: a public step of the case they support.
    PublicUpdate {
        number: String,
        event: crate::domain::timeline::EventData,
        /// The support, for the link that stops these mails (absent in older mail).
        #[serde(default)]
        support: Option<i64>,
    },
    /// To the resident: their place at a reception day, when booked and the day before.
    Reception {
        number: String,
        date: chrono::NaiveDate,
        starts_at: String,
        place: String,
        leader: String,
        reminder: bool,
    },
    /// To the resident: the reception day they booked was called off.
    ReceptionDayCancelled {
        number: String,
        date: chrono::NaiveDate,
        reason: String,
    },
    /// To the leader, the evening before: who comes tomorrow.
    ReceptionList {
        date: chrono::NaiveDate,
        starts_at: String,
        place: String,
        lines: Vec<ReceptionLine>,
    },
    /// To the resident: a leader took the case into personal charge.
    Supervised { number: String, leader: String },
}

/// One booked case on a leader's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceptionLine {
    pub number: String,
    pub title: String,
}

/// Which round of appeal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Review,
    ReReview,
}

impl Stage {
    fn key(self) -> &'static str {
        match self {
            Stage::Review => "review",
            Stage::ReReview => "re_review",
        }
    }
}

/// One department's month in a digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestLine {
    pub department: String,
    pub received: i64,
    pub answered: i64,
    pub overdue: i64,
}

impl MailData {
    /// The data's kind: its serde tag, from the variant's name by the same rule.
    pub fn kind(&self) -> &'static str {
        self.into()
    }

    /// Which mail this is, as the outbox and its page name it: the kind, except that a
    /// reception booking's data makes two mails (the booking and the day-before reminder).
    pub fn mail(&self) -> &'static str {
        match self {
            MailData::Reception { reminder: false, .. } => "reception_booked",
            MailData::Reception { reminder: true, .. } => "reception_reminder",
            other => other.kind(),
        }
    }
}

/// What rendering needs besides the notice.
pub struct MailEnv<'a> {
    pub catalog: &'a Catalog,
    pub tz: Tz,
    /// The portal's address as residents reach it, without a trailing slash.
    pub base_url: &'a str,
    pub sealer: &'a Sealer,
}

pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

struct Link {
    label: String,
    url: String,
}

#[derive(Template)]
#[template(path = "mail.html")]
struct HtmlMail<'a> {
    lang: &'static str,
    subject: &'a str,
    paragraphs: &'a [String],
    quote: Option<&'a str>,
    link: Option<&'a Link>,
    /// How to stop mail like this one, when the reader can.
    stop: Option<&'a Link>,
    footer: &'a str,
}

#[derive(Template)]
#[template(path = "mail.txt")]
struct TextMail<'a> {
    paragraphs: &'a [String],
    quote: Option<&'a str>,
    link: Option<&'a Link>,
    /// How to stop mail like this one, when the reader can.
    stop: Option<&'a Link>,
    footer: &'a str,
}

/// What the link that stops a supporter's mail seals: the support, under a purpose of its
/// own so no other sealed value can pass for it.
pub fn stop_secret(support: i64) -> String {
    format!("support-mail:{support}")
}

/// The support a stop link names, if `secret` is one.
pub fn support_of_stop_secret(secret: &str) -> Option<i64> {
    secret.strip_prefix("support-mail:")?.parse().ok()
}

pub fn render(data: &MailData, locale: Locale, env: &MailEnv) -> Result<Rendered, askama::Error> {
    let tr = Tr(locale);
    let day = |at: &DateTime<Utc>| date(locale, *at, env.tz);
    let dept = |code: &str| department_name(env.catalog, locale, code);
    let track = |number: &str| Link {
        label: tr.t("mail.track_link").to_string(),
        url: format!("{}/track?number={}", env.base_url, encode(number)),
    };
    let staff = |number: &str| Link {
        label: tr.t("mail.staff_link").to_string(),
        url: format!("{}/staff/cases/{}", env.base_url, encode(number)),
    };
    let (subject, paragraphs, quote, link): (String, Vec<String>, Option<String>, Option<Link>) = match data {
        MailData::Receipt {
            number,
            sealed_token,
            department,
            acceptance_due,
        } => {
            let link = env.sealer.open(sealed_token).map(|token| Link {
                label: tr.t("mail.private_link").to_string(),
                url: format!(
                    "{}/cases/{}?token={}",
                    env.base_url,
                    encode(number),
                    encode(&token)
                ),
            });
            (
                tr.f("mail.receipt.subject", &[("number", number)]),
                vec![
                    tr.f(
                        "mail.receipt.body",
                        &[("number", number), ("department", &dept(department))],
                    ),
                    tr.f("mail.receipt.due", &[("due", &day(acceptance_due))]),
                    tr.t("mail.receipt.keep").to_string(),
                ],
                None,
                link.or_else(|| Some(track(number))),
            )
        }
        MailData::Assignment {
            number,
            department,
            category,
            area,
            title,
            due,
        } => (
            tr.f("mail.assignment.subject", &[("number", number), ("title", title)]),
            vec![
                tr.f(
                    "mail.assignment.body",
                    &[("department", &dept(department)), ("number", number)],
                ),
                tr.f(
                    "mail.assignment.what",
                    &[
                        ("category", &category_name(env.catalog, locale, category)),
                        ("area", &area_path_name(env.catalog, locale, area)),
                    ],
                ),
                match due {
                    Some(due) => tr.f("mail.assignment.due", &[("due", &day(due))]),
                    None => String::new(),
                },
            ],
            Some(title.clone()),
            Some(staff(number)),
        ),
        MailData::Accepted {
            number,
            department,
            answer_due,
        } => (
            tr.f("mail.accepted.subject", &[("number", number)]),
            vec![tr.f(
                "mail.accepted.body",
                &[
                    ("department", &dept(department)),
                    ("number", number),
                    ("due", &day(answer_due)),
                ],
            )],
            None,
            Some(track(number)),
        ),
        MailData::NotAccepted {
            number,
            department,
            reason,
            channel,
        } => {
            let channel = env
                .catalog
                .channel(channel)
                .map(|c| format!("{}：{}", c.names.get(locale), c.descriptions.get(locale)))
                .unwrap_or_else(|| channel.clone());
            (
                tr.f("mail.not_accepted.subject", &[("number", number)]),
                vec![
                    tr.f(
                        "mail.not_accepted.body",
                        &[("department", &dept(department)), ("number", number)],
                    ),
                    tr.f("mail.not_accepted.channel", &[("channel", &channel)]),
                ],
                Some(reason.clone()),
                Some(track(number)),
            )
        }
        MailData::Transferred {
            number,
            department,
            reason,
        } => (
            tr.f("mail.transferred.subject", &[("number", number)]),
            vec![tr.f(
                "mail.transferred.body",
                &[("number", number), ("department", &dept(department))],
            )],
            Some(reason.clone()),
            Some(track(number)),
        ),
        MailData::ExtensionRequested {
            number,
            department,
            days,
            reason,
        } => (
            tr.f("mail.extension_requested.subject", &[("number", number)]),
            vec![tr.f(
                "mail.extension_requested.body",
                &[
                    ("department", &dept(department)),
                    ("number", number),
                    ("days", &days.to_string()),
                ],
            )],
            Some(reason.clone()),
            Some(staff(number)),
        ),
        MailData::ExtensionApproved {
            number,
            days,
            reason,
            answer_due,
        } => (
            tr.f("mail.extension_approved.subject", &[("number", number)]),
            vec![tr.f(
                "mail.extension_approved.body",
                &[
                    ("number", number),
                    ("days", &days.to_string()),
                    ("due", &day(answer_due)),
                ],
            )],
            Some(reason.clone()),
            Some(track(number)),
        ),
        MailData::Answered {
            number,
            department,
            outcome,
            text,
            legal_basis,
            window_end,
        } => {
            let mut paragraphs = vec![tr.f(
                "mail.answered.body",
                &[
                    ("department", &dept(department)),
                    ("number", number),
                    ("outcome", tr.t(&format!("outcome.{}", outcome.as_str()))),
                ],
            )];
            paragraphs.push(format!("{}{}", tr.t("event.legal_basis"), legal_basis));
            if let Some(end) = window_end {
                paragraphs.push(tr.f("mail.answered.window", &[("due", &day(end))]));
            }
            (
                tr.f("mail.answered.subject", &[("number", number)]),
                paragraphs,
                Some(text.clone()),
                Some(track(number)),
            )
        }
        MailData::ReviewAccepted {
            number,
            department,
            stage,
            answer_due,
        } => (
            tr.f(
                &format!("mail.{}_accepted.subject", stage.key()),
                &[("number", number)],
            ),
            vec![tr.f(
                &format!("mail.{}_accepted.body", stage.key()),
                &[
                    ("department", &dept(department)),
                    ("number", number),
                    ("due", &day(answer_due)),
                ],
            )],
            None,
            Some(track(number)),
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
            let mut paragraphs = vec![tr.f(
                &format!("mail.{}_decided.body", stage.key()),
                &[
                    ("department", &dept(department)),
                    ("number", number),
                    ("outcome", tr.t(&format!("outcome.{}", outcome.as_str()))),
                ],
            )];
            paragraphs.push(format!("{}{}", tr.t("event.legal_basis"), legal_basis));
            match (stage, window_end) {
                (Stage::Review, Some(end)) => {
                    paragraphs.push(tr.f("mail.review_decided.window", &[("due", &day(end))]))
                }
                (Stage::ReReview, _) => paragraphs.push(tr.t("mail.re_review_decided.final").to_string()),
                _ => {}
            }
            (
                tr.f(
                    &format!("mail.{}_decided.subject", stage.key()),
                    &[("number", number)],
                ),
                paragraphs,
                Some(text.clone()),
                Some(track(number)),
            )
        }
        MailData::Closed { number, satisfied } => (
            tr.f("mail.closed.subject", &[("number", number)]),
            vec![tr.f(
                if *satisfied {
                    "mail.closed.satisfied"
                } else {
                    "mail.closed.expired"
                },
                &[("number", number)],
            )],
            None,
            Some(track(number)),
        ),
        MailData::Withdrawn {
            number,
            department,
            title,
        } => (
            tr.f("mail.withdrawn.subject", &[("number", number)]),
            vec![tr.f(
                "mail.withdrawn.body",
                &[("department", &dept(department)), ("number", number)],
            )],
            Some(title.clone()),
            Some(staff(number)),
        ),
        MailData::Unsatisfied {
            number,
            department,
            comment,
        } => (
            tr.f("mail.unsatisfied.subject", &[("number", number)]),
            vec![tr.f(
                "mail.unsatisfied.body",
                &[("department", &dept(department)), ("number", number)],
            )],
            (!comment.is_empty()).then(|| comment.clone()),
            Some(staff(number)),
        ),
        MailData::Reminder {
            number,
            department,
            state,
            title,
            due,
        } => (
            tr.f("mail.reminder.subject", &[("number", number), ("due", &day(due))]),
            vec![tr.f(
                "mail.reminder.body",
                &[
                    ("department", &dept(department)),
                    ("number", number),
                    ("state", tr.t(&format!("state.{}", state.as_str()))),
                    ("due", &day(due)),
                ],
            )],
            Some(title.clone()),
            Some(staff(number)),
        ),
        MailData::Escalation {
            number,
            department,
            state,
            title,
            due,
        } => (
            tr.f("mail.escalation.subject", &[("number", number)]),
            vec![tr.f(
                "mail.escalation.body",
                &[
                    ("department", &dept(department)),
                    ("number", number),
                    ("state", tr.t(&format!("state.{}", state.as_str()))),
                    ("due", &day(due)),
                ],
            )],
            Some(title.clone()),
            Some(staff(number)),
        ),
        MailData::Digest { month, lines } => {
            let mut paragraphs = vec![tr.f("mail.digest.body", &[("month", month)])];
            paragraphs.extend(lines.iter().map(|l| {
                tr.f(
                    "mail.digest.line",
                    &[
                        ("department", &dept(&l.department)),
                        ("received", &l.received.to_string()),
                        ("answered", &l.answered.to_string()),
                        ("overdue", &l.overdue.to_string()),
                    ],
                )
            }));
            (
                tr.f("mail.digest.subject", &[("month", month)]),
                paragraphs,
                None,
                Some(Link {
                    label: tr.t("mail.staff_link").to_string(),
                    url: format!("{}/staff", env.base_url),
                }),
            )
        }
        MailData::SignInLink { sealed_token } => (
            tr.t("mail.sign_in.subject").to_string(),
            vec![
                tr.t("mail.sign_in.body").to_string(),
                tr.t("mail.not_you").to_string(),
            ],
            None,
            env.sealer.open(sealed_token).map(|token| Link {
                label: tr.t("mail.sign_in.link").to_string(),
                url: format!("{}/account/link?token={}", env.base_url, encode(&token)),
            }),
        ),
        MailData::SupportConfirm { number, sealed_token } => (
            tr.f("mail.support_confirm.subject", &[("number", number)]),
            vec![
                tr.f("mail.support_confirm.body", &[("number", number)]),
                tr.t("mail.not_you").to_string(),
            ],
            None,
            env.sealer.open(sealed_token).map(|token| Link {
                label: tr.t("mail.support_confirm.link").to_string(),
                url: format!("{}/supports/confirm?token={}", env.base_url, encode(&token)),
            }),
        ),
        MailData::FilingConfirm {
            number,
            sealed_token,
            sealed_access,
        } => {
            let mut paragraphs = vec![tr.f("mail.filing_confirm.body", &[("number", number)])];
            if let Some(access) = env.sealer.open(sealed_access) {
                paragraphs.push(tr.f(
                    "mail.filing_confirm.private",
                    &[(
                        "url",
                        &format!(
                            "{}/cases/{}?token={}",
                            env.base_url,
                            encode(number),
                            encode(&access)
                        ),
                    )],
                ));
            }
            paragraphs.push(tr.t("mail.not_you").to_string());
            (
                tr.f("mail.filing_confirm.subject", &[("number", number)]),
                paragraphs,
                None,
                env.sealer.open(sealed_token).map(|token| Link {
                    label: tr.t("mail.filing_confirm.link").to_string(),
                    url: format!("{}/filings/confirm?token={}", env.base_url, encode(&token)),
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
            let when = crate::format::local_day(locale, *date);
            (
                tr.f(&format!("mail.{key}.subject"), &[("date", &when)]),
                vec![
                    tr.f(
                        &format!("mail.{key}.body"),
                        &[
                            ("number", number),
                            ("date", &when),
                            ("time", starts_at),
                            ("place", place),
                            ("leader", leader),
                        ],
                    ),
                    tr.t("mail.reception_bring").to_string(),
                ],
                None,
                Some(track(number)),
            )
        }
        MailData::ReceptionDayCancelled { number, date, reason } => {
            let when = crate::format::local_day(locale, *date);
            (
                tr.f("mail.reception_day_cancelled.subject", &[("date", &when)]),
                vec![tr.f(
                    "mail.reception_day_cancelled.body",
                    &[("number", number), ("date", &when)],
                )],
                Some(reason.clone()),
                Some(track(number)),
            )
        }
        MailData::ReceptionList {
            date,
            starts_at,
            place,
            lines,
        } => {
            let when = crate::format::local_day(locale, *date);
            let mut paragraphs = vec![tr.f(
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
                tr.f(
                    "mail.reception_list.subject",
                    &[("date", &when), ("count", &lines.len().to_string())],
                ),
                paragraphs,
                None,
                Some(Link {
                    label: tr.t("mail.staff_link").to_string(),
                    url: format!("{}/leader", env.base_url),
                }),
            )
        }
        MailData::Supervised { number, leader } => (
            tr.f("mail.supervised.subject", &[("number", number)]),
            vec![tr.f("mail.supervised.body", &[("number", number), ("leader", leader)])],
            None,
            Some(track(number)),
        ),
        MailData::PublicUpdate { number, event, .. } => (
            tr.f("mail.public_update.subject", &[("number", number)]),
            vec![
                tr.f("mail.public_update.body", &[("number", number)]),
                tr.t("mail.public_update.why").to_string(),
            ],
            Some(crate::format::event_text(tr, env.catalog, env.tz, event.kind(), Some(event)).summary),
            Some(track(number)),
        ),
    };
    let paragraphs: Vec<String> = paragraphs.into_iter().filter(|p| !p.is_empty()).collect();
    let stop = match data {
        MailData::PublicUpdate {
            support: Some(id), ..
        } => Some(Link {
            label: tr.t("mail.public_update.stop").to_string(),
            url: format!(
                "{}/supports/stop?token={}",
                env.base_url,
                encode(&env.sealer.seal(&stop_secret(*id)))
            ),
        }),
        _ => None,
    };
    let footer = tr.t("mail.footer");
    let html = HtmlMail {
        lang: locale.as_str(),
        subject: &subject,
        paragraphs: &paragraphs,
        quote: quote.as_deref(),
        link: link.as_ref(),
        stop: stop.as_ref(),
        footer,
    }
    .render()?;
    let text = TextMail {
        paragraphs: &paragraphs,
        quote: quote.as_deref(),
        link: link.as_ref(),
        stop: stop.as_ref(),
        footer,
    }
    .render()?;
    Ok(Rendered { subject, text, html })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::Catalog;

    fn catalog() -> Catalog {
        let data = crate::service::demo::demo_data().expect("demo data");
        let rules = data
            .rules
            .iter()
            .enumerate()
            .map(|(i, (c, a, d))| crate::domain::routing::RoutingRule {
                id: i as i32,
                category_code: c.clone(),
                area_code: a.clone(),
                department_code: d.clone(),
            })
            .collect();
        Catalog::new(
            data.departments,
            data.areas,
            data.groups,
            data.categories,
            data.channels,
            rules,
        )
        .expect("catalog")
    }

    /// One of every kind of mail.
    fn every_mail(sealer: &Sealer) -> Vec<MailData> {
        let at = Utc::now();
        let n = "2611260000019".to_string();
        let d = "environment".to_string();
        vec![
            MailData::Receipt {
                number: n.clone(),
                sealed_token: sealer.seal("tok"),
                department: d.clone(),
                acceptance_due: at,
            },
            MailData::Assignment {
                number: n.clone(),
                department: d.clone(),
                category: "noise".into(),
                area: "LJ-CG-DM".into(),
                title: "标题".into(),
                due: Some(at),
            },
            MailData::Accepted {
                number: n.clone(),
                department: d.clone(),
                answer_due: at,
            },
            MailData::NotAccepted {
                number: n.clone(),
                department: d.clone(),
                reason: "r".into(),
                channel: "court".into(),
            },
            MailData::Transferred {
                number: n.clone(),
                department: d.clone(),
                reason: "r".into(),
            },
            MailData::ExtensionRequested {
                number: n.clone(),
                department: d.clone(),
                days: 5,
                reason: "r".into(),
            },
            MailData::ExtensionApproved {
                number: n.clone(),
                days: 5,
                reason: "r".into(),
                answer_due: at,
            },
            MailData::Answered {
                number: n.clone(),
                department: d.clone(),
                outcome: Outcome::Supported,
                text: "t".into(),
                legal_basis: "b".into(),
                window_end: Some(at),
            },
            MailData::ReviewAccepted {
                number: n.clone(),
                department: d.clone(),
                stage: Stage::Review,
                answer_due: at,
            },
            MailData::ReviewAccepted {
                number: n.clone(),
                department: d.clone(),
                stage: Stage::ReReview,
                answer_due: at,
            },
            MailData::ReviewDecided {
                number: n.clone(),
                department: d.clone(),
                stage: Stage::Review,
                outcome: Outcome::Explained,
                text: "t".into(),
                legal_basis: "b".into(),
                window_end: Some(at),
            },
            MailData::ReviewDecided {
                number: n.clone(),
                department: d.clone(),
                stage: Stage::ReReview,
                outcome: Outcome::NotSupported,
                text: "t".into(),
                legal_basis: "b".into(),
                window_end: None,
            },
            MailData::Closed {
                number: n.clone(),
                satisfied: true,
            },
            MailData::Closed {
                number: n.clone(),
                satisfied: false,
            },
            MailData::Withdrawn {
                number: n.clone(),
                department: d.clone(),
                title: "标题".into(),
            },
            MailData::Unsatisfied {
                number: n.clone(),
                department: d.clone(),
                comment: "c".into(),
            },
            MailData::Reminder {
                number: n.clone(),
                department: d.clone(),
                state: CaseState::Routed,
                title: "标题".into(),
                due: at,
            },
            MailData::Escalation {
                number: n.clone(),
                department: d.clone(),
                state: CaseState::Accepted,
                title: "标题".into(),
                due: at,
            },
            MailData::Digest {
                month: "2026-11".into(),
                lines: vec![DigestLine {
                    department: d,
                    received: 3,
                    answered: 2,
                    overdue: 1,
                }],
            },
            MailData::SignInLink {
                sealed_token: sealer.seal("sign-in-token"),
            },
            MailData::SupportConfirm {
                number: n.clone(),
                sealed_token: sealer.seal("support-token"),
            },
            MailData::FilingConfirm {
                number: n.clone(),
                sealed_token: sealer.seal("confirm-token"),
                sealed_access: sealer.seal("access-token"),
            },
            MailData::PublicUpdate {
                number: n.clone(),
                event: crate::domain::timeline::EventData::Accepted { answer_due: at },
                support: Some(7),
            },
            MailData::Reception {
                number: n.clone(),
                date: chrono::NaiveDate::from_ymd_opt(2026, 12, 10).expect("date"),
                starts_at: "09:00".into(),
                place: "市民中心三楼接待室".into(),
                leader: "王市长".into(),
                reminder: false,
            },
            MailData::Reception {
                number: n.clone(),
                date: chrono::NaiveDate::from_ymd_opt(2026, 12, 10).expect("date"),
                starts_at: "09:00".into(),
                place: "市民中心三楼接待室".into(),
                leader: "王市长".into(),
                reminder: true,
            },
            MailData::ReceptionList {
                date: chrono::NaiveDate::from_ymd_opt(2026, 12, 10).expect("date"),
                starts_at: "09:00".into(),
                place: "市民中心三楼接待室".into(),
                lines: vec![ReceptionLine {
                    number: n.clone(),
                    title: "标题".into(),
                }],
            },
            MailData::ReceptionDayCancelled {
                number: n.clone(),
                date: chrono::NaiveDate::from_ymd_opt(2026, 12, 10).expect("date"),
                reason: "领导临时公务外出".into(),
            },
            MailData::Supervised {
                number: n.clone(),
                leader: "王市长".into(),
            },
        ]
    }

    #[test]
    fn link_mails_carry_their_links_opened() {
        let catalog = catalog();
        let sealer = Sealer::generate();
        let env = MailEnv {
            catalog: &catalog,
            tz: chrono_tz::Asia::Shanghai,
            base_url: "http://portal.test",
            sealer: &sealer,
        };
        let text = |data: MailData| render(&data, Locale::ZhCn, &env).expect("renders").text;
        let sign_in = text(MailData::SignInLink {
            sealed_token: sealer.seal("abc"),
        });
        assert!(
            sign_in.contains("http://portal.test/account/link?token=abc"),
            "{sign_in}"
        );
        let confirm = text(MailData::FilingConfirm {
            number: "2611260000019".into(),
            sealed_token: sealer.seal("c1"),
            sealed_access: sealer.seal("a1"),
        });
        assert!(confirm.contains("/filings/confirm?token=c1"));
        assert!(confirm.contains("/cases/2611260000019?token=a1"));
        let news = text(MailData::PublicUpdate {
            number: "2611260000019".into(),
            event: crate::domain::timeline::EventData::Withdrawn,
            support: Some(7),
        });
        assert!(news.contains("2611260000019") && news.contains("附议"), "{news}");
        // The stop link carries the support sealed, under its own purpose.
        let sealed = news
            .split("/supports/stop?token=")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .expect("a stop link");
        let sealed = percent_encoding::percent_decode_str(sealed)
            .decode_utf8()
            .expect("utf-8");
        let opened = sealer.open(&sealed).expect("opens");
        assert_eq!(support_of_stop_secret(&opened), Some(7));
        assert_eq!(support_of_stop_secret("abc"), None);
        let older = text(MailData::PublicUpdate {
            number: "2611260000019".into(),
            event: crate::domain::timeline::EventData::Withdrawn,
            support: None,
        });
        assert!(!older.contains("/supports/stop"));
    }

    #[test]
    fn every_mail_renders_in_both_languages_without_a_raw_message_key() {
        let catalog = catalog();
        let sealer = Sealer::generate();
        let env = MailEnv {
            catalog: &catalog,
            tz: chrono_tz::Asia::Shanghai,
            base_url: "http://portal.test",
            sealer: &sealer,
        };
        for data in every_mail(&sealer) {
            for locale in Locale::ALL {
                let mail = render(&data, locale, &env).expect("renders");
                for part in [&mail.subject, &mail.text, &mail.html] {
                    assert!(
                        !part.contains("mail.") && !part.contains("outcome.") && !part.contains("state."),
                        "{:?} {locale:?}: {part}",
                        data.kind()
                    );
                    assert!(
                        !part.contains('{'),
                        "an unfilled placeholder in {:?}: {part}",
                        data.kind()
                    );
                }
                assert!(mail.html.contains("<html lang="));
                assert!(!mail.subject.is_empty());
            }
            let json = serde_json::to_string(&data).expect("serialises");
            assert_eq!(serde_json::from_str::<MailData>(&json).expect("parses"), data);
        }
    }

    #[test]
    fn html_mail_escapes_what_residents_and_staff_wrote() {
        let catalog = catalog();
        let sealer = Sealer::generate();
        let env = MailEnv {
            catalog: &catalog,
            tz: chrono_tz::Asia::Shanghai,
            base_url: "http://portal.test",
            sealer: &sealer,
        };
        let data = MailData::Answered {
            number: "1".into(),
            department: "environment".into(),
            outcome: Outcome::Supported,
            text: "<script>alert(1)</script>".into(),
            legal_basis: "b".into(),
            window_end: None,
        };
        let mail = render(&data, Locale::ZhCn, &env).expect("renders");
        assert!(!mail.html.contains("<script>"));
        assert!(
            mail.text.contains("<script>alert(1)</script>"),
            "plain text stays as written"
        );
    }
}
