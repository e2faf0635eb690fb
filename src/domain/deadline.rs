//! Local days and their ends: a deadline is met until the last instant of its last day in
//! the deployment's time zone. The counting itself is in `calendar.rs`.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Shanghai;

    #[test]
    fn a_day_ends_at_local_midnight() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 11).expect("valid");
        let end = end_of_day(day, Shanghai);
        assert_eq!(
            end,
            Utc.with_ymd_and_hms(2026, 12, 11, 15, 59, 59)
                .single()
                .expect("valid")
                + chrono::Duration::microseconds(999_999)
        );
        assert_eq!(local_date(end, Shanghai), day);
        assert_eq!(
            local_date(end + chrono::Duration::microseconds(1), Shanghai),
            day.succ_opt().expect("valid")
        );
    }

    #[test]
    fn local_midnight_is_the_local_day_not_the_utc_day() {
        // 2026-11-26 23:30 UTC is already 27 November in Shanghai.
        let at = Utc
            .with_ymd_and_hms(2026, 11, 26, 23, 30, 0)
            .single()
            .expect("valid");
        assert_eq!(
            local_date(at, Shanghai),
            NaiveDate::from_ymd_opt(2026, 11, 27).expect("valid")
        );
    }
}
