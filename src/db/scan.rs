//! The deadline scan's queries: open steps by due date, and a month in figures.

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::conn::{DbConn, DbError};
use super::schema::{case_events, cases};

/// A case with an open step, as the scan sees it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cases)]
pub struct DueRow {
    pub id: i64,
    pub tracking_number: String,
    pub state: String,
    pub department_code: String,
    pub title: String,
    pub due_at: Option<NaiveDateTime>,
    /// The leader who has the case in personal charge.
    pub supervisor_id: Option<i32>,
}

/// Cases in `states` due in `(after, until]`, soonest first, a page at a time after
/// `(due_at, id)` of the page before: a walk of `cases_open_all` (due_at, id) that reads
/// only what is due, however many cases are open.
pub fn due_between(
    conn: &mut DbConn,
    states: &[&str],
    after: Option<NaiveDateTime>,
    until: NaiveDateTime,
    page_after: Option<(NaiveDateTime, i64)>,
    limit: i64,
) -> Result<Vec<DueRow>, DbError> {
    let mut query = cases::table
        .filter(cases::due_at.is_not_null())
        .filter(cases::due_at.le(until))
        .filter(cases::state.eq_any(states))
        .order((cases::due_at, cases::id))
        .limit(limit)
        .select(DueRow::as_select())
        .into_boxed::<super::conn::MultiBackend>();
    if let Some(after) = after {
        query = query.filter(cases::due_at.gt(after));
    }
    if let Some((due, id)) = page_after {
        query = query.filter(
            cases::due_at
                .ge(due)
                .and(cases::due_at.gt(due).or(cases::id.gt(id))),
        );
    }
    Ok(query.load(conn)?)
}

/// Filings still waiting for their email confirmation that were filed at `filed_by` or
/// earlier, oldest first, a page at a time after `(submitted_at, id)` of the page before
/// (index `cases_unconfirmed`): (submitted_at, id, tracking number).
pub fn unconfirmed_since(
    conn: &mut DbConn,
    filed_by: NaiveDateTime,
    page_after: Option<(NaiveDateTime, i64)>,
    limit: i64,
) -> Result<Vec<(NaiveDateTime, i64, String)>, DbError> {
    // Spelled out, not bound, so that both planners see the partial index's condition.
    let mut query = cases::table
        .filter(sql::<Bool>("state = 'unconfirmed'"))
        .filter(cases::submitted_at.le(filed_by))
        .order((cases::submitted_at, cases::id))
        .limit(limit)
        .select((cases::submitted_at, cases::id, cases::tracking_number))
        .into_boxed::<super::conn::MultiBackend>();
    if let Some((at, id)) = page_after {
        query = query.filter(
            cases::submitted_at
                .ge(at)
                .and(cases::submitted_at.gt(at).or(cases::id.gt(id))),
        );
    }
    Ok(query.load(conn)?)
}

/// Per department: cases received in the month, answers given in it, and cases overdue now.
pub fn month_figures(
    conn: &mut DbConn,
    from: NaiveDateTime,
    until: NaiveDateTime,
    open_states: &[&str],
    now: NaiveDateTime,
) -> Result<Vec<(String, i64, i64, i64)>, DbError> {
    let received: Vec<(String, i64)> = cases::table
        .filter(cases::submitted_at.ge(from).and(cases::submitted_at.lt(until)))
        .filter(super::cases::reached_a_department())
        .group_by(cases::department_code)
        .select((cases::department_code, diesel::dsl::count_star()))
        .load(conn)?;
    let answered: Vec<(String, i64)> = case_events::table
        .inner_join(cases::table)
        .filter(case_events::kind.eq("answered"))
        .filter(
            case_events::created_at
                .ge(from)
                .and(case_events::created_at.lt(until)),
        )
        .group_by(cases::department_code)
        .select((cases::department_code, diesel::dsl::count_star()))
        .load(conn)?;
    let overdue: Vec<(String, i64)> = cases::table
        .filter(cases::state.eq_any(open_states))
        .filter(cases::due_at.lt(now))
        .group_by(cases::department_code)
        .select((cases::department_code, diesel::dsl::count_star()))
        .load(conn)?;
    let mut departments: Vec<String> = received
        .iter()
        .chain(&answered)
        .chain(&overdue)
        .map(|(d, _)| d.clone())
        .collect();
    departments.sort();
    departments.dedup();
    let find =
        |list: &[(String, i64)], d: &str| list.iter().find(|(x, _)| x == d).map(|(_, n)| *n).unwrap_or(0);
    Ok(departments
        .into_iter()
        .map(|d| {
            let (r, a, o) = (find(&received, &d), find(&answered, &d), find(&overdue, &d));
            (d, r, a, o)
        })
        .collect())
}

/// Ended cases last changed before `ended_before` whose resident's identity is still
/// kept, oldest change first, a page at a time after `(updated_at, id)` of the page before
/// (index `cases_identity_kept`): (updated_at, id, tracking number).
pub fn identity_kept_since(
    conn: &mut DbConn,
    ended_before: NaiveDateTime,
    page_after: Option<(NaiveDateTime, i64)>,
    limit: i64,
) -> Result<Vec<(NaiveDateTime, i64, String)>, DbError> {
    let mut query = cases::table
        .filter(cases::identity_removed_at.is_null())
        .filter(sql::<Bool>(ENDED))
        .filter(cases::updated_at.le(ended_before))
        .order((cases::updated_at, cases::id))
        .limit(limit)
        .select((cases::updated_at, cases::id, cases::tracking_number))
        .into_boxed::<super::conn::MultiBackend>();
    if let Some((at, id)) = page_after {
        query = query.filter(
            cases::updated_at
                .ge(at)
                .and(cases::updated_at.gt(at).or(cases::id.gt(id))),
        );
    }
    Ok(query.load(conn)?)
}

/// The ended states, as the partial index `cases_identity_kept` names them (a test holds
/// this to `CaseState::is_terminal`).
pub const ENDED: &str = "state IN ('not_accepted', 'closed', 'final', 'withdrawn')";

/// Removes who filed case `id` — name, phone, email, address, location — and the rows of
/// their files, noting when; returns the files' stored names, for the caller to delete
/// once this commits. `false` with no names when it was already done.
pub fn remove_identity(
    conn: &mut DbConn,
    id: i64,
    now: NaiveDateTime,
) -> Result<Option<Vec<String>>, DbError> {
    use super::schema::attachments;
    let changed = diesel::update(cases::table.find(id).filter(cases::identity_removed_at.is_null()))
        .set((
            cases::resident_name.eq(""),
            cases::resident_phone.eq(None::<String>),
            cases::resident_email.eq(None::<String>),
            cases::address.eq(None::<String>),
            cases::latitude.eq(None::<f64>),
            cases::longitude.eq(None::<f64>),
            cases::identity_removed_at.eq(Some(now)),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Ok(None);
    }
    let files: Vec<String> = attachments::table
        .filter(attachments::case_id.eq(id))
        .select(attachments::stored_name)
        .load(conn)?;
    diesel::delete(attachments::table.filter(attachments::case_id.eq(id))).execute(conn)?;
    Ok(Some(files))
}

#[cfg(test)]
mod tests {
    use crate::domain::case::CaseState;

    #[test]
    fn the_ended_states_spelled_out_are_the_terminal_ones() {
        let terminal: Vec<String> = CaseState::ALL
            .iter()
            .filter(|s| s.is_terminal())
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        let listed = super::ENDED
            .trim_start_matches("state IN (")
            .trim_end_matches(')');
        let mut listed: Vec<&str> = listed.split(", ").collect();
        let mut terminal: Vec<&str> = terminal.iter().map(String::as_str).collect();
        listed.sort_unstable();
        terminal.sort_unstable();
        assert_eq!(listed, terminal);
    }
}
