//! What keys the timeline: the key's fingerprint and the anchors of chains begun before it.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::conn::{DbConn, DbError};
use super::schema::{audit_key, cases, chain_anchors};

/// A chain's head as it stood before the key, and the key's seal over it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = chain_anchors)]
pub struct Anchor {
    pub case_id: i64,
    pub seq: i32,
    pub hash: String,
    pub seal: String,
}

pub fn key_check_value(conn: &mut DbConn) -> Result<Option<String>, DbError> {
    Ok(audit_key::table
        .select(audit_key::check_value)
        .first(conn)
        .optional()?)
}

pub fn set_key_check_value(conn: &mut DbConn, value: &str, at: NaiveDateTime) -> Result<(), DbError> {
    diesel::insert_into(audit_key::table)
        .values((
            audit_key::id.eq(1),
            audit_key::check_value.eq(value),
            audit_key::keyed_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Heads of cases with events, after `after_id`, a page at a time: (id, seq, hash).
pub fn heads_after(conn: &mut DbConn, after_id: i64, limit: i64) -> Result<Vec<(i64, i32, String)>, DbError> {
    Ok(cases::table
        .filter(cases::id.gt(after_id))
        .filter(cases::last_event_seq.gt(0))
        .order(cases::id)
        .limit(limit)
        .select((cases::id, cases::last_event_seq, cases::last_event_hash))
        .load(conn)?)
}

pub fn insert_anchors(conn: &mut DbConn, anchors: &[Anchor]) -> Result<usize, DbError> {
    let mut written = 0;
    // Bounded batches: SQLite limits the variables of one statement.
    for batch in anchors.chunks(200) {
        // A multi-row insert is written per backend (the shared dialect has none).
        written += match conn {
            DbConn::Postgresql(pg) => diesel::insert_into(chain_anchors::table)
                .values(batch)
                .execute(pg)?,
            DbConn::Sqlite(lite) => diesel::insert_into(chain_anchors::table)
                .values(batch)
                .execute(lite)?,
        };
    }
    Ok(written)
}

/// The anchors of the given cases, by case id.
pub fn anchors_of(conn: &mut DbConn, case_ids: &[i64]) -> Result<HashMap<i64, Anchor>, DbError> {
    Ok(chain_anchors::table
        .filter(chain_anchors::case_id.eq_any(case_ids))
        .select(Anchor::as_select())
        .load::<Anchor>(conn)?
        .into_iter()
        .map(|a| (a.case_id, a))
        .collect())
}
