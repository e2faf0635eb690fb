//! Connections, the pool and transactions.
//!
//! SQLite allows one writer at a time. Rather than let writers collide and back off inside
//! `busy_timeout`, writes in this process go to one writer thread that commits them in
//! groups (see `writer.rs`); reads run in parallel (WAL). PostgreSQL writers run
//! concurrently, each in its own transaction.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::migration::MigrationSource;
use diesel::prelude::*;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::cases::CaseIds;
use super::writer::{Completion, GroupWriter, Job};

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgresql(diesel::PgConnection),
    // SQLite accepts any string as a path, so it must be the last variant.
    Sqlite(diesel::SqliteConnection),
}

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("could not connect to the database: {0}")]
    Connect(String),
    #[error("no database connection available: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("migrations failed: {0}")]
    Migration(String),
    #[error("database task failed: {0}")]
    Task(String),
    #[error("the write was not committed: {0}")]
    Commit(String),
    #[error("invalid data: {0}")]
    Invalid(String),
}

impl DbError {
    /// A unique-key violation: the caller may retry or report a conflict.
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }
}

impl DbError {
    /// The database is at capacity rather than broken: no connection free in time, or
    /// SQLite's lock still held when its busy timeout ran out. Worth a retry.
    pub fn is_busy(&self) -> bool {
        match self {
            DbError::Pool(_) => true,
            DbError::Query(diesel::result::Error::DatabaseError(_, info)) => {
                let message = info.message();
                message.contains("database is locked") || message.contains("database is busy")
            }
            DbError::Commit(message) => {
                message.contains("database is locked") || message.contains("database is busy")
            }
            _ => false,
        }
    }
}

/// Where the database is: the URL scheme decides the backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbTarget {
    pub backend: Backend,
    /// What the driver is given: a PostgreSQL URL or a SQLite file path.
    pub address: String,
}

impl DbTarget {
    /// `postgres://…` / `postgresql://…`, `sqlite://PATH`, `sqlite:PATH`, or a bare path.
    pub fn parse(url: &str) -> DbTarget {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return DbTarget {
                backend: Backend::Postgres,
                address: url.to_string(),
            };
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        DbTarget {
            backend: Backend::Sqlite,
            address: path.to_string(),
        }
    }

    /// Opens one connection, reporting the driver's own error (the derived
    /// `MultiConnection::establish` would hide it).
    pub fn connect(&self) -> Result<DbConn, DbError> {
        match self.backend {
            Backend::Postgres => diesel::PgConnection::establish(&self.address)
                .map(DbConn::Postgresql)
                .map_err(|e| DbError::Connect(e.to_string())),
            Backend::Sqlite => {
                if let Some(parent) = Path::new(&self.address).parent()
                    && !parent.as_os_str().is_empty()
                {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| DbError::Connect(format!("{}: {e}", parent.display())))?;
                }
                let mut conn = diesel::SqliteConnection::establish(&self.address)
                    .map_err(|e| DbError::Connect(e.to_string()))?;
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
                     PRAGMA synchronous = NORMAL; PRAGMA journal_mode = WAL;",
                )?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

/// Applies pending migrations; returns the names of those applied.
/// The advisory lock instances take while migrating, so that several starting at once
/// apply each migration once ("huiying migrations" in ASCII).
const MIGRATION_LOCK: i64 = 0x0068_7569_7969_6e67;

/// Applies the migrations this binary carries that the database lacks, and names them.
/// On PostgreSQL under an advisory lock: an instance that starts while another migrates
/// waits, then finds nothing left to do. On SQLite each migration's transaction takes the
/// database's write lock.
pub fn run_migrations(conn: &mut DbConn) -> Result<Vec<String>, DbError> {
    use diesel::connection::SimpleConnection;
    let failed = |e: Box<dyn std::error::Error + Send + Sync>| DbError::Migration(e.to_string());
    match conn {
        DbConn::Postgresql(c) => {
            c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
            let applied = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(names)
                .map_err(failed);
            let unlocked = c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"));
            let applied = applied?;
            unlocked?;
            Ok(applied)
        }
        DbConn::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(names)
            .map_err(failed),
    }
}

/// Versions of the migrations this binary carries for `backend` (as the database
/// records them when applied).
pub fn known_migration_versions(backend: Backend) -> Vec<String> {
    let versions = match backend {
        Backend::Sqlite => MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS)
            .map(|ms| ms.iter().map(|m| m.name().version().to_string()).collect()),
        Backend::Postgres => MigrationSource::<diesel::pg::Pg>::migrations(&POSTGRES_MIGRATIONS)
            .map(|ms| ms.iter().map(|m| m.name().version().to_string()).collect()),
    };
    versions.unwrap_or_default()
}

/// Versions of the migrations the database has applied, oldest first.
pub fn applied_migrations(conn: &mut DbConn) -> Result<Vec<String>, DbError> {
    let failed = |e: Box<dyn std::error::Error + Send + Sync>| DbError::Migration(e.to_string());
    let mut versions: Vec<String> = match conn {
        DbConn::Postgresql(c) => c.applied_migrations().map_err(failed)?,
        DbConn::Sqlite(c) => c.applied_migrations().map_err(failed)?,
    }
    .iter()
    .map(ToString::to_string)
    .collect();
    versions.sort();
    Ok(versions)
}

/// A consistent copy of a SQLite database into the new file `to`, taken while others
/// read and write (`VACUUM INTO` reads one snapshot). PostgreSQL is copied with its own
/// tools (`pg_dump`).
pub fn copy_sqlite_into(conn: &mut DbConn, to: &std::path::Path) -> Result<(), DbError> {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConn::Sqlite(c) => {
            let path = to.to_string_lossy().replace('\'', "''");
            c.batch_execute(&format!("VACUUM INTO '{path}'"))?;
            Ok(())
        }
        DbConn::Postgresql(_) => Err(DbError::Task(
            "a PostgreSQL database is copied with pg_dump".into(),
        )),
    }
}

/// The migrations this binary would apply to the database, by name, applying none.
pub fn pending_migrations(conn: &mut DbConn) -> Result<Vec<String>, DbError> {
    let failed = |e: Box<dyn std::error::Error + Send + Sync>| DbError::Migration(e.to_string());
    Ok(match conn {
        DbConn::Postgresql(c) => c
            .pending_migrations(POSTGRES_MIGRATIONS)
            .map_err(failed)?
            .iter()
            .map(|m| m.name().to_string())
            .collect(),
        DbConn::Sqlite(c) => c
            .pending_migrations(SQLITE_MIGRATIONS)
            .map_err(failed)?
            .iter()
            .map(|m| m.name().to_string())
            .collect(),
    })
}

fn names(versions: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
    versions.iter().map(ToString::to_string).collect()
}

/// Names of every migration this binary carries, per backend (they must match).
pub fn migration_names(backend: Backend) -> Vec<String> {
    let names = match backend {
        Backend::Sqlite => MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS)
            .map(|ms| ms.iter().map(|m| m.name().to_string()).collect()),
        Backend::Postgres => MigrationSource::<diesel::pg::Pg>::migrations(&POSTGRES_MIGRATIONS)
            .map(|ms| ms.iter().map(|m| m.name().to_string()).collect()),
    };
    names.unwrap_or_default()
}

/// r2d2 manager that connects by scheme and applies the SQLite pragmas to each connection.
#[derive(Debug, Clone)]
pub struct Manager(DbTarget);

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = DbError;

    fn connect(&self) -> Result<DbConn, DbError> {
        self.0.connect()
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), DbError> {
        conn.batch_execute("SELECT 1").map_err(DbError::from)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        match conn {
            DbConn::Postgresql(c) => AnsiTransactionManager::is_broken_transaction_manager(c),
            DbConn::Sqlite(c) => AnsiTransactionManager::is_broken_transaction_manager(c),
        }
    }
}

/// The database handle the application shares: a pool for reads (and PostgreSQL writes)
/// and, for SQLite, the group-commit writer.
#[derive(Clone)]
pub struct Db {
    inner: Arc<DbInner>,
}

struct DbInner {
    pool: Pool<Manager>,
    backend: Backend,
    writer: Option<GroupWriter>,
    case_ids: CaseIds,
}

impl Db {
    /// Connects, migrates (reporting real errors), then builds the pool; a request waits
    /// at most ten seconds for a connection.
    pub fn open(url: &str, pool_size: u32) -> Result<Db, DbError> {
        Db::open_with(url, pool_size, Duration::from_secs(10))
    }

    /// [`Db::open`], waiting at most `wait` for a free connection (then the request is
    /// answered 503, to try again).
    /// The migrations `url`'s database lacks, without applying any (`migrate --check`).
    pub fn pending(url: &str) -> Result<Vec<String>, DbError> {
        pending_migrations(&mut DbTarget::parse(url).connect()?)
    }

    pub fn open_with(url: &str, pool_size: u32, wait: Duration) -> Result<Db, DbError> {
        let target = DbTarget::parse(url);
        let mut first = target.connect()?;
        let applied = run_migrations(&mut first)?;
        if !applied.is_empty() {
            tracing::info!(migrations = ?applied, "applied database migrations");
        }
        super::plan::refresh_statistics(&mut first, true)?;
        drop(first);
        Db::pooled(target, pool_size, wait, true)
    }

    /// A read replica (`DATABASE_READ_URL`): connected, never migrated (the primary's
    /// migrations reach it by replication) and never written to.
    pub fn open_replica(url: &str, pool_size: u32, wait: Duration) -> Result<Db, DbError> {
        let target = DbTarget::parse(url);
        super::ping(&mut target.connect()?)?;
        Db::pooled(target, pool_size, wait, false)
    }

    fn pooled(target: DbTarget, pool_size: u32, wait: Duration, writes: bool) -> Result<Db, DbError> {
        // No `SELECT 1` on every checkout (a round trip per request on PostgreSQL); a
        // connection that broke is noticed by `has_broken` and replaced. Connections are
        // opened on demand rather than kept warm by background threads, which would
        // otherwise keep reconnecting to a server that went away.
        let pool = Pool::builder()
            .test_on_check_out(false)
            .min_idle(Some(0))
            .max_size(pool_size.max(2))
            .connection_timeout(wait)
            .build(Manager(target.clone()))?;
        let writer = match target.backend {
            Backend::Sqlite if writes => Some(GroupWriter::start(target.clone())?),
            Backend::Sqlite | Backend::Postgres => None,
        };
        Ok(Db {
            inner: Arc::new(DbInner {
                pool,
                backend: target.backend,
                writer,
                case_ids: CaseIds::default(),
            }),
        })
    }

    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// This process's source of case ids.
    pub fn case_ids(&self) -> &CaseIds {
        &self.inner.case_ids
    }

    pub fn get(&self) -> Result<PooledConnection<Manager>, DbError> {
        Ok(self.inner.pool.get()?)
    }

    /// Runs blocking database work (reads) off the async threads.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let db = self.clone();
        // Logs from the blocking thread keep the request's span (and its request id).
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let mut conn = db.get()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| E::from(DbError::Task(e.to_string())))?
    }

    /// Runs `f` as one write transaction: committed if it returns `Ok`, rolled back
    /// otherwise. Answers only once the outcome is durable.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        match &self.inner.writer {
            Some(writer) => {
                let (reply, answer) = tokio::sync::oneshot::channel();
                writer.submit(job(f, move |r| {
                    let _ = reply.send(r);
                }))?;
                answer
                    .await
                    .map_err(|_| E::from(DbError::Task("the write was abandoned".into())))?
            }
            None => {
                let db = self.clone();
                let span = tracing::Span::current();
                tokio::task::spawn_blocking(move || {
                    let _entered = span.enter();
                    let mut conn = db.get()?;
                    write_transaction(&mut conn, f)
                })
                .await
                .map_err(|e| E::from(DbError::Task(e.to_string())))?
            }
        }
    }

    /// [`Db::write`] for code already on a blocking thread (CLI, workers, start-up).
    pub fn write_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        match &self.inner.writer {
            Some(writer) => {
                let (reply, answer) = std::sync::mpsc::sync_channel(1);
                writer.submit(job(f, move |r| {
                    let _ = reply.send(r);
                }))?;
                answer
                    .recv()
                    .map_err(|_| E::from(DbError::Task("the write was abandoned".into())))?
            }
            None => {
                let mut conn = self.get()?;
                write_transaction(&mut conn, f)
            }
        }
    }
}

/// Wraps a write for the group writer: `f` runs in its own savepoint; `reply` hears the
/// result once the batch has committed (or why it did not).
fn job<T, E, F>(f: F, reply: impl FnOnce(Result<T, E>) + Send + 'static) -> Job
where
    F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    let span = tracing::Span::current();
    Box::new(move |conn: Result<&mut DbConn, String>| -> Completion {
        let result = {
            let _entered = span.enter();
            match conn {
                Ok(conn) => nested_transaction(conn, f),
                Err(e) => Err(E::from(DbError::Commit(e))),
            }
        };
        Box::new(move |committed: Result<(), String>| {
            reply(match (result, committed) {
                (Ok(value), Ok(())) => Ok(value),
                (Ok(_), Err(e)) => Err(E::from(DbError::Commit(e))),
                (Err(e), _) => Err(e),
            })
        })
    })
}

/// A transaction that takes SQLite's write lock up front (`BEGIN IMMEDIATE`), so a
/// read-then-write never fails on a stale snapshot when another process writes too.
pub fn write_transaction<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<DbError>,
{
    transaction_with(conn, f, |conn| match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE"),
        DbConn::Postgresql(c) => AnsiTransactionManager::begin_transaction(c),
    })
}

/// A savepoint inside the transaction already open on `conn`.
fn nested_transaction<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<DbError>,
{
    transaction_with(
        conn,
        f,
        <DbConn as Connection>::TransactionManager::begin_transaction,
    )
}

fn transaction_with<T, E, F>(
    conn: &mut DbConn,
    f: F,
    begin: impl FnOnce(&mut DbConn) -> diesel::QueryResult<()>,
) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<DbError>,
{
    begin(conn).map_err(|e| E::from(DbError::from(e)))?;
    match f(conn) {
        Ok(value) => {
            if let Err(e) = <DbConn as Connection>::TransactionManager::commit_transaction(conn) {
                // The commit failed; make sure the connection leaves the transaction.
                let _ = <DbConn as Connection>::TransactionManager::rollback_transaction(conn);
                return Err(E::from(DbError::from(e)));
            }
            Ok(value)
        }
        Err(error) => {
            if let Err(e) = <DbConn as Connection>::TransactionManager::rollback_transaction(conn) {
                tracing::error!(error = %e, "rollback failed");
            }
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_the_backend() {
        assert_eq!(DbTarget::parse("postgres://u@h/db").backend, Backend::Postgres);
        assert_eq!(DbTarget::parse("postgresql://h/db").backend, Backend::Postgres);
        let s = DbTarget::parse("sqlite://data/huiying.db");
        assert_eq!(
            (s.backend, s.address.as_str()),
            (Backend::Sqlite, "data/huiying.db")
        );
        assert_eq!(DbTarget::parse("sqlite:///tmp/x.db").address, "/tmp/x.db");
        assert_eq!(DbTarget::parse("sqlite:x.db").address, "x.db");
        assert_eq!(
            DbTarget::parse("/var/lib/huiying.db").address,
            "/var/lib/huiying.db"
        );
    }

    #[test]
    fn both_backends_carry_the_same_migrations() {
        let sqlite = migration_names(Backend::Sqlite);
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, migration_names(Backend::Postgres));
    }
}
