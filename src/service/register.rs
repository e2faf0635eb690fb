//! The case register (台账): every case filed in a range of local dates, one row each,
//! with no resident's identity whoever reads it. It is read a page at a time off the
//! kept facts (`service::figures`) in the order of filing, and each page is handed on as
//! soon as it is read, so a province's year streams out in bounded memory.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;

use super::ServiceError;
use super::auth::StaffUser;
use super::figures::{facts_of, parse_events};
use super::reports::{leaders_only, local_midnight, visible_to};
use crate::app::App;
use crate::db::DbConn;
use crate::db::cases::{CaseRecord, cases_filed_between, events_of_cases};
use crate::db::register::{RegisterPage, RegisterRecord};
use crate::domain::case::{CaseState, Outcome, Rating};
use crate::domain::catalog::Catalog;
use crate::domain::field_error::{FieldError, FieldErrors};
use crate::domain::metrics::CaseFacts;

/// The register covers at most this many days at once.
pub const REGISTER_MAX_DAYS: i64 = 366;
/// Rows read per query and handed on at once: what bounds the memory a download takes.
pub const PAGE_ROWS: i64 = 2_000;

/// One line of the case register.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterRow {
    pub tracking_number: String,
    pub submitted_at: DateTime<Utc>,
    pub channel: String,
    pub category: String,
    pub area: String,
    pub department: String,
    pub title: String,
    pub state: String,
    pub confidential: bool,
    pub acceptance_due_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub answer_due_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub outcome: Option<Outcome>,
    pub rating: Option<Rating>,
    pub ended_at: Option<DateTime<Utc>>,
    /// Answered late, or open past its deadline now.
    pub overdue: bool,
    pub supports: i64,
}

/// Where the register's pages go as they are read: a file being written, a response
/// being sent.
pub trait RegisterSink: Send + 'static {
    /// Takes the next page; `false` stops the reading (the reader went away).
    fn page(&mut self, catalog: &Catalog, rows: Vec<RegisterRow>) -> bool;
}

/// Parses a register's date range (local dates, both inclusive).
pub fn register_range(from: &str, to: &str) -> Result<(NaiveDate, NaiveDate), ServiceError> {
    let mut errors = FieldErrors::new();
    let from = errors.check(
        "from",
        NaiveDate::parse_from_str(from.trim(), "%Y-%m-%d").map_err(|_| FieldError::new("err.date")),
    );
    let to = errors.check(
        "to",
        NaiveDate::parse_from_str(to.trim(), "%Y-%m-%d").map_err(|_| FieldError::new("err.date")),
    );
    match (from, to) {
        (Some(from), Some(to)) if to < from => errors.add("to", FieldError::new("err.date_order")),
        (Some(from), Some(to)) if (to - from).num_days() >= REGISTER_MAX_DAYS => errors.add(
            "to",
            FieldError::new("err.range_too_long").with("days", REGISTER_MAX_DAYS),
        ),
        (Some(from), Some(to)) => return Ok((from, to)),
        _ => {}
    }
    Err(ServiceError::Invalid(errors))
}

/// Whether `user` may read the register (leaders and administrators): asked before a
/// download starts, so that a refusal is a page and not a broken file.
pub fn may_read(user: &StaffUser) -> Result<(), ServiceError> {
    leaders_only(user)
}

/// Reads the register of the cases filed from `from` to `to` into `sink`, a page at a
/// time; hands the sink back with the number of rows, for it to finish its file.
pub async fn stream<S: RegisterSink>(
    app: &App,
    user: &StaffUser,
    from: NaiveDate,
    to: NaiveDate,
    mut sink: S,
) -> Result<(u64, S), ServiceError> {
    let user = user.clone();
    app.read_replica(move |conn, rules, now| {
        let catalog = rules.catalog;
        let mut each = |rows| sink.page(catalog, rows);
        let n = pages(conn, &user, (from, to), PAGE_ROWS, rules.tz, now, &mut each)?;
        Ok((n, sink))
    })
    .await
}

/// The register of the filings of `(from, to)` in pages of `page_rows`, oldest filing
/// first, each handed to `sink` as it is read.
pub fn pages(
    conn: &mut DbConn,
    user: &StaffUser,
    (from, to): (NaiveDate, NaiveDate),
    page_rows: i64,
    tz: Tz,
    now: DateTime<Utc>,
    sink: &mut dyn FnMut(Vec<RegisterRow>) -> bool,
) -> Result<u64, ServiceError> {
    leaders_only(user)?;
    if !crate::db::figures::built(conn)? {
        // While the kept facts are being rebuilt, read the timelines instead.
        let rows = recount(conn, user, from, to, tz, now)?;
        for page in rows.chunks(page_rows.max(1) as usize) {
            if !sink(page.to_vec()) {
                break;
            }
        }
        return Ok(rows.len() as u64);
    }
    let (mut after, mut n) = (None, 0_u64);
    loop {
        let records = crate::db::register::page(
            conn,
            &RegisterPage {
                from: local_midnight(from, tz).naive_utc(),
                until: day_after(to, tz),
                hidden_from: user.department.as_deref(),
                after,
                limit: page_rows,
            },
        )?;
        let Some(last) = records.last() else {
            break;
        };
        after = Some((last.submitted_at, last.id));
        let full = records.len() as i64 == page_rows;
        let rows = rows_of(conn, records, now)?;
        n += rows.len() as u64;
        if !sink(rows) || !full {
            break;
        }
    }
    Ok(n)
}

fn day_after(to: NaiveDate, tz: Tz) -> NaiveDateTime {
    local_midnight(to.succ_opt().unwrap_or(to), tz).naive_utc()
}

/// The register read off every case's timeline, all at once: what the kept facts must
/// agree with (and what is read while they are rebuilt).
pub fn recount(
    conn: &mut DbConn,
    user: &StaffUser,
    from: NaiveDate,
    to: NaiveDate,
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<Vec<RegisterRow>, ServiceError> {
    leaders_only(user)?;
    let mut cases: Vec<CaseRecord> =
        cases_filed_between(conn, local_midnight(from, tz).naive_utc(), day_after(to, tz))?
            .into_iter()
            .filter(|c| visible_to(user, c))
            .collect();
    cases.sort_by_key(|c| (c.submitted_at, c.id));
    let ids: Vec<i64> = cases.iter().map(|c| c.id).collect();
    let events = parse_events(events_of_cases(conn, &ids)?);
    let records = cases
        .into_iter()
        .map(|case| {
            let facts = facts_of(&case, events.get(&case.id).map(Vec::as_slice).unwrap_or_default());
            record_of(case, &facts)
        })
        .collect();
    rows_of(conn, records, now)
}

/// What the kept facts hold of a case, from its timeline's facts.
fn record_of(case: CaseRecord, f: &CaseFacts) -> RegisterRecord {
    let naive = |t: Option<DateTime<Utc>>| t.map(|t| t.naive_utc());
    RegisterRecord {
        id: case.id,
        tracking_number: case.tracking_number,
        state: case.state,
        channel: case.channel,
        category_code: case.category_code,
        area_code: case.area_code,
        department_code: case.department_code,
        title: case.title,
        confidential: case.confidential,
        due_at: case.due_at,
        case_answer_due_at: case.answer_due_at,
        submitted_at: f.submitted_at.naive_utc(),
        acceptance_due_at: naive(f.acceptance_due_at),
        accepted_at: naive(f.accepted_at),
        answered_at: naive(f.answered_at),
        answer_due_at: naive(f.answer_due_at),
        outcome: f.outcome.map(|o| o.as_str().to_string()),
        rating: f.rated.map(|(_, r)| r.as_str().to_string()),
        ended_at: naive(f.ended_at),
    }
}

fn rows_of(
    conn: &mut DbConn,
    records: Vec<RegisterRecord>,
    now: DateTime<Utc>,
) -> Result<Vec<RegisterRow>, ServiceError> {
    let ids: Vec<i64> = records.iter().map(|r| r.id).collect();
    let supports = crate::db::residents::support_counts(conn, &ids)?;
    Ok(records
        .into_iter()
        .map(|r| {
            let n = supports.get(&r.id).copied().unwrap_or(0);
            row_of(r, n, now)
        })
        .collect())
}

fn row_of(r: RegisterRecord, supports: i64, now: DateTime<Utc>) -> RegisterRow {
    let utc = |t: Option<NaiveDateTime>| t.map(|t| t.and_utc());
    let (answered_at, answer_due_at) = (utc(r.answered_at), utc(r.answer_due_at));
    let late_answer = matches!((answered_at, answer_due_at), (Some(a), Some(d)) if a > d);
    let open_due = CaseState::parse(&r.state)
        .filter(|s| s.awaits_department())
        .and(r.due_at);
    RegisterRow {
        tracking_number: r.tracking_number,
        submitted_at: r.submitted_at.and_utc(),
        channel: r.channel,
        category: r.category_code,
        area: r.area_code,
        department: r.department_code,
        title: r.title,
        state: r.state,
        confidential: r.confidential,
        acceptance_due_at: utc(r.acceptance_due_at),
        accepted_at: utc(r.accepted_at),
        answer_due_at: answer_due_at.or(utc(r.case_answer_due_at)),
        answered_at,
        outcome: r.outcome.as_deref().and_then(Outcome::parse),
        rating: r.rating.as_deref().and_then(Rating::parse),
        ended_at: utc(r.ended_at),
        overdue: late_answer || open_due.is_some_and(|d| d.and_utc() < now),
        supports,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_ranges_are_checked() {
        assert!(register_range("2026-11-01", "2026-11-30").is_ok());
        assert!(register_range("2025-12-01", "2026-11-30").is_ok());
        assert!(matches!(
            register_range("2026-11-30", "2026-11-01"),
            Err(ServiceError::Invalid(_))
        ));
        assert!(matches!(
            register_range("2025-01-01", "2026-11-30"),
            Err(ServiceError::Invalid(_))
        ));
        assert!(matches!(
            register_range("yesterday", "2026-11-30"),
            Err(ServiceError::Invalid(_))
        ));
    }
}
