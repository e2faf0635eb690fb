//! The public board: cases whose residents consented to publication, redacted, with the
//! written answer once given, newest first; filters and a search that works for Chinese.
//! Never an identity; confidential cases and reports about officials never appear.

use serde::Serialize;

use super::ServiceError;
use crate::app::App;
use crate::db::board::{BoardFilter, Search, answers, board};
use crate::domain::case::CaseState;
use crate::domain::field_error::{FieldError, FieldErrors};
use crate::domain::locale::Locale;
use crate::domain::text::redact;
use crate::domain::timeline::EventData;

pub const PAGE: i64 = 20;
/// A search of more words or characters than this is refused.
pub const MAX_QUERY_CHARS: usize = 60;
const MAX_WORDS: usize = 5;
const SUMMARY_CHARS: usize = 140;

/// What the board is asked for (as typed; empty means any).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct BoardQuery {
    /// A category code.
    pub category: String,
    /// An area code: the cases of the area and every area within it.
    pub area: String,
    /// A state (`answered`, `closed`, …).
    pub state: String,
    /// A department code.
    pub department: String,
    /// Words to find in the title or summary (Chinese from two characters).
    pub q: String,
    /// The `next_before` of the page before.
    pub before: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Answer {
    pub outcome: String,
    pub text: String,
    pub legal_basis: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BoardItem {
    pub tracking_number: String,
    pub title: String,
    pub summary: String,
    pub area: String,
    pub category: String,
    pub department: String,
    pub state: String,
    pub state_name: String,
    pub submitted_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub supports: i64,
    pub answer: Option<Answer>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BoardPage {
    pub items: Vec<BoardItem>,
    /// Pass as `before` for the next (older) page.
    pub next_before: Option<i64>,
}

fn some(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

/// The filter, every code checked; a wrong one is refused by field.
fn filter_of(app: &App, q: &BoardQuery) -> Result<BoardFilter, ServiceError> {
    let catalog = app.catalog();
    let mut errors = FieldErrors::new();
    let category = some(&q.category);
    if category.as_deref().is_some_and(|c| catalog.category(c).is_none()) {
        errors.add("category", FieldError::new("err.unknown_category"));
    }
    let area = some(&q.area);
    let areas = match area.as_deref() {
        None => None,
        Some(a) if catalog.area(a).is_none() => {
            errors.add("area", FieldError::new("err.unknown_area"));
            None
        }
        // An area includes the villages under it.
        Some(a) => Some(catalog.subtree(a)),
    };
    let state = some(&q.state);
    if state.as_deref().is_some_and(|s| CaseState::parse(s).is_none()) {
        errors.add("state", FieldError::new("err.state"));
    }
    let department = some(&q.department);
    if department
        .as_deref()
        .is_some_and(|d| catalog.department(d).is_none())
    {
        errors.add("department", FieldError::new("err.unknown_department"));
    }
    let text = q.q.trim();
    let chars = text.chars().count();
    if chars > MAX_QUERY_CHARS {
        errors.add(
            "q",
            FieldError::new("err.too_long")
                .with("max", MAX_QUERY_CHARS)
                .with("count", chars),
        );
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    Ok(BoardFilter {
        category,
        areas,
        state,
        department,
        search: search_of(text),
        hidden_categories: catalog.report_categories(),
        before: q.before,
        limit: PAGE + 1,
    })
}

/// The words of a query and the index terms they need. A word the index cannot serve
/// (one Chinese character) is still checked against the text.
fn search_of(text: &str) -> Option<Search> {
    let words: Vec<String> = text
        .split_whitespace()
        .take(MAX_WORDS)
        .map(str::to_lowercase)
        .collect();
    if words.is_empty() {
        return None;
    }
    let terms: std::collections::BTreeSet<String> = words
        .iter()
        .flat_map(|w| crate::domain::search_terms::of_query(w))
        .collect();
    Some(Search {
        words,
        terms: terms.into_iter().collect(),
    })
}

/// What the index holds of a case: what the board shows of it (redacted), lowercased,
/// title and description on their own lines.
fn indexed_text(title: &str, description: &str) -> String {
    format!("{}\n{}", redact(title), redact(description)).to_lowercase()
}

/// Cases filed this long ago have committed (ids are taken before the insert commits,
/// so a newer id can be visible before an older one).
const SETTLED_SECS: i64 = 60;
const INDEX_BATCH: i64 = 500;

/// Indexes the cases filed since the last run for the board's search, a batch at a
/// time, until it has caught up; safe on many instances (one wins each batch). Returns
/// how many cases were indexed.
pub async fn index_new(app: &App, now: chrono::DateTime<chrono::Utc>) -> Result<usize, ServiceError> {
    // Reports about officials are never in the index.
    let hidden = app.catalog().report_categories();
    let until = (now - chrono::Duration::seconds(SETTLED_SECS)).naive_utc();
    let mut indexed = 0;
    loop {
        let hidden = hidden.clone();
        let (done, more) = app
            .write(move |conn, _, _| {
                let from = crate::db::board::indexed_through(conn)?;
                let (rows, last) = crate::db::board::unindexed(conn, from, until, &hidden, INDEX_BATCH)?;
                let Some(to) = last else {
                    return Ok::<_, ServiceError>((0, false));
                };
                let entries: Vec<(i64, String, Vec<String>)> = rows
                    .into_iter()
                    .map(|r| {
                        let text = indexed_text(&r.title, &r.description);
                        let terms = crate::domain::search_terms::of_text(&text).into_iter().collect();
                        (r.id, text, terms)
                    })
                    .collect();
                let count = entries.len();
                if !crate::db::board::store_index(conn, from, to, &entries)? {
                    return Ok((0, false));
                }
                Ok((count, true))
            })
            .await?;
        indexed += done;
        if !more {
            return Ok(indexed);
        }
    }
}

/// One page of the board.
pub async fn page(app: &App, query: &BoardQuery, locale: Locale) -> Result<BoardPage, ServiceError> {
    let filter = filter_of(app, query)?;
    let (rows, answered, supports) = app
        .read_replica(move |conn, _, _| {
            let rows = board(conn, &filter)?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let answered = answers(conn, &ids)?;
            let supports = crate::db::residents::support_counts(conn, &ids)?;
            Ok::<_, ServiceError>((rows, answered, supports))
        })
        .await?;
    let catalog = app.catalog();
    let tr = crate::i18n::Tr(locale);
    let more = rows.len() as i64 > PAGE;
    let items: Vec<BoardItem> = rows
        .iter()
        .take(PAGE as usize)
        .map(|r| {
            let answer = answered
                .get(&r.id)
                .and_then(|payload| match serde_json::from_str(payload) {
                    Ok(EventData::Answered {
                        outcome,
                        text,
                        legal_basis,
                    }) => Some(Answer {
                        outcome: tr.t(&format!("outcome.{}", outcome.as_str())).to_string(),
                        text: redact(&text),
                        legal_basis,
                    }),
                    _ => None,
                });
            let summary: String = redact(&r.description).chars().take(SUMMARY_CHARS).collect();
            BoardItem {
                tracking_number: r.tracking_number.clone(),
                title: redact(&r.title),
                summary,
                area: crate::format::area_path_name(&catalog, locale, &r.area_code),
                category: crate::format::category_name(&catalog, locale, &r.category_code),
                department: crate::format::department_name(&catalog, locale, &r.department_code),
                state_name: tr.t(&format!("state.{}", r.state)).to_string(),
                state: r.state.clone(),
                submitted_at: r.submitted_at.and_utc(),
                updated_at: r.updated_at.and_utc(),
                supports: supports.get(&r.id).copied().unwrap_or(0),
                answer,
            }
        })
        .collect();
    let next_before = more.then(|| rows[PAGE as usize - 1].id);
    Ok(BoardPage { items, next_before })
}
