//! Use cases. Each takes a connection (inside the transaction its caller opened), the
//! input already parsed into domain types, and `now`; it returns what happened.

pub mod admin_overview;
pub mod api_keys;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod board;
pub mod caller;
pub mod cases;
pub mod catalogue;
pub mod deadlines;
pub mod demo;
pub mod demo_cases;
pub mod directory;
pub mod figures;
pub mod file_case;
pub mod health;
pub mod ledger;
pub mod open311;
pub mod outbox;
pub mod partition;
pub mod queue;
pub mod reception;
pub mod register;
pub mod reports;
pub mod residents;
pub mod scan;
pub mod sessions;
pub mod similar;
pub mod suggest;
pub mod synthetic;
pub mod templates;
pub mod token;
pub mod users;
pub mod visit_log;
pub mod visits;
pub mod workflow;

use crate::db::DbError;
use crate::domain::field_error::FieldErrors;

/// What a use case can answer besides success. Keys name the message shown to people.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("the input is invalid")]
    Invalid(FieldErrors),
    #[error("not found")]
    NotFound,
    #[error("not signed in")]
    Unauthenticated,
    #[error("not allowed: {key}")]
    Forbidden { key: &'static str },
    #[error("not possible now: {key}")]
    Conflict { key: &'static str },
    #[error("too many attempts")]
    TooManyAttempts { retry_after_secs: u64 },
    /// The server is at capacity (password checks, uploads, database connections): try
    /// again shortly.
    #[error("busy: try again in {retry_after_secs} s")]
    Busy { retry_after_secs: u64 },
    /// An uploaded file that cannot be taken, and its name.
    #[error("upload {name}: {error}")]
    Upload {
        name: String,
        error: crate::domain::upload::UploadError,
    },
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("internal error: {0}")]
    Internal(String),
}

/// Refuses `user` what their role may not do.
pub fn require(user: &auth::StaffUser, duty: crate::domain::permissions::Duty) -> Result<(), ServiceError> {
    if crate::domain::permissions::may(user.role, duty) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden { key: "deny.role" })
    }
}

impl From<diesel::result::Error> for ServiceError {
    fn from(e: diesel::result::Error) -> Self {
        ServiceError::Db(e.into())
    }
}

impl From<crate::domain::workflow::Denial> for ServiceError {
    fn from(denial: crate::domain::workflow::Denial) -> Self {
        use crate::domain::workflow::Denial;
        match denial {
            Denial::Forbidden { key } => ServiceError::Forbidden { key },
            Denial::Conflict { key } => ServiceError::Conflict { key },
            Denial::Invalid(fields) => ServiceError::Invalid(fields),
        }
    }
}
