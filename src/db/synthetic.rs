//! Bulk writes for `huiying seed-synthetic`: whole batches of generated cases with their
//! timelines and side rows in multi-row statements, and the record of how far each seed's
//! load has got.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::conn::{DbConn, DbError};
use super::schema::{
    attachments, bookings, case_events, cases, reception_days, supports, synthetic_loads, users,
};

/// A generated case row: every column a worked case has, answer deadline and extension
/// included (a filing's own row has none yet).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = cases, treat_none_as_default_value = false)]
pub struct CaseRow {
    pub id: i64,
    pub tracking_number: String,
    pub state: &'static str,
    pub channel: &'static str,
    pub category_code: String,
    pub area_code: String,
    pub department_code: String,
    pub routing_rule_id: Option<i32>,
    pub title: String,
    pub description: String,
    pub address: Option<String>,
    pub resident_name: &'static str,
    pub resident_phone: Option<String>,
    pub resident_email: Option<String>,
    pub locale: &'static str,
    pub confidential: bool,
    pub publish_consent: bool,
    pub access_token_hash: String,
    pub submitted_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub acceptance_due_at: Option<NaiveDateTime>,
    pub due_at: Option<NaiveDateTime>,
    pub answer_due_at: Option<NaiveDateTime>,
    pub extension_state: Option<&'static str>,
    pub last_event_seq: i32,
    pub last_event_hash: String,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = case_events, treat_none_as_default_value = false)]
pub struct EventRow {
    pub case_id: i64,
    pub seq: i32,
    pub kind: String,
    pub visibility: &'static str,
    pub actor_kind: &'static str,
    pub actor_id: Option<i32>,
    pub payload: String,
    pub created_at: NaiveDateTime,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = supports, treat_none_as_default_value = false)]
pub struct SupportRow {
    pub case_id: i64,
    pub email: String,
    pub locale: &'static str,
    pub created_at: NaiveDateTime,
    pub confirmed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = attachments, treat_none_as_default_value = false)]
pub struct AttachmentRow {
    pub case_id: i64,
    pub stored_name: String,
    pub display_name: &'static str,
    pub content_type: &'static str,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = bookings, treat_none_as_default_value = false)]
pub struct BookingRow {
    pub day_id: i32,
    pub case_id: i64,
    pub booked_at: NaiveDateTime,
    pub attended: Option<bool>,
    pub outcome: Option<&'static str>,
    pub met_at: Option<NaiveDateTime>,
}

/// One batch of generated work, written in one transaction.
#[derive(Debug, Default)]
pub struct Batch {
    pub cases: Vec<CaseRow>,
    pub events: Vec<EventRow>,
    pub supports: Vec<SupportRow>,
    pub attachments: Vec<AttachmentRow>,
    pub bookings: Vec<BookingRow>,
}

/// How far a seed's load has got.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = synthetic_loads)]
pub struct LoadRecord {
    pub seed: i64,
    pub target: i64,
    pub months: i32,
    pub loaded: i64,
    /// Case `i` of the load (from 0) gets id `first_id + i`.
    pub first_id: i64,
    pub anchored_at: NaiveDateTime,
}

pub fn find_load(conn: &mut DbConn, seed: i64) -> Result<Option<LoadRecord>, DbError> {
    Ok(synthetic_loads::table
        .find(seed)
        .select(LoadRecord::as_select())
        .first(conn)
        .optional()?)
}

pub fn start_load(conn: &mut DbConn, load: &LoadRecord) -> Result<(), DbError> {
    diesel::insert_into(synthetic_loads::table)
        .values(load)
        .execute(conn)?;
    Ok(())
}

/// Sets aside ids for `n` cases after every stored one and returns the first: on
/// PostgreSQL the sequence filings draw from moves past them.
pub fn reserve_case_ids(conn: &mut DbConn, n: i64) -> Result<i64, DbError> {
    match conn {
        DbConn::Sqlite(c) => Ok(diesel::select(diesel::dsl::sql::<BigInt>(
            "COALESCE((SELECT MAX(id) FROM cases), 0) + 1",
        ))
        .get_result(c)?),
        DbConn::Postgresql(c) => {
            let first: i64 = diesel::select(diesel::dsl::sql::<BigInt>(
                "GREATEST(nextval('cases_id_seq'), COALESCE((SELECT MAX(id) FROM cases), 0) + 1)",
            ))
            .get_result(c)?;
            diesel::sql_query(format!("SELECT setval('cases_id_seq', {})", first + n.max(1) - 1))
                .execute(c)?;
            Ok(first)
        }
    }
}

/// Writes `batch` and moves the seed's mark to `loaded`, in the transaction the caller
/// holds: a batch is stored whole or not at all, and the mark never runs ahead of it.
pub fn write_batch(conn: &mut DbConn, seed: i64, loaded: i64, batch: &Batch) -> Result<(), DbError> {
    // Chunks keep each statement under SQLite's bound-variable limit (32,766).
    macro_rules! insert_all {
        ($table:expr, $rows:expr, $per:expr) => {
            for chunk in $rows.chunks($per) {
                match conn {
                    DbConn::Sqlite(c) => diesel::insert_into($table).values(chunk).execute(c)?,
                    DbConn::Postgresql(c) => diesel::insert_into($table).values(chunk).execute(c)?,
                };
            }
        };
    }
    insert_all!(cases::table, batch.cases, 1_000);
    insert_all!(case_events::table, batch.events, 3_000);
    insert_all!(supports::table, batch.supports, 5_000);
    insert_all!(attachments::table, batch.attachments, 4_000);
    insert_all!(bookings::table, batch.bookings, 5_000);
    diesel::update(synthetic_loads::table.find(seed))
        .set(synthetic_loads::loaded.eq(loaded))
        .execute(conn)?;
    Ok(())
}

/// The first leader account (reception days are held by one), if any.
pub fn a_leader(conn: &mut DbConn) -> Result<Option<i32>, DbError> {
    Ok(users::table
        .filter(users::role.eq("leader"))
        .order(users::id)
        .select(users::id)
        .first(conn)
        .optional()?)
}

/// A staff account of each department, to act on its generated cases.
pub fn a_worker_per_department(conn: &mut DbConn) -> Result<Vec<(String, i32)>, DbError> {
    let rows: Vec<(Option<String>, i32)> = users::table
        .filter(users::role.eq_any(["staff", "head"]))
        .filter(users::department_code.is_not_null())
        .order(users::id)
        .select((users::department_code, users::id))
        .load(conn)?;
    let mut seen = std::collections::BTreeMap::new();
    for (department, id) in rows {
        if let Some(department) = department {
            seen.entry(department).or_insert(id);
        }
    }
    Ok(seen.into_iter().collect())
}

/// The leader's reception day on each of `days`, created where missing: (id, day).
pub fn reception_days_on(
    conn: &mut DbConn,
    leader: i32,
    days: &[NaiveDate],
    place: &str,
    now: NaiveDateTime,
) -> Result<Vec<(i32, NaiveDate)>, DbError> {
    let mut out = Vec::with_capacity(days.len());
    for day in days {
        let existing: Option<i32> = reception_days::table
            .filter(reception_days::leader_id.eq(leader))
            .filter(reception_days::day.eq(day))
            .select(reception_days::id)
            .first(conn)
            .optional()?;
        let id = match existing {
            Some(id) => id,
            None => {
                diesel::insert_into(reception_days::table)
                    .values((
                        reception_days::leader_id.eq(leader),
                        reception_days::day.eq(day),
                        reception_days::starts_at.eq("09:00"),
                        reception_days::ends_at.eq("12:00"),
                        reception_days::place.eq(place),
                        reception_days::capacity.eq(10_000),
                        reception_days::categories.eq(""),
                        reception_days::areas.eq(""),
                        reception_days::created_by.eq(leader),
                        reception_days::created_at.eq(now),
                    ))
                    .execute(conn)?;
                reception_days::table
                    .filter(reception_days::leader_id.eq(leader))
                    .filter(reception_days::day.eq(day))
                    .select(reception_days::id)
                    .first(conn)?
            }
        };
        out.push((id, *day));
    }
    Ok(out)
}

/// Tracking numbers of up to `n` cases spread evenly over the ids (the benchmark's).
pub fn spread_tracking_numbers(conn: &mut DbConn, n: i64) -> Result<Vec<String>, DbError> {
    let max: Option<i64> = cases::table.select(diesel::dsl::max(cases::id)).first(conn)?;
    let max = max.unwrap_or(0);
    let ids: Vec<i64> = (1..=n).map(|k| (k * max / n).max(1)).collect();
    Ok(cases::table
        .filter(cases::id.eq_any(ids))
        .select(cases::tracking_number)
        .load(conn)?)
}

#[derive(QueryableByName)]
struct MonthCount {
    #[diesel(sql_type = diesel::sql_types::Text)]
    month: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The month (UTC, `YYYY-MM`) with the most filings and how many: one pass over the
/// cases, for the benchmark's setup only.
pub fn busiest_month(conn: &mut DbConn) -> Result<Option<(String, i64)>, DbError> {
    let tail = "FROM cases GROUP BY 1 ORDER BY 2 DESC, 1 DESC LIMIT 1";
    let rows: Vec<MonthCount> = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(format!(
            "SELECT strftime('%Y-%m', submitted_at) AS month, COUNT(*) AS n {tail}"
        ))
        .load(c)?,
        DbConn::Postgresql(c) => diesel::sql_query(format!(
            "SELECT to_char(submitted_at, 'YYYY-MM') AS month, COUNT(*) AS n {tail}"
        ))
        .load(c)?,
    };
    Ok(rows.into_iter().next().map(|r| (r.month, r.n)))
}
