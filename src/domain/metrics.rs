//! The monthly review: each department's figures and the rates the assessment ranks by.
//! Pure: the service reads each case's facts off its timeline and passes them here.
//!
//! Definitions (also written on the report page):
//! - received: cases filed in the month (counted at the department holding them now);
//! - accepted / answered / closed: acceptances, first answers and endings in the month;
//! - overdue now: open cases whose current deadline has passed;
//! - on-time rate: answers in the month given by their deadline ÷ answers in the month;
//! - median days to answer: from filing to the first answer, for answers in the month;
//! - response rate (响应率): cases filed in the month decided (accepted or not) by the
//!   acceptance deadline ÷ cases filed in the month whose decision is made or due;
//! - resolution rate (解决率): answers in the month that supported the request or that the
//!   resident rated satisfied or basically satisfied ÷ answers in the month;
//! - satisfaction rate (满意率): satisfied and basically satisfied ÷ evaluations in the month.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::case::{Outcome, Rating};
use super::tally::DayCounts;
use super::timeline::EventData;

/// What the review needs of one case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFacts {
    pub department: String,
    pub category: String,
    pub area: String,
    /// The department a report is about, if any (leaders do not see those about their own).
    pub concerned: Option<String>,
    pub submitted_at: DateTime<Utc>,
    pub acceptance_due_at: Option<DateTime<Utc>>,
    /// When acceptance was decided, either way.
    pub decided_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    /// The first written answer: when, by what deadline, and how.
    pub answered_at: Option<DateTime<Utc>>,
    pub answer_due_at: Option<DateTime<Utc>>,
    pub outcome: Option<Outcome>,
    /// The first evaluation of an answer.
    pub rated: Option<(DateTime<Utc>, Rating)>,
    /// When the case ended (closed, final, not accepted, withdrawn).
    pub ended_at: Option<DateTime<Utc>>,
    /// The current deadline of an open case the department must act on.
    pub open_due_at: Option<DateTime<Utc>>,
}

impl CaseFacts {
    /// Reads the facts off a case's timeline (oldest first). `open_due_at` is the current
    /// deadline when the department has a step open.
    #[allow(clippy::too_many_arguments)]
    pub fn from_timeline(
        department: &str,
        category: &str,
        area: &str,
        concerned: Option<&str>,
        submitted_at: DateTime<Utc>,
        acceptance_due_at: Option<DateTime<Utc>>,
        open_due_at: Option<DateTime<Utc>>,
        events: &[(DateTime<Utc>, EventData)],
    ) -> CaseFacts {
        let mut facts = CaseFacts {
            department: department.to_string(),
            category: category.to_string(),
            area: area.to_string(),
            concerned: concerned.map(str::to_string),
            submitted_at,
            acceptance_due_at,
            decided_at: None,
            accepted_at: None,
            answered_at: None,
            answer_due_at: None,
            outcome: None,
            rated: None,
            ended_at: None,
            open_due_at,
        };
        // The answer deadline in force, as acceptance, extensions and hearings set it.
        let mut due_in_force = None;
        for (at, event) in events {
            match event {
                EventData::Accepted { answer_due } => {
                    facts.decided_at.get_or_insert(*at);
                    facts.accepted_at.get_or_insert(*at);
                    due_in_force = Some(*answer_due);
                }
                EventData::NotAccepted { .. } => {
                    facts.decided_at.get_or_insert(*at);
                    facts.ended_at.get_or_insert(*at);
                }
                EventData::ExtensionApproved { answer_due, .. } => due_in_force = Some(*answer_due),
                EventData::HearingEnded {
                    due_at: Some(due), ..
                } if facts.answered_at.is_none() => due_in_force = Some(*due),
                EventData::Answered { outcome, .. } if facts.answered_at.is_none() => {
                    facts.answered_at = Some(*at);
                    facts.answer_due_at = due_in_force;
                    facts.outcome = Some(*outcome);
                }
                EventData::Evaluated { rating, .. }
                    if facts.rated.is_none() && facts.answered_at.is_some() =>
                {
                    facts.rated = Some((*at, *rating));
                }
                EventData::Closed { .. } | EventData::Withdrawn | EventData::ReReviewAnswered { .. } => {
                    facts.ended_at.get_or_insert(*at);
                }
                _ => {}
            }
        }
        facts
    }
}

/// Whether an event can change what the review counts of its case (others, such as a
/// booking or a meeting, leave the figures alone).
pub fn counted_event(event: &EventData) -> bool {
    matches!(
        event,
        EventData::Accepted { .. }
            | EventData::NotAccepted { .. }
            | EventData::ExtensionApproved { .. }
            | EventData::HearingEnded { .. }
            | EventData::Answered { .. }
            | EventData::Evaluated { .. }
            | EventData::Closed { .. }
            | EventData::Withdrawn
            | EventData::ReReviewAnswered { .. }
    )
}

/// `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Period {
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at < self.end
    }

    fn holds(&self, at: Option<DateTime<Utc>>) -> bool {
        at.is_some_and(|t| self.contains(t))
    }
}

/// A share: `numerator / denominator`, none when nothing was counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rate {
    pub numerator: u32,
    pub denominator: u32,
}

impl Rate {
    pub fn value(&self) -> Option<f64> {
        (self.denominator > 0).then(|| f64::from(self.numerator) / f64::from(self.denominator))
    }

    /// As a percentage with one decimal, for pages and sheets.
    pub fn percent(&self) -> Option<f64> {
        self.value().map(|v| (v * 1000.0).round() / 10.0)
    }

    fn count(&mut self, hit: bool) {
        self.denominator += 1;
        if hit {
            self.numerator += 1;
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Figures {
    pub department: String,
    pub received: u32,
    pub accepted: u32,
    pub answered: u32,
    pub closed: u32,
    pub overdue_now: u32,
    pub on_time: Rate,
    pub median_days_to_answer: Option<f64>,
    pub response: Rate,
    pub resolution: Rate,
    pub satisfaction: Rate,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    /// Ranked: on-time rate, then satisfaction, then fewest overdue, then most received,
    /// then name.
    pub departments: Vec<Figures>,
    pub total: Figures,
    /// The most frequent categories and areas among cases received, most first.
    pub top_categories: Vec<(String, u32)>,
    pub top_areas: Vec<(String, u32)>,
}

fn add(figures: &mut Figures, case: &CaseFacts, period: Period, now: DateTime<Utc>, days: &mut Vec<f64>) {
    if period.contains(case.submitted_at) {
        figures.received += 1;
        // Counted once decided or once the decision is due.
        let due = case.acceptance_due_at;
        if case.decided_at.is_some() || due.is_some_and(|d| d <= now) {
            let on_time = match (case.decided_at, due) {
                (Some(decided), Some(due)) => decided <= due,
                (Some(_), None) => true,
                (None, _) => false,
            };
            figures.response.count(on_time);
        }
    }
    if period.holds(case.accepted_at) {
        figures.accepted += 1;
    }
    if let Some(answered) = case.answered_at.filter(|t| period.contains(*t)) {
        figures.answered += 1;
        figures
            .on_time
            .count(case.answer_due_at.is_none_or(|due| answered <= due));
        days.push(days_of((answered - case.submitted_at).num_seconds()));
        let satisfied = matches!(
            case.rated,
            Some((_, Rating::Satisfied | Rating::BasicallySatisfied))
        );
        figures
            .resolution
            .count(case.outcome == Some(Outcome::Supported) || satisfied);
    }
    if let Some((_, rating)) = case.rated.filter(|(at, _)| period.contains(*at)) {
        figures
            .satisfaction
            .count(matches!(rating, Rating::Satisfied | Rating::BasicallySatisfied));
    }
    if period.holds(case.ended_at) {
        figures.closed += 1;
    }
    if case.open_due_at.is_some_and(|due| due < now) {
        figures.overdue_now += 1;
    }
}

/// Seconds as days, as the median of days to answer counts them.
pub fn days_of(seconds: i64) -> f64 {
    seconds as f64 / 86_400.0
}

/// The median, to one decimal.
pub fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    let m = if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    };
    Some((m * 10.0).round() / 10.0)
}

fn top(counts: BTreeMap<String, u32>, limit: usize) -> Vec<(String, u32)> {
    let mut list: Vec<(String, u32)> = counts.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    list.truncate(limit);
    list
}

/// The review of `period` for every department in `departments` (so a quiet department
/// still shows, with zeros), as of `now`.
pub fn review(facts: &[CaseFacts], departments: &[String], period: Period, now: DateTime<Utc>) -> Review {
    let mut by_department: BTreeMap<&str, (Figures, Vec<f64>)> = departments
        .iter()
        .map(|d| {
            (
                d.as_str(),
                (
                    Figures {
                        department: d.clone(),
                        ..Figures::default()
                    },
                    Vec::new(),
                ),
            )
        })
        .collect();
    let mut total = Figures::default();
    let mut all_days = Vec::new();
    let mut categories = BTreeMap::new();
    let mut areas = BTreeMap::new();
    for case in facts {
        if let Some((figures, days)) = by_department.get_mut(case.department.as_str()) {
            add(figures, case, period, now, days);
        }
        add(&mut total, case, period, now, &mut all_days);
        if period.contains(case.submitted_at) {
            *categories.entry(case.category.clone()).or_insert(0) += 1;
            *areas.entry(case.area.clone()).or_insert(0) += 1;
        }
    }
    total.median_days_to_answer = median(all_days);
    let figures = by_department
        .into_values()
        .map(|(mut figures, days)| {
            figures.median_days_to_answer = median(days);
            figures
        })
        .collect();
    finish(figures, total, categories, areas)
}

/// Ranks the departments and picks the top categories and areas.
fn finish(
    mut ranked: Vec<Figures>,
    total: Figures,
    categories: BTreeMap<String, u32>,
    areas: BTreeMap<String, u32>,
) -> Review {
    let key = |r: &Rate| r.value().unwrap_or(-1.0);
    ranked.sort_by(|a, b| {
        key(&b.on_time)
            .total_cmp(&key(&a.on_time))
            .then_with(|| key(&b.satisfaction).total_cmp(&key(&a.satisfaction)))
            .then_with(|| a.overdue_now.cmp(&b.overdue_now))
            .then_with(|| b.received.cmp(&a.received))
            .then_with(|| a.department.cmp(&b.department))
    });
    Review {
        departments: ranked,
        total,
        top_categories: top(categories, 5),
        top_areas: top(areas, 5),
    }
}

/// A department's (or everyone's) counts of a period, as the kept day rows add them up,
/// with what depends on the moment of asking.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Sums {
    pub counts: DayCounts,
    /// Filed in the period, not decided, acceptance due by now.
    pub undecided_due: i64,
    pub overdue_now: i64,
    pub median_days_to_answer: Option<f64>,
}

fn count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

fn rate(numerator: i64, denominator: i64) -> Rate {
    Rate {
        numerator: count(numerator),
        denominator: count(denominator),
    }
}

impl Figures {
    pub fn from_sums(department: &str, sums: &Sums) -> Figures {
        let c = &sums.counts;
        Figures {
            department: department.to_string(),
            received: count(c.received),
            accepted: count(c.accepted),
            answered: count(c.answered),
            closed: count(c.closed),
            overdue_now: count(sums.overdue_now),
            on_time: rate(c.answered_in_time, c.answered),
            median_days_to_answer: sums.median_days_to_answer,
            response: rate(c.decided_in_time, c.decided + sums.undecided_due),
            resolution: rate(c.resolved, c.answered),
            satisfaction: rate(c.rated_satisfied, c.rated),
        }
    }
}

/// The review from kept sums: the same figures [`review`] counts from the cases.
pub fn review_of_sums(
    departments: &[String],
    sums: &BTreeMap<String, Sums>,
    total: &Sums,
    categories: BTreeMap<String, u32>,
    areas: BTreeMap<String, u32>,
) -> Review {
    let quiet = Sums::default();
    let figures = departments
        .iter()
        .map(|d| Figures::from_sums(d, sums.get(d).unwrap_or(&quiet)))
        .collect();
    finish(figures, Figures::from_sums("", total), categories, areas)
}

/// Received and answered in each period (for the trend chart).
pub fn trend(facts: &[CaseFacts], periods: &[Period]) -> Vec<(u32, u32)> {
    periods
        .iter()
        .map(|p| {
            let received = facts.iter().filter(|c| p.contains(c.submitted_at)).count() as u32;
            let answered = facts.iter().filter(|c| p.holds(c.answered_at)).count() as u32;
            (received, answered)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn day(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, 2, 0, 0).single().unwrap()
    }

    fn november() -> Period {
        Period {
            start: Utc.with_ymd_and_hms(2026, 10, 31, 16, 0, 0).single().unwrap(),
            end: Utc.with_ymd_and_hms(2026, 11, 30, 16, 0, 0).single().unwrap(),
        }
    }

    fn now() -> DateTime<Utc> {
        day(30)
    }

    fn case(department: &str, category: &str, submitted: u32) -> CaseFacts {
        CaseFacts {
            department: department.into(),
            category: category.into(),
            area: "LJ-QS".into(),
            concerned: None,
            submitted_at: day(submitted),
            acceptance_due_at: Some(day(submitted) + Duration::days(15)),
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

    /// Five environment cases and two transport cases, worked out by hand below.
    fn fixture() -> Vec<CaseFacts> {
        let mut e1 = case("env", "noise", 2);
        e1.decided_at = Some(day(3));
        e1.accepted_at = Some(day(3));
        e1.answered_at = Some(day(12)); // 10 days after filing, on time
        e1.answer_due_at = Some(day(20));
        e1.outcome = Some(Outcome::Supported);
        e1.rated = Some((day(13), Rating::Satisfied));
        e1.ended_at = Some(day(13));

        let mut e2 = case("env", "noise", 4);
        e2.decided_at = Some(day(25)); // after the acceptance deadline (19th)
        e2.accepted_at = Some(day(25));
        e2.open_due_at = Some(day(28)); // overdue now

        let mut e3 = case("env", "pollution", 6);
        e3.decided_at = Some(day(7));
        e3.accepted_at = Some(day(7));
        e3.answered_at = Some(day(26)); // 20 days, late
        e3.answer_due_at = Some(day(21));
        e3.outcome = Some(Outcome::Explained);
        e3.rated = Some((day(27), Rating::Unsatisfied));

        // Filed in October, answered in November.
        let mut e4 = case("env", "noise", 1);
        e4.submitted_at = Utc.with_ymd_and_hms(2026, 10, 20, 2, 0, 0).single().unwrap();
        e4.answered_at = Some(day(5)); // 16 days
        e4.answer_due_at = Some(day(10));
        e4.outcome = Some(Outcome::NotSupported);
        e4.rated = Some((day(6), Rating::BasicallySatisfied));

        // Filed yesterday: its decision is not due yet, so it does not count for response.
        let e5 = case("env", "noise", 29);

        let mut t1 = case("transport", "roads", 10);
        t1.decided_at = Some(day(11));
        t1.ended_at = Some(day(11)); // not accepted

        let mut t2 = case("transport", "roads", 3);
        t2.acceptance_due_at = Some(day(18)); // never decided: counts against response
        t2.open_due_at = Some(day(18));

        vec![e1, e2, e3, e4, e5, t1, t2]
    }

    #[test]
    fn figures_match_a_hand_count() {
        let r = review(
            &fixture(),
            &["env".into(), "transport".into(), "quiet".into()],
            november(),
            now(),
        );
        let env = r.departments.iter().find(|f| f.department == "env").unwrap();
        assert_eq!(env.received, 4, "e1, e2, e3, e5");
        assert_eq!(env.accepted, 3, "e1, e2, e3");
        assert_eq!(env.answered, 3, "e1, e3, e4");
        assert_eq!(env.closed, 1, "e1");
        assert_eq!(env.overdue_now, 1, "e2");
        assert_eq!(
            env.on_time,
            Rate {
                numerator: 2,
                denominator: 3
            },
            "e1, e4 on time; e3 late"
        );
        assert_eq!(env.median_days_to_answer, Some(16.0), "10, 16, 20");
        assert_eq!(
            env.response,
            Rate {
                numerator: 2,
                denominator: 3
            },
            "e1, e3 on time; e2 late; e5 not due"
        );
        assert_eq!(
            env.resolution,
            Rate {
                numerator: 2,
                denominator: 3
            },
            "e1 supported, e4 rated basically satisfied"
        );
        assert_eq!(
            env.satisfaction,
            Rate {
                numerator: 2,
                denominator: 3
            },
            "e1, e4 of e1, e3, e4"
        );
        assert_eq!(env.on_time.percent(), Some(66.7));

        let transport = r
            .departments
            .iter()
            .find(|f| f.department == "transport")
            .unwrap();
        assert_eq!(
            (transport.received, transport.closed, transport.overdue_now),
            (2, 1, 1)
        );
        assert_eq!(
            transport.response,
            Rate {
                numerator: 1,
                denominator: 2
            }
        );
        assert_eq!(transport.on_time.value(), None, "no answers: no rate");
        assert_eq!(transport.median_days_to_answer, None);

        let quiet = r.departments.iter().find(|f| f.department == "quiet").unwrap();
        assert_eq!(quiet.received, 0);

        assert_eq!(r.total.received, 6);
        assert_eq!(r.total.answered, 3);
        assert_eq!(
            r.total.response,
            Rate {
                numerator: 3,
                denominator: 5
            }
        );
        assert_eq!(r.top_categories[0], ("noise".to_string(), 3));
        assert_eq!(r.top_areas, [("LJ-QS".to_string(), 6)]);
    }

    #[test]
    fn departments_rank_by_on_time_then_satisfaction_then_fewest_overdue() {
        let r = review(
            &fixture(),
            &["env".into(), "transport".into(), "quiet".into()],
            november(),
            now(),
        );
        let order: Vec<&str> = r.departments.iter().map(|f| f.department.as_str()).collect();
        // env has a rate; quiet and transport have none and tie on satisfaction; quiet has
        // fewer overdue.
        assert_eq!(order, ["env", "quiet", "transport"]);
    }

    #[test]
    fn equal_rates_and_overdue_rank_the_busier_department_first_then_by_name() {
        // Neither has answers, ratings or overdue cases: "busy" received two, "a-idle" one,
        // "b-idle" one.
        let facts = vec![
            case("busy", "noise", 28),
            case("busy", "noise", 29),
            case("b-idle", "noise", 29),
            case("a-idle", "noise", 29),
        ];
        let r = review(
            &facts,
            &["a-idle".into(), "b-idle".into(), "busy".into()],
            november(),
            now(),
        );
        let order: Vec<&str> = r.departments.iter().map(|f| f.department.as_str()).collect();
        assert_eq!(order, ["busy", "a-idle", "b-idle"]);
    }

    #[test]
    fn the_trend_counts_received_and_answered_per_period() {
        let october = Period {
            start: Utc.with_ymd_and_hms(2026, 9, 30, 16, 0, 0).single().unwrap(),
            end: november().start,
        };
        assert_eq!(trend(&fixture(), &[october, november()]), [(1, 0), (6, 3)]);
    }

    #[test]
    fn facts_come_off_the_timeline_with_the_deadline_in_force_at_the_answer() {
        let events = vec![
            (
                day(1),
                EventData::Received {
                    channel: crate::domain::case::Channel::Web,
                    contacted_at: None,
                    via: None,
                },
            ),
            (day(2), EventData::Accepted { answer_due: day(10) }),
            (
                day(5),
                EventData::ExtensionApproved {
                    days: 10,
                    reason: "r".into(),
                    answer_due: day(20),
                },
            ),
            (
                day(15),
                EventData::Answered {
                    outcome: Outcome::Explained,
                    text: "t".into(),
                    legal_basis: "b".into(),
                },
            ),
            (
                day(16),
                EventData::Evaluated {
                    rating: Rating::Unsatisfied,
                    comment: String::new(),
                },
            ),
            (
                day(17),
                EventData::Evaluated {
                    rating: Rating::Satisfied,
                    comment: String::new(),
                },
            ),
            (
                day(17),
                EventData::Closed {
                    after: crate::domain::timeline::CloseReason::Satisfied,
                },
            ),
        ];
        let f = CaseFacts::from_timeline("env", "noise", "LJ", None, day(1), Some(day(16)), None, &events);
        assert_eq!(f.decided_at, Some(day(2)));
        assert_eq!(f.accepted_at, Some(day(2)));
        assert_eq!(f.answered_at, Some(day(15)));
        assert_eq!(f.answer_due_at, Some(day(20)), "the extension moved it");
        assert_eq!(f.outcome, Some(Outcome::Explained));
        assert_eq!(
            f.rated,
            Some((day(16), Rating::Unsatisfied)),
            "the first evaluation"
        );
        assert_eq!(f.ended_at, Some(day(17)));
        let refused = CaseFacts::from_timeline(
            "env",
            "noise",
            "LJ",
            None,
            day(1),
            Some(day(16)),
            None,
            &[(
                day(3),
                EventData::NotAccepted {
                    reason: "r".into(),
                    channel: "court".into(),
                },
            )],
        );
        assert_eq!(
            (refused.decided_at, refused.accepted_at, refused.ended_at),
            (Some(day(3)), None, Some(day(3)))
        );
    }

    #[test]
    fn the_median_of_an_even_count_is_the_middle_pair_averaged() {
        assert_eq!(median(vec![1.0, 4.0, 2.0, 10.0]), Some(3.0));
        assert_eq!(median(vec![]), None);
    }
}
