//! Tracking numbers: `YYMMDD` (filing date, local) + the case id (at least six digits) +
//! a Damm check digit, which catches every single-digit typo and every swap of two
//! neighbouring digits when a resident types the number in.

use chrono::{Datelike, NaiveDate};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct TrackingNumber(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TrackingNumberError {
    #[error("a tracking number has only digits")]
    NotDigits,
    #[error("a tracking number has 13 to 20 digits")]
    Length,
    #[error("the check digit does not match: the number was probably mistyped")]
    CheckDigit,
}

const DAMM: [[u8; 10]; 10] = [
    [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
    [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
    [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
    [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
    [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
    [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
    [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
    [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
    [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
    [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];

fn damm(digits: &str) -> u8 {
    digits
        .bytes()
        .fold(0u8, |interim, b| DAMM[interim as usize][(b - b'0') as usize])
}

impl TrackingNumber {
    pub const MIN_LEN: usize = 13;
    pub const MAX_LEN: usize = 20;

    pub fn new(filed_on: NaiveDate, case_id: i64) -> Self {
        let body = format!(
            "{:02}{:02}{:02}{:06}",
            filed_on.year().rem_euclid(100),
            filed_on.month(),
            filed_on.day(),
            case_id
        );
        let check = damm(&body);
        TrackingNumber(format!("{body}{check}"))
    }

    /// Accepts what people type: spaces and hyphens are ignored.
    pub fn parse(input: &str) -> Result<Self, TrackingNumberError> {
        let digits: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if !digits.bytes().all(|b| b.is_ascii_digit()) || digits.is_empty() {
            return Err(TrackingNumberError::NotDigits);
        }
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&digits.len()) {
            return Err(TrackingNumberError::Length);
        }
        if damm(&digits) != 0 {
            return Err(TrackingNumberError::CheckDigit);
        }
        Ok(TrackingNumber(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TrackingNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).expect("valid date")
    }

    #[test]
    fn damm_matches_the_published_example() {
        assert_eq!(damm("572"), 4);
        assert_eq!(damm("5724"), 0);
    }

    #[test]
    fn format_is_date_then_id_then_check_digit() {
        let n = TrackingNumber::new(day(), 42);
        assert_eq!(&n.as_str()[..12], "261126000042");
        assert_eq!(n.as_str().len(), 13);
        assert_eq!(TrackingNumber::parse(n.as_str()), Ok(n.clone()));
        let big = TrackingNumber::new(day(), 12_345_678);
        assert_eq!(&big.as_str()[..14], "26112612345678");
    }

    #[test]
    fn typed_forms_are_accepted() {
        let n = TrackingNumber::new(day(), 7);
        let s = n.as_str();
        let spaced = format!(" {}-{} {} ", &s[..6], &s[6..12], &s[12..]);
        assert_eq!(TrackingNumber::parse(&spaced), Ok(n));
    }

    #[test]
    fn garbage_is_rejected_with_a_reason() {
        assert_eq!(TrackingNumber::parse(""), Err(TrackingNumberError::NotDigits));
        assert_eq!(TrackingNumber::parse("abc"), Err(TrackingNumberError::NotDigits));
        assert_eq!(
            TrackingNumber::parse("１２３"),
            Err(TrackingNumberError::NotDigits)
        );
        assert_eq!(TrackingNumber::parse("12345"), Err(TrackingNumberError::Length));
        assert_eq!(
            TrackingNumber::parse(&"9".repeat(21)),
            Err(TrackingNumberError::Length)
        );
    }

    proptest! {
        #[test]
        fn every_single_digit_typo_is_caught(id in 1i64..10_000_000, pos in 0usize..13, delta in 1u8..10) {
            let n = TrackingNumber::new(day(), id);
            let mut bytes = n.as_str().as_bytes().to_vec();
            let pos = pos % bytes.len();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let typo = String::from_utf8(bytes).expect("ascii");
            prop_assert_eq!(TrackingNumber::parse(&typo), Err(TrackingNumberError::CheckDigit));
        }

        #[test]
        fn every_adjacent_swap_is_caught(id in 1i64..10_000_000, pos in 0usize..12) {
            let n = TrackingNumber::new(day(), id);
            let mut bytes = n.as_str().as_bytes().to_vec();
            let pos = pos % (bytes.len() - 1);
            prop_assume!(bytes[pos] != bytes[pos + 1]);
            bytes.swap(pos, pos + 1);
            let swapped = String::from_utf8(bytes).expect("ascii");
            prop_assert_eq!(TrackingNumber::parse(&swapped), Err(TrackingNumberError::CheckDigit));
        }
    }
}
