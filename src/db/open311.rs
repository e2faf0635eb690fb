//! The rows Open311's `GET requests` reads: public facts of cases, never an identity.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::conn::{DbConn, DbError};
use super::schema::{case_events, cases};

/// A case as Open311 may show it (what is shown of it depends on consent).
#[derive(Debug, Clone, Queryable)]
pub struct RequestRow {
    pub tracking_number: String,
    pub state: String,
    pub category_code: String,
    pub department_code: String,
    pub title: String,
    pub description: String,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub confidential: bool,
    pub publish_consent: bool,
    pub submitted_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub due_at: Option<NaiveDateTime>,
}

/// Which requests: by number (then nothing else counts), or by dates, services and status.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub numbers: Vec<String>,
    pub categories: Vec<String>,
    /// Categories never listed (reports about officials).
    pub hidden: Vec<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    /// `Some(true)`: only ended cases; `Some(false)`: only open ones.
    pub ended: Option<bool>,
    pub terminal_states: Vec<&'static str>,
    pub offset: i64,
    pub limit: i64,
}

pub fn requests(conn: &mut DbConn, f: &RequestFilter) -> Result<Vec<RequestRow>, DbError> {
    let mut query = cases::table
        .select((
            cases::tracking_number,
            cases::state,
            cases::category_code,
            cases::department_code,
            cases::title,
            cases::description,
            cases::address,
            cases::latitude,
            cases::longitude,
            cases::confidential,
            cases::publish_consent,
            cases::submitted_at,
            cases::updated_at,
            cases::due_at,
        ))
        .filter(cases::category_code.ne_all(f.hidden.clone()))
        // A case waiting for its resident's confirmation is not filed yet.
        .filter(cases::state.ne("unconfirmed"))
        .order((cases::submitted_at.desc(), cases::id.desc()))
        .offset(f.offset)
        .limit(f.limit)
        .into_boxed();
    if !f.numbers.is_empty() {
        query = query.filter(cases::tracking_number.eq_any(f.numbers.clone()));
        return Ok(query.load(conn)?);
    }
    if !f.categories.is_empty() {
        query = query.filter(cases::category_code.eq_any(f.categories.clone()));
    }
    if let Some(from) = f.from {
        query = query.filter(cases::submitted_at.ge(from));
    }
    if let Some(to) = f.to {
        query = query.filter(cases::submitted_at.le(to));
    }
    match f.ended {
        Some(true) => query = query.filter(cases::state.eq_any(f.terminal_states.clone())),
        Some(false) => query = query.filter(cases::state.ne_all(f.terminal_states.clone())),
        None => {}
    }
    Ok(query.load(conn)?)
}

/// A public step of a case, for the updates extension.
#[derive(Debug, Clone, Queryable)]
pub struct UpdateRow {
    pub id: i64,
    pub tracking_number: String,
    pub kind: String,
    pub payload: String,
    pub at: NaiveDateTime,
}

/// Public steps of the given kinds between two moments, oldest first, never of the
/// hidden categories.
pub fn updates(
    conn: &mut DbConn,
    kinds: &[&str],
    hidden: &[String],
    from: NaiveDateTime,
    to: NaiveDateTime,
    limit: i64,
) -> Result<Vec<UpdateRow>, DbError> {
    Ok(case_events::table
        .inner_join(cases::table)
        .filter(case_events::visibility.eq("public"))
        .filter(case_events::kind.eq_any(kinds.to_vec()))
        .filter(case_events::created_at.ge(from))
        .filter(case_events::created_at.le(to))
        .filter(cases::category_code.ne_all(hidden.to_vec()))
        .order(case_events::id)
        .limit(limit)
        .select((
            case_events::id,
            cases::tracking_number,
            case_events::kind,
            case_events::payload,
            case_events::created_at,
        ))
        .load(conn)?)
}
