//! Reception days, their bookings, and leaders' personal charge of cases.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::cases::CaseRecord;
use super::conn::{DbConn, DbError};
use super::schema::{bookings, cases, reception_days, users};

#[derive(Debug, Clone, Queryable, Selectable, PartialEq, Eq)]
#[diesel(table_name = reception_days)]
pub struct DayRecord {
    pub id: i32,
    pub leader_id: i32,
    pub day: NaiveDate,
    pub starts_at: String,
    pub ends_at: String,
    pub place: String,
    pub capacity: i32,
    pub categories: String,
    pub areas: String,
    pub created_by: i32,
    pub created_at: NaiveDateTime,
    /// Called off by the leader's office, with the reason given.
    pub cancelled_at: Option<NaiveDateTime>,
    pub cancel_reason: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = reception_days)]
pub struct NewDay {
    pub leader_id: i32,
    pub day: NaiveDate,
    pub starts_at: String,
    pub ends_at: String,
    pub place: String,
    pub capacity: i32,
    pub categories: String,
    pub areas: String,
    pub created_by: i32,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, PartialEq, Eq)]
#[diesel(table_name = bookings)]
pub struct BookingRecord {
    pub id: i32,
    pub day_id: i32,
    pub case_id: i64,
    pub booked_at: NaiveDateTime,
    pub cancelled_at: Option<NaiveDateTime>,
    pub attended: Option<bool>,
    pub outcome: Option<String>,
    pub met_at: Option<NaiveDateTime>,
}

/// A day with its leader's name and how many live bookings it has.
#[derive(Debug, Clone)]
pub struct DaySummary {
    pub day: DayRecord,
    pub leader: String,
    pub leader_email: Option<String>,
    pub booked: i64,
}

pub fn insert_day(conn: &mut DbConn, day: &NewDay) -> Result<i32, DbError> {
    diesel::insert_into(reception_days::table)
        .values(day)
        .execute(conn)?;
    Ok(reception_days::table
        .filter(reception_days::leader_id.eq(day.leader_id))
        .filter(reception_days::day.eq(day.day))
        .filter(reception_days::created_at.eq(day.created_at))
        .order(reception_days::id.desc())
        .select(reception_days::id)
        .first(conn)?)
}

pub fn find_day(conn: &mut DbConn, id: i32) -> Result<Option<DayRecord>, DbError> {
    Ok(reception_days::table
        .find(id)
        .select(DayRecord::as_select())
        .first(conn)
        .optional()?)
}

/// Calls a day off; false when it was called off already.
pub fn cancel_day(conn: &mut DbConn, id: i32, reason: &str, now: NaiveDateTime) -> Result<bool, DbError> {
    let changed = diesel::update(
        reception_days::table
            .filter(reception_days::id.eq(id))
            .filter(reception_days::cancelled_at.is_null()),
    )
    .set((
        reception_days::cancelled_at.eq(now),
        reception_days::cancel_reason.eq(reason),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Whether a leader has any reception day, past or coming.
pub fn has_days(conn: &mut DbConn, leader_id: i32) -> Result<bool, DbError> {
    Ok(diesel::select(diesel::dsl::exists(
        reception_days::table.filter(reception_days::leader_id.eq(leader_id)),
    ))
    .get_result(conn)?)
}

/// Live bookings of a day.
pub fn booked_count(conn: &mut DbConn, day_id: i32) -> Result<i64, DbError> {
    Ok(bookings::table
        .filter(bookings::day_id.eq(day_id))
        .filter(bookings::cancelled_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Days from `from` to `to` inclusive that still take place, earliest first, with leader
/// and bookings.
pub fn days_between(conn: &mut DbConn, from: NaiveDate, to: NaiveDate) -> Result<Vec<DaySummary>, DbError> {
    let rows: Vec<(DayRecord, String, Option<String>)> = reception_days::table
        .inner_join(users::table.on(users::id.eq(reception_days::leader_id)))
        .filter(reception_days::day.ge(from))
        .filter(reception_days::day.le(to))
        .filter(reception_days::cancelled_at.is_null())
        .order((reception_days::day, reception_days::starts_at, reception_days::id))
        .select((DayRecord::as_select(), users::display_name, users::email))
        .load(conn)?;
    let ids: Vec<i32> = rows.iter().map(|(day, _, _)| day.id).collect();
    let booked: std::collections::HashMap<i32, i64> = bookings::table
        .filter(bookings::day_id.eq_any(&ids))
        .filter(bookings::cancelled_at.is_null())
        .group_by(bookings::day_id)
        .select((bookings::day_id, diesel::dsl::count_star()))
        .load::<(i32, i64)>(conn)?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|(day, leader, leader_email)| DaySummary {
            booked: booked.get(&day.id).copied().unwrap_or(0),
            day,
            leader,
            leader_email,
        })
        .collect())
}

pub fn summary_of(conn: &mut DbConn, id: i32) -> Result<Option<DaySummary>, DbError> {
    let Some(day) = find_day(conn, id)? else {
        return Ok(None);
    };
    let (leader, leader_email): (String, Option<String>) = users::table
        .find(day.leader_id)
        .select((users::display_name, users::email))
        .first(conn)?;
    let booked = booked_count(conn, id)?;
    Ok(Some(DaySummary {
        day,
        leader,
        leader_email,
        booked,
    }))
}

/// The case's live booking and its day.
pub fn live_booking(conn: &mut DbConn, case_id: i64) -> Result<Option<(BookingRecord, DayRecord)>, DbError> {
    Ok(bookings::table
        .inner_join(reception_days::table)
        .filter(bookings::case_id.eq(case_id))
        .filter(bookings::cancelled_at.is_null())
        .select((BookingRecord::as_select(), DayRecord::as_select()))
        .first(conn)
        .optional()?)
}

pub fn insert_booking(
    conn: &mut DbConn,
    day_id: i32,
    case_id: i64,
    now: NaiveDateTime,
) -> Result<i32, DbError> {
    diesel::insert_into(bookings::table)
        .values((
            bookings::day_id.eq(day_id),
            bookings::case_id.eq(case_id),
            bookings::booked_at.eq(now),
        ))
        .execute(conn)?;
    Ok(bookings::table
        .filter(bookings::case_id.eq(case_id))
        .filter(bookings::cancelled_at.is_null())
        .select(bookings::id)
        .first(conn)?)
}

pub fn cancel_booking(conn: &mut DbConn, id: i32, now: NaiveDateTime) -> Result<bool, DbError> {
    let changed = diesel::update(
        bookings::table
            .filter(bookings::id.eq(id))
            .filter(bookings::cancelled_at.is_null()),
    )
    .set(bookings::cancelled_at.eq(now))
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn find_booking(conn: &mut DbConn, id: i32) -> Result<Option<BookingRecord>, DbError> {
    Ok(bookings::table
        .find(id)
        .select(BookingRecord::as_select())
        .first(conn)
        .optional()?)
}

pub fn record_meeting(
    conn: &mut DbConn,
    id: i32,
    attended: bool,
    outcome: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(bookings::table.filter(bookings::id.eq(id)))
        .set((
            bookings::attended.eq(Some(attended)),
            bookings::outcome.eq(Some(outcome)),
            bookings::met_at.eq(Some(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// A day's live bookings with their cases, in booking order.
pub fn bookings_of_day(conn: &mut DbConn, day_id: i32) -> Result<Vec<(BookingRecord, CaseRecord)>, DbError> {
    Ok(bookings::table
        .inner_join(cases::table)
        .filter(bookings::day_id.eq(day_id))
        .filter(bookings::cancelled_at.is_null())
        .order((bookings::booked_at, bookings::id))
        .select((BookingRecord::as_select(), CaseRecord::as_select()))
        .load(conn)?)
}

/// How many of the resident's cases on the same category came before this one: the
/// resident is known by their email (any case) or their phone.
pub fn earlier_on_same_matter(conn: &mut DbConn, case: &CaseRecord) -> Result<i64, DbError> {
    let mut query = cases::table
        .filter(cases::id.lt(case.id))
        .filter(cases::category_code.eq(&case.category_code))
        .into_boxed::<super::conn::MultiBackend>();
    query = match (&case.resident_email, &case.resident_phone) {
        (Some(email), Some(phone)) => query.filter(
            super::residents::lower(cases::resident_email)
                .eq(Some(email.to_lowercase()))
                .or(cases::resident_phone.eq(phone)),
        ),
        (Some(email), None) => {
            query.filter(super::residents::lower(cases::resident_email).eq(Some(email.to_lowercase())))
        }
        (None, Some(phone)) => query.filter(cases::resident_phone.eq(phone)),
        (None, None) => return Ok(0),
    };
    Ok(query.count().get_result(conn)?)
}

/// Takes a case into a leader's charge, unless someone has it already.
pub fn set_supervisor(conn: &mut DbConn, case_id: i64, leader_id: i32) -> Result<bool, DbError> {
    let changed = diesel::update(
        cases::table
            .filter(cases::id.eq(case_id))
            .filter(cases::supervisor_id.is_null()),
    )
    .set(cases::supervisor_id.eq(leader_id))
    .execute(conn)?;
    Ok(changed == 1)
}

/// The cases a leader has in personal charge, soonest deadline first.
pub fn supervised_by(conn: &mut DbConn, leader_id: i32) -> Result<Vec<CaseRecord>, DbError> {
    Ok(cases::table
        .filter(cases::supervisor_id.eq(leader_id))
        .order((cases::due_at.is_null(), cases::due_at, cases::id))
        .select(CaseRecord::as_select())
        .load(conn)?)
}

/// Live bookings on `day`, with their cases (for reminders and the leader's list).
pub fn bookings_on(
    conn: &mut DbConn,
    day: NaiveDate,
) -> Result<Vec<(BookingRecord, DayRecord, CaseRecord)>, DbError> {
    Ok(bookings::table
        .inner_join(reception_days::table)
        .inner_join(cases::table)
        .filter(reception_days::day.eq(day))
        .filter(bookings::cancelled_at.is_null())
        .order((reception_days::id, bookings::booked_at))
        .select((
            BookingRecord::as_select(),
            DayRecord::as_select(),
            CaseRecord::as_select(),
        ))
        .load(conn)?)
}

/// Days, slots, bookings and attendance between two dates (for the monthly review).
pub fn reception_totals(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(i64, i64, i64, i64), DbError> {
    let days: Vec<(i32, i32)> = reception_days::table
        .filter(reception_days::day.ge(from))
        .filter(reception_days::day.le(to))
        .filter(reception_days::cancelled_at.is_null())
        .select((reception_days::id, reception_days::capacity))
        .load(conn)?;
    let ids: Vec<i32> = days.iter().map(|(id, _)| *id).collect();
    let slots = days.iter().map(|(_, c)| i64::from(*c)).sum();
    let booked = bookings::table
        .filter(bookings::day_id.eq_any(&ids))
        .filter(bookings::cancelled_at.is_null())
        .count()
        .get_result::<i64>(conn)?;
    let attended = bookings::table
        .filter(bookings::day_id.eq_any(&ids))
        .filter(bookings::cancelled_at.is_null())
        .filter(bookings::attended.eq(true))
        .count()
        .get_result::<i64>(conn)?;
    Ok((days.len() as i64, slots, booked, attended))
}
