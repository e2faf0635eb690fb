//! The timeline partitioned by month on PostgreSQL, for when `case_events` passes a few
//! hundred million rows: each month's events in their own table, so a period's reports
//! read only its months, and old months can be moved to cheaper storage or detached
//! without touching the rest. An operator converts once (`huiying partition-timeline`);
//! housekeeping then keeps the coming months' partitions made. SQLite keeps one table.
//!
//! A partitioned table's keys must hold the partition key, so the primary key becomes
//! `(id, created_at)` and `(case_id, seq)` an ordinary index. Neither loses a guarantee
//! the portal relies on: ids still come from one sequence, and an event is appended only
//! by the conditional update of its case's `last_event_seq` (`db::cases::append_event`),
//! so two events never share a place in a chain.

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl};

use super::{DbConn, DbError};

/// The month partition holding `month`'s events, e.g. `case_events_2026_12`.
pub fn partition_name(month: NaiveDate) -> String {
    format!("case_events_{:04}_{:02}", month.year(), month.month())
}

/// The first day of the month `at` falls in.
pub fn month_of(at: NaiveDate) -> NaiveDate {
    at.with_day(1).unwrap_or(at)
}

/// Every month from `first`'s to `last`'s, each as its first day.
pub fn months(first: NaiveDate, last: NaiveDate) -> Vec<NaiveDate> {
    let (mut month, last) = (month_of(first), month_of(last));
    let mut all = Vec::new();
    while month <= last {
        all.push(month);
        match month.checked_add_months(Months::new(1)) {
            Some(next) => month = next,
            None => break,
        }
    }
    all
}

/// One month partition and how many events it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    pub name: String,
    pub events: i64,
}

/// What a conversion did.
#[derive(Debug)]
pub struct Converted {
    pub events: i64,
    pub partitions: Vec<Partition>,
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[derive(diesel::QueryableByName)]
struct Bounds {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
    first: Option<NaiveDateTime>,
}

#[derive(diesel::QueryableByName)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

fn postgres(conn: &mut DbConn) -> Result<&mut PgConnection, DbError> {
    match conn {
        DbConn::Postgresql(c) => Ok(c),
        DbConn::Sqlite(_) => Err(DbError::Invalid(
            "the timeline is partitioned on PostgreSQL only; SQLite keeps one table".into(),
        )),
    }
}

fn count(conn: &mut PgConnection, sql: &str) -> Result<i64, DbError> {
    Ok(diesel::sql_query(sql).get_result::<Count>(conn)?.n)
}

/// Whether `case_events` is partitioned (always false on SQLite).
pub fn is_partitioned(conn: &mut DbConn) -> Result<bool, DbError> {
    match conn {
        DbConn::Sqlite(_) => Ok(false),
        DbConn::Postgresql(c) => Ok(count(
            c,
            "SELECT count(*) AS n FROM pg_partitioned_table \
             WHERE partrelid = to_regclass('case_events')",
        )? > 0),
    }
}

/// The partitions of `case_events` and their events, in order (the default one last).
pub fn partitions(conn: &mut DbConn) -> Result<Vec<Partition>, DbError> {
    let c = postgres(conn)?;
    let names: Vec<Name> = diesel::sql_query(
        "SELECT child.relname::text AS name FROM pg_inherits \
         JOIN pg_class child ON child.oid = pg_inherits.inhrelid \
         WHERE pg_inherits.inhparent = to_regclass('case_events') ORDER BY 1",
    )
    .load(c)?;
    let mut all = Vec::with_capacity(names.len());
    for Name { name } in names {
        let events = count(c, &format!("SELECT count(*) AS n FROM \"{name}\""))?;
        all.push(Partition { name, events });
    }
    all.sort_by_key(|p| p.name == "case_events_default");
    Ok(all)
}

fn create_month(conn: &mut PgConnection, month: NaiveDate) -> Result<(), DbError> {
    let next = month
        .checked_add_months(Months::new(1))
        .ok_or_else(|| DbError::Invalid(format!("no month after {month}")))?;
    conn.batch_execute(&format!(
        "CREATE TABLE IF NOT EXISTS \"{}\" PARTITION OF case_events \
         FOR VALUES FROM ('{month}') TO ('{next}')",
        partition_name(month)
    ))?;
    Ok(())
}

/// Converts `case_events` into a table partitioned by month, in one transaction: every
/// month from the oldest event's to `months_ahead` past `now`, and a default partition
/// so no append can fail for want of one. Refuses a timeline already partitioned. The
/// table is locked throughout (reads and appends wait), and the copy takes time in
/// proportion to the events: run it in a maintenance window.
pub fn convert(conn: &mut DbConn, now: NaiveDateTime, months_ahead: u32) -> Result<Converted, DbError> {
    if is_partitioned(conn)? {
        return Err(DbError::Invalid("case_events is already partitioned".into()));
    }
    let c = postgres(conn)?;
    c.transaction(|c| {
        c.batch_execute(
            "LOCK TABLE case_events IN ACCESS EXCLUSIVE MODE;
             ALTER TABLE case_events RENAME TO case_events_unpartitioned;
             ALTER SEQUENCE case_events_id_seq OWNED BY NONE;
             CREATE TABLE case_events (LIKE case_events_unpartitioned INCLUDING DEFAULTS)
                 PARTITION BY RANGE (created_at);
             CREATE TABLE case_events_default PARTITION OF case_events DEFAULT;",
        )?;
        let first = diesel::sql_query("SELECT min(created_at) AS first FROM case_events_unpartitioned")
            .get_result::<Bounds>(c)?
            .first
            .map_or(now.date(), |f| f.date());
        let last = month_of(now.date())
            .checked_add_months(Months::new(months_ahead))
            .unwrap_or(now.date());
        for month in months(first.min(now.date()), last) {
            create_month(c, month)?;
        }
        let before = count(c, "SELECT count(*) AS n FROM case_events_unpartitioned")?;
        c.batch_execute("INSERT INTO case_events SELECT * FROM case_events_unpartitioned")?;
        let after = count(c, "SELECT count(*) AS n FROM case_events")?;
        if after != before {
            return Err(DbError::Invalid(format!(
                "{before} events before and {after} after the copy; nothing was changed"
            )));
        }
        // The keys and indexes are built after the copy (faster than row by row), once the
        // old table and its names are gone.
        c.batch_execute(
            "DROP TABLE case_events_unpartitioned;
             ALTER SEQUENCE case_events_id_seq OWNED BY case_events.id;
             ALTER TABLE case_events ADD PRIMARY KEY (id, created_at);
             ALTER TABLE case_events ADD CONSTRAINT case_events_case_id_fkey
                 FOREIGN KEY (case_id) REFERENCES cases (id);
             CREATE INDEX case_events_case_seq ON case_events (case_id, seq);
             CREATE INDEX case_events_marked_major ON case_events (created_at)
                 WHERE kind = 'marked_major';
             CREATE TRIGGER case_events_no_update BEFORE UPDATE OR DELETE ON case_events
                 FOR EACH ROW EXECUTE FUNCTION case_events_append_only();
             ANALYZE case_events;",
        )?;
        Ok(after)
    })
    .and_then(|events| {
        Ok(Converted {
            events,
            partitions: partitions(conn)?,
        })
    })
}

/// On a partitioned timeline, makes the partitions of this month and the next
/// `months_ahead` that are missing; their names. Nothing on SQLite or an unpartitioned one.
pub fn keep_months_ahead(
    conn: &mut DbConn,
    now: NaiveDateTime,
    months_ahead: u32,
) -> Result<Vec<String>, DbError> {
    if !is_partitioned(conn)? {
        return Ok(Vec::new());
    }
    let c = postgres(conn)?;
    let existing: Vec<String> = diesel::sql_query(
        "SELECT child.relname::text AS name FROM pg_inherits \
         JOIN pg_class child ON child.oid = pg_inherits.inhrelid \
         WHERE pg_inherits.inhparent = to_regclass('case_events')",
    )
    .load::<Name>(c)?
    .into_iter()
    .map(|n| n.name)
    .collect();
    let this = month_of(now.date());
    let last = this.checked_add_months(Months::new(months_ahead)).unwrap_or(this);
    let mut made = Vec::new();
    for month in months(this, last) {
        let name = partition_name(month);
        if !existing.contains(&name) {
            // Fails only if the default partition already holds that month's events:
            // then the month stays there, and the error says so in the job's log.
            create_month(c, month)?;
            made.push(name);
        }
    }
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid")
    }

    #[test]
    fn months_run_from_the_first_to_the_last_across_a_year() {
        assert_eq!(
            months(d(2026, 11, 17), d(2027, 2, 3)),
            vec![d(2026, 11, 1), d(2026, 12, 1), d(2027, 1, 1), d(2027, 2, 1)]
        );
        assert_eq!(months(d(2026, 5, 31), d(2026, 5, 1)), vec![d(2026, 5, 1)]);
        assert!(months(d(2026, 6, 1), d(2026, 5, 31)).is_empty());
    }

    #[test]
    fn a_partition_is_named_by_its_month() {
        assert_eq!(partition_name(d(2026, 3, 9)), "case_events_2026_03");
        assert_eq!(partition_name(d(2027, 12, 1)), "case_events_2027_12");
    }
}
