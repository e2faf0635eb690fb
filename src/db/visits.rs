//! Liaisons' visits to villages and the cases filed from them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::conn::{DbConn, DbError};
use super::schema::{visit_cases, visits};

macro_rules! visit_columns {
    () => {
        (
            visits::id,
            visits::area_code,
            visits::visited_on,
            visits::met,
            visits::notes,
            visits::liaison_id,
            visits::created_at,
        )
    };
}

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
        .select(visit_columns!())
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

/// A case as the ledger lists it: never who filed it.
#[derive(Debug, Clone, Queryable)]
pub struct LedgerCaseRow {
    pub id: i64,
    pub tracking_number: String,
    pub category_code: String,
    pub area_code: String,
    pub department_code: String,
    pub state: String,
    pub submitted_at: NaiveDateTime,
    pub due_at: Option<NaiveDateTime>,
}

macro_rules! ledger_columns {
    () => {
        (
            super::schema::cases::id,
            super::schema::cases::tracking_number,
            super::schema::cases::category_code,
            super::schema::cases::area_code,
            super::schema::cases::department_code,
            super::schema::cases::state,
            super::schema::cases::submitted_at,
            super::schema::cases::due_at,
        )
    };
}

/// The cases filed from these visits, oldest first.
pub fn cases_of_visits(conn: &mut DbConn, visit_ids: &[i32]) -> Result<Vec<LedgerCaseRow>, DbError> {
    use super::schema::cases;
    Ok(cases::table
        .inner_join(visit_cases::table.on(visit_cases::case_id.eq(cases::id)))
        .filter(visit_cases::visit_id.eq_any(visit_ids))
        .order(cases::id)
        .select(ledger_columns!())
        .load(conn)?)
}

/// The open cases of `areas` in `states` with a deadline, soonest first, never a report
/// about an official (`hidden` categories).
pub fn open_in(
    conn: &mut DbConn,
    areas: &[String],
    states: &[&str],
    hidden: &[String],
) -> Result<Vec<LedgerCaseRow>, DbError> {
    use super::schema::cases;
    Ok(cases::table
        .filter(cases::area_code.eq_any(areas))
        .filter(cases::state.eq_any(states))
        .filter(cases::category_code.ne_all(hidden))
        .filter(cases::due_at.is_not_null())
        .order((cases::due_at, cases::id))
        .select(ledger_columns!())
        .load(conn)?)
}

/// The mediation events (`mediated`, `mediation_failed`) of cases in `areas` between two
/// instants: (case id, kind).
pub fn mediations_in(
    conn: &mut DbConn,
    areas: &[String],
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<Vec<(i64, String)>, DbError> {
    use super::schema::{case_events, cases};
    Ok(case_events::table
        .inner_join(cases::table.on(cases::id.eq(case_events::case_id)))
        .filter(cases::area_code.eq_any(areas))
        .filter(case_events::kind.eq_any(["mediated", "mediation_failed"]))
        .filter(case_events::created_at.ge(from))
        .filter(case_events::created_at.lt(until))
        .order(case_events::id)
        .select((case_events::case_id, case_events::kind))
        .load(conn)?)
}

/// Cases by id, for the ledger.
pub fn cases_by_id(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<LedgerCaseRow>, DbError> {
    use super::schema::cases;
    Ok(cases::table
        .filter(cases::id.eq_any(ids))
        .order(cases::id)
        .select(ledger_columns!())
        .load(conn)?)
}

/// Overdue cases by area: those in `states` whose deadline has passed, never reports
/// about officials.
pub fn overdue_by_area(
    conn: &mut DbConn,
    areas: &[String],
    states: &[&str],
    hidden: &[String],
    now: NaiveDateTime,
) -> Result<std::collections::HashMap<String, i64>, DbError> {
    use super::schema::cases;
    let rows: Vec<(String, i64)> = cases::table
        .filter(cases::area_code.eq_any(areas))
        .filter(cases::state.eq_any(states))
        .filter(cases::category_code.ne_all(hidden))
        .filter(cases::due_at.lt(now))
        .group_by(cases::area_code)
        .select((cases::area_code, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// A page of the visits to `areas`, by the day visited, newest first, after the
/// `(day, id)` of the last one shown.
pub fn log_of(
    conn: &mut DbConn,
    areas: &[String],
    after: Option<(NaiveDate, i32)>,
    limit: i64,
) -> Result<Vec<VisitRow>, DbError> {
    let mut query = visits::table.filter(visits::area_code.eq_any(areas)).into_boxed();
    if let Some((day, id)) = after {
        query = query.filter(
            visits::visited_on
                .lt(day)
                .or(visits::visited_on.eq(day).and(visits::id.lt(id))),
        );
    }
    Ok(query
        .order((visits::visited_on.desc(), visits::id.desc()))
        .limit(limit)
        .select(visit_columns!())
        .load(conn)?)
}

/// A liaison's latest visits, newest first.
pub fn of_liaison(conn: &mut DbConn, liaison_id: i32, limit: i64) -> Result<Vec<VisitRow>, DbError> {
    Ok(visits::table
        .filter(visits::liaison_id.eq(liaison_id))
        .order((visits::visited_on.desc(), visits::id.desc()))
        .limit(limit)
        .select(visit_columns!())
        .load(conn)?)
}

/// The cases each of these visits filed: (visit id, case).
pub fn cases_by_visit(conn: &mut DbConn, visit_ids: &[i32]) -> Result<Vec<(i32, LedgerCaseRow)>, DbError> {
    use super::schema::cases;
    Ok(cases::table
        .inner_join(visit_cases::table.on(visit_cases::case_id.eq(cases::id)))
        .filter(visit_cases::visit_id.eq_any(visit_ids))
        .order(cases::id)
        .select((visit_cases::visit_id, ledger_columns!()))
        .load(conn)?)
}

/// The cases a liaison filed from visits, newest first.
pub fn recorded_by(conn: &mut DbConn, liaison_id: i32, limit: i64) -> Result<Vec<LedgerCaseRow>, DbError> {
    use super::schema::cases;
    Ok(cases::table
        .inner_join(visit_cases::table.on(visit_cases::case_id.eq(cases::id)))
        .inner_join(visits::table.on(visits::id.eq(visit_cases::visit_id)))
        .filter(visits::liaison_id.eq(liaison_id))
        .order(cases::id.desc())
        .limit(limit)
        .select(ledger_columns!())
        .load(conn)?)
}
