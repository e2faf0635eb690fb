//! Reception days (信访接待日): leaders publish them, residents book a slot for their case,
//! the leader works the day's queue, records each meeting, and may take a case into
//! personal charge (包案).

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::{Deserialize, Deserializer};

use super::ServiceError;
use super::auth::StaffUser;
use super::workflow::{Rules, record_events};
use crate::app::App;
use crate::db::DbConn;
use crate::db::cases::CaseRecord;
use crate::db::reception::{self as store, BookingRecord, DayRecord, DaySummary, NewDay};
use crate::domain::case::{CaseState, Role, Visibility};
use crate::domain::catalog::Catalog;
use crate::domain::deadline::local_date;
use crate::domain::field_error::{FieldError, FieldErrors};
use crate::domain::reception::{Applicant, Day};
use crate::domain::text::{Lines, clean};
use crate::domain::timeline::EventData;

/// At most this many people on one day.
mod booking;
mod leaders_day;

pub use booking::*;
pub use leaders_day::*;

pub const MAX_CAPACITY: u32 = 200;

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
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct DayInput {
    pub date: String,
    pub starts_at: String,
    pub ends_at: String,
    pub place: String,
    #[serde(deserialize_with = "crate::domain::text::number_or_text")]
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

pub(super) fn leaders_only(user: &StaffUser) -> Result<(), ServiceError> {
    if matches!(user.role, Role::Leader | Role::Admin) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden { key: "deny.role" })
    }
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
