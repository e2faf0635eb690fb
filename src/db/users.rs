//! Staff accounts, their API tokens, failed logins, and the access log.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::conn::{DbConn, DbError};
use super::schema::{access_log, api_tokens, known_sign_ins, login_failures, sessions, users};
use crate::domain::sign_in::Recent;

#[derive(Debug, Clone, Queryable, Selectable, PartialEq, Eq)]
#[diesel(table_name = users)]
pub struct UserRecord {
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub department_code: Option<String>,
    pub email: Option<String>,
    pub locale: String,
    pub active: bool,
    pub credentials_version: i32,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users, treat_none_as_default_value = false)]
pub struct NewUserRow<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub department_code: Option<&'a str>,
    pub email: Option<&'a str>,
    pub locale: &'a str,
    pub active: bool,
    pub credentials_version: i32,
    pub created_at: NaiveDateTime,
}

/// Inserts a user; returns the new id.
pub fn insert_user(conn: &mut DbConn, row: &NewUserRow<'_>) -> Result<i32, DbError> {
    diesel::insert_into(users::table).values(row).execute(conn)?;
    Ok(users::table
        .filter(users::username.eq(row.username))
        .select(users::id)
        .first(conn)?)
}

/// Sets the areas of an account (a liaison's), replacing those it had.
pub fn set_areas(conn: &mut DbConn, user_id: i32, areas: &[String]) -> Result<(), DbError> {
    use super::schema::user_areas;
    diesel::delete(user_areas::table.filter(user_areas::user_id.eq(user_id))).execute(conn)?;
    for area in areas {
        diesel::insert_into(user_areas::table)
            .values((user_areas::user_id.eq(user_id), user_areas::area_code.eq(area)))
            .execute(conn)?;
    }
    Ok(())
}

/// The areas of an account (a liaison's).
pub fn areas_of(conn: &mut DbConn, user_id: i32) -> Result<Vec<String>, DbError> {
    use super::schema::user_areas;
    Ok(user_areas::table
        .filter(user_areas::user_id.eq(user_id))
        .order(user_areas::area_code)
        .select(user_areas::area_code)
        .load(conn)?)
}

pub fn find_by_username(conn: &mut DbConn, username: &str) -> Result<Option<UserRecord>, DbError> {
    Ok(users::table
        .filter(users::username.eq(username))
        .select(UserRecord::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_id(conn: &mut DbConn, id: i32) -> Result<Option<UserRecord>, DbError> {
    Ok(users::table
        .find(id)
        .select(UserRecord::as_select())
        .first(conn)
        .optional()?)
}

pub fn list_users(conn: &mut DbConn) -> Result<Vec<UserRecord>, DbError> {
    Ok(users::table
        .order(users::username)
        .select(UserRecord::as_select())
        .load(conn)?)
}

/// The addresses (and languages) of a department's active accounts with `role`: its
/// heads hear of extension requests and escalations.
pub fn emails_of(conn: &mut DbConn, department: &str, role: &str) -> Result<Vec<(String, String)>, DbError> {
    Ok(users::table
        .filter(users::department_code.eq(department))
        .filter(users::role.eq(role))
        .filter(users::active.eq(true))
        .filter(users::email.is_not_null())
        .select((users::email.assume_not_null(), users::locale))
        .load(conn)?)
}

/// An active account's address and language, by username.
pub fn email_of(conn: &mut DbConn, username: &str) -> Result<Option<(String, String)>, DbError> {
    Ok(users::table
        .filter(users::username.eq(username))
        .filter(users::active.eq(true))
        .filter(users::email.is_not_null())
        .select((users::email.assume_not_null(), users::locale))
        .first(conn)
        .optional()?)
}

/// An active account's address and language, by id.
pub fn email_of_id(conn: &mut DbConn, id: i32) -> Result<Option<(String, String)>, DbError> {
    Ok(users::table
        .find(id)
        .filter(users::active.eq(true))
        .filter(users::email.is_not_null())
        .select((users::email.assume_not_null(), users::locale))
        .first(conn)
        .optional()?)
}

/// Every active leader's address and language.
pub fn leaders(conn: &mut DbConn) -> Result<Vec<(String, String, String)>, DbError> {
    Ok(users::table
        .filter(users::role.eq("leader"))
        .filter(users::active.eq(true))
        .filter(users::email.is_not_null())
        .select((users::username, users::email.assume_not_null(), users::locale))
        .load(conn)?)
}

/// Every active leader account: username and name, by name.
pub fn leader_accounts(conn: &mut DbConn) -> Result<Vec<(String, String)>, DbError> {
    Ok(users::table
        .filter(users::role.eq("leader"))
        .filter(users::active.eq(true))
        .order(users::display_name)
        .select((users::username, users::display_name))
        .load(conn)?)
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = users, treat_none_as_null = true)]
pub struct UserChanges<'a> {
    pub display_name: &'a str,
    pub role: &'a str,
    pub department_code: Option<&'a str>,
    pub email: Option<&'a str>,
    pub locale: &'a str,
    pub active: bool,
}

pub fn update_user(conn: &mut DbConn, id: i32, changes: &UserChanges<'_>) -> Result<bool, DbError> {
    Ok(diesel::update(users::table.find(id)).set(changes).execute(conn)? == 1)
}

/// Sets a new password hash and invalidates every session and token issued before.
pub fn set_password(conn: &mut DbConn, id: i32, hash: &str) -> Result<bool, DbError> {
    let changed = diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(hash),
            users::credentials_version.eq(users::credentials_version + 1),
        ))
        .execute(conn)?;
    diesel::delete(api_tokens::table.filter(api_tokens::user_id.eq(id))).execute(conn)?;
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(id))
            .filter(sessions::ended_at.is_null()),
    )
    .set(sessions::ended_at.eq(diesel::dsl::now))
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn count_users(conn: &mut DbConn) -> Result<i64, DbError> {
    Ok(users::table.count().get_result(conn)?)
}

pub fn insert_token(
    conn: &mut DbConn,
    token_hash: &str,
    user_id: i32,
    credentials_version: i32,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::token_hash.eq(token_hash),
            api_tokens::user_id.eq(user_id),
            api_tokens::credentials_version.eq(credentials_version),
            api_tokens::created_at.eq(created_at),
            api_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The active user a live token belongs to, if its credentials are still current.
pub fn user_for_token(
    conn: &mut DbConn,
    token_hash: &str,
    now: NaiveDateTime,
) -> Result<Option<UserRecord>, DbError> {
    Ok(api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(token_hash))
        .filter(api_tokens::expires_at.gt(now))
        .filter(api_tokens::credentials_version.eq(users::credentials_version))
        .filter(users::active.eq(true))
        .select(UserRecord::as_select())
        .first(conn)
        .optional()?)
}

/// Serialises sign-in attempts for one username across instances (PostgreSQL; on SQLite
/// the single writer already does), so counting and reserving an attempt is atomic.
pub fn lock_sign_in(conn: &mut DbConn, username: &str) -> Result<(), DbError> {
    if let DbConn::Postgresql(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind::<diesel::sql_types::Text, _>(format!("sign-in:{username}"))
            .execute(pg)?;
    }
    Ok(())
}

/// At most this many attempt times are read per budget: more than any budget needs.
const ATTEMPTS_READ: i64 = 64;

/// The attempts that count against a new one (see `domain::sign_in`), and whether the
/// address signed in as the user since `known_since`.
pub fn recent_attempts(
    conn: &mut DbConn,
    username: &str,
    ip: &str,
    since: NaiveDateTime,
    known_since: NaiveDateTime,
) -> Result<Recent, DbError> {
    let known_address = diesel::select(diesel::dsl::exists(
        known_sign_ins::table
            .filter(known_sign_ins::username.eq(username))
            .filter(known_sign_ins::client_ip.eq(ip))
            .filter(known_sign_ins::last_at.gt(known_since)),
    ))
    .get_result(conn)?;
    let times = |rows: Vec<NaiveDateTime>| rows.into_iter().map(|t| t.and_utc()).collect();
    let pair = login_failures::table
        .filter(login_failures::username.eq(username))
        .filter(login_failures::client_ip.eq(ip))
        .filter(login_failures::at.gt(since))
        .order(login_failures::at.desc())
        .limit(ATTEMPTS_READ)
        .select(login_failures::at)
        .load(conn)?;
    let (strangers, address) = if known_address {
        (Vec::new(), Vec::new())
    } else {
        let strangers = login_failures::table
            .filter(login_failures::username.eq(username))
            .filter(login_failures::from_known.eq(false))
            .filter(login_failures::at.gt(since))
            .order(login_failures::at.desc())
            .limit(ATTEMPTS_READ)
            .select(login_failures::at)
            .load(conn)?;
        let address = login_failures::table
            .filter(login_failures::client_ip.eq(ip))
            .filter(login_failures::from_known.eq(false))
            .filter(login_failures::at.gt(since))
            .order(login_failures::at.desc())
            .limit(ATTEMPTS_READ)
            .select(login_failures::at)
            .load(conn)?;
        (strangers, address)
    };
    Ok(Recent {
        known_address,
        pair: times(pair),
        strangers: times(strangers),
        address: times(address),
    })
}

/// Counts an attempt before its password is checked; returns its id (to withdraw it if the
/// check never ran). Call under [`lock_sign_in`].
pub fn reserve_attempt(
    conn: &mut DbConn,
    username: &str,
    ip: &str,
    at: NaiveDateTime,
    from_known: bool,
) -> Result<i64, DbError> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::username.eq(username),
            login_failures::client_ip.eq(ip),
            login_failures::at.eq(at),
            login_failures::from_known.eq(from_known),
        ))
        .execute(conn)?;
    let id = login_failures::table
        .filter(login_failures::username.eq(username))
        .filter(login_failures::client_ip.eq(ip))
        .select(diesel::dsl::max(login_failures::id))
        .first::<Option<i64>>(conn)?;
    id.ok_or(DbError::Query(diesel::result::Error::NotFound))
}

/// Withdraws an attempt whose password was never checked (the server was too busy).
pub fn withdraw_attempt(conn: &mut DbConn, id: i64) -> Result<(), DbError> {
    diesel::delete(login_failures::table.find(id)).execute(conn)?;
    Ok(())
}

/// A success: the pair's failures are forgiven and the address is known for the user.
pub fn record_sign_in(conn: &mut DbConn, username: &str, ip: &str, at: NaiveDateTime) -> Result<(), DbError> {
    diesel::delete(
        login_failures::table
            .filter(login_failures::username.eq(username))
            .filter(login_failures::client_ip.eq(ip)),
    )
    .execute(conn)?;
    diesel::delete(
        known_sign_ins::table
            .filter(known_sign_ins::username.eq(username))
            .filter(known_sign_ins::client_ip.eq(ip)),
    )
    .execute(conn)?;
    diesel::insert_into(known_sign_ins::table)
        .values((
            known_sign_ins::username.eq(username),
            known_sign_ins::client_ip.eq(ip),
            known_sign_ins::last_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Forgets attempts older than `attempts_before` and known addresses last used before
/// `known_before` (they no longer count).
pub fn prune_sign_in_records(
    conn: &mut DbConn,
    attempts_before: NaiveDateTime,
    known_before: NaiveDateTime,
) -> Result<usize, DbError> {
    let attempts =
        diesel::delete(login_failures::table.filter(login_failures::at.lt(attempts_before))).execute(conn)?;
    let known = diesel::delete(known_sign_ins::table.filter(known_sign_ins::last_at.lt(known_before)))
        .execute(conn)?;
    Ok(attempts + known)
}

pub fn log_access(
    conn: &mut DbConn,
    user_id: i32,
    case_id: i64,
    what: &str,
    at: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::insert_into(access_log::table)
        .values((
            access_log::user_id.eq(user_id),
            access_log::case_id.eq(case_id),
            access_log::what.eq(what),
            access_log::at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Who read the case's personal data, oldest first: (user id, what, when).
pub fn access_of(conn: &mut DbConn, case_id: i64) -> Result<Vec<(i32, String, NaiveDateTime)>, DbError> {
    Ok(access_log::table
        .filter(access_log::case_id.eq(case_id))
        .order(access_log::id)
        .select((access_log::user_id, access_log::what, access_log::at))
        .load(conn)?)
}

/// Display names of the given users.
pub fn names_of(conn: &mut DbConn, ids: &[i32]) -> Result<Vec<(i32, String)>, DbError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::display_name))
        .load(conn)?)
}
