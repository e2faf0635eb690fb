//! The database's own account of how it would run a query: `EXPLAIN QUERY PLAN` on
//! SQLite, `EXPLAIN` on PostgreSQL. Tests use it to hold the queue queries to their
//! indexes; the README shows what they print at scale.

use diesel::RunQueryDsl;
use diesel::sql_types::Text;

use super::{DbConn, DbError};

#[derive(diesel::QueryableByName)]
struct SqliteLine {
    #[diesel(sql_type = Text)]
    detail: String,
}

#[derive(diesel::QueryableByName)]
struct PostgresLine {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    line: String,
}

/// The plan of `sql`, one line per step.
pub fn explain(conn: &mut DbConn, sql: &str) -> Result<Vec<String>, DbError> {
    Ok(match conn {
        DbConn::Sqlite(c) => diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
            .load::<SqliteLine>(c)?
            .into_iter()
            .map(|l| l.detail)
            .collect(),
        DbConn::Postgresql(c) => diesel::sql_query(format!("EXPLAIN {sql}"))
            .load::<PostgresLine>(c)?
            .into_iter()
            .map(|l| l.line)
            .collect(),
    })
}

#[derive(diesel::QueryableByName)]
struct Value {
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    value: Option<String>,
}

/// The first column of each row `sql` returns, as text (a query's text column named or
/// not): for checks and reports that read a figure or two.
pub fn rows(conn: &mut DbConn, sql: &str) -> Result<Vec<String>, DbError> {
    let lines: Vec<Value> = match conn {
        DbConn::Sqlite(c) => {
            diesel::sql_query(format!("WITH q(v) AS ({sql}) SELECT v AS value FROM q")).load(c)?
        }
        DbConn::Postgresql(c) => {
            diesel::sql_query(format!("SELECT q.v AS value FROM ({sql}) AS q(v)")).load(c)?
        }
    };
    Ok(lines.into_iter().map(|l| l.value.unwrap_or_default()).collect())
}

/// Keeps SQLite's statistics of the tables' shape current (PostgreSQL's autovacuum does
/// its own): without them its planner guesses, and at scale it guessed a department's
/// whole open queue over the index of one state. Sampled (`analysis_limit`), so it costs
/// milliseconds at any size, and `optimize` only analyses what grew or changed.
pub fn refresh_statistics(conn: &mut DbConn, at_start: bool) -> Result<(), DbError> {
    use diesel::connection::SimpleConnection;
    if let DbConn::Sqlite(c) = conn {
        c.batch_execute(if at_start {
            "PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;"
        } else {
            "PRAGMA analysis_limit = 1000; PRAGMA optimize;"
        })?;
    }
    Ok(())
}

/// After a bulk write (a synthetic load, a rebuild of the kept figures): statistics for
/// the new sizes. Sampled on SQLite, as [`refresh_statistics`], so it stays quick at any size.
pub fn analyze_after_load(conn: &mut DbConn) -> Result<(), DbError> {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConn::Sqlite(c) => c.batch_execute("PRAGMA analysis_limit = 1000; ANALYZE;")?,
        DbConn::Postgresql(c) => c.batch_execute("ANALYZE")?,
    }
    Ok(())
}
