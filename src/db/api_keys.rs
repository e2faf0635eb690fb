//! Open311 clients' keys, stored as hashes.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::conn::{DbConn, DbError};
use super::schema::api_keys;

#[derive(Debug, Clone, Queryable)]
pub struct KeyRow {
    pub id: i32,
    pub name: String,
    pub key_hash: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub filings_per_hour: i32,
}

pub fn insert(
    conn: &mut DbConn,
    name: &str,
    hash: &str,
    per_hour: i32,
    now: NaiveDateTime,
) -> Result<i32, DbError> {
    diesel::insert_into(api_keys::table)
        .values((
            api_keys::name.eq(name),
            api_keys::key_hash.eq(hash),
            api_keys::created_at.eq(now),
            api_keys::filings_per_hour.eq(per_hour),
        ))
        .execute(conn)?;
    Ok(api_keys::table
        .filter(api_keys::name.eq(name))
        .select(api_keys::id)
        .first(conn)?)
}

pub fn find_by_name(conn: &mut DbConn, name: &str) -> Result<Option<KeyRow>, DbError> {
    Ok(api_keys::table
        .filter(api_keys::name.eq(name))
        .first(conn)
        .optional()?)
}

/// The key in use whose hash this is, noting its use.
pub fn use_key(conn: &mut DbConn, hash: &str, now: NaiveDateTime) -> Result<Option<KeyRow>, DbError> {
    let found: Option<KeyRow> = api_keys::table
        .filter(api_keys::key_hash.eq(hash))
        .filter(api_keys::revoked_at.is_null())
        .first(conn)
        .optional()?;
    if let Some(key) = &found {
        diesel::update(api_keys::table.filter(api_keys::id.eq(key.id)))
            .set(api_keys::last_used_at.eq(now))
            .execute(conn)?;
    }
    Ok(found)
}

pub fn list(conn: &mut DbConn) -> Result<Vec<KeyRow>, DbError> {
    Ok(api_keys::table.order(api_keys::id).load(conn)?)
}

pub fn revoke(conn: &mut DbConn, id: i32, now: NaiveDateTime) -> Result<bool, DbError> {
    Ok(diesel::update(
        api_keys::table
            .filter(api_keys::id.eq(id))
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(now))
    .execute(conn)?
        == 1)
}
