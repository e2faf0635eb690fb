//! Who is asking, as every use case sees it. The web layer resolves it once per request
//! (a staff bearer token or session, a case's private token, a resident's account, or
//! nobody); the services decide what it may do.

use super::ServiceError;
use super::auth::StaffUser;
use super::residents::ResidentAccount;

/// How a resident shows a case is theirs.
#[derive(Debug, Clone)]
pub enum ResidentProof {
    /// The private link's token.
    Token(String),
    /// A signed-in account that holds the case.
    Account(ResidentAccount),
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
