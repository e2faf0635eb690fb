//! The signed-in resident, kept in the encrypted session cookie (apart from staff) and as a
//! server-side session that signing out ends everywhere.

use actix_session::Session;

use super::AppState;
use super::error::AppError;
use crate::service::residents::ResidentAccount;
use crate::service::sessions::{self, Holder};

const KEY: &str = "resident";
/// The secret of the resident's server-side session.
pub const SESSION_SECRET: &str = "rsid";

/// Opens a server-side session for the resident and remembers it in the cookie (after
/// renewing the session and its CSRF token).
pub async fn remember(
    state: &AppState,
    session: &Session,
    account: &ResidentAccount,
) -> Result<(), AppError> {
    let (holder, lifetime, now) = (
        Holder::Resident(account.id),
        state.settings.resident_session_lifetime(),
        state.now(),
    );
    let secret = state
        .db
        .write(move |conn| sessions::open(conn, holder, lifetime, now))
        .await?;
    session.renew();
    super::csrf::renew(session);
    session
        .insert(KEY, account)
        .and_then(|()| session.insert(SESSION_SECRET, secret))
        .map_err(|e| AppError::Internal(e.to_string()))
}

pub fn signed_in(session: &Session) -> Option<ResidentAccount> {
    session.get::<ResidentAccount>(KEY).ok().flatten()
}

/// Signs the resident out: the server-side session ends and the cookie forgets it.
pub async fn forget(state: &AppState, session: &Session) -> Result<(), AppError> {
    if let Ok(Some(secret)) = session.get::<String>(SESSION_SECRET) {
        let now = state.now();
        state
            .db
            .write(move |conn| sessions::close(conn, &secret, now))
            .await?;
    }
    forget_locally(session);
    Ok(())
}

/// Forgets the resident in this cookie only (their session has ended already).
pub fn forget_locally(session: &Session) {
    session.remove(KEY);
    session.remove(SESSION_SECRET);
}
