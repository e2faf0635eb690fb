//! The public board's rows: consented, not confidential, never a report about an official.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::conn::{DbConn, DbError};
use super::schema::{board_index_state, board_terms, board_texts, case_events, cases};

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
    /// What was searched for, if anything.
    pub search: Option<Search>,
    pub hidden_categories: Vec<String>,
    /// Keyset: cases older than this id.
    pub before: Option<i64>,
    pub limit: i64,
}

/// A search: the words (lowercased) that must all be in a case's indexed text, and the
/// index terms they need (none when the index cannot help: a one-character word).
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub words: Vec<String>,
    pub terms: Vec<String>,
}

/// Postings read per round while walking a term, newest first.
const CHUNK: i64 = 500;
/// How far each term's postings are counted to find the rarest.
const PROBE: i64 = 1_000;

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

/// The newest first. A search walks the postings of its rarest term (newest first, a
/// chunk at a time) and keeps the cases whose indexed text holds every word; only a
/// search the index cannot serve (a single Chinese character) reads the published cases
/// in order.
pub fn board(conn: &mut DbConn, f: &BoardFilter) -> Result<Vec<BoardRow>, DbError> {
    let words: &[String] = f.search.as_ref().map(|s| s.words.as_slice()).unwrap_or(&[]);
    let build = |among: Option<Vec<i64>>, limit: i64| {
        let mut query = cases::table
            .filter(cases::publish_consent.eq(true))
            .filter(cases::confidential.eq(false))
            .filter(cases::state.ne("unconfirmed"))
            .filter(cases::category_code.ne_all(f.hidden_categories.clone()))
            .order(cases::id.desc())
            .limit(limit)
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
        if let Some(ids) = among {
            query = query.filter(cases::id.eq_any(ids));
        }
        for word in words {
            query = query.filter(diesel::dsl::exists(
                board_texts::table
                    .filter(board_texts::case_id.eq(cases::id))
                    .filter(board_texts::text.like(like_pattern(word)).escape('\\')),
            ));
        }
        query
    };
    let Some(driver) = f
        .search
        .as_ref()
        .map(|s| rarest(conn, &s.terms))
        .transpose()?
        .flatten()
    else {
        return Ok(build(None, f.limit).load(conn)?);
    };
    let mut found: Vec<BoardRow> = Vec::new();
    let mut before = f.before.unwrap_or(i64::MAX);
    loop {
        let ids: Vec<i64> = board_terms::table
            .filter(board_terms::term.eq(&driver))
            .filter(board_terms::case_id.lt(before))
            .order(board_terms::case_id.desc())
            .limit(CHUNK)
            .select(board_terms::case_id)
            .load(conn)?;
        let Some(&last) = ids.last() else { break };
        let walked_all = (ids.len() as i64) < CHUNK;
        found.extend(build(Some(ids), f.limit - found.len() as i64).load(conn)?);
        if found.len() as i64 >= f.limit || walked_all {
            break;
        }
        before = last;
    }
    Ok(found)
}

/// The term with the fewest postings (counted up to [`PROBE`]), if any.
fn rarest(conn: &mut DbConn, terms: &[String]) -> Result<Option<String>, DbError> {
    let mut best: Option<(usize, &String)> = None;
    for term in terms {
        let postings: Vec<i64> = board_terms::table
            .filter(board_terms::term.eq(term))
            .select(board_terms::case_id)
            .limit(PROBE)
            .load(conn)?;
        if best.is_none_or(|(n, _)| postings.len() < n) {
            best = Some((postings.len(), term));
        }
    }
    Ok(best.map(|(_, term)| term.clone()))
}

/// A case for the index: what the board may show of it.
#[derive(Debug, Clone, Queryable)]
pub struct Unindexed {
    pub id: i64,
    pub title: String,
    pub description: String,
}

/// How far the index has read the cases.
pub fn indexed_through(conn: &mut DbConn) -> Result<i64, DbError> {
    Ok(board_index_state::table
        .find(1)
        .select(board_index_state::indexed_through)
        .first(conn)?)
}

/// The next published cases after `after` (by id), filed before `until` (so that every
/// filing with a smaller id has committed), at most `limit`; and the highest id read.
pub fn unindexed(
    conn: &mut DbConn,
    after: i64,
    until: NaiveDateTime,
    hidden_categories: &[String],
    limit: i64,
) -> Result<(Vec<Unindexed>, Option<i64>), DbError> {
    let ids: Vec<(i64, bool, bool, String)> = cases::table
        .filter(cases::id.gt(after))
        .filter(cases::submitted_at.lt(until))
        .order(cases::id)
        .limit(limit)
        .select((
            cases::id,
            cases::publish_consent,
            cases::confidential,
            cases::category_code,
        ))
        .load(conn)?;
    let last = ids.last().map(|(id, ..)| *id);
    let wanted: Vec<i64> = ids
        .into_iter()
        .filter(|(_, consent, confidential, category)| {
            *consent && !*confidential && !hidden_categories.contains(category)
        })
        .map(|(id, ..)| id)
        .collect();
    let rows = cases::table
        .filter(cases::id.eq_any(wanted))
        .order(cases::id)
        .select((cases::id, cases::title, cases::description))
        .load(conn)?;
    Ok((rows, last))
}

/// Stores a batch of the index and moves the mark from `from` to `to`; `false` (and
/// nothing stored) when another instance moved it first. Call inside a transaction.
pub fn store_index(
    conn: &mut DbConn,
    from: i64,
    to: i64,
    entries: &[(i64, String, Vec<String>)],
) -> Result<bool, DbError> {
    let moved = diesel::update(
        board_index_state::table
            .filter(board_index_state::id.eq(1))
            .filter(board_index_state::indexed_through.eq(from)),
    )
    .set(board_index_state::indexed_through.eq(to))
    .execute(conn)?;
    if moved == 0 {
        return Ok(false);
    }
    for (case_id, text, terms) in entries {
        diesel::insert_into(board_texts::table)
            .values((board_texts::case_id.eq(case_id), board_texts::text.eq(text)))
            .execute(conn)?;
        let rows: Vec<_> = terms
            .iter()
            .map(|t| (board_terms::term.eq(t), board_terms::case_id.eq(case_id)))
            .collect();
        // A batch insert is per backend: MultiConnection has no common form of it.
        for chunk in rows.chunks(400) {
            let insert = diesel::insert_into(board_terms::table).values(chunk.to_vec());
            match &mut *conn {
                DbConn::Postgresql(pg) => insert.execute(pg)?,
                DbConn::Sqlite(sqlite) => insert.execute(sqlite)?,
            };
        }
    }
    Ok(true)
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
