//! Deadline arithmetic. For now: a number of calendar days in the deployment's time zone,
//! the day of the triggering event not counted, due at the end of the last day.

use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Days the department has to decide on acceptance (PRODUCT.md default).
pub const ACCEPTANCE_DAYS: u64 = 15;

/// The local calendar date of an instant.
pub fn local_date(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// The last instant of a local day, as UTC.
pub fn end_of_day(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let last = date.and_time(NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).unwrap_or(NaiveTime::MIN));
    match tz.from_local_datetime(&last) {
        chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(_, later) => later.with_timezone(&Utc),
        // A gap at the end of a day (not in Asia/Shanghai): fall back to UTC reading.
        chrono::LocalResult::None => last.and_utc(),
    }
}

/// Due `days` calendar days after `from` (the starting day not counted).
pub fn due_after_calendar_days(from: DateTime<Utc>, days: u64, tz: Tz) -> DateTime<Utc> {
    let start = local_date(from, tz);
    let last = start.checked_add_days(Days::new(days)).unwrap_or(start);
    end_of_day(last, tz)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Shanghai;

    #[test]
    fn the_filing_day_is_not_counted_and_the_last_day_counts_whole() {
        // 2026-11-26 10:00 in Shanghai.
        let filed = Utc
            .with_ymd_and_hms(2026, 11, 26, 2, 0, 0)
            .single()
            .expect("valid");
        let due = due_after_calendar_days(filed, 15, Shanghai);
        assert_eq!(
            local_date(due, Shanghai),
            NaiveDate::from_ymd_opt(2026, 12, 11).expect("valid")
        );
        assert_eq!(
            due,
            Utc.with_ymd_and_hms(2026, 12, 11, 15, 59, 59)
                .single()
                .expect("valid")
                + chrono::Duration::microseconds(999_999)
        );
    }

    #[test]
    fn local_midnight_is_the_local_day_not_the_utc_day() {
        // 2026-11-26 23:30 UTC is already 27 November in Shanghai.
        let filed = Utc
            .with_ymd_and_hms(2026, 11, 26, 23, 30, 0)
            .single()
            .expect("valid");
        let due = due_after_calendar_days(filed, 1, Shanghai);
        assert_eq!(
            local_date(due, Shanghai),
            NaiveDate::from_ymd_opt(2026, 11, 28).expect("valid")
        );
    }
}
