//! The signed-in resident, kept in the encrypted session cookie (apart from staff).

use actix_session::Session;

use crate::service::residents::ResidentAccount;

const KEY: &str = "resident";

/// Remembers the resident (after renewing the session id).
pub fn remember(
    session: &Session,
    account: &ResidentAccount,
) -> Result<(), actix_session::SessionInsertError> {
    session.renew();
    session.insert(KEY, account)
}

pub fn signed_in(session: &Session) -> Option<ResidentAccount> {
    session.get::<ResidentAccount>(KEY).ok().flatten()
}

pub fn forget(session: &Session) {
    session.remove(KEY);
}
