//! The vocabulary of the outbox.

use chrono::{DateTime, Days, Utc};

use super::case::text_enum;

text_enum! {
    /// Where a notice is on its way: written, being sent (claimed under a lease), sent,
    /// failed (to be tried again), or given up after its last attempt.
    MailState {
        Pending = "pending",
        Sending = "sending",
        Sent = "sent",
        Failed = "failed",
        Dead = "dead",
    }
}

/// A mail's link to its case's private page. It is sealed into the mail (the case's
/// access token exists only as a hash), opens that one case and nothing else, and lapses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseLink {
    pub number: String,
    pub until: DateTime<Utc>,
}

/// The shortest life of a mail's case link: long enough to read the mail after a holiday.
pub const CASE_LINK_DAYS: u64 = 30;

const PREFIX: &str = "case-mail:";

/// How a mail's case link starts in a URL's `token`, telling it from an access token
/// (whose alphabet has no dot).
pub const MAIL_LINK_PREFIX: &str = "m.";

impl CaseLink {
    /// The link of a mail sent at `sent`: it lives 30 days, and at least a day past
    /// `until_at_least` (the end of the evaluation window, the reception day).
    pub fn new(number: &str, sent: DateTime<Utc>, until_at_least: Option<DateTime<Utc>>) -> Self {
        let base = sent.checked_add_days(Days::new(CASE_LINK_DAYS)).unwrap_or(sent);
        let wanted = until_at_least
            .and_then(|at| at.checked_add_days(Days::new(1)))
            .unwrap_or(base);
        CaseLink {
            number: number.to_string(),
            until: base.max(wanted),
        }
    }

    /// What is sealed: a purpose of its own, so no other sealed value passes for it.
    pub fn secret(&self) -> String {
        format!("{PREFIX}{}:{}", self.number, self.until.timestamp())
    }

    pub fn parse(secret: &str) -> Option<Self> {
        let (number, until) = secret.strip_prefix(PREFIX)?.rsplit_once(':')?;
        Some(CaseLink {
            number: number.to_string(),
            until: DateTime::from_timestamp(until.parse().ok()?, 0)?,
        })
    }

    /// Whether the link opens case `number` at `now`.
    pub fn opens(&self, number: &str, now: DateTime<Utc>) -> bool {
        self.number == number && now < self.until
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, d, 8, 0, 0).unwrap()
    }

    #[test]
    fn a_case_link_lives_thirty_days_or_past_its_window() {
        let link = CaseLink::new("HY-1", at(1), None);
        assert_eq!(link.until, at(31));
        assert_eq!(CaseLink::new("HY-1", at(1), Some(at(5))).until, at(31));
        let long = CaseLink::new("HY-1", at(1), Some(at(1) + chrono::Duration::days(40)));
        assert_eq!(long.until, at(1) + chrono::Duration::days(41));
    }

    #[test]
    fn a_case_link_opens_its_case_only_and_only_in_time() {
        let link = CaseLink::new("HY-2026-000001", at(1), None);
        assert_eq!(CaseLink::parse(&link.secret()), Some(link.clone()));
        assert!(link.opens("HY-2026-000001", at(30)));
        assert!(!link.opens("HY-2026-000002", at(2)));
        assert!(!link.opens("HY-2026-000001", at(31)));
        assert_eq!(CaseLink::parse("support-mail:7"), None);
        assert_eq!(CaseLink::parse("case-mail:HY-1:soon"), None);
        assert_eq!(CaseLink::parse("case-mail:HY-1"), None);
    }
}
