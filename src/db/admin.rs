//! Creating and dropping whole PostgreSQL databases (tests and benchmarks use fresh ones).

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use super::conn::DbError;

/// The same server URL pointing at another database.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let server = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    }
}

fn valid_name(name: &str) -> Result<(), DbError> {
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(())
    } else {
        Err(DbError::Connect(format!("unsafe database name {name:?}")))
    }
}

/// Creates database `name` on the server of `admin_url`; returns the URL to reach it.
pub fn create_postgres_database(admin_url: &str, name: &str) -> Result<String, DbError> {
    valid_name(name)?;
    let mut admin = PgConnection::establish(admin_url).map_err(|e| DbError::Connect(e.to_string()))?;
    admin.batch_execute(&format!("CREATE DATABASE \"{name}\""))?;
    Ok(with_database(admin_url, name))
}

pub fn drop_postgres_database(admin_url: &str, name: &str) -> Result<(), DbError> {
    valid_name(name)?;
    let mut admin = PgConnection::establish(admin_url).map_err(|e| DbError::Connect(e.to_string()))?;
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_names_are_swapped_in_place() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(with_database("postgres://h", "t1"), "postgres://h/t1");
        assert_eq!(
            with_database("postgresql://u:p@h/db?sslmode=disable", "t2"),
            "postgresql://u:p@h/t2?sslmode=disable"
        );
    }
}
