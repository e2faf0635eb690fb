//! Parsers of what paths and query strings carry, shared by pages and the API.

use crate::domain::tracking::TrackingNumber;
use crate::web::error::AppError;

/// Parses the number in a path; a mistyped one is "not found", with the reason.
pub fn parse_number(raw: &str) -> Result<TrackingNumber, AppError> {
    TrackingNumber::parse(raw).map_err(|e| AppError::NotFound {
        key: match e {
            crate::domain::tracking::TrackingNumberError::CheckDigit => "error.number_typo",
            _ => "error.number_format",
        },
    })
}
