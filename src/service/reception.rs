//! Reception days (信访接待日): leaders publish them, residents book a slot for their case,
//! the leader works the day's queue, records each meeting, and may take a case into
//! personal charge (包案).

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::{Deserialize, Deserializer};

use super::ServiceError;
use super::auth::StaffUser;
use super::caller::Caller;
use super::cases::{ResidentProof, TimelineEntry, entries, resident_case_by};
use super::workflow::{Rules, record_events};
use crate::app::App;
use crate::db::DbConn;
use crate::db::cases::{CaseRecord, events_of, find_by_tracking_number};
use crate::db::reception::{self as store, BookingRecord, DayRecord, DaySummary, NewDay};
use crate::domain::case::{CaseState, Role, Visibility};
use crate::domain::catalog::Catalog;
use crate::domain::deadline::local_date;
use crate::domain::field_error::{FieldError, FieldErrors};
use crate::domain::reception::{Applicant, Day, Refusal, Waiting, is_review_request, order};
use crate::domain::text::{Lines, clean};
use crate::domain::timeline::EventData;
use crate::domain::tracking::TrackingNumber;
use crate::domain::workflow::Actor;

/// At most this many people on one day.
pub const MAX_CAPACITY: u32 = 200;

/// A number from JSON or a form field (where it is text).
fn number_or_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Number(i64),
        Text(String),
    }
    Ok(match Either::deserialize(d)? {
        Either::Number(n) => n.to_string(),
        Either::Text(t) => t,
    })
}

/// Codes as a JSON list or as text separated by spaces or commas (a form field).
fn codes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        List(Vec<String>),
        Text(String),
    }
    let list = match Either::deserialize(d)? {
        Either::List(list) => list,
        Either::Text(text) => text.split([' ', ',', '，']).map(str::to_string).collect(),
    };
    Ok(list
        .into_iter()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect())
}

/// A reception day as published from the form or the API.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DayInput {
    pub date: String,
    pub starts_at: String,
    pub ends_at: String,
    pub place: String,
    #[serde(deserialize_with = "number_or_text")]
    pub capacity: String,
    /// The leader's username; the caller when absent.
    pub leader: Option<String>,
    #[serde(deserialize_with = "codes")]
    pub categories: Vec<String>,
    #[serde(deserialize_with = "codes")]
    pub areas: Vec<String>,
}

fn time(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").ok()
}

/// The leader a day belongs to: a leader publishes their own or another leader's day
/// (their office keeps several calendars); an administrator names the leader.
fn leader_for(
    conn: &mut DbConn,
    user: &StaffUser,
    wanted: Option<&str>,
) -> Result<Option<StaffUser>, ServiceError> {
    let wanted = wanted.map(str::trim).filter(|w| !w.is_empty());
    let record = match wanted {
        None if user.role == Role::Leader => return Ok(Some(user.clone())),
        None => return Ok(None),
        Some(name) => crate::db::users::find_by_username(conn, name)?,
    };
    Ok(record
        .map(StaffUser::from_record)
        .transpose()?
        .filter(|u| u.role == Role::Leader))
}

/// Publishes a reception day. Leaders and administrators only.
pub fn create_day(
    conn: &mut DbConn,
    catalog: &Catalog,
    user: &StaffUser,
    input: &DayInput,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<i32, ServiceError> {
    if !matches!(user.role, Role::Leader | Role::Admin) {
        return Err(ServiceError::Forbidden { key: "deny.role" });
    }
    let mut errors = FieldErrors::new();
    let date = match NaiveDate::parse_from_str(input.date.trim(), "%Y-%m-%d") {
        Ok(d) if d <= today => errors.check::<NaiveDate>("date", Err(FieldError::new("err.date_past"))),
        Ok(d) => Some(d),
        Err(_) => errors.check::<NaiveDate>("date", Err(FieldError::new("err.date"))),
    };
    let starts = errors.check(
        "starts_at",
        time(&input.starts_at).ok_or(FieldError::new("err.time")),
    );
    let ends = errors.check("ends_at", time(&input.ends_at).ok_or(FieldError::new("err.time")));
    if let (Some(s), Some(e)) = (starts, ends)
        && e <= s
    {
        errors.add("ends_at", FieldError::new("err.time_order"));
    }
    let place = errors.check("place", clean(&input.place, 2, 100, Lines::Single));
    let capacity = errors.check(
        "capacity",
        input
            .capacity
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|c| (1..=MAX_CAPACITY).contains(c))
            .ok_or(FieldError::new("err.capacity").with("max", MAX_CAPACITY)),
    );
    if input.categories.iter().any(|c| catalog.category(c).is_none()) {
        errors.add("categories", FieldError::new("err.unknown_category"));
    }
    if input.areas.iter().any(|a| catalog.area(a).is_none()) {
        errors.add("areas", FieldError::new("err.unknown_area"));
    }
    let leader = leader_for(conn, user, input.leader.as_deref())?;
    if leader.is_none() {
        errors.add("leader", FieldError::new("err.leader"));
    }
    match (date, starts, ends, place, capacity, leader) {
        (Some(date), Some(starts), Some(ends), Some(place), Some(capacity), Some(leader))
            if errors.is_empty() =>
        {
            let id = store::insert_day(
                conn,
                &NewDay {
                    leader_id: leader.id,
                    day: date,
                    starts_at: starts.format("%H:%M").to_string(),
                    ends_at: ends.format("%H:%M").to_string(),
                    place,
                    capacity: capacity as i32,
                    categories: input.categories.join(" "),
                    areas: input.areas.join(" "),
                    created_by: user.id,
                    created_at: now.naive_utc(),
                },
            )?;
            tracing::info!(day = id, leader = leader.id, %date, "reception day published");
            Ok(id)
        }
        _ => Err(ServiceError::Invalid(errors)),
    }
}

fn split(codes: &str) -> Vec<String> {
    codes.split_whitespace().map(str::to_string).collect()
}

/// The booking rules' view of a stored day.
pub fn rule_of(day: &DayRecord) -> Day {
    Day {
        date: day.day,
        starts_at: time(&day.starts_at).unwrap_or_default(),
        ends_at: time(&day.ends_at).unwrap_or_default(),
        capacity: u32::try_from(day.capacity).unwrap_or(0),
        categories: split(&day.categories),
        areas: split(&day.areas),
        cancelled: day.cancelled_at.is_some(),
    }
}

/// Days between two dates (inclusive), for anyone.
pub fn days_between(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<DaySummary>, ServiceError> {
    Ok(store::days_between(conn, from, to)?)
}

/// A case's live booking, for the resident who proves it is theirs.
pub fn booking_of(
    conn: &mut DbConn,
    case_id: i64,
) -> Result<Option<(BookingRecord, DaySummary)>, ServiceError> {
    let Some((booking, day)) = store::live_booking(conn, case_id)? else {
        return Ok(None);
    };
    let summary = store::summary_of(conn, day.id)?.ok_or(ServiceError::NotFound)?;
    Ok(Some((booking, summary)))
}

/// The coming days a case could be booked on now (open, in scope, not full); `now` is the
/// local time.
pub fn bookable_days(
    conn: &mut DbConn,
    catalog: &Catalog,
    case: &CaseRecord,
    now: NaiveDateTime,
) -> Result<Vec<DaySummary>, ServiceError> {
    let path = catalog.area_path(&case.area_code).unwrap_or_default();
    let state = CaseState::parse(&case.state).unwrap_or(CaseState::Closed);
    let today = now.date();
    let until = today + chrono::Duration::days(92);
    Ok(store::days_between(conn, today, until)?
        .into_iter()
        .filter(|d| {
            let applicant = Applicant {
                state,
                category: &case.category_code,
                area_path: &path,
                has_booking: false,
            };
            rule_of(&d.day)
                .check(&applicant, u32::try_from(d.booked).unwrap_or(u32::MAX), now)
                .is_ok()
        })
        .collect())
}

/// A reception day as lists show it: who receives, when, where, for what, how full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayView {
    pub id: i32,
    pub day: NaiveDate,
    pub starts_at: String,
    pub ends_at: String,
    pub place: String,
    pub capacity: i32,
    /// Category codes it is held for (none: any).
    pub categories: Vec<String>,
    /// Area codes it is held for (none: any).
    pub areas: Vec<String>,
    pub leader_id: i32,
    pub leader: String,
    pub booked: i64,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
}

impl From<DaySummary> for DayView {
    fn from(d: DaySummary) -> Self {
        let words = |s: &str| s.split_whitespace().map(str::to_string).collect();
        DayView {
            id: d.day.id,
            day: d.day.day,
            categories: words(&d.day.categories),
            areas: words(&d.day.areas),
            starts_at: d.day.starts_at,
            ends_at: d.day.ends_at,
            place: d.day.place,
            capacity: d.day.capacity,
            leader_id: d.day.leader_id,
            leader: d.leader,
            booked: d.booked,
            cancelled_at: d.day.cancelled_at.map(|t| t.and_utc()),
            cancel_reason: d.day.cancel_reason,
        }
    }
}

/// A case's live booking (its day), and the days it could book instead.
#[derive(Debug, Clone, Default)]
pub struct CaseReception {
    pub booked: Option<DayView>,
    pub bookable: Vec<DayView>,
}

/// Books the case the resident proves is theirs onto a reception day; returns the
/// booking's id and the day.
pub async fn book_day(
    app: &App,
    caller: &Caller,
    number: TrackingNumber,
    day_id: i32,
) -> Result<(i32, DayView), ServiceError> {
    let proof = caller.resident()?.clone();
    app.write(move |conn, rules, now| {
        let id = book(conn, rules, &number, &proof, day_id, now)?;
        let day = store::summary_of(conn, day_id)?.ok_or(ServiceError::NotFound)?;
        Ok((id, day.into()))
    })
    .await
}

/// Cancels the live booking of the case the resident proves is theirs.
pub async fn cancel_booking(app: &App, caller: &Caller, number: TrackingNumber) -> Result<(), ServiceError> {
    let proof = caller.resident()?.clone();
    app.write(move |conn, rules, now| cancel(conn, rules, &number, &proof, now))
        .await
}

/// For a case already known to be the asker's: its live booking, and the days it could
/// book when it has none.
pub fn for_case(
    conn: &mut DbConn,
    catalog: &Catalog,
    number: &TrackingNumber,
    now: NaiveDateTime,
) -> Result<CaseReception, ServiceError> {
    let case = find_by_tracking_number(conn, number.as_str())?.ok_or(ServiceError::NotFound)?;
    match booking_of(conn, case.id)? {
        Some((_, day)) => Ok(CaseReception {
            booked: Some(day.into()),
            bookable: Vec::new(),
        }),
        None => Ok(CaseReception {
            booked: None,
            bookable: bookable_days(conn, catalog, &case, now)?
                .into_iter()
                .map(DayView::from)
                .collect(),
        }),
    }
}

fn refused(refusal: Refusal) -> ServiceError {
    ServiceError::Conflict { key: refusal.key() }
}

/// Books a slot on `day_id` for the case the resident proves is theirs.
pub fn book(
    conn: &mut DbConn,
    rules: Rules<'_>,
    number: &TrackingNumber,
    proof: &ResidentProof,
    day_id: i32,
    now: DateTime<Utc>,
) -> Result<i32, ServiceError> {
    resident_case_by(conn, rules, number, proof, now)?;
    let case = find_by_tracking_number(conn, number.as_str())?.ok_or(ServiceError::NotFound)?;
    let day = store::summary_of(conn, day_id)?.ok_or(ServiceError::NotFound)?;
    let path = rules.catalog.area_path(&case.area_code).unwrap_or_default();
    let applicant = Applicant {
        state: CaseState::parse(&case.state).unwrap_or(CaseState::Closed),
        category: &case.category_code,
        area_path: &path,
        has_booking: store::live_booking(conn, case.id)?.is_some(),
    };
    let local_now = now.with_timezone(&rules.tz).naive_local();
    rule_of(&day.day)
        .check(
            &applicant,
            u32::try_from(day.booked).unwrap_or(u32::MAX),
            local_now,
        )
        .map_err(refused)?;
    // The unique index on live bookings settles a race between two requests.
    let id = store::insert_booking(conn, day_id, case.id, now.naive_utc()).map_err(|e| {
        if e.is_unique_violation() {
            refused(Refusal::AlreadyBooked)
        } else {
            e.into()
        }
    })?;
    record_events(
        conn,
        rules,
        &case,
        vec![(
            EventData::ReceptionBooked {
                date: day.day.day,
                starts_at: day.day.starts_at.clone(),
                place: day.day.place.clone(),
                leader: day.leader.clone(),
            },
            Visibility::Public,
        )],
        &Actor::Resident,
        now,
    )?;
    Ok(id)
}

/// Cancels the case's live booking on `day_id`. The proof is checked before anything is
/// looked up, so a wrong token gets the same answer whatever day the case is booked on.
pub fn cancel_on(
    conn: &mut DbConn,
    rules: Rules<'_>,
    number: &TrackingNumber,
    proof: &ResidentProof,
    day_id: i32,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    resident_case_by(conn, rules, number, proof, now)?;
    let case = find_by_tracking_number(conn, number.as_str())?.ok_or(ServiceError::NotFound)?;
    match store::live_booking(conn, case.id)? {
        Some((_, day)) if day.id == day_id => cancel(conn, rules, number, proof, now),
        _ => Err(ServiceError::NotFound),
    }
}

/// Cancels the case's live booking.
pub fn cancel(
    conn: &mut DbConn,
    rules: Rules<'_>,
    number: &TrackingNumber,
    proof: &ResidentProof,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    resident_case_by(conn, rules, number, proof, now)?;
    let case = find_by_tracking_number(conn, number.as_str())?.ok_or(ServiceError::NotFound)?;
    let (booking, day) = store::live_booking(conn, case.id)?.ok_or(ServiceError::Conflict {
        key: "reception.refused.none",
    })?;
    // Until the day itself: the leader's list may be out, but the live queue is not.
    if day.day <= local_date(now, rules.tz) {
        return Err(ServiceError::Conflict {
            key: "reception.cancel_closed",
        });
    }
    store::cancel_booking(conn, booking.id, now.naive_utc())?;
    record_events(
        conn,
        rules,
        &case,
        vec![(
            EventData::ReceptionCancelled { date: day.day },
            Visibility::Public,
        )],
        &Actor::Resident,
        now,
    )
}

/// Calls a coming day off (leaders and administrators): every booking on it is cancelled,
/// each case gets the reason on its timeline, and its resident is mailed. Returns how many
/// bookings were cancelled.
pub fn cancel_day(
    conn: &mut DbConn,
    rules: Rules<'_>,
    user: &StaffUser,
    day_id: i32,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<usize, ServiceError> {
    leaders_only(user)?;
    let reason = clean(reason, 2, 500, Lines::Multi)
        .map_err(|e| ServiceError::Invalid(FieldErrors::single("reason", e)))?;
    let day = store::find_day(conn, day_id)?.ok_or(ServiceError::NotFound)?;
    if day.day < local_date(now, rules.tz) {
        return Err(ServiceError::Conflict {
            key: "reception.cancel_past_day",
        });
    }
    if !store::cancel_day(conn, day_id, &reason, now.naive_utc())? {
        return Err(ServiceError::Conflict {
            key: "reception.day_cancelled",
        });
    }
    let booked = store::bookings_of_day(conn, day_id)?;
    for (booking, case) in &booked {
        store::cancel_booking(conn, booking.id, now.naive_utc())?;
        record_events(
            conn,
            rules,
            case,
            vec![(
                EventData::ReceptionDayCancelled {
                    date: day.day,
                    reason: reason.clone(),
                },
                Visibility::Public,
            )],
            &user.actor(),
            now,
        )?;
    }
    tracing::info!(day = day_id, bookings = booked.len(), "reception day called off");
    Ok(booked.len())
}

fn leaders_only(user: &StaffUser) -> Result<(), ServiceError> {
    if matches!(user.role, Role::Leader | Role::Admin) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden { key: "deny.role" })
    }
}

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
    super::workflow::staff_case(conn, rules, user, number, now)?;
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

// ---------------------------------------------------------------- use cases

/// The reception days from `from` to `to`, for anyone.
pub async fn days(app: &App, from: NaiveDate, to: NaiveDate) -> Result<Vec<DayView>, ServiceError> {
    app.read(move |conn, _, _| {
        Ok(days_between(conn, from, to)?
            .into_iter()
            .map(DayView::from)
            .collect())
    })
    .await
}

/// What a leader's desk shows: the days from `from` to `until`, the leaders a day may be
/// held by (username, name), and the leader's own cases in charge.
pub struct Desk {
    pub days: Vec<DayView>,
    pub leaders: Vec<(String, String)>,
    pub charged: Vec<ChargedCase>,
}

pub async fn desk(
    app: &App,
    user: &StaffUser,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Desk, ServiceError> {
    leaders_only(user)?;
    let user = user.clone();
    app.read(move |conn, _, _| {
        Ok(Desk {
            days: days_between(conn, from, until)?
                .into_iter()
                .map(DayView::from)
                .collect(),
            leaders: crate::db::users::leader_accounts(conn)?,
            charged: if user.role == Role::Leader {
                supervised(conn, &user)?
            } else {
                Vec::new()
            },
        })
    })
    .await
}

/// Publishes a reception day (leaders' offices and administrators); returns it.
pub async fn publish(app: &App, user: &StaffUser, input: DayInput) -> Result<DayView, ServiceError> {
    let user = user.clone();
    app.write(move |conn, rules, now| {
        let today = local_date(now, rules.tz);
        let id = create_day(conn, rules.catalog, &user, &input, today, now)?;
        Ok(store::summary_of(conn, id)?.ok_or(ServiceError::NotFound)?.into())
    })
    .await
}

/// The day's queue (leaders and administrators).
pub async fn queue(app: &App, user: &StaffUser, day_id: i32) -> Result<DayQueue, ServiceError> {
    let user = user.clone();
    app.read(move |conn, _, now| day_queue(conn, &user, day_id, now))
        .await
}

/// Calls a day off with the reason; returns how many bookings were cancelled.
pub async fn call_off(
    app: &App,
    user: &StaffUser,
    day_id: i32,
    reason: String,
) -> Result<usize, ServiceError> {
    let user = user.clone();
    app.write(move |conn, rules, now| cancel_day(conn, rules, &user, day_id, &reason, now))
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

/// Cancels the resident's booking on that day (the proof checked first, so a wrong one
/// learns nothing of which day the case is booked on).
pub async fn cancel_on_day(
    app: &App,
    caller: &Caller,
    number: TrackingNumber,
    day_id: i32,
) -> Result<(), ServiceError> {
    let proof = caller.resident()?.clone();
    app.write(move |conn, rules, now| cancel_on(conn, rules, &number, &proof, day_id, now))
        .await
}
