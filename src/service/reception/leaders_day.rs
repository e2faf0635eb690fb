//! The leader's side of a reception day: the queue in order, the meetings recorded,
//! cases taken into personal charge.

use super::*;
use crate::app::App;
use crate::db::DbConn;
use crate::db::cases::{events_of, find_by_tracking_number};
use crate::db::reception::{self as store, BookingRecord};
use crate::domain::case::{CaseState, Role, Visibility};
use crate::domain::deadline::local_date;
use crate::domain::field_error::FieldErrors;
use crate::domain::reception::{Waiting, is_review_request, order};
use crate::domain::text::{Lines, clean};
use crate::domain::timeline::EventData;
use crate::domain::tracking::TrackingNumber;
use crate::service::ServiceError;
use crate::service::auth::StaffUser;
use crate::service::cases::{TimelineEntry, entries};
use crate::service::workflow::{Rules, record_events};
use chrono::{DateTime, Utc};

/// One booked case in the day's queue.
#[derive(Debug, Clone)]
pub struct QueueEntry {
    pub booking: BookingView,
    pub case: QueueCase,
    pub overdue: bool,
    pub review_request: bool,
    /// How many earlier cases the resident filed on the same matter.
    pub earlier: i64,
}

/// A booked case as the day's queue shows it: never who the resident is; what they wrote
/// and what happened only to the leaders who receive them (administrators arrange days,
/// they do not read complaints).
#[derive(Debug, Clone)]
pub struct QueueCase {
    pub tracking_number: String,
    pub category_code: String,
    pub department_code: String,
    pub state: String,
    pub due_at: Option<chrono::NaiveDateTime>,
    pub supervised: bool,
    pub content: Option<QueueContent>,
}

/// What the resident wrote and the case's timeline.
#[derive(Debug, Clone)]
pub struct QueueContent {
    pub title: String,
    pub description: String,
    pub timeline: Vec<TimelineEntry>,
}

/// A booking as the day's queue shows it.
#[derive(Debug, Clone)]
pub struct BookingView {
    pub id: i32,
    pub booked_at: DateTime<Utc>,
    pub attended: Option<bool>,
    pub outcome: Option<String>,
    pub met_at: Option<DateTime<Utc>>,
}

impl From<BookingRecord> for BookingView {
    fn from(b: BookingRecord) -> Self {
        BookingView {
            id: b.id,
            booked_at: b.booked_at.and_utc(),
            attended: b.attended,
            outcome: b.outcome,
            met_at: b.met_at.map(|t| t.and_utc()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct DayQueue {
    pub day: DayView,
    pub entries: Vec<QueueEntry>,
}

/// The day's queue in the order the leader should see it. Leaders and administrators.
pub fn day_queue(
    conn: &mut DbConn,
    user: &StaffUser,
    day_id: i32,
    now: DateTime<Utc>,
) -> Result<DayQueue, ServiceError> {
    leaders_only(user)?;
    let reads_content = user.role == Role::Leader;
    let day = store::summary_of(conn, day_id)?.ok_or(ServiceError::NotFound)?;
    let mut waiting = Vec::new();
    for (booking, record) in store::bookings_of_day(conn, day_id)? {
        let state = CaseState::parse(&record.state).unwrap_or(CaseState::Closed);
        let earlier = store::earlier_on_same_matter(conn, &record)?;
        let content = if reads_content {
            Some(QueueContent {
                timeline: entries(events_of(conn, record.id)?, |_| true),
                title: record.title.clone(),
                description: record.description.clone(),
            })
        } else {
            None
        };
        let case = QueueCase {
            tracking_number: record.tracking_number.clone(),
            category_code: record.category_code.clone(),
            department_code: record.department_code.clone(),
            state: record.state.clone(),
            due_at: record.due_at,
            supervised: record.supervisor_id.is_some(),
            content,
        };
        waiting.push(Waiting {
            overdue: !state.is_terminal() && case.due_at.is_some_and(|d| d.and_utc() < now),
            review_request: is_review_request(state),
            repeat: earlier > 0,
            booked_at: booking.booked_at.and_utc().timestamp_micros(),
            id: i64::from(booking.id),
            item: QueueEntry {
                overdue: false,
                review_request: false,
                earlier,
                booking: booking.into(),
                case,
            },
        });
    }
    let entries = order(waiting)
        .into_iter()
        .map(|w| QueueEntry {
            overdue: w.overdue,
            review_request: w.review_request,
            ..w.item
        })
        .collect();
    Ok(DayQueue {
        day: day.into(),
        entries,
    })
}

/// What a leader records of one booked meeting.
#[derive(Debug, Clone, Copy)]
pub struct Meeting<'a> {
    pub booking: i32,
    pub attended: bool,
    /// What was heard and agreed; required when the resident came.
    pub outcome: &'a str,
}

/// The leader's record of a meeting, on the day or after: whether the resident came, and
/// what was agreed (an event on the case).
pub fn record_meeting(
    conn: &mut DbConn,
    rules: Rules<'_>,
    user: &StaffUser,
    meeting: Meeting<'_>,
    now: DateTime<Utc>,
) -> Result<TrackingNumber, ServiceError> {
    let Meeting {
        booking: booking_id,
        attended,
        outcome,
    } = meeting;
    if user.role != Role::Leader {
        return Err(ServiceError::Forbidden { key: "deny.role" });
    }
    let outcome = if attended {
        clean(outcome, 2, 2000, Lines::Multi)
            .map_err(|e| ServiceError::Invalid(FieldErrors::single("outcome", e)))?
    } else {
        outcome.trim().to_string()
    };
    let booking = store::find_booking(conn, booking_id)?.ok_or(ServiceError::NotFound)?;
    if booking.cancelled_at.is_some() {
        return Err(ServiceError::Conflict {
            key: "reception.refused.none",
        });
    }
    if booking.met_at.is_some() {
        return Err(ServiceError::Conflict {
            key: "reception.already_recorded",
        });
    }
    let day = store::summary_of(conn, booking.day_id)?.ok_or(ServiceError::NotFound)?;
    // Who received the resident records what was agreed: the day's own leader.
    if day.day.leader_id != user.id {
        return Err(ServiceError::Forbidden {
            key: "deny.not_your_day",
        });
    }
    if local_date(now, rules.tz) < day.day.day {
        return Err(ServiceError::Conflict {
            key: "reception.not_yet",
        });
    }
    let case = crate::db::cases::find_by_id(conn, booking.case_id)?.ok_or(ServiceError::NotFound)?;
    store::record_meeting(conn, booking.id, attended, &outcome, now.naive_utc())?;
    record_events(
        conn,
        rules,
        &case,
        vec![(
            EventData::ReceptionHeld {
                date: day.day.day,
                leader: day.leader.clone(),
                attended,
                outcome,
            },
            Visibility::Public,
        )],
        &user.actor(),
        now,
    )?;
    TrackingNumber::parse(&case.tracking_number)
        .map_err(|_| ServiceError::Internal(format!("stored number {}", case.tracking_number)))
}

/// A leader takes a case into personal charge: they supervise it to the end.
pub fn supervise(
    conn: &mut DbConn,
    rules: Rules<'_>,
    user: &StaffUser,
    number: &TrackingNumber,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    if user.role != Role::Leader {
        return Err(ServiceError::Forbidden { key: "deny.role" });
    }
    // Whoever may not see the case may not take it (a report about their department).
    crate::service::workflow::staff_case(conn, rules, user, number, now)?;
    let case = find_by_tracking_number(conn, number.as_str())?.ok_or(ServiceError::NotFound)?;
    if CaseState::parse(&case.state).is_none_or(CaseState::is_terminal) {
        return Err(ServiceError::Conflict { key: "deny.state" });
    }
    if !store::set_supervisor(conn, case.id, user.id)? {
        return Err(ServiceError::Conflict {
            key: "reception.already_supervised",
        });
    }
    record_events(
        conn,
        rules,
        &case,
        vec![(
            EventData::Supervised {
                leader: user.display_name.clone(),
            },
            Visibility::Public,
        )],
        &user.actor(),
        now,
    )
}

/// A case in a leader's personal charge, as their desk lists it.
#[derive(Debug, Clone)]
pub struct ChargedCase {
    pub number: String,
    pub title: String,
    pub state: CaseState,
    pub department_code: String,
    pub due_at: Option<DateTime<Utc>>,
}

/// The cases a leader has in personal charge.
pub fn supervised(conn: &mut DbConn, user: &StaffUser) -> Result<Vec<ChargedCase>, ServiceError> {
    if user.role != Role::Leader {
        return Err(ServiceError::Forbidden { key: "deny.role" });
    }
    store::supervised_by(conn, user.id)?
        .into_iter()
        .map(|c| {
            Ok(ChargedCase {
                state: CaseState::parse(&c.state).ok_or_else(|| {
                    ServiceError::Internal(format!("case {} has state {:?}", c.id, c.state))
                })?,
                due_at: c.due_at.map(|d| d.and_utc()),
                number: c.tracking_number,
                title: c.title,
                department_code: c.department_code,
            })
        })
        .collect()
}

/// The day's queue (leaders and administrators).
pub async fn queue(app: &App, user: &StaffUser, day_id: i32) -> Result<DayQueue, ServiceError> {
    let user = user.clone();
    app.read(move |conn, _, now| day_queue(conn, &user, day_id, now))
        .await
}

/// Records what came of a meeting (the day's own leader); returns the case's number.
pub async fn meet(
    app: &App,
    user: &StaffUser,
    booking: i32,
    attended: bool,
    outcome: String,
) -> Result<TrackingNumber, ServiceError> {
    let user = user.clone();
    app.write(move |conn, rules, now| {
        let meeting = Meeting {
            booking,
            attended,
            outcome: &outcome,
        };
        record_meeting(conn, rules, &user, meeting, now)
    })
    .await
}

/// A leader takes the case into personal charge.
pub async fn take_charge(app: &App, user: &StaffUser, number: TrackingNumber) -> Result<(), ServiceError> {
    let user = user.clone();
    app.write(move |conn, rules, now| supervise(conn, rules, &user, &number, now))
        .await
}
