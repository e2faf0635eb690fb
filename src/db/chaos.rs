//! What `huiying chaos` reads back after its fault run: which acknowledged filings and
//! actions are stored, and every notice written during the run.

use diesel::prelude::*;

use super::conn::{DbConn, DbError};
use super::schema::{case_events, cases, outbox};

/// The highest case and notice ids before the run; what comes after is the run's.
pub fn high_water(conn: &mut DbConn) -> Result<(i64, i64), DbError> {
    let case: Option<i64> = cases::table.select(diesel::dsl::max(cases::id)).first(conn)?;
    let notice: Option<i64> = outbox::table.select(diesel::dsl::max(outbox::id)).first(conn)?;
    Ok((case.unwrap_or(0), notice.unwrap_or(0)))
}

/// The tracking numbers among `numbers` that are stored.
pub fn stored_numbers(conn: &mut DbConn, numbers: &[String]) -> Result<Vec<String>, DbError> {
    let mut found = Vec::with_capacity(numbers.len());
    for chunk in numbers.chunks(500) {
        found.extend(
            cases::table
                .filter(cases::tracking_number.eq_any(chunk))
                .select(cases::tracking_number)
                .load::<String>(conn)?,
        );
    }
    Ok(found)
}

/// The cases filed after case id `after`, with whether the resident gave an address.
pub fn cases_after(conn: &mut DbConn, after: i64) -> Result<Vec<(i64, String, bool)>, DbError> {
    let rows: Vec<(i64, String, Option<String>)> = cases::table
        .filter(cases::id.gt(after))
        .select((cases::id, cases::tracking_number, cases::resident_email))
        .order(cases::id)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, n, email)| (id, n, email.is_some()))
        .collect())
}

/// `(tracking number, event kind)` of every event of the cases filed after case id `after`.
pub fn event_kinds_after(conn: &mut DbConn, after: i64) -> Result<Vec<(String, String)>, DbError> {
    Ok(case_events::table
        .inner_join(cases::table)
        .filter(cases::id.gt(after))
        .select((cases::tracking_number, case_events::kind))
        .load(conn)?)
}

/// A notice as the fault run checks it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct NoticeRow {
    pub id: i64,
    pub kind: String,
    pub case_id: Option<i64>,
    pub recipient: String,
    pub state: String,
}

/// Every notice written after notice id `after`.
pub fn notices_after(conn: &mut DbConn, after: i64) -> Result<Vec<NoticeRow>, DbError> {
    Ok(outbox::table
        .filter(outbox::id.gt(after))
        .select((
            outbox::id,
            outbox::kind,
            outbox::case_id,
            outbox::recipient,
            outbox::state,
        ))
        .order(outbox::id)
        .load(conn)?)
}

/// Notices that should have gone out by `now`: due and pending, or claimed and not sent.
pub fn undelivered(conn: &mut DbConn, now: chrono::NaiveDateTime) -> Result<i64, DbError> {
    Ok(outbox::table
        .filter(
            outbox::state
                .eq("sending")
                .or(outbox::state.eq("pending").and(outbox::next_attempt_at.le(now))),
        )
        .count()
        .get_result(conn)?)
}
