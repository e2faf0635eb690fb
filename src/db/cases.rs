//! Case rows and their timeline.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::conn::{DbConn, DbError};
use super::schema::{case_events, cases};
use crate::domain::timeline::ChainedEvent;

/// A stored case, every column.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cases)]
pub struct CaseRecord {
    pub id: i64,
    pub tracking_number: String,
    pub state: String,
    pub channel: String,
    pub category_code: String,
    pub area_code: String,
    pub department_code: String,
    pub routing_rule_id: Option<i32>,
    pub title: String,
    pub description: String,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub resident_name: String,
    pub resident_phone: Option<String>,
    pub resident_email: Option<String>,
    pub locale: String,
    pub confidential: bool,
    pub publish_consent: bool,
    pub access_token_hash: String,
    pub submitted_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub acceptance_due_at: Option<NaiveDateTime>,
    pub due_at: Option<NaiveDateTime>,
    pub last_event_seq: i32,
    pub last_event_hash: String,
}

/// A new case row; borrowed so filing copies nothing it does not have to.
#[derive(Debug, Insertable)]
#[diesel(table_name = cases)]
pub struct NewCaseRow<'a> {
    pub id: i64,
    pub tracking_number: &'a str,
    pub state: &'a str,
    pub channel: &'a str,
    pub category_code: &'a str,
    pub area_code: &'a str,
    pub department_code: &'a str,
    pub routing_rule_id: Option<i32>,
    pub title: &'a str,
    pub description: &'a str,
    pub address: Option<&'a str>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub resident_name: &'a str,
    pub resident_phone: Option<&'a str>,
    pub resident_email: Option<&'a str>,
    pub locale: &'a str,
    pub confidential: bool,
    pub publish_consent: bool,
    pub access_token_hash: &'a str,
    pub submitted_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub acceptance_due_at: Option<NaiveDateTime>,
    pub due_at: Option<NaiveDateTime>,
    pub last_event_seq: i32,
    pub last_event_hash: &'a str,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = case_events)]
pub struct EventRecord {
    pub id: i64,
    pub case_id: i64,
    pub seq: i32,
    pub kind: String,
    pub visibility: String,
    pub actor_kind: String,
    pub actor_id: Option<i32>,
    pub payload: String,
    pub created_at: NaiveDateTime,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = case_events)]
struct NewEventRow<'a> {
    case_id: i64,
    seq: i32,
    kind: &'a str,
    visibility: &'a str,
    actor_kind: &'a str,
    actor_id: Option<i32>,
    payload: &'a str,
    created_at: NaiveDateTime,
    prev_hash: &'a str,
    hash: &'a str,
}

/// The id the next case gets. Call inside the write transaction that inserts it: on
/// PostgreSQL the sequence hands out each value once; on SQLite writers are serialised.
pub fn next_case_id(conn: &mut DbConn) -> Result<i64, DbError> {
    let id = match conn {
        DbConn::Postgresql(c) => {
            diesel::select(diesel::dsl::sql::<BigInt>("nextval('cases_id_seq')")).get_result(c)?
        }
        DbConn::Sqlite(c) => diesel::select(diesel::dsl::sql::<BigInt>(
            "COALESCE((SELECT MAX(id) FROM cases), 0) + 1",
        ))
        .get_result(c)?,
    };
    Ok(id)
}

pub fn insert_case(conn: &mut DbConn, row: &NewCaseRow<'_>) -> Result<(), DbError> {
    diesel::insert_into(cases::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn insert_events(conn: &mut DbConn, events: &[ChainedEvent]) -> Result<(), DbError> {
    let rows: Vec<NewEventRow<'_>> = events
        .iter()
        .map(|e| NewEventRow {
            case_id: e.case_id,
            seq: e.seq,
            kind: &e.kind,
            visibility: e.visibility.as_str(),
            actor_kind: e.actor_kind.as_str(),
            actor_id: e.actor_id,
            payload: &e.payload,
            created_at: e.at.naive_utc(),
            prev_hash: &e.prev_hash,
            hash: &e.hash,
        })
        .collect();
    for row in &rows {
        diesel::insert_into(case_events::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn find_by_tracking_number(
    conn: &mut DbConn,
    number: &str,
) -> Result<Option<CaseRecord>, DbError> {
    Ok(cases::table
        .filter(cases::tracking_number.eq(number))
        .select(CaseRecord::as_select())
        .first(conn)
        .optional()?)
}

pub fn events_of(conn: &mut DbConn, case_id: i64) -> Result<Vec<EventRecord>, DbError> {
    Ok(case_events::table
        .filter(case_events::case_id.eq(case_id))
        .order(case_events::seq)
        .select(EventRecord::as_select())
        .load(conn)?)
}

pub fn count_cases(conn: &mut DbConn) -> Result<i64, DbError> {
    Ok(cases::table.count().get_result(conn)?)
}
