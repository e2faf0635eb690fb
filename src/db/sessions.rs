//! Signed-in sessions of staff and residents (the cookie holds the secret, this table its
//! hash), so they can be ended from the server.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::conn::{DbConn, DbError};
use super::schema::sessions;

/// Who a session belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    Staff(i32),
    Resident(i32),
}

pub fn insert(
    conn: &mut DbConn,
    token_hash: &str,
    holder: Holder,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<(), DbError> {
    let (user_id, resident_id) = match holder {
        Holder::Staff(id) => (Some(id), None),
        Holder::Resident(id) => (None, Some(id)),
    };
    diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(token_hash),
            sessions::user_id.eq(user_id),
            sessions::resident_id.eq(resident_id),
            sessions::created_at.eq(created_at),
            sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Which of the given hashes name a session that is neither ended nor expired.
pub fn live_among(conn: &mut DbConn, hashes: &[String], now: NaiveDateTime) -> Result<Vec<String>, DbError> {
    Ok(sessions::table
        .filter(sessions::token_hash.eq_any(hashes))
        .filter(sessions::ended_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .select(sessions::token_hash)
        .load(conn)?)
}

pub fn end(conn: &mut DbConn, token_hash: &str, now: NaiveDateTime) -> Result<(), DbError> {
    diesel::update(sessions::table.filter(sessions::token_hash.eq(token_hash)))
        .set(sessions::ended_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// Ends every live session of `holder`; returns how many.
pub fn end_all(conn: &mut DbConn, holder: Holder, now: NaiveDateTime) -> Result<usize, DbError> {
    let live = sessions::table.filter(sessions::ended_at.is_null());
    let ended = match holder {
        Holder::Staff(id) => diesel::update(live.filter(sessions::user_id.eq(id)))
            .set(sessions::ended_at.eq(now))
            .execute(conn)?,
        Holder::Resident(id) => diesel::update(live.filter(sessions::resident_id.eq(id)))
            .set(sessions::ended_at.eq(now))
            .execute(conn)?,
    };
    Ok(ended)
}

/// Forgets sessions that ended or expired before `before`.
pub fn prune(conn: &mut DbConn, before: NaiveDateTime) -> Result<usize, DbError> {
    Ok(diesel::delete(
        sessions::table.filter(sessions::expires_at.lt(before).or(sessions::ended_at.lt(before))),
    )
    .execute(conn)?)
}
