//! Sessions kept on the server as well as in the cookie: signing out, a password change or
//! a deactivation ends them on every instance at once, and each lives at most a fixed time
//! however active it is (staff 12 hours, residents 30 days by default).

use chrono::{DateTime, Duration, Utc};

use super::ServiceError;
use super::token::{hash_token, new_token};
use crate::app::App;
use crate::db::DbConn;
pub use crate::db::sessions::Holder;
use crate::db::sessions::{end_all, insert, live_among, prune};

/// Opens a session for `holder` now; returns its secret (for the cookie).
pub async fn start(app: &App, holder: Holder, lifetime: Duration) -> Result<String, ServiceError> {
    app.write(move |conn, _, now| open(conn, holder, lifetime, now))
        .await
}

/// Ends the session whose secret the cookie held (signing out).
pub async fn end(app: &App, secret: String) -> Result<(), ServiceError> {
    app.write(move |conn, _, now| close(conn, &secret, now)).await
}

/// For each secret, whether its session is live now.
pub async fn live(app: &App, secrets: Vec<String>) -> Result<Vec<bool>, ServiceError> {
    app.read(move |conn, _, now| {
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        still_live(conn, &secrets, now)
    })
    .await
}

/// Opens a session for `holder` that ends by itself after `lifetime`; returns its secret
/// (for the cookie; only its hash is stored).
pub fn open(
    conn: &mut DbConn,
    holder: Holder,
    lifetime: Duration,
    now: DateTime<Utc>,
) -> Result<String, ServiceError> {
    let (token, token_hash) = new_token();
    insert(
        conn,
        &token_hash,
        holder,
        now.naive_utc(),
        (now + lifetime).naive_utc(),
    )?;
    Ok(token)
}

/// For each secret, whether its session is still live.
pub fn still_live(
    conn: &mut DbConn,
    secrets: &[&str],
    now: DateTime<Utc>,
) -> Result<Vec<bool>, ServiceError> {
    let hashes: Vec<String> = secrets.iter().map(|s| hash_token(s)).collect();
    let live = live_among(conn, &hashes, now.naive_utc())?;
    Ok(hashes.iter().map(|h| live.contains(h)).collect())
}

/// Signing out: this session ends.
pub fn close(conn: &mut DbConn, secret: &str, now: DateTime<Utc>) -> Result<(), ServiceError> {
    Ok(crate::db::sessions::end(
        conn,
        &hash_token(secret),
        now.naive_utc(),
    )?)
}

/// Every session of `holder` ends (password change, deactivation).
pub fn close_all(conn: &mut DbConn, holder: Holder, now: DateTime<Utc>) -> Result<usize, ServiceError> {
    Ok(end_all(conn, holder, now.naive_utc())?)
}

/// Forgets sessions over a day past their end.
pub fn forget_old(conn: &mut DbConn, now: DateTime<Utc>) -> Result<usize, ServiceError> {
    Ok(prune(conn, (now - Duration::days(1)).naive_utc())?)
}
