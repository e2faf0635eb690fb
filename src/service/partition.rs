//! The timeline partitioned by month on PostgreSQL (see [`crate::db::partition`]): the
//! conversion an operator runs once, and the months ahead housekeeping keeps made.

use chrono::{DateTime, Utc};

use super::ServiceError;
use crate::db::Db;
use crate::db::partition::Converted;

/// How many months past this one always have their partition ready, so appends land in
/// a month of their own even if housekeeping stops for a while.
pub const MONTHS_AHEAD: u32 = 3;

/// Converts the timeline into month partitions, in one transaction; refuses SQLite and
/// a timeline already partitioned.
pub fn convert(db: &Db, now: DateTime<Utc>, months_ahead: u32) -> Result<Converted, ServiceError> {
    let mut conn = db.get()?;
    Ok(crate::db::partition::convert(
        &mut conn,
        now.naive_utc(),
        months_ahead,
    )?)
}
