//! Which files belong to which case.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::conn::{DbConn, DbError};
use super::schema::{attachments, cases};

#[derive(Debug, Clone, Queryable, Selectable, PartialEq, Eq)]
#[diesel(table_name = attachments)]
pub struct AttachmentRecord {
    pub id: i64,
    pub case_id: i64,
    pub stored_name: String,
    pub display_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = attachments)]
pub struct NewAttachment {
    pub case_id: i64,
    pub stored_name: String,
    pub display_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: NaiveDateTime,
}

/// Holds the case row until the transaction ends, so two uploads to one case count
/// each other's files (SQLite's writer is single anyway).
pub fn lock_case(conn: &mut DbConn, case_id: i64) -> Result<(), DbError> {
    diesel::update(cases::table.filter(cases::id.eq(case_id)))
        .set(cases::updated_at.eq(cases::updated_at))
        .execute(conn)?;
    Ok(())
}

pub fn count_for(conn: &mut DbConn, case_id: i64) -> Result<i64, DbError> {
    Ok(attachments::table
        .filter(attachments::case_id.eq(case_id))
        .count()
        .get_result(conn)?)
}

pub fn insert(conn: &mut DbConn, rows: &[NewAttachment]) -> Result<(), DbError> {
    for row in rows {
        diesel::insert_into(attachments::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn list_for(conn: &mut DbConn, case_id: i64) -> Result<Vec<AttachmentRecord>, DbError> {
    Ok(attachments::table
        .filter(attachments::case_id.eq(case_id))
        .order(attachments::id)
        .select(AttachmentRecord::as_select())
        .load(conn)?)
}

pub fn find(conn: &mut DbConn, case_id: i64, id: i64) -> Result<Option<AttachmentRecord>, DbError> {
    Ok(attachments::table
        .filter(attachments::case_id.eq(case_id))
        .filter(attachments::id.eq(id))
        .select(AttachmentRecord::as_select())
        .first(conn)
        .optional()?)
}
