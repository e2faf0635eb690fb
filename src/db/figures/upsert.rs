//! The day rows' upserts as statements of our own text. Diesel never prepares its own
//! `on_conflict().do_update()` (it marks every upsert unsafe to cache), so on PostgreSQL
//! each filing's two upserts were parsed and planned anew. These are prepared once per
//! connection and text when they hold one row (a filing's, an action's); a bulk load's
//! many rows go as one multi-row statement, never kept.

use diesel::QueryResult;
use diesel::backend::Backend;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::query_dsl::RunQueryDsl;
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Date, HasSqlType, Text};

use super::{AreaRow, DayRow};

/// Adds each day row's counts to the stored row, or stores it. Never empty.
pub(super) struct UpsertDays<'a>(pub Vec<DayRow<'a>>);

/// Adds each area row's count to the stored row, or stores it. Never empty.
pub(super) struct UpsertAreas<'a>(pub Vec<AreaRow<'a>>);

/// What a statement's binds need of the backend.
pub(super) trait Binds: Backend + HasSqlType<Date> + HasSqlType<Text> + HasSqlType<BigInt> {}

impl<DB> Binds for DB where DB: Backend + HasSqlType<Date> + HasSqlType<Text> + HasSqlType<BigInt> {}

const DAY: &str = "INSERT INTO review_days (day, department, category, concerned, received, decided, \
    decided_in_time, accepted, answered, answered_in_time, resolved, rated, rated_satisfied, closed) VALUES ";
const DAY_CONFLICT: &str = " ON CONFLICT (day, department, category, concerned) DO UPDATE SET \
    received = review_days.received + excluded.received, \
    decided = review_days.decided + excluded.decided, \
    decided_in_time = review_days.decided_in_time + excluded.decided_in_time, \
    accepted = review_days.accepted + excluded.accepted, \
    answered = review_days.answered + excluded.answered, \
    answered_in_time = review_days.answered_in_time + excluded.answered_in_time, \
    resolved = review_days.resolved + excluded.resolved, \
    rated = review_days.rated + excluded.rated, \
    rated_satisfied = review_days.rated_satisfied + excluded.rated_satisfied, \
    closed = review_days.closed + excluded.closed";

const AREA: &str = "INSERT INTO review_areas (day, area, category, concerned, received) VALUES ";
const AREA_CONFLICT: &str = " ON CONFLICT (day, area, category, concerned) DO UPDATE SET \
    received = review_areas.received + excluded.received";

/// Starts a statement of `rows` rows: kept prepared only with one row, since every other
/// number of rows would be a statement of its own.
fn begin<DB: Backend>(out: &mut AstPass<'_, '_, DB>, text: &str, rows: usize) -> QueryResult<()> {
    if rows == 0 {
        return Err(diesel::result::Error::QueryBuilderError(
            "an upsert of no rows".into(),
        ));
    }
    if rows > 1 {
        out.unsafe_to_cache_prepared();
    }
    out.push_sql(text);
    Ok(())
}

/// Binds one row, `(day, three texts, counts…)`, after a comma unless it is the first.
fn bind_row<'b, DB: Binds>(
    out: &mut AstPass<'_, 'b, DB>,
    first: bool,
    day: &'b chrono::NaiveDate,
    texts: [&'b str; 3],
    counts: &[&'b i64],
) -> QueryResult<()>
where
    chrono::NaiveDate: ToSql<Date, DB>,
    str: ToSql<Text, DB>,
    i64: ToSql<BigInt, DB>,
{
    out.push_sql(if first { "(" } else { ", (" });
    out.push_bind_param::<Date, _>(day)?;
    for text in texts {
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(text)?;
    }
    for count in counts {
        out.push_sql(", ");
        out.push_bind_param::<BigInt, _>(*count)?;
    }
    out.push_sql(")");
    Ok(())
}

impl<DB: Binds> QueryFragment<DB> for UpsertDays<'_>
where
    chrono::NaiveDate: ToSql<Date, DB>,
    str: ToSql<Text, DB>,
    i64: ToSql<BigInt, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        begin(&mut out, DAY, self.0.len())?;
        for (i, r) in self.0.iter().enumerate() {
            bind_row(
                &mut out,
                i == 0,
                &r.day,
                [r.department, r.category, r.concerned],
                &[
                    &r.received,
                    &r.decided,
                    &r.decided_in_time,
                    &r.accepted,
                    &r.answered,
                    &r.answered_in_time,
                    &r.resolved,
                    &r.rated,
                    &r.rated_satisfied,
                    &r.closed,
                ],
            )?;
        }
        out.push_sql(DAY_CONFLICT);
        Ok(())
    }
}

impl<DB: Binds> QueryFragment<DB> for UpsertAreas<'_>
where
    chrono::NaiveDate: ToSql<Date, DB>,
    str: ToSql<Text, DB>,
    i64: ToSql<BigInt, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        begin(&mut out, AREA, self.0.len())?;
        for (i, r) in self.0.iter().enumerate() {
            bind_row(
                &mut out,
                i == 0,
                &r.day,
                [r.area, r.category, r.concerned],
                &[&r.received],
            )?;
        }
        out.push_sql(AREA_CONFLICT);
        Ok(())
    }
}

// Diesel keeps a statement by its text when its type does not name it.
impl QueryId for UpsertDays<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl QueryId for UpsertAreas<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<C> RunQueryDsl<C> for UpsertDays<'_> {}
impl<C> RunQueryDsl<C> for UpsertAreas<'_> {}
