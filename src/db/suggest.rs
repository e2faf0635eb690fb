//! The routed history the suggestion model learns from, and the models it produced.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::conn::{DbConn, DbError};
use super::schema::{cases, routing_models, routing_settings};

/// A case's text and labels as the trainer reads them.
#[derive(Debug, Clone, Queryable)]
pub struct HistoryRow {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub category_code: String,
}

/// States in which no department has had the case yet.
const UNPLACED: [&str; 2] = ["submitted", "unconfirmed"];

/// The newest `limit` cases a model may learn from: never confidential ones and never
/// reports about officials (their text stays out of anything shown outside the case).
pub fn history(
    conn: &mut DbConn,
    excluded_categories: &[String],
    limit: i64,
) -> Result<Vec<HistoryRow>, DbError> {
    Ok(cases::table
        .filter(cases::confidential.eq(false))
        .filter(cases::concerned_department.is_null())
        .filter(cases::category_code.ne_all(excluded_categories))
        .filter(cases::state.ne_all(UNPLACED))
        .order(cases::id.desc())
        .limit(limit)
        .select((cases::id, cases::title, cases::description, cases::category_code))
        .load(conn)?)
}

/// The title and description of the cases with these numbers (a queue page's worth).
pub fn texts(conn: &mut DbConn, numbers: &[String]) -> Result<Vec<(String, String, String)>, DbError> {
    Ok(cases::table
        .filter(cases::tracking_number.eq_any(numbers))
        .select((cases::tracking_number, cases::title, cases::description))
        .load(conn)?)
}

/// A stored model: its version (the id), when and on how much it was trained.
#[derive(Debug, Clone, Queryable)]
pub struct ModelRow {
    pub id: i32,
    pub trained_at: NaiveDateTime,
    pub cases: i32,
    pub figures: String,
}

/// How many models are kept: the one in force and two before it.
const KEPT: i64 = 3;

/// Stores a new model (it is in force from now on) and forgets the oldest; returns its id.
pub fn save_model(
    conn: &mut DbConn,
    trained_at: NaiveDateTime,
    cases: i32,
    figures: &str,
    model: &str,
) -> Result<i32, DbError> {
    diesel::insert_into(routing_models::table)
        .values((
            routing_models::trained_at.eq(trained_at),
            routing_models::cases.eq(cases),
            routing_models::figures.eq(figures),
            routing_models::model.eq(model),
        ))
        .execute(conn)?;
    let id: i32 = routing_models::table
        .select(diesel::dsl::max(routing_models::id))
        .first::<Option<i32>>(conn)?
        .unwrap_or_default();
    diesel::delete(routing_models::table.filter(routing_models::id.le(id - KEPT as i32))).execute(conn)?;
    Ok(id)
}

/// The model in force (without its weights).
pub fn latest(conn: &mut DbConn) -> Result<Option<ModelRow>, DbError> {
    Ok(routing_models::table
        .order(routing_models::id.desc())
        .select((
            routing_models::id,
            routing_models::trained_at,
            routing_models::cases,
            routing_models::figures,
        ))
        .first(conn)
        .optional()?)
}

/// The version in force and whether suggestions are on: the cheap check each instance
/// makes every few seconds.
pub fn version(conn: &mut DbConn) -> Result<(Option<i32>, bool), DbError> {
    let id = routing_models::table
        .select(diesel::dsl::max(routing_models::id))
        .first::<Option<i32>>(conn)?;
    Ok((id, settings(conn)?.0))
}

pub fn model_text(conn: &mut DbConn, id: i32) -> Result<Option<String>, DbError> {
    Ok(routing_models::table
        .find(id)
        .select(routing_models::model)
        .first(conn)
        .optional()?)
}

/// (suggestions on, training asked for at).
pub fn settings(conn: &mut DbConn) -> Result<(bool, Option<NaiveDateTime>), DbError> {
    Ok(routing_settings::table
        .find(1)
        .select((
            routing_settings::suggestions_on,
            routing_settings::training_requested_at,
        ))
        .first(conn)
        .optional()?
        .unwrap_or((true, None)))
}

pub fn set_suggestions(conn: &mut DbConn, on: bool) -> Result<(), DbError> {
    diesel::update(routing_settings::table.find(1))
        .set(routing_settings::suggestions_on.eq(on))
        .execute(conn)?;
    Ok(())
}

pub fn request_training(conn: &mut DbConn, at: Option<NaiveDateTime>) -> Result<(), DbError> {
    diesel::update(routing_settings::table.find(1))
        .set(routing_settings::training_requested_at.eq(at))
        .execute(conn)?;
    Ok(())
}
