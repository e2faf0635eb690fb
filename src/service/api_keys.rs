//! Keys for Open311 clients: administrators issue, name, see the last use of, and revoke
//! them; only their hash is kept. Each key has its own filing limit.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

use super::ServiceError;
use super::auth::StaffUser;
use crate::app::App;
use crate::db::DbConn;
use crate::db::api_keys::{self, KeyRow};
use crate::domain::field_error::{FieldError, FieldErrors};
use crate::domain::permissions::Duty;
use crate::domain::rate::Gcra;

/// Filings one key may make per hour unless an administrator says otherwise.
pub const DEFAULT_PER_HOUR: i32 = 100;
/// Keys start with this, so a leaked one is recognised in logs and scanners.
pub const PREFIX: &str = "o311_";

fn check_name(name: &str) -> Result<String, ServiceError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(ServiceError::Invalid(FieldErrors::single(
            "name",
            FieldError::new("err.required"),
        )));
    }
    Ok(name.to_string())
}

/// Issues a key named `name`; returns its id and the key itself (shown once). Inside the
/// caller's transaction.
pub fn issue_in(
    conn: &mut DbConn,
    name: &str,
    per_hour: i32,
    now: DateTime<Utc>,
) -> Result<(i32, String), ServiceError> {
    let name = check_name(name)?;
    if api_keys::find_by_name(conn, &name)?.is_some() {
        return Err(ServiceError::Conflict {
            key: "apikeys.name_taken",
        });
    }
    let (token, _) = super::token::new_token();
    let key = format!("{PREFIX}{token}");
    let hash = super::token::hash_token(&key);
    let id = api_keys::insert(conn, &name, &hash, per_hour.max(1), now.naive_utc())?;
    tracing::info!(key = %name, "api key issued");
    Ok((id, key))
}

pub async fn issue(
    app: &App,
    actor: &StaffUser,
    name: String,
    per_hour: i32,
) -> Result<(i32, String), ServiceError> {
    super::require(actor, Duty::Administer)?;
    app.write(move |conn, _, now| issue_in(conn, &name, per_hour, now))
        .await
}

pub async fn list(app: &App, actor: &StaffUser) -> Result<Vec<KeyRow>, ServiceError> {
    super::require(actor, Duty::Administer)?;
    app.read(|conn, _, _| Ok(api_keys::list(conn)?)).await
}

pub async fn revoke(app: &App, actor: &StaffUser, id: i32) -> Result<(), ServiceError> {
    super::require(actor, Duty::Administer)?;
    let revoked = app
        .write(move |conn, _, now| Ok::<_, ServiceError>(api_keys::revoke(conn, id, now.naive_utc())?))
        .await?;
    if revoked {
        Ok(())
    } else {
        Err(ServiceError::NotFound)
    }
}

/// The key in use that `given` is, its use noted; `None` for a wrong or revoked key.
pub async fn authenticate(app: &App, given: &str) -> Result<Option<KeyRow>, ServiceError> {
    if !given.starts_with(PREFIX) {
        return Ok(None);
    }
    let hash = super::token::hash_token(given);
    app.write(move |conn, _, now| Ok(api_keys::use_key(conn, &hash, now.naive_utc())?))
        .await
}

/// Filings per key, each against its own hourly limit (per instance, as the address limits).
#[derive(Debug, Default)]
pub struct KeyLimits {
    next: Mutex<HashMap<i32, DateTime<Utc>>>,
}

impl KeyLimits {
    /// Counts one filing by `key`, or says in how many seconds it may file again.
    pub fn check(&self, key: &KeyRow, now: DateTime<Utc>) -> Result<(), u64> {
        let Some(rule) = Gcra::new(key.filings_per_hour.max(1) as u32, Duration::hours(1)) else {
            return Ok(());
        };
        let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
        match rule.check(next.get(&key.id).copied(), now) {
            Ok(at) => {
                next.insert(key.id, at);
                Ok(())
            }
            Err(wait) => Err(wait.secs()),
        }
    }
}
