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
use crate::domain::mail::{CaseLink, MAIL_LINK_PREFIX};
use crate::format::encode;
use crate::format::{date, department_name};
use crate::i18n::Tr;

mod departments;
mod leaders;
mod resident;

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
    /// To the resident: their review (or re-review) request is in, and by when it is decided.
    ReviewRequested {
        number: String,
        department: String,
        stage: Stage,
        due: Option<DateTime<Utc>>,
    },
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
    /// To the intake office and the supervising leader: a case was marked as a major or
    /// urgent matter (信访工作条例 art. 25).
    MajorMatter {
        number: String,
        department: String,
        title: String,
        reason: String,
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
    /// When the mail is sent: its case link lives from then.
    pub now: DateTime<Utc>,
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
    /// What ends a link's label: "：" in Chinese text, ":" in English.
    colon: &'a str,
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

/// What a mail says: its subject, paragraphs, a quoted text and the one link it offers.
type Content = (String, Vec<String>, Option<String>, Option<Link>);

/// What part of their case page a resident's mail opens on.
#[derive(Debug, Clone, Copy)]
enum CaseView {
    Case,
    /// The answer, with the evaluation and review forms below it.
    Answer,
    /// The reception-day booking and its cancel button.
    Booking,
}

/// What every mail's text is written with: the reader's language and the portal.
struct Cx<'a> {
    tr: Tr,
    locale: Locale,
    env: &'a MailEnv<'a>,
}

impl Cx<'_> {
    fn day(&self, at: &DateTime<Utc>) -> String {
        date(self.locale, *at, self.env.tz)
    }

    fn dept(&self, code: &str) -> String {
        department_name(self.env.catalog, self.locale, code)
    }

    /// The public tracking page of a case.
    fn track(&self, number: &str) -> Link {
        Link {
            label: self.tr.t("mail.track_link").to_string(),
            url: format!("{}/track?number={}", self.env.base_url, encode(number)),
        }
    }

    /// The resident's private page of their case, by a sealed link of its own (see
    /// [`CaseLink`]), opening on what the mail is about.
    fn case(&self, number: &str, until_at_least: Option<DateTime<Utc>>, view: CaseView) -> Link {
        let link = CaseLink::new(number, self.env.now, until_at_least);
        let sealed = format!("{MAIL_LINK_PREFIX}{}", self.env.sealer.seal(&link.secret()));
        let (label, anchor) = match view {
            CaseView::Case => ("mail.case_link", "#details"),
            CaseView::Answer => ("mail.answer_link", "#answer"),
            CaseView::Booking => ("mail.booking_link", "#reception"),
        };
        Link {
            label: self.tr.t(label).to_string(),
            url: format!(
                "{}/cases/{}?token={}{anchor}",
                self.env.base_url,
                encode(number),
                encode(&sealed)
            ),
        }
    }

    /// The end of a local day, as a moment.
    fn end_of(&self, day: chrono::NaiveDate) -> Option<DateTime<Utc>> {
        day.and_hms_opt(23, 59, 59)
            .and_then(|t| t.and_local_timezone(self.env.tz).earliest())
            .map(|t| t.with_timezone(&Utc))
    }

    /// The case in the staff workspace.
    fn staff(&self, number: &str) -> Link {
        Link {
            label: self.tr.t("mail.staff_link").to_string(),
            url: format!("{}/staff/cases/{}", self.env.base_url, encode(number)),
        }
    }
}

/// Renders a notice in the recipient's language, as text and HTML.
pub fn render(data: &MailData, locale: Locale, env: &MailEnv) -> Result<Rendered, askama::Error> {
    let tr = Tr(locale);
    let cx = Cx { tr, locale, env };
    let (subject, paragraphs, quote, link) = resident::content(data, &cx)
        .or_else(|| departments::content(data, &cx))
        .or_else(|| leaders::content(data, &cx))
        .ok_or_else(|| askama::Error::Custom(format!("no text for mail {}", data.mail()).into()))?;
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
        colon: tr.t("mail.colon"),
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
mod tests;
