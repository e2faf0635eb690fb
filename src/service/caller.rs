//! Who is asking, as every use case sees it. The web layer resolves it once per request
//! (a staff bearer token or session, a case's private token, a resident's account, or
//! nobody); the services decide what it may do.

use super::ServiceError;
use super::auth::StaffUser;
use super::residents::ResidentAccount;
use crate::domain::mail::{CaseLink, MAIL_LINK_PREFIX};
use crate::notify::seal::Sealer;

/// How a resident shows a case is theirs.
#[derive(Debug, Clone)]
pub enum ResidentProof {
    /// The private link's token.
    Token(String),
    /// A signed-in account that holds the case.
    Account(ResidentAccount),
    /// A mail's link to the case, opened (so genuine); `sealed` is how it was given, to
    /// carry on to the next page.
    MailLink { link: CaseLink, sealed: String },
}

impl ResidentProof {
    /// The proof a link's `token` gives: a mail's case link when it opens as one, else the
    /// private link's access token.
    pub fn from_token(sealer: &Sealer, token: String) -> Self {
        let link = token
            .strip_prefix(MAIL_LINK_PREFIX)
            .and_then(|sealed| sealer.open(sealed))
            .and_then(|secret| CaseLink::parse(&secret));
        match link {
            Some(link) => ResidentProof::MailLink { link, sealed: token },
            None => ResidentProof::Token(token),
        }
    }

    /// The value to carry in the next page's `token` (none for an account).
    pub fn token(&self) -> Option<&str> {
        match self {
            ResidentProof::Token(token) | ResidentProof::MailLink { sealed: token, .. } => Some(token),
            ResidentProof::Account(_) => None,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Caller {
    Anonymous,
    Staff(StaffUser),
    Resident(ResidentProof),
}

impl Caller {
    /// The member of staff asking, or 401.
    pub fn staff(&self) -> Result<&StaffUser, ServiceError> {
        match self {
            Caller::Staff(user) => Ok(user),
            _ => Err(ServiceError::Unauthenticated),
        }
    }

    /// The resident's proof, or 401.
    pub fn resident(&self) -> Result<&ResidentProof, ServiceError> {
        match self {
            Caller::Resident(proof) => Ok(proof),
            _ => Err(ServiceError::Unauthenticated),
        }
    }

    /// The signed-in resident's account, when that is how they prove themselves.
    pub fn account(&self) -> Option<&ResidentAccount> {
        match self {
            Caller::Resident(ResidentProof::Account(account)) => Some(account),
            _ => None,
        }
    }
}
