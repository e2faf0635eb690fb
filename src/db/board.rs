//! The public board's rows: consented, not confidential, never a report about an official.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::conn::{DbConn, DbError};
use super::schema::{case_events, cases};

#[derive(Debug, Clone, Queryable)]
pub struct BoardRow {
    pub id: i64,
    pub tracking_number: String,
    pub state: String,
    pub category_code: String,
    pub area_code: String,
    pub department_code: String,
    pub title: String,
    pub description: String,
    pub submitted_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Default)]
pub struct BoardFilter {
    pub category: Option<String>,
    pub areas: Option<Vec<String>>,
    pub state: Option<String>,
    pub department: Option<String>,
    /// Words that must all be in the title or the description (any script).
    pub words: Vec<String>,
    pub hidden_categories: Vec<String>,
    /// Keyset: cases older than this id.
    pub before: Option<i64>,
    pub limit: i64,
}

/// `%`, `_` and the escape itself taken literally in a LIKE pattern.
fn like_pattern(word: &str) -> String {
    let mut out = String::from("%");
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The newest first. Search is a substring match, which works for Chinese without a
/// word splitter; it reads the consented cases of the filter.
pub fn board(conn: &mut DbConn, f: &BoardFilter) -> Result<Vec<BoardRow>, DbError> {
    let mut query = cases::table
        .filter(cases::publish_consent.eq(true))
        .filter(cases::confidential.eq(false))
        .filter(cases::state.ne("unconfirmed"))
        .filter(cases::category_code.ne_all(f.hidden_categories.clone()))
        .order(cases::id.desc())
        .limit(f.limit)
        .select((
            cases::id,
            cases::tracking_number,
            cases::state,
            cases::category_code,
            cases::area_code,
            cases::department_code,
            cases::title,
            cases::description,
            cases::submitted_at,
            cases::updated_at,
        ))
        .into_boxed();
    if let Some(c) = &f.category {
        query = query.filter(cases::category_code.eq(c.clone()));
    }
    if let Some(areas) = &f.areas {
        query = query.filter(cases::area_code.eq_any(areas.clone()));
    }
    if let Some(s) = &f.state {
        query = query.filter(cases::state.eq(s.clone()));
    }
    if let Some(d) = &f.department {
        query = query.filter(cases::department_code.eq(d.clone()));
    }
    if let Some(before) = f.before {
        query = query.filter(cases::id.lt(before));
    }
    for word in &f.words {
        let pattern = like_pattern(word);
        query = query.filter(
            cases::title
                .like(pattern.clone())
                .escape('\\')
                .or(cases::description.like(pattern).escape('\\')),
        );
    }
    Ok(query.load(conn)?)
}

/// The latest answer event of each case, by case.
pub fn answers(conn: &mut DbConn, ids: &[i64]) -> Result<std::collections::HashMap<i64, String>, DbError> {
    let rows: Vec<(i64, String)> = case_events::table
        .filter(case_events::case_id.eq_any(ids.to_vec()))
        .filter(case_events::kind.eq("answered"))
        .order(case_events::seq)
        .select((case_events::case_id, case_events::payload))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}
