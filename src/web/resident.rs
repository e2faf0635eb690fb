//! The signed-in resident, kept in the encrypted session cookie (apart from staff) and as a
//! server-side session that signing out ends everywhere.

use actix_session::Session;

use super::App;
use super::error::AppError;
use crate::service::residents::ResidentAccount;
use crate::service::sessions::Holder;

const KEY: &str = "resident";
/// The secret of the resident's server-side session.
pub const SESSION_SECRET: &str = "rsid";

/// Opens a server-side session for the resident and remembers it in the cookie.
pub async fn remember(state: &App, session: &Session, account: &ResidentAccount) -> Result<(), AppError> {
    let lifetime = state.settings.resident_session_lifetime();
    let secret = super::auth::open_session(state, session, Holder::Resident(account.id), lifetime).await?;
    session
        .insert(KEY, account)
        .and_then(|()| session.insert(SESSION_SECRET, secret))
        .map_err(AppError::internal)
}

pub fn signed_in(session: &Session) -> Option<ResidentAccount> {
    session.get::<ResidentAccount>(KEY).ok().flatten()
}

/// Signs the resident out: the server-side session ends and the cookie forgets it.
pub async fn forget(state: &App, session: &Session) -> Result<(), AppError> {
    super::auth::close_session(state, session, SESSION_SECRET).await?;
    forget_locally(session);
    Ok(())
}

/// Forgets the resident in this cookie only (their session has ended already).
pub fn forget_locally(session: &Session) {
    session.remove(KEY);
    session.remove(SESSION_SECRET);
}
