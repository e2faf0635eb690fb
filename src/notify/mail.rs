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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
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
    pub fn kind(&self) -> &'static str {
        match self {
            MailData::Receipt { .. } => "receipt",
            MailData::Assignment { .. } => "assignment",
            MailData::Accepted { .. } => "accepted",
            MailData::NotAccepted { .. } => "not_accepted",
            MailData::Transferred { .. } => "transferred",
            MailData::ExtensionRequested { .. } => "extension_requested",
            MailData::ExtensionApproved { .. } => "extension_approved",
            MailData::Answered { .. } => "answered",
            MailData::Reminder { .. } => "reminder",
            MailData::Escalation { .. } => "escalation",
            MailData::Digest { .. } => "digest",
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
    footer: &'a str,
}

#[derive(Template)]
#[template(path = "mail.txt")]
struct TextMail<'a> {
    paragraphs: &'a [String],
    quote: Option<&'a str>,
    link: Option<&'a Link>,
    footer: &'a str,
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
    };
    let paragraphs: Vec<String> = paragraphs.into_iter().filter(|p| !p.is_empty()).collect();
    let footer = tr.t("mail.footer");
    let html = HtmlMail {
        lang: locale.as_str(),
        subject: &subject,
        paragraphs: &paragraphs,
        quote: quote.as_deref(),
        link: link.as_ref(),
        footer,
    }
    .render()?;
    let text = TextMail {
        paragraphs: &paragraphs,
        quote: quote.as_deref(),
        link: link.as_ref(),
        footer,
    }
    .render()?;
    Ok(Rendered { subject, text, html })
}
