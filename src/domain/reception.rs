//! Reception days (信访接待日): who may book a slot, and in which order a leader sees the
//! day's cases. No I/O: callers bring the day, the case and the clock.

use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime};

use super::case::CaseState;

/// A leader's reception day as booking needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day {
    pub date: NaiveDate,
    pub starts_at: NaiveTime,
    pub ends_at: NaiveTime,
    pub capacity: u32,
    /// Empty: any category.
    pub categories: Vec<String>,
    /// Empty: anywhere; otherwise areas whose subtree is served.
    pub areas: Vec<String>,
    /// Called off by the leader's office.
    pub cancelled: bool,
}

/// Bookings for a day close at this hour of the day before, when the leader's office gets
/// the day's list: a later booking would be missing from it.
pub const BOOKINGS_CLOSE_HOUR: u32 = 18;

/// The case asking for a slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant<'a> {
    pub state: CaseState,
    pub category: &'a str,
    /// The case's area and every area above it.
    pub area_path: &'a [&'a str],
    /// The case holds a booking already (on any day, not cancelled).
    pub has_booking: bool,
}

/// Why a booking is refused; each has its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The day was called off.
    Cancelled,
    Full,
    Past,
    OutOfScope,
    AlreadyBooked,
    /// The case has ended (final, closed, withdrawn …): there is nothing to receive.
    CaseEnded,
}

impl Refusal {
    pub fn key(self) -> &'static str {
        match self {
            Refusal::Cancelled => "reception.refused.cancelled",
            Refusal::Full => "reception.refused.full",
            Refusal::Past => "reception.refused.past",
            Refusal::OutOfScope => "reception.refused.scope",
            Refusal::AlreadyBooked => "reception.refused.booked",
            Refusal::CaseEnded => "reception.refused.ended",
        }
    }
}

impl Day {
    /// Whether the day serves this category and area.
    pub fn serves(&self, category: &str, area_path: &[&str]) -> bool {
        let category_ok = self.categories.is_empty() || self.categories.iter().any(|c| c == category);
        let area_ok = self.areas.is_empty() || self.areas.iter().any(|a| area_path.contains(&a.as_str()));
        category_ok && area_ok
    }

    /// The local moment bookings close: [`BOOKINGS_CLOSE_HOUR`] on the day before.
    pub fn closes_at(&self) -> NaiveDateTime {
        let eve = self.date.checked_sub_days(Days::new(1)).unwrap_or(self.date);
        eve.and_time(NaiveTime::from_hms_opt(BOOKINGS_CLOSE_HOUR, 0, 0).unwrap_or(NaiveTime::MIN))
    }

    /// Decides a booking. `booked` is how many live bookings the day has; `now` is the
    /// local time.
    pub fn check(&self, applicant: &Applicant<'_>, booked: u32, now: NaiveDateTime) -> Result<(), Refusal> {
        if self.cancelled {
            return Err(Refusal::Cancelled);
        }
        if now >= self.closes_at() {
            return Err(Refusal::Past);
        }
        if applicant.state.is_terminal() {
            return Err(Refusal::CaseEnded);
        }
        if applicant.has_booking {
            return Err(Refusal::AlreadyBooked);
        }
        if !self.serves(applicant.category, applicant.area_path) {
            return Err(Refusal::OutOfScope);
        }
        if booked >= self.capacity {
            return Err(Refusal::Full);
        }
        Ok(())
    }
}

/// One booked case, with what orders it in the day's queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting<T> {
    pub item: T,
    /// A deadline of the case has passed.
    pub overdue: bool,
    /// The case asks for a review or re-review.
    pub review_request: bool,
    /// The resident filed on the same matter before (a repeat petition).
    pub repeat: bool,
    /// When the slot was booked (earlier first), as a sortable key, then an id.
    pub booked_at: i64,
    pub id: i64,
}

/// The day's queue: overdue cases first, then review requests, then repeat petitions,
/// then by booking time (then id, so equal keys keep one order).
pub fn order<T>(mut waiting: Vec<Waiting<T>>) -> Vec<Waiting<T>> {
    waiting.sort_by_key(|w| (!w.overdue, !w.review_request, !w.repeat, w.booked_at, w.id));
    waiting
}

/// Whether a state is a request for review or re-review, waiting or being heard.
pub fn is_review_request(state: CaseState) -> bool {
    matches!(
        state,
        CaseState::ReviewRequested
            | CaseState::UnderReview
            | CaseState::ReReviewRequested
            | CaseState::UnderReReview
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> Day {
        Day {
            date: NaiveDate::from_ymd_opt(2026, 12, 10).unwrap(),
            starts_at: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            ends_at: NaiveTime::from_hms_opt(11, 30, 0).unwrap(),
            capacity: 2,
            categories: vec![],
            areas: vec![],
            cancelled: false,
        }
    }

    const PATH: [&str; 3] = ["LJ-QS-TX", "LJ-QS", "LJ"];

    fn applicant(state: CaseState, has_booking: bool) -> Applicant<'static> {
        Applicant {
            state,
            category: "noise",
            area_path: &PATH,
            has_booking,
        }
    }

    fn today() -> NaiveDateTime {
        at(NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(), 10, 0)
    }

    fn at(date: NaiveDate, hour: u32, minute: u32) -> NaiveDateTime {
        date.and_hms_opt(hour, minute, 0).unwrap()
    }

    #[test]
    fn booking_rules_in_the_order_a_resident_would_want_to_hear_them() {
        let d = day();
        let ok = applicant(CaseState::Accepted, false);
        type Row<'a> = (
            &'a str,
            Day,
            Applicant<'a>,
            u32,
            NaiveDateTime,
            Result<(), Refusal>,
        );
        let cases: Vec<Row> = vec![
            ("open day, room left", d.clone(), ok.clone(), 0, today(), Ok(())),
            ("last seat", d.clone(), ok.clone(), 1, today(), Ok(())),
            ("full", d.clone(), ok.clone(), 2, today(), Err(Refusal::Full)),
            (
                "the day before, a minute before the list goes out",
                d.clone(),
                ok.clone(),
                0,
                at(d.date.pred_opt().unwrap(), 17, 59),
                Ok(()),
            ),
            (
                "the day before, once the list has gone out",
                d.clone(),
                ok.clone(),
                0,
                at(d.date.pred_opt().unwrap(), 18, 0),
                Err(Refusal::Past),
            ),
            (
                "the day itself is too late",
                d.clone(),
                ok.clone(),
                0,
                at(d.date, 0, 0),
                Err(Refusal::Past),
            ),
            (
                "past",
                d.clone(),
                ok.clone(),
                0,
                at(d.date.succ_opt().unwrap(), 9, 0),
                Err(Refusal::Past),
            ),
            (
                "already booked",
                d.clone(),
                applicant(CaseState::Accepted, true),
                0,
                today(),
                Err(Refusal::AlreadyBooked),
            ),
            (
                "ended case",
                d.clone(),
                applicant(CaseState::Final, false),
                0,
                today(),
                Err(Refusal::CaseEnded),
            ),
            (
                "other category",
                Day {
                    categories: vec!["wage-arrears".into()],
                    ..d.clone()
                },
                ok.clone(),
                0,
                today(),
                Err(Refusal::OutOfScope),
            ),
            (
                "listed category",
                Day {
                    categories: vec!["wage-arrears".into(), "noise".into()],
                    ..d.clone()
                },
                ok.clone(),
                0,
                today(),
                Ok(()),
            ),
            (
                "a town serves its villages",
                Day {
                    areas: vec!["LJ-QS".into()],
                    ..d.clone()
                },
                ok.clone(),
                0,
                today(),
                Ok(()),
            ),
            (
                "another town does not",
                Day {
                    areas: vec!["LJ-BS".into()],
                    ..d.clone()
                },
                ok.clone(),
                0,
                today(),
                Err(Refusal::OutOfScope),
            ),
            (
                "called off",
                Day {
                    cancelled: true,
                    ..d.clone()
                },
                ok.clone(),
                0,
                today(),
                Err(Refusal::Cancelled),
            ),
            (
                "past beats full",
                d.clone(),
                ok.clone(),
                5,
                at(d.date, 9, 0),
                Err(Refusal::Past),
            ),
        ];
        for (name, day, applicant, booked, today, expected) in cases {
            assert_eq!(day.check(&applicant, booked, today), expected, "{name}");
        }
    }

    fn waiting(id: i64, overdue: bool, review: bool, repeat: bool, booked_at: i64) -> Waiting<&'static str> {
        Waiting {
            item: "",
            overdue,
            review_request: review,
            repeat,
            booked_at,
            id,
        }
    }

    #[test]
    fn the_queue_puts_overdue_then_reviews_then_repeats_then_the_early_bookers() {
        let table = [
            // id, overdue, review, repeat, booked_at
            (1, false, false, false, 10),
            (2, false, false, true, 50),
            (3, false, true, false, 40),
            (4, true, false, false, 90),
            (5, false, false, false, 5),
            (6, true, true, true, 99),
            (7, false, true, true, 60),
            (8, false, false, false, 5),
        ];
        let input = table
            .iter()
            .map(|&(id, o, r, p, at)| waiting(id, o, r, p, at))
            .collect();
        let ids: Vec<i64> = order(input).into_iter().map(|w| w.id).collect();
        assert_eq!(ids, [6, 4, 7, 3, 2, 5, 8, 1]);
    }

    #[test]
    fn ordering_ignores_the_input_order() {
        let a = vec![
            waiting(1, false, false, false, 3),
            waiting(2, true, false, false, 9),
        ];
        let b = vec![
            waiting(2, true, false, false, 9),
            waiting(1, false, false, false, 3),
        ];
        let ids = |v: Vec<Waiting<&str>>| order(v).into_iter().map(|w| w.id).collect::<Vec<_>>();
        assert_eq!(ids(a), ids(b));
    }

    #[test]
    fn review_requests_are_the_four_appeal_states() {
        let reviews: Vec<CaseState> = CaseState::ALL
            .iter()
            .copied()
            .filter(|s| is_review_request(*s))
            .collect();
        assert_eq!(reviews.len(), 4);
        assert!(!is_review_request(CaseState::Answered));
    }
}
