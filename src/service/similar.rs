//! Similar open cases, suggested before filing so a resident can support one instead of
//! filing the same problem again. Only cases whose residents consented to publication,
//! and of them only the redacted title.

use chrono::{DateTime, Utc};

use super::ServiceError;
use crate::db::DbConn;
use crate::db::cases::similar_candidates;
use crate::domain::case::CaseState;
use crate::domain::catalog::Catalog;
use crate::domain::field_error::{FieldError, FieldErrors};
use crate::domain::similar::rank;
use crate::domain::text::redact;

/// How many suggestions at most.
pub const SUGGESTIONS: usize = 5;
/// How many recent cases are compared (newest first).
const CANDIDATES: i64 = 500;

#[derive(Debug, Clone)]
pub struct SimilarCase {
    pub tracking_number: String,
    pub title: String,
    pub state: CaseState,
    pub submitted_at: DateTime<Utc>,
    pub supports: i64,
    pub score: f64,
}

fn invalid(field: &str, key: &'static str) -> ServiceError {
    ServiceError::Invalid(FieldErrors::single(field, FieldError::new(key)))
}

/// Open published cases of the same category and area whose text is like `text`.
/// Open cases like the one about to be filed.
pub async fn like(
    app: &crate::app::App,
    category: String,
    area: String,
    text: String,
) -> Result<Vec<SimilarCase>, ServiceError> {
    app.read(move |conn, rules, _| similar_cases(conn, rules.catalog, &category, &area, &text))
        .await
}

pub fn similar_cases(
    conn: &mut DbConn,
    catalog: &Catalog,
    category: &str,
    area: &str,
    text: &str,
) -> Result<Vec<SimilarCase>, ServiceError> {
    let Some(kind) = catalog.category(category) else {
        return Err(invalid("category", "err.unknown_category"));
    };
    let Some(path) = catalog.area_path(area) else {
        return Err(invalid("area", "err.unknown_area"));
    };
    // Reports about officials are never shown to anyone but their handlers.
    if kind.supervisor.is_some() || text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let department = catalog.route_case(category, &path, None).department_code;
    let open: Vec<String> = CaseState::ALL
        .iter()
        .filter(|s| !s.is_terminal() && **s != CaseState::Unconfirmed && **s != CaseState::Submitted)
        .map(|s| s.as_str().to_string())
        .collect();
    let rows = similar_candidates(conn, &department, open, category, area, CANDIDATES)?;
    let ranked = rank(
        text,
        rows.into_iter().map(|r| {
            let text = format!("{} {}", r.title, r.description);
            (r, text)
        }),
        SUGGESTIONS,
    );
    ranked
        .into_iter()
        .map(|(row, score)| {
            Ok(SimilarCase {
                supports: super::residents::support_count(conn, row.id)?,
                state: CaseState::parse(&row.state)
                    .ok_or_else(|| ServiceError::Internal(format!("stored state {}", row.state)))?,
                title: redact(&row.title),
                tracking_number: row.tracking_number,
                submitted_at: row.submitted_at.and_utc(),
                score,
            })
        })
        .collect()
}
