//! Case rows and their timeline.

use std::sync::Mutex;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::query_builder::QueryFragment;
use diesel::sql_types::BigInt;

use super::conn::{DbConn, DbError};
use super::outbox::NewNotice;
use super::schema::{case_events, cases, outbox};
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
    pub answer_due_at: Option<NaiveDateTime>,
    pub objection_from: Option<String>,
    pub extension_state: Option<String>,
    pub concerned_department: Option<String>,
    /// The leader who took the case into personal charge.
    pub supervisor_id: Option<i32>,
    /// When the resident's identity was removed after the retention period.
    pub identity_removed_at: Option<NaiveDateTime>,
}

/// A new case row; borrowed so filing copies nothing it does not have to. `None` is
/// bound as NULL (not rendered as DEFAULT) so the statement text never varies and stays
/// in the prepared-statement cache.
#[derive(Debug, Insertable)]
#[diesel(table_name = cases, treat_none_as_default_value = false)]
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
    pub concerned_department: Option<&'a str>,
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
#[diesel(table_name = case_events, treat_none_as_default_value = false)]
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

/// Where case ids come from. They are drawn before the row is written because the
/// tracking number (and the timeline's hashes) contain the id. On PostgreSQL the sequence
/// hands them out in blocks, one round trip per block rather than per filing; gaps (a
/// rolled-back filing, a restart) are harmless. On SQLite writes are serialised, so the
/// next id is read inside the writing transaction.
#[derive(Debug, Default)]
pub struct CaseIds {
    block: Mutex<Vec<i64>>,
}

impl CaseIds {
    const BLOCK: i64 = 32;

    pub fn next(&self, conn: &mut DbConn) -> Result<i64, DbError> {
        match conn {
            DbConn::Sqlite(c) => Ok(diesel::select(diesel::dsl::sql::<BigInt>(
                "COALESCE((SELECT MAX(id) FROM cases), 0) + 1",
            ))
            .get_result(c)?),
            DbConn::Postgresql(c) => {
                let mut block = self.block.lock().unwrap_or_else(|p| p.into_inner());
                if block.is_empty() {
                    let mut fresh: Vec<i64> = diesel::select(diesel::dsl::sql::<BigInt>(&format!(
                        "nextval('cases_id_seq') FROM generate_series(1, {})",
                        Self::BLOCK
                    )))
                    .load(c)?;
                    // Hand them out in ascending order.
                    fresh.sort_unstable_by(|a, b| b.cmp(a));
                    *block = fresh;
                }
                block
                    .pop()
                    .ok_or_else(|| DbError::Task("the case id sequence returned nothing".into()))
            }
        }
    }
}

fn event_row(e: &ChainedEvent) -> NewEventRow<'_> {
    NewEventRow {
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
    }
}

/// Stores a new case with the first events of its timeline, its notices and (once it
/// reached a department) its figures, atomically.
///
/// On PostgreSQL this is one statement (the case insert in a data-modifying CTE, then the
/// events, the notices and the figures): one round trip for what took four statements.
/// On SQLite it is one insert per row inside the writer's transaction.
pub fn insert_case_with_timeline(
    conn: &mut DbConn,
    row: &NewCaseRow<'_>,
    events: &[ChainedEvent],
    notices: &[NewNotice],
    figures: Option<&super::figures::FilingFigures>,
) -> Result<(), DbError> {
    let events: Vec<NewEventRow<'_>> = events.iter().map(event_row).collect();
    match conn {
        DbConn::Postgresql(pg) => {
            let mut parts: Vec<super::figures::PgPart<'_>> =
                vec![Box::new(diesel::insert_into(cases::table).values(row))];
            for event in &events {
                parts.push(Box::new(diesel::insert_into(case_events::table).values(event)));
            }
            for notice in notices {
                parts.push(Box::new(diesel::insert_into(outbox::table).values(notice)));
            }
            // The figures' day rows last: every filing of a department and day shares
            // them, and each upsert's row lock is then held only to the commit.
            if let Some(figures) = figures {
                parts.extend(figures.postgres_parts());
            }
            WithInserted(parts).execute(pg)?;
        }
        DbConn::Sqlite(sqlite) => {
            diesel::insert_into(cases::table).values(row).execute(sqlite)?;
            for event in &events {
                diesel::insert_into(case_events::table)
                    .values(event)
                    .execute(sqlite)?;
            }
            for notice in notices {
                diesel::insert_into(outbox::table)
                    .values(notice)
                    .execute(sqlite)?;
            }
        }
    }
    if let (true, Some(figures)) = (matches!(conn, DbConn::Sqlite(_)), figures) {
        figures.write(conn)?;
    }
    Ok(())
}

/// `WITH s0 AS (<write>), s1 AS (<write>) … <write>`: writes as one PostgreSQL
/// statement, atomic without a transaction. Each part writes one row (an insert or an
/// upsert), because diesel prepares a one-row insert but never a multi-row one; the whole
/// is prepared once per connection and text (which varies only with the number of rows).
struct WithInserted<'a>(Vec<super::figures::PgPart<'a>>);

impl QueryFragment<diesel::pg::Pg> for WithInserted<'_> {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> diesel::QueryResult<()> {
        let Some((last, first)) = self.0.split_last() else {
            return Err(diesel::result::Error::QueryBuilderError(
                "nothing to insert".into(),
            ));
        };
        for (i, part) in first.iter().enumerate() {
            out.push_sql(if i == 0 { "WITH " } else { ", " });
            out.push_sql(&format!("s{i} AS ("));
            part.walk_ast(out.reborrow())?;
            out.push_sql(")");
        }
        out.push_sql(" ");
        last.walk_ast(out.reborrow())
    }
}

impl diesel::query_builder::QueryId for WithInserted<'_> {
    type QueryId = ();
    // The number of parts changes the text; diesel caches by the text instead.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl RunQueryDsl<diesel::PgConnection> for WithInserted<'_> {}

pub fn find_by_tracking_number(conn: &mut DbConn, number: &str) -> Result<Option<CaseRecord>, DbError> {
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

const MOVABLE: [&str; 3] = ["routed", "accepted", "in_progress"];

/// Cases a department still handles (routed, accepted, in progress).
pub fn count_open_in(conn: &mut DbConn, department: &str) -> Result<i64, DbError> {
    Ok(cases::table
        .filter(cases::department_code.eq(department))
        .filter(cases::state.eq_any(MOVABLE))
        // Every one has a deadline: read from the open queue's index.
        .filter(cases::due_at.is_not_null())
        .count()
        .get_result(conn)?)
}

/// The numbers of the cases a department still handles, optionally only in these areas
/// or of this category, oldest first.
pub fn movable_numbers(
    conn: &mut DbConn,
    department: &str,
    areas: Option<&[String]>,
    category: Option<&str>,
) -> Result<Vec<String>, DbError> {
    let mut query = cases::table
        .filter(cases::department_code.eq(department))
        .filter(cases::state.eq_any(MOVABLE))
        .filter(cases::due_at.is_not_null())
        .order(cases::id)
        .select(cases::tracking_number)
        .into_boxed();
    if let Some(areas) = areas {
        query = query.filter(cases::area_code.eq_any(areas.to_vec()));
    }
    if let Some(category) = category {
        query = query.filter(cases::category_code.eq(category.to_string()));
    }
    Ok(query.load(conn)?)
}

pub fn count_cases(conn: &mut DbConn) -> Result<i64, DbError> {
    Ok(cases::table.count().get_result(conn)?)
}

/// Appends events to a case's timeline.
pub fn insert_events(conn: &mut DbConn, events: &[ChainedEvent]) -> Result<(), DbError> {
    for event in events {
        diesel::insert_into(case_events::table)
            .values(event_row(event))
            .execute(conn)?;
    }
    Ok(())
}

/// The fields of a case the workflow changes, with the new head of its timeline.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = cases, treat_none_as_null = true)]
pub struct StatusChange<'a> {
    pub state: &'a str,
    pub department_code: &'a str,
    pub due_at: Option<NaiveDateTime>,
    pub answer_due_at: Option<NaiveDateTime>,
    pub objection_from: Option<&'a str>,
    pub extension_state: Option<&'a str>,
    pub updated_at: NaiveDateTime,
    pub last_event_seq: i32,
    pub last_event_hash: &'a str,
}

/// Applies `change` if the case's timeline still ends at `expected_seq`; `false` means
/// someone else changed the case meanwhile and nothing was written.
pub fn update_status(
    conn: &mut DbConn,
    case_id: i64,
    expected_seq: i32,
    change: &StatusChange<'_>,
) -> Result<bool, DbError> {
    let updated = diesel::update(
        cases::table
            .filter(cases::id.eq(case_id))
            .filter(cases::last_event_seq.eq(expected_seq)),
    )
    .set(change)
    .execute(conn)?;
    Ok(updated == 1)
}

/// Moves the head of a case's timeline (for events that change nothing else), if it
/// still ends at `expected_seq`.
pub fn advance_head(
    conn: &mut DbConn,
    case_id: i64,
    expected_seq: i32,
    seq: i32,
    hash: &str,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        cases::table
            .filter(cases::id.eq(case_id))
            .filter(cases::last_event_seq.eq(expected_seq)),
    )
    .set((
        cases::last_event_seq.eq(seq),
        cases::last_event_hash.eq(hash),
        cases::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// The cases a review of `[since, until)` needs: filed before its end and either touched
/// since its start or still open.
pub fn cases_for_review(
    conn: &mut DbConn,
    since: NaiveDateTime,
    until: NaiveDateTime,
    open_states: Vec<String>,
) -> Result<Vec<CaseRecord>, DbError> {
    Ok(cases::table
        .filter(cases::submitted_at.lt(until))
        .filter(reached_a_department())
        .filter(cases::updated_at.ge(since).or(cases::state.eq_any(open_states)))
        .order(cases::id)
        .select(CaseRecord::as_select())
        .load(conn)?)
}

/// Whether a case ever reached a department: acceptance is due from the moment one holds
/// it, so only filings waiting for (or that never got) their email confirmation lack it.
/// Figures and the register count only cases that did.
pub fn reached_a_department() -> diesel::dsl::IsNotNull<cases::acceptance_due_at> {
    cases::acceptance_due_at.is_not_null()
}

/// Cases filed in `[from, until)`, oldest first (the register).
pub fn cases_filed_between(
    conn: &mut DbConn,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<Vec<CaseRecord>, DbError> {
    Ok(cases::table
        .filter(cases::submitted_at.ge(from))
        .filter(cases::submitted_at.lt(until))
        .filter(reached_a_department())
        .order(cases::id)
        .select(CaseRecord::as_select())
        .load(conn)?)
}

/// The events of many cases, by case then sequence (read in chunks).
pub fn events_of_cases(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<EventRecord>, DbError> {
    let mut all = Vec::new();
    for chunk in ids.chunks(500) {
        all.extend(
            case_events::table
                .filter(case_events::case_id.eq_any(chunk))
                .order((case_events::case_id, case_events::seq))
                .select(EventRecord::as_select())
                .load::<EventRecord>(conn)?,
        );
    }
    Ok(all)
}

/// How many events of `kind` were written between two instants.
pub fn count_events(
    conn: &mut DbConn,
    kind: &str,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<i64, DbError> {
    Ok(case_events::table
        .filter(case_events::kind.eq(kind))
        .filter(case_events::created_at.ge(from))
        .filter(case_events::created_at.lt(until))
        .count()
        .get_result(conn)?)
}

/// Marks the case as a major matter since `since`, or clears the mark.
pub fn set_major(conn: &mut DbConn, case_id: i64, since: Option<NaiveDateTime>) -> Result<(), DbError> {
    use super::schema::major_cases;
    diesel::delete(major_cases::table.filter(major_cases::case_id.eq(case_id))).execute(conn)?;
    if let Some(since) = since {
        diesel::insert_into(major_cases::table)
            .values((major_cases::case_id.eq(case_id), major_cases::since.eq(since)))
            .execute(conn)?;
    }
    Ok(())
}

/// The intake office corrected the case's category (its timeline says so).
pub fn set_category(conn: &mut DbConn, case_id: i64, category: &str) -> Result<(), DbError> {
    diesel::update(cases::table.filter(cases::id.eq(case_id)))
        .set(cases::category_code.eq(category))
        .execute(conn)?;
    Ok(())
}

/// Records when acceptance is due (set once a held filing is confirmed).
pub fn set_acceptance_due(conn: &mut DbConn, case_id: i64, at: NaiveDateTime) -> Result<(), DbError> {
    diesel::update(cases::table.filter(cases::id.eq(case_id)))
        .set(cases::acceptance_due_at.eq(at))
        .execute(conn)?;
    Ok(())
}

/// A case that may be suggested as similar: open, published, not confidential.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cases)]
pub struct SimilarRow {
    pub id: i64,
    pub tracking_number: String,
    pub state: String,
    pub title: String,
    pub description: String,
    pub submitted_at: NaiveDateTime,
}

/// The newest open, published cases of one category and area that `department` holds
/// (the department's queue index finds them without an index of their own).
pub fn similar_candidates(
    conn: &mut DbConn,
    department: &str,
    open_states: Vec<String>,
    category: &str,
    area: &str,
    limit: i64,
) -> Result<Vec<SimilarRow>, DbError> {
    Ok(cases::table
        .filter(cases::department_code.eq(department))
        .filter(cases::state.eq_any(open_states))
        .filter(cases::category_code.eq(category))
        .filter(cases::area_code.eq(area))
        .filter(cases::publish_consent.eq(true))
        .filter(cases::confidential.eq(false))
        // Every open case has a deadline running: this lets the open queues' partial
        // indexes serve, so the candidates come from the open cases of the department
        // and area alone, never from its whole history.
        .filter(cases::due_at.is_not_null())
        .order(cases::id.desc())
        .limit(limit)
        .select(SimilarRow::as_select())
        .load(conn)?)
}

/// One line of a queue.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cases)]
pub struct QueueRow {
    pub id: i64,
    pub tracking_number: String,
    pub state: String,
    pub category_code: String,
    pub area_code: String,
    pub department_code: String,
    pub title: String,
    pub submitted_at: NaiveDateTime,
    pub due_at: Option<NaiveDateTime>,
    pub confidential: bool,
    pub objection_from: Option<String>,
    pub extension_state: Option<String>,
}

/// What a queue shows. Open cases come by due date (soonest first), keyset-paginated on
/// (due_at, id); cases without a due date (ended ones) by newest first on id.
#[derive(Debug, Clone, Default)]
pub struct QueueQuery {
    pub department: Option<String>,
    pub states: Vec<String>,
    pub category: Option<String>,
    pub channel: Option<String>,
    pub areas: Option<Vec<String>>,
    pub due_from: Option<NaiveDateTime>,
    pub due_until: Option<NaiveDateTime>,
    pub open: bool,
    pub after_due: Option<(NaiveDateTime, i64)>,
    pub after_id: Option<i64>,
    pub limit: i64,
    /// Leave out reports about officials that concern this department.
    pub hidden_from: Option<String>,
}

/// The major matters open in a department (all departments: `None`), longest marked
/// first; never a report to the department it concerns.
pub fn major_matters(
    conn: &mut DbConn,
    department: Option<&str>,
    hidden_from: Option<&str>,
) -> Result<Vec<QueueRow>, DbError> {
    use super::schema::major_cases;
    // From the few marked cases to theirs, never from a department's whole history.
    let marked: Vec<(i64, NaiveDateTime)> = major_cases::table
        .select((major_cases::case_id, major_cases::since))
        .load(conn)?;
    if marked.is_empty() {
        return Ok(Vec::new());
    }
    let since: std::collections::HashMap<i64, NaiveDateTime> = marked.iter().copied().collect();
    let mut query = cases::table
        .filter(cases::id.eq_any(marked.iter().map(|(id, _)| *id).collect::<Vec<_>>()))
        .select(QueueRow::as_select())
        .into_boxed::<super::conn::MultiBackend>();
    if let Some(department) = department {
        query = query.filter(cases::department_code.eq(department.to_string()));
    }
    if let Some(hidden) = hidden_from {
        query = query.filter(
            cases::concerned_department
                .is_null()
                .or(cases::concerned_department.ne(hidden.to_string())),
        );
    }
    let mut rows: Vec<QueueRow> = query.load(conn)?;
    rows.sort_by_key(|r| (since.get(&r.id).copied(), r.id));
    Ok(rows)
}

pub fn queue(conn: &mut DbConn, q: &QueueQuery) -> Result<Vec<QueueRow>, DbError> {
    let mut query = cases::table
        .select(QueueRow::as_select())
        .into_boxed::<super::conn::MultiBackend>();
    if let Some(department) = &q.department {
        query = query.filter(cases::department_code.eq(department.clone()));
    }
    // One state is its own statement, not `= ANY($1)` with one element: PostgreSQL keeps
    // one generic plan per prepared statement, and the plan for all the open states
    // (walk the open queue) read 170,000 entries a page for one state at 10 million cases.
    match q.states.as_slice() {
        [] => {}
        [one] => query = query.filter(cases::state.eq(one.clone())),
        many => query = query.filter(cases::state.eq_any(many.to_vec())),
    }
    if let Some(hidden) = &q.hidden_from {
        query = query.filter(
            cases::concerned_department
                .is_null()
                .or(cases::concerned_department.ne(hidden.clone())),
        );
    }
    if let Some(category) = &q.category {
        query = query.filter(cases::category_code.eq(category.clone()));
    }
    if let Some(channel) = &q.channel {
        query = query.filter(cases::channel.eq(channel.clone()));
    }
    if let Some(areas) = &q.areas {
        query = query.filter(cases::area_code.eq_any(areas.clone()));
    }
    if let Some(from) = q.due_from {
        query = query.filter(cases::due_at.ge(from));
    }
    if let Some(until) = q.due_until {
        query = query.filter(cases::due_at.le(until));
    }
    if q.open {
        query = query.filter(cases::due_at.is_not_null());
        if let Some((due, id)) = q.after_due {
            // `due_at >= due` first, so the index seeks to the page instead of walking
            // every earlier one.
            query = query.filter(
                cases::due_at
                    .ge(due)
                    .and(cases::due_at.gt(due).or(cases::id.gt(id))),
            );
        }
        query = query.order((cases::due_at.asc(), cases::id.asc()));
    } else {
        query = query.filter(cases::due_at.is_null());
        if let Some(id) = q.after_id {
            query = query.filter(cases::id.lt(id));
        }
        query = query.order(cases::id.desc());
    }
    Ok(query.limit(q.limit).load(conn)?)
}

/// How many cases a department (or all of them) holds in each state, from the counts
/// the triggers keep: a few rows, whatever the history's size.
pub fn state_counts(conn: &mut DbConn, department: Option<&str>) -> Result<Vec<(String, i64)>, DbError> {
    use super::schema::case_counts;
    let rows: Vec<(String, i64)> = match department {
        Some(department) => case_counts::table
            .filter(case_counts::department_code.eq(department))
            .filter(case_counts::n.gt(0))
            .select((case_counts::state, case_counts::n))
            .load(conn)?,
        // In the key's order, so that PostgreSQL reads the key rather than the table: the
        // triggers update these few rows on every change, and after a bulk load the table
        // held 45 MB of dead versions around its 94 rows (a scan: 25 ms; the key: 0.7 ms).
        None => case_counts::table
            .filter(case_counts::n.gt(0))
            .order((case_counts::department_code, case_counts::state))
            .select((case_counts::state, case_counts::n))
            .load(conn)?,
    };
    let mut summed: std::collections::BTreeMap<String, i64> = std::collections::BTreeMap::new();
    for (state, n) in rows {
        *summed.entry(state).or_default() += n;
    }
    Ok(summed.into_iter().collect())
}

/// The same counts by reading every case: what the triggers must agree with (tests and
/// `huiying audit verify`).
pub fn state_counts_counted(conn: &mut DbConn) -> Result<Vec<(String, String, i64)>, DbError> {
    Ok(cases::table
        .group_by((cases::department_code, cases::state))
        .select((cases::department_code, cases::state, diesel::dsl::count_star()))
        .order((cases::department_code, cases::state))
        .load(conn)?)
}

/// The kept counts, as [`state_counts_counted`] gives them.
pub fn state_counts_kept(conn: &mut DbConn) -> Result<Vec<(String, String, i64)>, DbError> {
    use super::schema::case_counts;
    Ok(case_counts::table
        .filter(case_counts::n.ne(0))
        .select((case_counts::department_code, case_counts::state, case_counts::n))
        .order((case_counts::department_code, case_counts::state))
        .load(conn)?)
}

pub fn find_by_id(conn: &mut DbConn, id: i64) -> Result<Option<CaseRecord>, DbError> {
    Ok(cases::table
        .find(id)
        .select(CaseRecord::as_select())
        .first(conn)
        .optional()?)
}

/// Every case id, in order (for the audit).
pub fn all_case_ids(conn: &mut DbConn, after: i64, limit: i64) -> Result<Vec<i64>, DbError> {
    Ok(cases::table
        .filter(cases::id.gt(after))
        .order(cases::id)
        .select(cases::id)
        .limit(limit)
        .load(conn)?)
}
