//! Use cases. Each takes a connection (inside the transaction its caller opened), the
//! input already parsed into domain types, and `now`; it returns what happened.

pub mod cases;
pub mod demo;
pub mod file_case;
pub mod token;

use crate::db::DbError;
use crate::domain::field_error::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("the input is invalid")]
    Invalid(FieldErrors),
    #[error("not found")]
    NotFound,
    #[error("the access token does not match")]
    Forbidden,
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<diesel::result::Error> for ServiceError {
    fn from(e: diesel::result::Error) -> Self {
        ServiceError::Db(e.into())
    }
}
