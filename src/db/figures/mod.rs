//! The monthly review's kept figures: each case's facts as last tallied, and the day rows
//! those facts add up to (migration `review_figures`).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::cases::CaseRecord;
use super::conn::{DbConn, DbError};
use super::schema::{case_facts, cases, review_areas, review_days, review_figures_state};
use crate::domain::tally::{DayCounts, Tally};

mod upsert;
use upsert::{UpsertAreas, UpsertDays};

/// One case's facts, as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
// Optional fields bound as NULL, not DEFAULT: diesel prepares such an insert once.
#[diesel(table_name = case_facts, treat_none_as_default_value = false)]
pub struct FactsRow {
    pub case_id: i64,
    pub department: String,
    pub category: String,
    pub area: String,
    pub concerned: String,
    pub submitted_at: NaiveDateTime,
    pub acceptance_due_at: Option<NaiveDateTime>,
    pub decided_at: Option<NaiveDateTime>,
    pub accepted_at: Option<NaiveDateTime>,
    pub answered_at: Option<NaiveDateTime>,
    pub answer_due_at: Option<NaiveDateTime>,
    pub answer_seconds: Option<i64>,
    pub outcome: Option<String>,
    pub rated_at: Option<NaiveDateTime>,
    pub rating: Option<String>,
    pub ended_at: Option<NaiveDateTime>,
}

pub fn stored(conn: &mut DbConn, case_id: i64) -> Result<Option<FactsRow>, DbError> {
    Ok(case_facts::table
        .find(case_id)
        .select(FactsRow::as_select())
        .first(conn)
        .optional()?)
}

/// Replaces the stored facts of `row`'s case.
pub fn store(conn: &mut DbConn, row: &FactsRow) -> Result<(), DbError> {
    diesel::delete(case_facts::table.find(row.case_id)).execute(conn)?;
    diesel::insert_into(case_facts::table).values(row).execute(conn)?;
    Ok(())
}

pub fn forget(conn: &mut DbConn, case_id: i64) -> Result<(), DbError> {
    diesel::delete(case_facts::table.find(case_id)).execute(conn)?;
    Ok(())
}

/// Stores the facts of cases that have none yet (a new filing, a loaded batch).
pub fn store_new(conn: &mut DbConn, rows: &[FactsRow]) -> Result<(), DbError> {
    if let [one] = rows {
        // A filing's: a one-row insert is prepared once, a multi-row one never.
        diesel::insert_into(case_facts::table).values(one).execute(conn)?;
        return Ok(());
    }
    for chunk in rows.chunks(1000) {
        match conn {
            DbConn::Sqlite(c) => diesel::insert_into(case_facts::table).values(chunk).execute(c)?,
            DbConn::Postgresql(c) => diesel::insert_into(case_facts::table).values(chunk).execute(c)?,
        };
    }
    Ok(())
}

#[derive(Clone)]
struct DayRow<'a> {
    day: NaiveDate,
    department: &'a str,
    category: &'a str,
    concerned: &'a str,
    received: i64,
    decided: i64,
    decided_in_time: i64,
    accepted: i64,
    answered: i64,
    answered_in_time: i64,
    resolved: i64,
    rated: i64,
    rated_satisfied: i64,
    closed: i64,
}

#[derive(Clone)]
struct AreaRow<'a> {
    day: NaiveDate,
    area: &'a str,
    category: &'a str,
    concerned: &'a str,
    received: i64,
}

/// The day and area rows a tally adds up to.
fn rows_of(tally: &Tally) -> (Vec<DayRow<'_>>, Vec<AreaRow<'_>>) {
    let days = tally
        .days
        .iter()
        .map(|(k, c)| DayRow {
            day: k.day,
            department: &k.department,
            category: &k.category,
            concerned: &k.concerned,
            received: c.received,
            decided: c.decided,
            decided_in_time: c.decided_in_time,
            accepted: c.accepted,
            answered: c.answered,
            answered_in_time: c.answered_in_time,
            resolved: c.resolved,
            rated: c.rated,
            rated_satisfied: c.rated_satisfied,
            closed: c.closed,
        })
        .collect();
    let areas = tally
        .areas
        .iter()
        .map(|(k, n)| AreaRow {
            day: k.day,
            area: &k.area,
            category: &k.category,
            concerned: &k.concerned,
            received: *n,
        })
        .collect();
    (days, areas)
}

/// A new case's figures: its facts and what they add to the day rows.
pub struct FilingFigures {
    pub facts: FactsRow,
    pub tally: Tally,
}

impl FilingFigures {
    /// Stores them, in the caller's transaction.
    pub fn write(&self, conn: &mut DbConn) -> Result<(), DbError> {
        store_new(conn, std::slice::from_ref(&self.facts))?;
        apply(conn, &self.tally)
    }

    /// The same writes as single-row statements, for PostgreSQL to run within the
    /// statement that stores the case (`db::cases::insert_case_with_timeline`): one
    /// round trip instead of three.
    pub(super) fn postgres_parts(&self) -> Vec<PgPart<'_>> {
        let (days, areas) = rows_of(&self.tally);
        let facts: PgPart<'_> = Box::new(diesel::insert_into(case_facts::table).values(&self.facts));
        std::iter::once(facts)
            .chain(
                days.into_iter()
                    .map(|row| Box::new(UpsertDays(vec![row])) as PgPart<'_>),
            )
            .chain(
                areas
                    .into_iter()
                    .map(|row| Box::new(UpsertAreas(vec![row])) as PgPart<'_>),
            )
            .collect()
    }
}

/// One statement among several to run as one on PostgreSQL.
pub(super) type PgPart<'a> = Box<dyn diesel::query_builder::QueryFragment<diesel::pg::Pg> + 'a>;

/// Adds a tally's counts to the day rows, creating the rows it is the first to count.
pub fn apply(conn: &mut DbConn, tally: &Tally) -> Result<(), DbError> {
    let (days, areas) = rows_of(tally);
    // A bulk load's many rows go a few hundred to a statement.
    let (days, areas) = (
        days.chunks(500).map(|c| UpsertDays(c.to_vec())),
        areas.chunks(1000).map(|c| UpsertAreas(c.to_vec())),
    );
    match conn {
        DbConn::Postgresql(pg) => {
            for upsert in days {
                upsert.execute(pg)?;
            }
            for upsert in areas {
                upsert.execute(pg)?;
            }
        }
        DbConn::Sqlite(sqlite) => {
            for upsert in days {
                upsert.execute(sqlite)?;
            }
            for upsert in areas {
                upsert.execute(sqlite)?;
            }
        }
    }
    Ok(())
}

/// Whether the kept figures hold every case.
pub fn built(conn: &mut DbConn) -> Result<bool, DbError> {
    Ok(review_figures_state::table
        .find(1)
        .select(review_figures_state::built)
        .first::<bool>(conn)
        .optional()?
        .unwrap_or(false))
}

pub fn mark_built(conn: &mut DbConn, built: bool) -> Result<(), DbError> {
    diesel::update(review_figures_state::table.find(1))
        .set(review_figures_state::built.eq(built))
        .execute(conn)?;
    Ok(())
}

/// Forgets every kept figure (before a rebuild).
pub fn clear(conn: &mut DbConn) -> Result<(), DbError> {
    diesel::delete(case_facts::table).execute(conn)?;
    diesel::delete(review_days::table).execute(conn)?;
    diesel::delete(review_areas::table).execute(conn)?;
    Ok(())
}

/// Cases that reached a department with ids after `after`, in order, `limit` at most
/// (a rebuild's batches).
pub fn cases_after(conn: &mut DbConn, after: i64, limit: i64) -> Result<Vec<CaseRecord>, DbError> {
    Ok(cases::table
        .filter(cases::id.gt(after))
        .filter(super::cases::reached_a_department())
        .order(cases::id)
        .select(CaseRecord::as_select())
        .limit(limit)
        .load(conn)?)
}

fn sum(column: &str) -> diesel::expression::SqlLiteral<BigInt> {
    sql::<BigInt>(&format!("CAST(COALESCE(SUM({column}), 0) AS BIGINT)"))
}

/// A group's key and its ten sums, as the query returns them.
type SummedRow = (
    String,
    String,
    String,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
);

/// A day, category and concerned department with received and answered.
pub type DailyRow = (NaiveDate, String, String, i64, i64);

/// A group of day rows: department, category, concerned department and their counts.
pub type DayGroup = (String, String, String, DayCounts);

/// The day rows of `[from, until)` summed per department, category and concerned
/// department (a few hundred groups, whatever the volume).
pub fn day_groups(conn: &mut DbConn, from: NaiveDate, until: NaiveDate) -> Result<Vec<DayGroup>, DbError> {
    use review_days::dsl as d;
    let rows: Vec<SummedRow> = d::review_days
        .filter(d::day.ge(from))
        .filter(d::day.lt(until))
        .group_by((d::department, d::category, d::concerned))
        .select((
            d::department,
            d::category,
            d::concerned,
            sum("received"),
            sum("decided"),
            sum("decided_in_time"),
            sum("accepted"),
            sum("answered"),
            sum("answered_in_time"),
            sum("resolved"),
            sum("rated"),
            sum("rated_satisfied"),
            sum("closed"),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(department, category, concerned, a, b, c, e, f, g, h, i, j, k)| {
                (
                    department,
                    category,
                    concerned,
                    DayCounts {
                        received: a,
                        decided: b,
                        decided_in_time: c,
                        accepted: e,
                        answered: f,
                        answered_in_time: g,
                        resolved: h,
                        rated: i,
                        rated_satisfied: j,
                        closed: k,
                    },
                )
            },
        )
        .collect())
}

/// Received and answered per day, category and concerned department (the trend).
pub fn daily_received_answered(
    conn: &mut DbConn,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<DailyRow>, DbError> {
    use review_days::dsl as d;
    Ok(d::review_days
        .filter(d::day.ge(from))
        .filter(d::day.lt(until))
        .group_by((d::day, d::category, d::concerned))
        .select((
            d::day,
            d::category,
            d::concerned,
            sum("received"),
            sum("answered"),
        ))
        .load(conn)?)
}

/// Received per area, category and concerned department in `[from, until)`.
pub fn area_received(
    conn: &mut DbConn,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<(String, String, String, i64)>, DbError> {
    use review_areas::dsl as a;
    Ok(a::review_areas
        .filter(a::day.ge(from))
        .filter(a::day.lt(until))
        .group_by((a::area, a::category, a::concerned))
        .select((a::area, a::category, a::concerned, sum("received")))
        .load(conn)?)
}

/// Filings of `[from, until)` not decided whose acceptance was due by `now`, per
/// department, category and concerned department.
pub fn undecided_due(
    conn: &mut DbConn,
    from: NaiveDateTime,
    until: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<Vec<(String, String, String, i64)>, DbError> {
    use case_facts::dsl as f;
    Ok(f::case_facts
        .filter(f::decided_at.is_null())
        .filter(f::submitted_at.ge(from))
        .filter(f::submitted_at.lt(until))
        .filter(f::acceptance_due_at.le(now))
        .group_by((f::department, f::category, f::concerned))
        .select((
            f::department,
            f::category,
            f::concerned,
            sql::<BigInt>("CAST(COUNT(*) AS BIGINT)"),
        ))
        .load(conn)?)
}

/// The answers given in `[from, until)`: department, category, concerned department and
/// seconds from filing to answer (for the medians).
pub fn answer_seconds(
    conn: &mut DbConn,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<Vec<(String, String, String, i64)>, DbError> {
    use case_facts::dsl as f;
    let rows: Vec<(String, String, String, Option<i64>)> = f::case_facts
        .filter(f::answered_at.is_not_null())
        .filter(f::answered_at.ge(from))
        .filter(f::answered_at.lt(until))
        .select((f::department, f::category, f::concerned, f::answer_seconds))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(d, c, k, s)| (d, c, k, s.unwrap_or(0)))
        .collect())
}

/// Open cases filed before `until` whose current deadline in one of `states` passed by
/// `now`, per department, category and concerned department.
pub fn overdue_now(
    conn: &mut DbConn,
    states: Vec<String>,
    until: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<Vec<(String, String, String, i64)>, DbError> {
    let rows: Vec<(String, String, Option<String>, i64)> = cases::table
        .filter(cases::due_at.is_not_null())
        .filter(cases::due_at.lt(now))
        .filter(cases::state.eq_any(states))
        .filter(cases::submitted_at.lt(until))
        .filter(super::cases::reached_a_department())
        .group_by((
            cases::department_code,
            cases::category_code,
            cases::concerned_department,
        ))
        .select((
            cases::department_code,
            cases::category_code,
            cases::concerned_department,
            sql::<BigInt>("CAST(COUNT(*) AS BIGINT)"),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(d, c, k, n)| (d, c, k.unwrap_or_default(), n))
        .collect())
}

/// Events marking a major matter in `[from, until)`, read from their own small index
/// (the kind is written out so SQLite can match the index's condition).
pub fn major_matters(conn: &mut DbConn, from: NaiveDateTime, until: NaiveDateTime) -> Result<i64, DbError> {
    use super::schema::case_events;
    Ok(case_events::table
        .filter(sql::<diesel::sql_types::Bool>("kind = 'marked_major'"))
        .filter(case_events::created_at.ge(from))
        .filter(case_events::created_at.lt(until))
        .count()
        .get_result(conn)?)
}
