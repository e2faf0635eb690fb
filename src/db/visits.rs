//! Liaisons' visits to villages and the cases filed from them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::conn::{DbConn, DbError};
use super::schema::{visit_cases, visits};

#[derive(Debug, Clone, Queryable)]
pub struct VisitRow {
    pub id: i32,
    pub area_code: String,
    pub visited_on: NaiveDate,
    pub met: String,
    pub notes: String,
    pub liaison_id: i32,
    pub created_at: NaiveDateTime,
}

pub struct NewVisit<'a> {
    pub area_code: &'a str,
    pub visited_on: NaiveDate,
    pub met: &'a str,
    pub notes: &'a str,
    pub liaison_id: i32,
    pub created_at: NaiveDateTime,
}

/// Stores a visit; its id.
pub fn insert(conn: &mut DbConn, v: &NewVisit<'_>) -> Result<i32, DbError> {
    diesel::insert_into(visits::table)
        .values((
            visits::area_code.eq(v.area_code),
            visits::visited_on.eq(v.visited_on),
            visits::met.eq(v.met),
            visits::notes.eq(v.notes),
            visits::liaison_id.eq(v.liaison_id),
            visits::created_at.eq(v.created_at),
        ))
        .execute(conn)?;
    Ok(visits::table
        .filter(visits::liaison_id.eq(v.liaison_id))
        .filter(visits::created_at.eq(v.created_at))
        .order(visits::id.desc())
        .select(visits::id)
        .first(conn)?)
}

pub fn link_case(conn: &mut DbConn, visit_id: i32, case_id: i64) -> Result<(), DbError> {
    diesel::insert_into(visit_cases::table)
        .values((
            visit_cases::visit_id.eq(visit_id),
            visit_cases::case_id.eq(case_id),
        ))
        .execute(conn)?;
    Ok(())
}

/// The visits to `areas` between two days (inclusive), newest first.
pub fn in_areas(
    conn: &mut DbConn,
    areas: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<VisitRow>, DbError> {
    Ok(visits::table
        .filter(visits::area_code.eq_any(areas))
        .filter(visits::visited_on.between(from, to))
        .order((visits::visited_on.desc(), visits::id.desc()))
        .select((
            visits::id,
            visits::area_code,
            visits::visited_on,
            visits::met,
            visits::notes,
            visits::liaison_id,
            visits::created_at,
        ))
        .load(conn)?)
}

/// How many cases each visit filed.
pub fn case_counts(conn: &mut DbConn, ids: &[i32]) -> Result<std::collections::HashMap<i32, i64>, DbError> {
    let rows: Vec<(i32, i64)> = visit_cases::table
        .filter(visit_cases::visit_id.eq_any(ids))
        .group_by(visit_cases::visit_id)
        .select((visit_cases::visit_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// The last visit to each of `areas`.
pub fn last_visits(
    conn: &mut DbConn,
    areas: &[String],
) -> Result<std::collections::HashMap<String, NaiveDate>, DbError> {
    let rows: Vec<(String, Option<NaiveDate>)> = visits::table
        .filter(visits::area_code.eq_any(areas))
        .group_by(visits::area_code)
        .select((visits::area_code, diesel::dsl::max(visits::visited_on)))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(area, day)| day.map(|d| (area, d)))
        .collect())
}
