//! Connections, the pool and transactions.
//!
//! SQLite allows one writer at a time. Rather than let writers collide and back off inside
//! `busy_timeout`, writes in this process queue on a mutex and start with `BEGIN IMMEDIATE`;
//! reads run in parallel (WAL). PostgreSQL writers run concurrently.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::migration::MigrationSource;
use diesel::prelude::*;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

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
pub fn run_migrations(conn: &mut DbConn) -> Result<Vec<String>, DbError> {
    let applied = match conn {
        DbConn::Postgresql(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(names),
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(names),
    };
    applied.map_err(|e| DbError::Migration(e.to_string()))
}

fn names(versions: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
    versions.iter().map(ToString::to_string).collect()
}

/// Names of every migration this binary carries, per backend (they must match).
pub fn migration_names(backend: Backend) -> Vec<String> {
    let names = match backend {
        Backend::Sqlite => {
            MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS)
                .map(|ms| ms.iter().map(|m| m.name().to_string()).collect())
        }
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

/// The database handle the application shares: a pool plus, for SQLite, the writer gate.
#[derive(Clone)]
pub struct Db {
    inner: Arc<DbInner>,
}

struct DbInner {
    pool: Pool<Manager>,
    backend: Backend,
    writer: Mutex<()>,
}

impl Db {
    /// Connects, migrates (reporting real errors), then builds the pool.
    pub fn open(url: &str, pool_size: u32) -> Result<Db, DbError> {
        let target = DbTarget::parse(url);
        let mut first = target.connect()?;
        let applied = run_migrations(&mut first)?;
        if !applied.is_empty() {
            tracing::info!(migrations = ?applied, "applied database migrations");
        }
        drop(first);
        let pool = Pool::builder()
            .max_size(pool_size.max(2))
            .connection_timeout(Duration::from_secs(10))
            .build(Manager(target.clone()))?;
        Ok(Db {
            inner: Arc::new(DbInner {
                pool,
                backend: target.backend,
                writer: Mutex::new(()),
            }),
        })
    }

    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    pub fn get(&self) -> Result<PooledConnection<Manager>, DbError> {
        Ok(self.inner.pool.get()?)
    }

    /// Runs blocking database work off the async threads.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.get()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| E::from(DbError::Task(e.to_string())))?
    }

    /// Runs `f` in a write transaction off the async threads: committed if it returns
    /// `Ok`, rolled back otherwise.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.write_blocking(f))
            .await
            .map_err(|e| E::from(DbError::Task(e.to_string())))?
    }

    /// [`Db::write`] for code already on a blocking thread (CLI, workers).
    pub fn write_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E>,
        E: From<DbError>,
    {
        let mut conn = self.get()?;
        let _gate = match self.inner.backend {
            // A poisoned gate only means another writer panicked; the lock itself is fine.
            Backend::Sqlite => Some(self.inner.writer.lock().unwrap_or_else(|p| p.into_inner())),
            Backend::Postgres => None,
        };
        write_transaction(&mut conn, f)
    }
}

/// A transaction that takes SQLite's write lock up front (`BEGIN IMMEDIATE`), so a
/// read-then-write never fails on a stale snapshot when another process writes too.
pub fn write_transaction<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<DbError>,
{
    let begun = match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE"),
        DbConn::Postgresql(c) => AnsiTransactionManager::begin_transaction(c),
    };
    begun.map_err(|e| E::from(DbError::from(e)))?;
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
        assert_eq!(
            DbTarget::parse("postgres://u@h/db").backend,
            Backend::Postgres
        );
        assert_eq!(
            DbTarget::parse("postgresql://h/db").backend,
            Backend::Postgres
        );
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
