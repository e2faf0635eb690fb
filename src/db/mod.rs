//! The only module that speaks SQL. One connection type over SQLite and PostgreSQL, the
//! pool, migrations, and the queries the services use.

pub mod admin;
pub mod api_keys;
pub mod attachments;
pub mod audit;
pub mod board;
pub mod cases;
pub mod catalog;
pub mod chaos;
pub mod conn;
pub mod deadlines;
pub mod figures;
pub mod open311;
pub mod outbox;
pub mod partition;
pub mod plan;
pub mod reception;
pub mod register;
pub mod residents;
pub mod scan;
pub mod schema;
pub mod sessions;
pub mod suggest;
pub mod synthetic;
pub mod templates;
pub mod users;
pub mod visits;
mod writer;

pub use conn::{Backend, Db, DbConn, DbError, MultiBackend};

/// Whether the database answers a query.
pub fn ping(conn: &mut DbConn) -> Result<(), DbError> {
    use diesel::connection::SimpleConnection;
    Ok(conn.batch_execute("SELECT 1")?)
}
