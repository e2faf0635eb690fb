//! CSRF tokens: 32 random bytes kept in the (encrypted) session cookie and echoed in a
//! hidden field of every form; a POST whose field does not match is refused.

use actix_session::Session;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;

use crate::service::token::constant_time_eq;

const KEY: &str = "csrf";

/// The session's token, created when missing.
pub fn token(session: &Session) -> String {
    if let Ok(Some(existing)) = session.get::<String>(KEY) {
        return existing;
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    if let Err(e) = session.insert(KEY, &token) {
        tracing::warn!(error = %e, "could not store the CSRF token in the session");
    }
    token
}

/// Drops the token, so the next form gets a new one (at sign-in: a token seen before
/// signing in is no use after).
pub fn renew(session: &Session) {
    session.remove(KEY);
}

/// Whether the submitted token is the session's.
pub fn verify(session: &Session, submitted: &str) -> bool {
    match session.get::<String>(KEY) {
        Ok(Some(expected)) => !submitted.is_empty() && constant_time_eq(&expected, submitted),
        _ => false,
    }
}
