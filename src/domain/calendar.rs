//! The working-day calendar: weekends, public holidays and make-up working days (调休),
//! per year, as published by the State Council. Pure data and arithmetic.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::Deserialize;

/// A holiday period as published: first and last day (inclusive) and its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    holidays: BTreeMap<i32, Vec<Holiday>>,
    rest: BTreeSet<NaiveDate>,
    work: BTreeSet<NaiveDate>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CalendarError {
    #[error("the calendar file does not parse: {0}")]
    Parse(String),
    #[error("{0} is not a date (YYYY-MM-DD)")]
    Date(String),
    #[error("holiday {name:?} ends before it starts")]
    Backwards { name: String },
    #[error("{date} is listed under year {year}")]
    WrongYear { date: NaiveDate, year: i32 },
    #[error("{0} is both a rest day and a make-up working day")]
    Both(NaiveDate),
    #[error("make-up working day {0} is not a Saturday or Sunday")]
    WorkdayNotWeekend(NaiveDate),
}

#[derive(Deserialize)]
struct YearFile {
    #[serde(default)]
    rest: Vec<(String, String, String)>,
    #[serde(default)]
    work: Vec<String>,
}

fn date(text: &str) -> Result<NaiveDate, CalendarError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| CalendarError::Date(text.to_string()))
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

impl Calendar {
    /// Parses the TOML format of `calendar/cn-public-holidays.toml`: a table per year
    /// with `rest = [[first, last, name], …]` and `work = [date, …]`.
    pub fn from_toml(text: &str) -> Result<Calendar, CalendarError> {
        let years: BTreeMap<String, YearFile> =
            toml::from_str(text).map_err(|e| CalendarError::Parse(e.to_string()))?;
        let mut calendar = Calendar::default();
        for (year, file) in years {
            let year: i32 = year
                .parse()
                .map_err(|_| CalendarError::Parse(format!("{year:?} is not a year")))?;
            let mut holidays = Vec::new();
            for (first, last, name) in file.rest {
                holidays.push(Holiday {
                    first: date(&first)?,
                    last: date(&last)?,
                    name,
                });
            }
            let work = file.work.iter().map(|d| date(d)).collect::<Result<Vec<_>, _>>()?;
            calendar.set_year(year, holidays, work)?;
        }
        Ok(calendar)
    }

    /// Replaces one year's holidays and make-up days, checking them.
    pub fn set_year(
        &mut self,
        year: i32,
        holidays: Vec<Holiday>,
        work: Vec<NaiveDate>,
    ) -> Result<(), CalendarError> {
        let mut rest = BTreeSet::new();
        for h in &holidays {
            if h.last < h.first {
                return Err(CalendarError::Backwards { name: h.name.clone() });
            }
            for d in h.first.iter_days().take_while(|d| *d <= h.last) {
                if d.year() != year && h.first.year() != year {
                    return Err(CalendarError::WrongYear { date: d, year });
                }
                rest.insert(d);
            }
        }
        for d in &work {
            if d.year() != year {
                return Err(CalendarError::WrongYear { date: *d, year });
            }
            if rest.contains(d) {
                return Err(CalendarError::Both(*d));
            }
            if !is_weekend(*d) {
                return Err(CalendarError::WorkdayNotWeekend(*d));
            }
        }
        // Drop what an earlier version of this year said.
        if let Some(old) = self.holidays.remove(&year) {
            for h in old {
                for d in h.first.iter_days().take_while(|d| *d <= h.last) {
                    self.rest.remove(&d);
                }
            }
        }
        self.work.retain(|d| d.year() != year);
        self.rest.extend(rest);
        self.work.extend(work);
        self.holidays.insert(year, holidays);
        Ok(())
    }

    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.holidays.keys().copied()
    }

    pub fn holidays(&self, year: i32) -> &[Holiday] {
        self.holidays.get(&year).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn makeup_days(&self, year: i32) -> impl Iterator<Item = NaiveDate> + '_ {
        self.work.iter().copied().filter(move |d| d.year() == year)
    }

    /// Whether `d` is a working day: a make-up day, or a weekday that is not a holiday.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        self.work.contains(&d) || (!is_weekend(d) && !self.rest.contains(&d))
    }

    /// The first working day on or after `d`.
    pub fn working_day_on_or_after(&self, d: NaiveDate) -> NaiveDate {
        let mut day = d;
        // A year has at most a few dozen rest days in a row; bounded for safety.
        for _ in 0..366 {
            if self.is_working_day(day) {
                return day;
            }
            day = day.succ_opt().unwrap_or(day);
        }
        day
    }

    /// `n` working days after `from`, `from` itself not counted.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut day = from;
        let mut left = n;
        while left > 0 {
            day = day.succ_opt().unwrap_or(day);
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// `n` calendar days after `from` (not counted); a last day that is not a working day
    /// moves to the next working day (Civil Code arts. 201–203).
    pub fn add_calendar_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let last = from.checked_add_days(Days::new(u64::from(n))).unwrap_or(from);
        self.working_day_on_or_after(last)
    }
}

impl Calendar {
    /// The calendar in the file format `from_toml` reads (for export and editing).
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        for year in self.years() {
            out.push_str(&format!("[{year}]\nrest = [\n"));
            for h in self.holidays(year) {
                let name = h.name.replace('\\', "\\\\").replace('"', "\\\"");
                out.push_str(&format!("  [\"{}\", \"{}\", \"{}\"],\n", h.first, h.last, name));
            }
            out.push_str("]\nwork = [");
            let days: Vec<String> = self.makeup_days(year).map(|d| format!("\"{d}\"")).collect();
            out.push_str(&days.join(", "));
            out.push_str("]\n\n");
        }
        out
    }
}

/// The official schedules this build ships (2025 and 2026).
pub fn official() -> Calendar {
    Calendar::from_toml(include_str!("../../calendar/cn-public-holidays.toml")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    #[test]
    fn the_shipped_schedules_parse() {
        let c = official();
        assert_eq!(c.years().collect::<Vec<_>>(), vec![2025, 2026]);
        assert_eq!(c.holidays(2026).len(), 7);
        assert_eq!(c.makeup_days(2026).count(), 6);
    }

    #[test]
    fn the_calendar_round_trips_through_its_file_format() {
        let c = official();
        assert_eq!(Calendar::from_toml(&c.to_toml()), Ok(c));
    }

    #[test]
    fn holidays_weekends_and_makeup_days() {
        let c = official();
        assert!(!c.is_working_day(d(2026, 10, 1)), "National Day");
        assert!(!c.is_working_day(d(2026, 10, 7)));
        assert!(c.is_working_day(d(2026, 10, 8)));
        assert!(c.is_working_day(d(2026, 10, 10)), "a Saturday made a working day");
        assert!(!c.is_working_day(d(2026, 11, 28)), "an ordinary Saturday");
        assert!(c.is_working_day(d(2026, 11, 26)), "an ordinary Thursday");
        assert!(
            c.is_working_day(d(2026, 2, 14)),
            "make-up Saturday before Spring Festival"
        );
        assert!(!c.is_working_day(d(2026, 2, 16)), "Spring Festival");
    }

    #[test]
    fn working_days_skip_the_golden_week() {
        let c = official();
        // Tue 29 Sep 2026: 30 Sep is the 1st working day, 1–7 Oct rest, 8 Oct 2nd …
        assert_eq!(c.add_working_days(d(2026, 9, 29), 1), d(2026, 9, 30));
        assert_eq!(c.add_working_days(d(2026, 9, 29), 2), d(2026, 10, 8));
        assert_eq!(
            c.add_working_days(d(2026, 9, 29), 4),
            d(2026, 10, 10),
            "make-up Saturday counts"
        );
        // Five working days from Thursday 26 Nov 2026: Fri, Mon, Tue, Wed, Thu.
        assert_eq!(c.add_working_days(d(2026, 11, 26), 5), d(2026, 12, 3));
    }

    #[test]
    fn a_calendar_period_ending_on_a_holiday_moves_to_the_next_working_day() {
        let c = official();
        assert_eq!(
            c.add_calendar_days(d(2026, 9, 16), 15),
            d(2026, 10, 8),
            "1 Oct is a holiday"
        );
        assert_eq!(
            c.add_calendar_days(d(2026, 11, 26), 15),
            d(2026, 12, 11),
            "a Friday stays"
        );
        assert_eq!(
            c.add_calendar_days(d(2026, 11, 27), 15),
            d(2026, 12, 14),
            "Saturday 12 Dec moves to Monday"
        );
    }

    #[test]
    fn bad_calendar_files_are_refused_with_the_reason() {
        assert!(matches!(
            Calendar::from_toml("[2027]\nrest = [[\"2027-02-30\", \"2027-03-01\", \"x\"]]"),
            Err(CalendarError::Date(_))
        ));
        assert!(matches!(
            Calendar::from_toml("[2027]\nrest = [[\"2027-03-05\", \"2027-03-01\", \"x\"]]"),
            Err(CalendarError::Backwards { .. })
        ));
        assert_eq!(
            Calendar::from_toml("[2027]\nwork = [\"2027-03-03\"]"),
            Err(CalendarError::WorkdayNotWeekend(d(2027, 3, 3)))
        );
        assert!(matches!(
            Calendar::from_toml("[2027]\nwork = [\"2026-03-07\"]"),
            Err(CalendarError::WrongYear { .. })
        ));
        assert!(matches!(
            Calendar::from_toml("not toml ["),
            Err(CalendarError::Parse(_))
        ));
    }

    proptest! {
        #[test]
        fn working_day_arithmetic_is_monotonic(offset in 0u32..700, n in 0u32..40) {
            let c = official();
            let from = d(2025, 1, 1) + chrono::Duration::days(i64::from(offset));
            let due = c.add_working_days(from, n);
            let next = c.add_working_days(from, n + 1);
            prop_assert!(next > due);
            prop_assert!(due >= from + chrono::Duration::days(i64::from(n)), "never earlier than the plain count");
            if n > 0 { prop_assert!(c.is_working_day(due)); }
            let by_calendar = c.add_calendar_days(from, n);
            prop_assert!(by_calendar >= from + chrono::Duration::days(i64::from(n)));
            prop_assert!(c.is_working_day(by_calendar));
        }
    }
}
