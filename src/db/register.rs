//! The register's rows: a range of filings read off the kept facts (`case_facts`) and
//! the case itself, a page at a time in the order of filing (index `case_facts_submitted`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::conn::{DbConn, DbError};
use super::schema::{case_facts, cases};

/// What the register shows of one case, as stored.
#[derive(Debug, Clone, Queryable)]
pub struct RegisterRecord {
    pub id: i64,
    pub tracking_number: String,
    pub state: String,
    pub channel: String,
    pub category_code: String,
    pub area_code: String,
    pub department_code: String,
    pub title: String,
    pub confidential: bool,
    pub due_at: Option<NaiveDateTime>,
    pub case_answer_due_at: Option<NaiveDateTime>,
    pub submitted_at: NaiveDateTime,
    pub acceptance_due_at: Option<NaiveDateTime>,
    pub accepted_at: Option<NaiveDateTime>,
    pub answered_at: Option<NaiveDateTime>,
    pub answer_due_at: Option<NaiveDateTime>,
    pub outcome: Option<String>,
    pub rating: Option<String>,
    pub ended_at: Option<NaiveDateTime>,
}

/// Which filings, and where the page starts.
#[derive(Debug, Clone)]
pub struct RegisterPage<'a> {
    pub from: NaiveDateTime,
    pub until: NaiveDateTime,
    /// Leave out reports about this department (a leader's own).
    pub hidden_from: Option<&'a str>,
    /// The (submitted_at, id) of the last row of the page before.
    pub after: Option<(NaiveDateTime, i64)>,
    pub limit: i64,
}

/// One page of cases that reached a department, filed in `[from, until)`, by filing time.
pub fn page(conn: &mut DbConn, p: &RegisterPage<'_>) -> Result<Vec<RegisterRecord>, DbError> {
    let mut query = case_facts::table
        .inner_join(cases::table)
        .filter(case_facts::submitted_at.ge(p.from))
        .filter(case_facts::submitted_at.lt(p.until))
        .into_boxed();
    if let Some(department) = p.hidden_from {
        query = query.filter(case_facts::concerned.ne(department.to_string()));
    }
    if let Some((at, id)) = p.after {
        query = query.filter(
            case_facts::submitted_at
                .gt(at)
                .or(case_facts::submitted_at.eq(at).and(case_facts::case_id.gt(id))),
        );
    }
    Ok(query
        .order((case_facts::submitted_at, case_facts::case_id))
        .limit(p.limit)
        .select((
            cases::id,
            cases::tracking_number,
            cases::state,
            cases::channel,
            cases::category_code,
            cases::area_code,
            cases::department_code,
            cases::title,
            cases::confidential,
            cases::due_at,
            cases::answer_due_at,
            case_facts::submitted_at,
            case_facts::acceptance_due_at,
            case_facts::accepted_at,
            case_facts::answered_at,
            case_facts::answer_due_at,
            case_facts::outcome,
            case_facts::rating,
            case_facts::ended_at,
        ))
        .load(conn)?)
}
