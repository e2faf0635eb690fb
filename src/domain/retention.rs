//! How long personal data is kept: a resident's identity (name, contact details,
//! address, location, files) until the retention period after their case ended; the
//! case itself, its timeline and its figures are the archive and stay.

use chrono::{DateTime, Datelike, Utc};

/// Cases that ended before this moment have kept their identity for `years` at `now`.
/// A 29 February that the year `years` back lacks counts as 28 February.
pub fn identity_kept_until(now: DateTime<Utc>, years: u32) -> DateTime<Utc> {
    let back = now.year() - i32::try_from(years).unwrap_or(i32::MAX).min(now.year());
    now.with_year(back)
        .or_else(|| now.with_day(28).and_then(|d| d.with_year(back)))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn three_years_back_to_the_second_and_leap_days_fall_back() {
        let now = Utc.with_ymd_and_hms(2029, 12, 2, 8, 30, 0).unwrap();
        assert_eq!(
            identity_kept_until(now, 3),
            Utc.with_ymd_and_hms(2026, 12, 2, 8, 30, 0).unwrap()
        );
        let leap = Utc.with_ymd_and_hms(2028, 2, 29, 0, 0, 0).unwrap();
        assert_eq!(
            identity_kept_until(leap, 3),
            Utc.with_ymd_and_hms(2025, 2, 28, 0, 0, 0).unwrap()
        );
        assert_eq!(
            identity_kept_until(leap, 4),
            Utc.with_ymd_and_hms(2024, 2, 29, 0, 0, 0).unwrap()
        );
        assert_eq!(identity_kept_until(now, 0), now);
    }
}
