//! Staff sign-in: argon2 password hashes checked through a bounded pool, throttling
//! shared by every instance (kept in the database; the policy is `domain::sign_in`),
//! bearer tokens for the API, password changes that end every earlier session and token.

use chrono::{DateTime, Duration, Utc};

use super::ServiceError;
use super::token::hash_token;
use crate::app::App;
use crate::app::passwords::{Busy, PasswordPool};
use crate::db::users::{
    UserRecord, find_by_id, find_by_username, insert_token, lock_sign_in, recent_attempts, record_sign_in,
    reserve_attempt, set_password, user_for_token, withdraw_attempt,
};
use crate::db::{DbConn, DbError};
use crate::domain::case::Role;
use crate::domain::field_error::{FieldError, FieldErrors};
use crate::domain::locale::Locale;
use crate::domain::sign_in;
use crate::domain::workflow::{Actor, StaffActor};

/// Usernames are kept to this many characters in the attempt log.
const USERNAME_CHARS: usize = 64;
/// How long an API token lives.
pub const TOKEN_HOURS: i64 = 12;
/// Staff API tokens start with this, so a bearer token is told from a case token at a glance.
pub const TOKEN_PREFIX: &str = "hy_";

/// A signed-in member of staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUser {
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub department: Option<String>,
    pub email: Option<String>,
    pub locale: Locale,
    pub credentials_version: i32,
}

impl StaffUser {
    pub fn from_record(r: UserRecord) -> Result<StaffUser, ServiceError> {
        Ok(StaffUser {
            role: Role::parse(&r.role)
                .ok_or_else(|| ServiceError::Internal(format!("user {} has role {:?}", r.id, r.role)))?,
            id: r.id,
            username: r.username,
            display_name: r.display_name,
            department: r.department_code,
            email: r.email,
            locale: Locale::from_tag(&r.locale).unwrap_or_default(),
            credentials_version: r.credentials_version,
        })
    }

    pub fn actor(&self) -> Actor {
        Actor::Staff(StaffActor {
            user_id: self.id,
            role: self.role,
            department: self.department.clone(),
        })
    }
}

/// A password as typed for a new account or a change: 10 to 128 characters.
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(raw: &str) -> Result<NewPassword, FieldError> {
        let count = raw.chars().count();
        if count < Self::MIN_CHARS {
            Err(FieldError::new("err.too_short").with("min", Self::MIN_CHARS))
        } else if count > Self::MAX_CHARS {
            Err(FieldError::new("err.too_long")
                .with("max", Self::MAX_CHARS)
                .with("count", count))
        } else {
            Ok(NewPassword(raw.to_string()))
        }
    }

    /// The argon2id hash in PHC form (salt included). Slow on purpose: call off the async threads.
    pub fn hash(&self) -> Result<String, ServiceError> {
        use argon2::{Argon2, PasswordHasher};
        Argon2::default()
            .hash_password(self.0.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| ServiceError::Internal(format!("password hashing failed: {e}")))
    }
}

/// Whether `password` matches the stored hash (argon2, its parameters from the PHC
/// string). Slow on purpose.
pub fn verify_password(password: &str, hash: &str) -> bool {
    use argon2::{Algorithm, Argon2, Params, PasswordHash, Version};
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm.as_str()),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let Ok(version) = parsed.version.map_or(Ok(Version::default()), Version::try_from) else {
        return false;
    };
    let expected = expected.as_bytes();
    let mut out = vec![0u8; expected.len()];
    let mut memory = working_memory(params.block_count());
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut memory[..])
        .is_ok()
        && out.len() == expected.len()
        && out.iter().zip(expected).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// Argon2's working memory (19 MiB by default), given back whole when the check ends.
/// glibc keeps a freed block below 32 MiB for reuse (its mmap threshold rises to the size
/// of each block freed), which left about 19 MiB resident after every check, up to 200
/// MiB in all; a request above that limit is always served by `mmap` and unmapped when
/// freed. Only the pages argon2 touches count, so asking for more costs nothing.
fn working_memory(blocks: usize) -> Vec<argon2::Block> {
    const ALWAYS_MAPPED_BLOCKS: usize = 33 * 1024;
    let mut memory = Vec::with_capacity(blocks.max(ALWAYS_MAPPED_BLOCKS));
    memory.resize(blocks, argon2::Block::new());
    memory
}

impl From<Busy> for ServiceError {
    fn from(busy: Busy) -> Self {
        ServiceError::Busy {
            retry_after_secs: busy.retry_after_secs,
        }
    }
}

/// Checks a password on the bounded pool; with no hash (an unknown user) a decoy is
/// checked, so that takes as long as a wrong password.
pub async fn check_password(
    pool: &PasswordPool,
    password: String,
    hash: Option<String>,
) -> Result<bool, ServiceError> {
    // No password we accept is longer; hashing megabytes would only cost time.
    if password.len() > 4 * NewPassword::MAX_CHARS {
        return Ok(false);
    }
    metrics::counter!("password_checks_total").increment(1);
    Ok(pool
        .run(move || verify_password(&password, hash.as_deref().unwrap_or_else(|| decoy_hash())))
        .await?)
}

/// The argon2id hash of a new password, made on the bounded pool.
pub async fn hash_password(pool: &PasswordPool, password: NewPassword) -> Result<String, ServiceError> {
    pool.run(move || password.hash()).await?
}

/// A hash no password matches, verified when the username is unknown so that a wrong
/// username takes as long as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        NewPassword("decoy-password-never-used".into())
            .hash()
            .unwrap_or_default()
    })
}

/// Signs a user in. The attempt is counted (under a per-username lock) before the password
/// is checked, so a burst of concurrent guesses runs at most the budget's worth of checks;
/// the check itself waits for the bounded pool. A success forgives the address's failures
/// and makes it known for the user; a refusal says how long to wait.
pub async fn login(
    app: &App,
    username: &str,
    password: &str,
    client_ip: &str,
) -> Result<StaffUser, ServiceError> {
    let (db, passwords, now) = (&app.db, &app.passwords, app.now());
    let name: String = username.trim().chars().take(USERNAME_CHARS).collect();
    let ip = client_ip.to_string();
    let (user, attempt) = {
        let (name, ip) = (name.clone(), ip.clone());
        db.write(move |conn| -> Result<_, ServiceError> {
            lock_sign_in(conn, &name)?;
            let since = (now - sign_in::window()).naive_utc();
            let known_since = (now - Duration::days(sign_in::KNOWN_DAYS)).naive_utc();
            let recent = recent_attempts(conn, &name, &ip, since, known_since)?;
            sign_in::may_try(&recent, now).map_err(|wait| {
                metrics::counter!("sign_ins_refused_total", "reason" => "throttled").increment(1);
                ServiceError::TooManyAttempts {
                    retry_after_secs: wait.secs(),
                }
            })?;
            let attempt = reserve_attempt(conn, &name, &ip, now.naive_utc(), recent.known_address)?;
            Ok((find_by_username(conn, &name)?, attempt))
        })
        .await?
    };
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let matches = match check_password(passwords, password.to_string(), hash).await {
        Ok(matches) => matches,
        Err(busy) => {
            // The password was never checked: the attempt does not count.
            db.write(move |conn| withdraw_attempt(conn, attempt)).await?;
            return Err(busy);
        }
    };
    match user.filter(|u| matches && u.active) {
        Some(user) => {
            db.write(move |conn| record_sign_in(conn, &name, &ip, now.naive_utc()))
                .await?;
            tracing::info!(user = user.id, "signed in");
            StaffUser::from_record(user)
        }
        None => Err(ServiceError::Unauthenticated),
    }
}

/// Signs in for the API: the user and a new bearer token, valid for [`TOKEN_HOURS`].
pub async fn login_for_token(
    app: &App,
    username: &str,
    password: &str,
    client_ip: &str,
) -> Result<(StaffUser, String, DateTime<Utc>), ServiceError> {
    let user = login(app, username, password, client_ip).await?;
    let issued = user.clone();
    let (token, now) = app
        .write(move |conn, _, now| Ok::<_, ServiceError>((issue_token(conn, &issued, now)?, now)))
        .await?;
    Ok((user, token, now + Duration::hours(TOKEN_HOURS)))
}

/// The member of staff a bearer token stands for, if it is live.
pub async fn staff_by_token(app: &App, token: &str) -> Result<Option<StaffUser>, ServiceError> {
    let token = token.to_string();
    app.read(move |conn, _, now| user_by_token(conn, &token, now))
        .await
}

/// The member of staff a signed-in session names, if the account is active and its
/// password unchanged since.
pub async fn staff_by_session(
    app: &App,
    id: i32,
    credentials_version: i32,
) -> Result<Option<StaffUser>, ServiceError> {
    app.read(move |conn, _, _| user_by_session(conn, id, credentials_version))
        .await
}

/// A new API token for `user`, valid for [`TOKEN_HOURS`]; only its hash is stored.
pub fn issue_token(conn: &mut DbConn, user: &StaffUser, now: DateTime<Utc>) -> Result<String, DbError> {
    let (secret, _) = super::token::new_token();
    let token = format!("{TOKEN_PREFIX}{secret}");
    insert_token(
        conn,
        &hash_token(&token),
        user.id,
        user.credentials_version,
        now.naive_utc(),
        (now + Duration::hours(TOKEN_HOURS)).naive_utc(),
    )?;
    Ok(token)
}

/// The user a bearer token stands for, if it is live.
pub fn user_by_token(
    conn: &mut DbConn,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<StaffUser>, ServiceError> {
    user_for_token(conn, &hash_token(token), now.naive_utc())?
        .map(StaffUser::from_record)
        .transpose()
}

/// The user a session names, if the account is active and its password unchanged since.
pub fn user_by_session(
    conn: &mut DbConn,
    id: i32,
    credentials_version: i32,
) -> Result<Option<StaffUser>, ServiceError> {
    find_by_id(conn, id)?
        .filter(|u| u.active && u.credentials_version == credentials_version)
        .map(StaffUser::from_record)
        .transpose()
}

/// Changes the user's own password after checking the current one.
pub async fn change_password(
    app: &App,
    user: &StaffUser,
    current: &str,
    new: &str,
) -> Result<(), ServiceError> {
    let new =
        NewPassword::parse(new).map_err(|e| ServiceError::Invalid(FieldErrors::single("new_password", e)))?;
    let (db, passwords, id) = (&app.db, &app.passwords, user.id);
    let stored = db
        .run(move |conn| find_by_id(conn, id).map_err(ServiceError::from))
        .await?
        .ok_or(ServiceError::Unauthenticated)?;
    if !check_password(passwords, current.to_string(), Some(stored.password_hash)).await? {
        return Err(ServiceError::Invalid(FieldErrors::single(
            "current_password",
            FieldError::new("err.wrong_password"),
        )));
    }
    let hash = hash_password(passwords, new).await?;
    db.write(move |conn| set_password(conn, id, &hash)).await?;
    tracing::info!(user = id, "password changed");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verification_agrees_with_argon2_on_right_wrong_and_broken_hashes() {
        use argon2::{Argon2, PasswordVerifier};
        let hash = NewPassword::parse("正确的口令 correct horse")
            .unwrap()
            .hash()
            .unwrap();
        for (password, right) in [
            ("正确的口令 correct horse", true),
            ("正确的口令 correct hors", false),
            ("", false),
        ] {
            assert_eq!(verify_password(password, &hash), right, "{password}");
            assert_eq!(
                Argon2::default()
                    .verify_password(password.as_bytes(), hash.as_str())
                    .is_ok(),
                right
            );
        }
        assert!(!verify_password("x", "not a hash"));
        assert!(!verify_password(
            "x",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ"
        ));
        // Another algorithm's and cost's hash verifies with its own parameters.
        let light = argon2::Argon2::new(
            argon2::Algorithm::Argon2i,
            argon2::Version::V0x10,
            argon2::Params::new(1024, 1, 1, None).unwrap(),
        );
        use argon2::PasswordHasher;
        let other = light.hash_password(b"another one").unwrap().to_string();
        assert!(verify_password("another one", &other) && !verify_password("another two", &other));
    }
}
