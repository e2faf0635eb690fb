//! The monthly review's counts, kept per local day as cases change, so a month's review
//! adds up some thousand small rows instead of reading the month's cases and their
//! timelines. Pure: the service stores each case's [`CaseFacts`] and, when they change,
//! applies the difference between the old and the new tally.
//!
//! Each count lands on the local day of the fact it counts, by the definitions in
//! [`super::metrics`]: received, decided and decided in time on the day of filing
//! (the response rate is about cases filed in the month); accepted on the day of
//! acceptance; answered, answered in time and resolved on the day of the first answer;
//! rated and rated satisfied on the day of the first evaluation; closed on the day the
//! case ended.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::case::{Outcome, Rating};
use super::metrics::CaseFacts;

/// A day's row of one department, category and concerned department (`""`: none).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DayKey {
    pub day: NaiveDate,
    pub department: String,
    pub category: String,
    pub concerned: String,
}

/// A day's cases received in one area (for the review's top areas).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AreaKey {
    pub day: NaiveDate,
    pub area: String,
    pub category: String,
    pub concerned: String,
}

/// The counters of one day's row; differences may be negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DayCounts {
    pub received: i64,
    pub decided: i64,
    pub decided_in_time: i64,
    pub accepted: i64,
    pub answered: i64,
    pub answered_in_time: i64,
    pub resolved: i64,
    pub rated: i64,
    pub rated_satisfied: i64,
    pub closed: i64,
}

impl DayCounts {
    pub fn add(&mut self, other: &DayCounts, sign: i64) {
        self.received += sign * other.received;
        self.decided += sign * other.decided;
        self.decided_in_time += sign * other.decided_in_time;
        self.accepted += sign * other.accepted;
        self.answered += sign * other.answered;
        self.answered_in_time += sign * other.answered_in_time;
        self.resolved += sign * other.resolved;
        self.rated += sign * other.rated;
        self.rated_satisfied += sign * other.rated_satisfied;
        self.closed += sign * other.closed;
    }

    pub fn is_zero(&self) -> bool {
        *self == DayCounts::default()
    }
}

fn satisfied(rating: Rating) -> bool {
    matches!(rating, Rating::Satisfied | Rating::BasicallySatisfied)
}

/// Counts per day row, and received per area row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tally {
    pub days: BTreeMap<DayKey, DayCounts>,
    pub areas: BTreeMap<AreaKey, i64>,
}

impl Tally {
    /// What one case contributes.
    pub fn of(facts: &CaseFacts, tz: Tz) -> Tally {
        let mut tally = Tally::default();
        tally.add(facts, 1, tz);
        tally
    }

    /// What changes when a case's facts go from `old` to `new` (either may be absent):
    /// only rows whose counts differ.
    pub fn between(old: Option<&CaseFacts>, new: Option<&CaseFacts>, tz: Tz) -> Tally {
        let mut tally = Tally::default();
        if let Some(old) = old {
            tally.add(old, -1, tz);
        }
        if let Some(new) = new {
            tally.add(new, 1, tz);
        }
        tally.days.retain(|_, c| !c.is_zero());
        tally.areas.retain(|_, n| *n != 0);
        tally
    }

    /// Adds (`sign` 1) or takes away (-1) what one case contributes.
    pub fn add(&mut self, facts: &CaseFacts, sign: i64, tz: Tz) {
        let day = |at: DateTime<Utc>| super::deadline::local_date(at, tz);
        let concerned = facts.concerned.clone().unwrap_or_default();
        let mut row = |at: DateTime<Utc>, counts: DayCounts| {
            let key = DayKey {
                day: day(at),
                department: facts.department.clone(),
                category: facts.category.clone(),
                concerned: concerned.clone(),
            };
            self.days.entry(key).or_default().add(&counts, sign);
        };
        let decided_in_time = match (facts.decided_at, facts.acceptance_due_at) {
            (Some(decided), Some(due)) => decided <= due,
            (Some(_), None) => true,
            (None, _) => false,
        };
        row(
            facts.submitted_at,
            DayCounts {
                received: 1,
                decided: i64::from(facts.decided_at.is_some()),
                decided_in_time: i64::from(decided_in_time),
                ..DayCounts::default()
            },
        );
        if let Some(at) = facts.accepted_at {
            row(
                at,
                DayCounts {
                    accepted: 1,
                    ..DayCounts::default()
                },
            );
        }
        if let Some(at) = facts.answered_at {
            let resolved = facts.outcome == Some(Outcome::Supported)
                || facts.rated.is_some_and(|(_, rating)| satisfied(rating));
            row(
                at,
                DayCounts {
                    answered: 1,
                    answered_in_time: i64::from(facts.answer_due_at.is_none_or(|due| at <= due)),
                    resolved: i64::from(resolved),
                    ..DayCounts::default()
                },
            );
        }
        if let Some((at, rating)) = facts.rated {
            row(
                at,
                DayCounts {
                    rated: 1,
                    rated_satisfied: i64::from(satisfied(rating)),
                    ..DayCounts::default()
                },
            );
        }
        if let Some(at) = facts.ended_at {
            row(
                at,
                DayCounts {
                    closed: 1,
                    ..DayCounts::default()
                },
            );
        }
        let area = AreaKey {
            day: day(facts.submitted_at),
            area: facts.area.clone(),
            category: facts.category.clone(),
            concerned,
        };
        *self.areas.entry(area).or_default() += sign;
    }

    pub fn is_empty(&self) -> bool {
        self.days.is_empty() && self.areas.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use chrono_tz::Asia::Shanghai;

    use super::*;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).single().unwrap()
    }

    fn date(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn filed(h: u32) -> CaseFacts {
        CaseFacts {
            department: "env".into(),
            category: "noise".into(),
            area: "LJ".into(),
            concerned: None,
            submitted_at: at(2, h),
            acceptance_due_at: Some(at(2, h) + Duration::days(3)),
            decided_at: None,
            accepted_at: None,
            answered_at: None,
            answer_due_at: None,
            outcome: None,
            rated: None,
            ended_at: None,
            open_due_at: None,
        }
    }

    fn key(d: u32) -> DayKey {
        DayKey {
            day: date(d),
            department: "env".into(),
            category: "noise".into(),
            concerned: String::new(),
        }
    }

    #[test]
    fn counts_land_on_the_local_day_of_each_fact() {
        // 17:00 UTC is 01:00 the next day in Shanghai.
        let mut f = filed(17);
        f.decided_at = Some(at(4, 1));
        f.accepted_at = Some(at(4, 1));
        f.answered_at = Some(at(10, 2));
        f.answer_due_at = Some(at(9, 0));
        f.outcome = Some(Outcome::Explained);
        f.rated = Some((at(11, 2), Rating::BasicallySatisfied));
        f.ended_at = Some(at(11, 2));
        let t = Tally::of(&f, Shanghai);
        assert_eq!(
            t.days[&key(3)],
            DayCounts {
                received: 1,
                decided: 1,
                decided_in_time: 1,
                ..DayCounts::default()
            }
        );
        assert_eq!(t.days[&key(4)].accepted, 1);
        assert_eq!(
            t.days[&key(10)],
            DayCounts {
                answered: 1,
                resolved: 1,
                ..DayCounts::default()
            },
            "late, but rated basically satisfied"
        );
        assert_eq!(
            t.days[&key(11)],
            DayCounts {
                rated: 1,
                rated_satisfied: 1,
                closed: 1,
                ..DayCounts::default()
            }
        );
        assert_eq!(t.areas.values().sum::<i64>(), 1);
    }

    #[test]
    fn a_change_moves_only_what_changed() {
        let old = filed(2);
        let mut new = old.clone();
        new.decided_at = Some(at(9, 2)); // after the acceptance deadline
        new.accepted_at = Some(at(9, 2));
        let t = Tally::between(Some(&old), Some(&new), Shanghai);
        assert_eq!(
            t.days[&key(2)],
            DayCounts {
                decided: 1,
                ..DayCounts::default()
            },
            "received stays; decided late"
        );
        assert_eq!(t.days[&key(9)].accepted, 1);
        assert!(t.areas.is_empty(), "the area's count did not change");
        assert!(Tally::between(Some(&new), Some(&new), Shanghai).is_empty());
    }

    #[test]
    fn a_transfer_takes_the_counts_from_one_department_to_the_other() {
        let old = filed(2);
        let mut new = old.clone();
        new.department = "transport".into();
        new.concerned = Some("police".into());
        let t = Tally::between(Some(&old), Some(&new), Shanghai);
        assert_eq!(t.days[&key(2)].received, -1);
        let moved = DayKey {
            department: "transport".into(),
            concerned: "police".into(),
            ..key(2)
        };
        assert_eq!(t.days[&moved].received, 1);
        assert_eq!(t.areas.values().sum::<i64>(), 0);
        assert_eq!(t.areas.len(), 2, "out of one concerned row, into another");
    }

    #[test]
    fn adding_and_taking_away_cancel_out() {
        let a = filed(2);
        let mut b = filed(3);
        b.answered_at = Some(at(5, 2));
        let mut t = Tally::of(&a, Shanghai);
        t.add(&b, 1, Shanghai);
        assert_eq!(t.days[&key(2)].received, 2);
        t.add(&a, -1, Shanghai);
        t.add(&b, -1, Shanghai);
        assert!(t.days.values().all(DayCounts::is_zero));
        assert!(t.areas.values().all(|n| *n == 0));
    }
}
