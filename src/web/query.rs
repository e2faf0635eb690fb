//! Parsers of what paths and query strings carry, shared by pages and the API.

use serde::Deserialize;

use crate::domain::case::CaseState;
use crate::domain::tracking::TrackingNumber;
use crate::service::queue::{DueFilter, QueueFilter};
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

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueParams {
    /// A department code (leaders and the intake office; others see their own).
    pub department: Option<String>,
    /// A case state.
    pub state: Option<String>,
    /// A category code.
    pub category: Option<String>,
    /// How the case came in (`web`, `api`, `phone`, `letter`, `visit` …).
    pub channel: Option<String>,
    /// An area code: the area and every area within it.
    pub area: Option<String>,
    /// `overdue` or `soon`.
    pub due: Option<String>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
    /// Lines a page (at most 100).
    pub limit: Option<u32>,
}

/// Turns query parameters into a filter; a value that means nothing is a 422.
pub fn queue_filter(p: &QueueParams) -> Result<QueueFilter, AppError> {
    let field = |name: &str| {
        AppError::Invalid(crate::domain::field_error::FieldErrors::single(
            name,
            crate::domain::field_error::FieldError::new("err.invalid"),
        ))
    };
    let nonempty = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    Ok(QueueFilter {
        department: nonempty(&p.department),
        state: match nonempty(&p.state) {
            Some(s) => Some(CaseState::parse(&s).ok_or_else(|| field("state"))?),
            None => None,
        },
        category: nonempty(&p.category),
        channel: match nonempty(&p.channel) {
            Some(c) => Some(crate::domain::case::Channel::parse(&c).ok_or_else(|| field("channel"))?),
            None => None,
        },
        area: nonempty(&p.area),
        due: match nonempty(&p.due) {
            Some(d) => Some(DueFilter::parse(&d).ok_or_else(|| field("due"))?),
            None => None,
        },
        cursor: nonempty(&p.cursor),
        limit: p.limit,
    })
}
