//! The outbox: mail written in the transaction that causes it, claimed and delivered by
//! workers. A claim moves rows to `sending` with a lease; a worker that dies loses its
//! lease and another worker picks the rows up again.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamp};

use super::conn::{DbConn, DbError};
use super::schema::outbox;

/// A notice to write.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = outbox, treat_none_as_default_value = false)]
pub struct NewNotice {
    pub kind: String,
    pub case_id: Option<i64>,
    pub recipient: String,
    pub locale: String,
    pub payload: String,
    pub dedupe_key: Option<String>,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

/// A claimed notice, to deliver.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, PartialEq, Eq)]
#[diesel(table_name = outbox)]
pub struct Claimed {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub case_id: Option<i64>,
    #[diesel(sql_type = Text)]
    pub recipient: String,
    #[diesel(sql_type = Text)]
    pub locale: String,
    #[diesel(sql_type = Text)]
    pub payload: String,
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
}

/// Writes notices; one whose dedupe key exists already is skipped. Returns how many were new.
pub fn insert_notices(conn: &mut DbConn, notices: &[NewNotice]) -> Result<usize, DbError> {
    let mut written = 0;
    for notice in notices {
        written += match (&mut *conn, notice.dedupe_key.is_some()) {
            (DbConn::Postgresql(pg), true) => diesel::insert_into(outbox::table)
                .values(notice)
                .on_conflict(outbox::dedupe_key)
                .do_nothing()
                .execute(pg)?,
            (DbConn::Sqlite(sqlite), true) => diesel::insert_or_ignore_into(outbox::table)
                .values(notice)
                .execute(sqlite)?,
            (conn, false) => diesel::insert_into(outbox::table).values(notice).execute(conn)?,
        };
    }
    Ok(written)
}

/// Claims up to `limit` notices due at `now` (and any whose lease ran out) until `lease_until`.
/// On PostgreSQL concurrent workers skip each other's rows; on SQLite call inside a write
/// transaction, which serialises claims.
pub fn claim(
    conn: &mut DbConn,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<Claimed>, DbError> {
    match conn {
        DbConn::Postgresql(pg) => {
            let mut claimed: Vec<Claimed> = diesel::sql_query(
                "UPDATE outbox SET state = 'sending', lease_until = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM outbox \
                 WHERE (state IN ('pending', 'failed') AND next_attempt_at <= $1) \
                    OR (state = 'sending' AND lease_until < $1) \
                 ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) \
             RETURNING id, kind, case_id, recipient, locale, payload, attempts",
            )
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(lease_until)
            .bind::<BigInt, _>(limit)
            .load(pg)?;
            // RETURNING gives no order; deliver in the order the notices were written.
            claimed.sort_by_key(|c| c.id);
            Ok(claimed)
        }
        DbConn::Sqlite(_) => {
            let ids: Vec<i64> = outbox::table
                .filter(
                    outbox::state
                        .eq_any(["pending", "failed"])
                        .and(outbox::next_attempt_at.le(now))
                        .or(outbox::state.eq("sending").and(outbox::lease_until.lt(now))),
                )
                .order((outbox::next_attempt_at, outbox::id))
                .limit(limit)
                .select(outbox::id)
                .load(conn)?;
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
                .set((
                    outbox::state.eq("sending"),
                    outbox::lease_until.eq(lease_until),
                    outbox::attempts.eq(outbox::attempts + 1),
                ))
                .execute(conn)?;
            Ok(outbox::table
                .filter(outbox::id.eq_any(&ids))
                .order(outbox::id)
                .select(Claimed::as_select())
                .load(conn)?)
        }
    }
}

/// Marks a claimed notice delivered.
pub fn mark_sent(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> Result<(), DbError> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::state.eq("sending")),
    )
    .set((
        outbox::state.eq("sent"),
        outbox::sent_at.eq(at),
        outbox::lease_until.eq(None::<NaiveDateTime>),
        outbox::last_error.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(())
}

/// Records a failed attempt: `failed` to be tried again at `retry_at`, or `dead` (`None`).
pub fn mark_failed(
    conn: &mut DbConn,
    id: i64,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> Result<(), DbError> {
    let error: String = error.chars().take(500).collect();
    let target = outbox::table
        .filter(outbox::id.eq(id))
        .filter(outbox::state.eq("sending"));
    match retry_at {
        Some(at) => diesel::update(target)
            .set((
                outbox::state.eq("failed"),
                outbox::next_attempt_at.eq(at),
                outbox::lease_until.eq(None::<NaiveDateTime>),
                outbox::last_error.eq(error),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set((
                outbox::state.eq("dead"),
                outbox::lease_until.eq(None::<NaiveDateTime>),
                outbox::last_error.eq(error),
            ))
            .execute(conn)?,
    };
    Ok(())
}

/// An administrator's "try again": failed or dead notices become pending, due now.
pub fn retry(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> Result<bool, DbError> {
    Ok(diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::state.eq_any(["failed", "dead"])),
    )
    .set((
        outbox::state.eq("pending"),
        outbox::next_attempt_at.eq(now),
        outbox::attempts.eq(0),
    ))
    .execute(conn)?
        == 1)
}

/// A notice as the administrators' page lists it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct NoticeLine {
    pub id: i64,
    pub kind: String,
    pub case_id: Option<i64>,
    pub recipient: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

/// Notices in the given states, newest first.
pub fn list(conn: &mut DbConn, states: &[&str], limit: i64) -> Result<Vec<NoticeLine>, DbError> {
    Ok(outbox::table
        .filter(outbox::state.eq_any(states))
        .order(outbox::id.desc())
        .limit(limit)
        .select(NoticeLine::as_select())
        .load(conn)?)
}

pub fn counts(conn: &mut DbConn) -> Result<Vec<(String, i64)>, DbError> {
    Ok(outbox::table
        .group_by(outbox::state)
        .select((outbox::state, diesel::dsl::count_star()))
        .load(conn)?)
}

/// What waits to be delivered: notices not yet sent nor given up, how many of them are
/// due now, and since when the longest-waiting due one has been due.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Backlog {
    pub waiting: i64,
    pub due: i64,
    pub oldest_due: Option<NaiveDateTime>,
}

pub fn backlog(conn: &mut DbConn, now: NaiveDateTime) -> Result<Backlog, DbError> {
    let unsent = outbox::table.filter(outbox::state.eq_any(["pending", "failed", "sending"]));
    let waiting = unsent.count().get_result(conn)?;
    let due = outbox::table
        .filter(outbox::state.eq_any(["pending", "failed"]))
        .filter(outbox::next_attempt_at.le(now));
    Ok(Backlog {
        waiting,
        due: due.clone().count().get_result(conn)?,
        oldest_due: due
            .select(diesel::dsl::min(outbox::next_attempt_at))
            .first(conn)?,
    })
}

/// Every notice of a case, oldest first: (kind, recipient, state).
pub fn of_case(conn: &mut DbConn, case_id: i64) -> Result<Vec<(String, String, String)>, DbError> {
    Ok(outbox::table
        .filter(outbox::case_id.eq(case_id))
        .order(outbox::id)
        .select((outbox::kind, outbox::recipient, outbox::state))
        .load(conn)?)
}
