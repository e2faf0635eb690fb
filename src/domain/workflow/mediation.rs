//! Mediation between the parties (人民调解): what an agreement records, and the law's
//! numbers the portal states.

use super::{AnswerText, NoteText, Reason};

/// A mediation's record: what the People's Mediation Law (art. 29) asks an agreement to
/// say, or why it failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Mediation {
    Agreed {
        facts: NoteText,
        agreement: AnswerText,
        /// By when, and how, the parties perform what they agreed.
        performance_deadline: chrono::NaiveDate,
        performance: NoteText,
    },
    Failed {
        facts: NoteText,
        reason: Reason,
    },
}

/// The legal basis an agreed mediation is answered with.
pub const MEDIATION_BASIS: &str =
    "《中华人民共和国人民调解法》第二十八条、第二十九条、第三十一条、第三十三条";

/// Within this many days of an agreement, the parties may jointly ask the court to
/// confirm it (People's Mediation Law, art. 33).
pub const COURT_CONFIRMATION_DAYS: i64 = 30;
