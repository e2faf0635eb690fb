//! Resident accounts, one-time email links, the cases an account holds, and supports.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};

use super::cases::CaseRecord;
use super::conn::{DbConn, DbError};
use super::schema::{cases, email_links, resident_cases, residents, supports};

diesel::define_sql_function!(fn lower(x: Nullable<Text>) -> Nullable<Text>);

#[derive(Debug, Clone, Queryable, Selectable, PartialEq, Eq)]
#[diesel(table_name = residents)]
pub struct ResidentRecord {
    pub id: i32,
    pub email: String,
    pub locale: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
}

/// The account for `email` (lower case), created on first use.
pub fn upsert_resident(
    conn: &mut DbConn,
    email: &str,
    locale: &str,
    now: NaiveDateTime,
) -> Result<ResidentRecord, DbError> {
    let updated = diesel::update(residents::table.filter(residents::email.eq(email)))
        .set(residents::last_seen_at.eq(now))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(residents::table)
            .values((
                residents::email.eq(email),
                residents::locale.eq(locale),
                residents::created_at.eq(now),
                residents::last_seen_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(residents::table
        .filter(residents::email.eq(email))
        .select(ResidentRecord::as_select())
        .first(conn)?)
}

pub fn find_resident(conn: &mut DbConn, id: i32) -> Result<Option<ResidentRecord>, DbError> {
    Ok(residents::table
        .find(id)
        .select(ResidentRecord::as_select())
        .first(conn)
        .optional()?)
}

/// Links a case to an account; linking twice is harmless.
pub fn link_case(
    conn: &mut DbConn,
    resident_id: i32,
    case_id: i64,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let exists = resident_cases::table
        .find((resident_id, case_id))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if !exists {
        diesel::insert_into(resident_cases::table)
            .values((
                resident_cases::resident_id.eq(resident_id),
                resident_cases::case_id.eq(case_id),
                resident_cases::linked_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Whether the account holds the case: filed with its address, or linked to it.
pub fn holds_case(
    conn: &mut DbConn,
    resident_id: i32,
    email: &str,
    case: &CaseRecord,
) -> Result<bool, DbError> {
    if case
        .resident_email
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case(email))
    {
        return Ok(true);
    }
    Ok(resident_cases::table
        .find((resident_id, case.id))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// Every case the account holds, newest first.
pub fn cases_of(conn: &mut DbConn, resident_id: i32, email: &str) -> Result<Vec<CaseRecord>, DbError> {
    let linked = resident_cases::table
        .filter(resident_cases::resident_id.eq(resident_id))
        .select(resident_cases::case_id);
    Ok(cases::table
        .filter(
            lower(cases::resident_email)
                .eq(Some(email.to_lowercase()))
                .or(cases::id.eq_any(linked)),
        )
        .order(cases::id.desc())
        .select(CaseRecord::as_select())
        .load(conn)?)
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = email_links, treat_none_as_default_value = false)]
pub struct NewLink {
    pub purpose: String,
    pub email: String,
    pub token_hash: String,
    pub case_id: Option<i64>,
    pub locale: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, PartialEq, Eq)]
#[diesel(table_name = email_links)]
pub struct LinkRecord {
    pub id: i64,
    pub purpose: String,
    pub email: String,
    pub token_hash: String,
    pub case_id: Option<i64>,
    pub locale: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

pub fn insert_link(conn: &mut DbConn, link: &NewLink) -> Result<(), DbError> {
    diesel::insert_into(email_links::table)
        .values(link)
        .execute(conn)?;
    Ok(())
}

/// Whether the portal has written to `email` (lower case) before: a link was sent to it,
/// or a case was filed with it.
pub fn mailed_before(conn: &mut DbConn, email: &str) -> Result<bool, DbError> {
    let linked = diesel::select(diesel::dsl::exists(
        email_links::table.filter(email_links::email.eq(email)),
    ))
    .get_result(conn)?;
    if linked {
        return Ok(true);
    }
    Ok(diesel::select(diesel::dsl::exists(
        cases::table.filter(lower(cases::resident_email).eq(Some(email.to_string()))),
    ))
    .get_result(conn)?)
}

/// Links sent to `email` since `since` (for the per-address limit).
pub fn links_sent_since(conn: &mut DbConn, email: &str, since: NaiveDateTime) -> Result<i64, DbError> {
    Ok(email_links::table
        .filter(email_links::email.eq(email))
        .filter(email_links::created_at.ge(since))
        .count()
        .get_result(conn)?)
}

/// An unused, unexpired link by its token's hash.
pub fn find_link(
    conn: &mut DbConn,
    token_hash: &str,
    purpose: &str,
    now: NaiveDateTime,
) -> Result<Option<LinkRecord>, DbError> {
    Ok(email_links::table
        .filter(email_links::token_hash.eq(token_hash))
        .filter(email_links::purpose.eq(purpose))
        .filter(email_links::used_at.is_null())
        .filter(email_links::expires_at.gt(now))
        .select(LinkRecord::as_select())
        .first(conn)
        .optional()?)
}

/// Marks a link used; false when someone used it first.
pub fn use_link(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> Result<bool, DbError> {
    let changed = diesel::update(
        email_links::table
            .filter(email_links::id.eq(id))
            .filter(email_links::used_at.is_null()),
    )
    .set(email_links::used_at.eq(now))
    .execute(conn)?;
    Ok(changed == 1)
}

#[derive(Debug, Clone, Queryable, Selectable, PartialEq, Eq)]
#[diesel(table_name = supports)]
pub struct SupportRecord {
    pub id: i64,
    pub case_id: i64,
    pub email: String,
    pub locale: String,
    pub created_at: NaiveDateTime,
    pub confirmed_at: Option<NaiveDateTime>,
}

pub fn find_support(conn: &mut DbConn, case_id: i64, email: &str) -> Result<Option<SupportRecord>, DbError> {
    Ok(supports::table
        .filter(supports::case_id.eq(case_id))
        .filter(supports::email.eq(email))
        .select(SupportRecord::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_support(
    conn: &mut DbConn,
    case_id: i64,
    email: &str,
    locale: &str,
    now: NaiveDateTime,
    confirmed: bool,
) -> Result<(), DbError> {
    diesel::insert_into(supports::table)
        .values((
            supports::case_id.eq(case_id),
            supports::email.eq(email),
            supports::locale.eq(locale),
            supports::created_at.eq(now),
            supports::confirmed_at.eq(confirmed.then_some(now)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn confirm_support(
    conn: &mut DbConn,
    case_id: i64,
    email: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(
        supports::table
            .filter(supports::case_id.eq(case_id))
            .filter(supports::email.eq(email))
            .filter(supports::confirmed_at.is_null()),
    )
    .set(supports::confirmed_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// Confirmed supports of a case.
pub fn support_count(conn: &mut DbConn, case_id: i64) -> Result<i64, DbError> {
    Ok(supports::table
        .filter(supports::case_id.eq(case_id))
        .filter(supports::confirmed_at.is_not_null())
        .count()
        .get_result(conn)?)
}

/// Confirmed supports of many cases at once (the register), by case; cases without any
/// are absent.
pub fn support_counts(
    conn: &mut DbConn,
    case_ids: &[i64],
) -> Result<std::collections::HashMap<i64, i64>, DbError> {
    let mut counts = std::collections::HashMap::new();
    for chunk in case_ids.chunks(500) {
        let rows: Vec<(i64, i64)> = supports::table
            .filter(supports::case_id.eq_any(chunk))
            .filter(supports::confirmed_at.is_not_null())
            .group_by(supports::case_id)
            .select((supports::case_id, diesel::dsl::count_star()))
            .load(conn)?;
        counts.extend(rows);
    }
    Ok(counts)
}

/// Who confirmed a support of the case, with their language.
pub fn supporters(conn: &mut DbConn, case_id: i64) -> Result<Vec<(i64, String, String)>, DbError> {
    Ok(supports::table
        .filter(supports::case_id.eq(case_id))
        .filter(supports::confirmed_at.is_not_null())
        .filter(supports::mail_stopped_at.is_null())
        .order(supports::id)
        .select((supports::id, supports::email, supports::locale))
        .load(conn)?)
}

/// Stops the mail of one support (it keeps counting); the case's number, or `None` for an
/// unknown support. Stopping twice is fine.
pub fn stop_support_mail(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> Result<Option<String>, DbError> {
    diesel::update(
        supports::table
            .filter(supports::id.eq(id))
            .filter(supports::mail_stopped_at.is_null()),
    )
    .set(supports::mail_stopped_at.eq(now))
    .execute(conn)?;
    Ok(supports::table
        .inner_join(cases::table.on(cases::id.eq(supports::case_id)))
        .filter(supports::id.eq(id))
        .select(cases::tracking_number)
        .first(conn)
        .optional()?)
}

/// The supports an address made, with each case's number (for the data download).
pub fn supports_by(conn: &mut DbConn, email: &str) -> Result<Vec<(String, SupportRecord)>, DbError> {
    Ok(supports::table
        .inner_join(cases::table.on(cases::id.eq(supports::case_id)))
        .filter(supports::email.eq(email))
        .order(supports::id)
        .select((cases::tracking_number, SupportRecord::as_select()))
        .load(conn)?)
}
