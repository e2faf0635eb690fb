//! One day row's upsert as a statement of fixed text. Diesel never prepares its own
//! `on_conflict().do_update()` (it marks every upsert unsafe to cache), so on PostgreSQL
//! each filing's two upserts were parsed and planned anew; these are prepared once per
//! connection, on both backends, by their static query id.

use diesel::QueryResult;
use diesel::backend::Backend;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::query_dsl::RunQueryDsl;
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Date, HasSqlType, Text};

use super::{AreaRow, DayRow};

/// Adds one day row's counts to the stored row, or stores it.
pub(super) struct UpsertDay<'a>(pub DayRow<'a>);

/// Adds one area row's count to the stored row, or stores it.
pub(super) struct UpsertArea<'a>(pub AreaRow<'a>);

/// What a statement's binds need of the backend.
pub(super) trait Binds: Backend + HasSqlType<Date> + HasSqlType<Text> + HasSqlType<BigInt> {}

impl<DB> Binds for DB where DB: Backend + HasSqlType<Date> + HasSqlType<Text> + HasSqlType<BigInt> {}

const DAY: &str = "INSERT INTO review_days (day, department, category, concerned, received, decided, \
    decided_in_time, accepted, answered, answered_in_time, resolved, rated, rated_satisfied, closed) VALUES (";
const DAY_CONFLICT: &str = ") ON CONFLICT (day, department, category, concerned) DO UPDATE SET \
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

const AREA: &str = "INSERT INTO review_areas (day, area, category, concerned, received) VALUES (";
const AREA_CONFLICT: &str = ") ON CONFLICT (day, area, category, concerned) DO UPDATE SET \
    received = review_areas.received + excluded.received";

/// Binds the key (a day and three texts), then the counts, comma-separated.
fn bind_row<'b, DB: Binds>(
    out: &mut AstPass<'_, 'b, DB>,
    day: &'b chrono::NaiveDate,
    texts: [&'b str; 3],
    counts: &[&'b i64],
) -> QueryResult<()>
where
    chrono::NaiveDate: ToSql<Date, DB>,
    str: ToSql<Text, DB>,
    i64: ToSql<BigInt, DB>,
{
    out.push_bind_param::<Date, _>(day)?;
    for text in texts {
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(text)?;
    }
    for count in counts {
        out.push_sql(", ");
        out.push_bind_param::<BigInt, _>(*count)?;
    }
    Ok(())
}

impl<DB: Binds> QueryFragment<DB> for UpsertDay<'_>
where
    chrono::NaiveDate: ToSql<Date, DB>,
    str: ToSql<Text, DB>,
    i64: ToSql<BigInt, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        let r = &self.0;
        out.push_sql(DAY);
        bind_row(
            &mut out,
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
        out.push_sql(DAY_CONFLICT);
        Ok(())
    }
}

impl<DB: Binds> QueryFragment<DB> for UpsertArea<'_>
where
    chrono::NaiveDate: ToSql<Date, DB>,
    str: ToSql<Text, DB>,
    i64: ToSql<BigInt, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        let r = &self.0;
        out.push_sql(AREA);
        bind_row(
            &mut out,
            &r.day,
            [r.area, r.category, r.concerned],
            &[&r.received],
        )?;
        out.push_sql(AREA_CONFLICT);
        Ok(())
    }
}

/// The statements' types stand for their texts, which never change.
pub(super) struct UpsertDayId;
pub(super) struct UpsertAreaId;

impl QueryId for UpsertDay<'_> {
    type QueryId = UpsertDayId;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl QueryId for UpsertArea<'_> {
    type QueryId = UpsertAreaId;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<C> RunQueryDsl<C> for UpsertDay<'_> {}
impl<C> RunQueryDsl<C> for UpsertArea<'_> {}
