//! Answer templates.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::conn::{DbConn, DbError};
use super::schema::answer_templates;

#[derive(Debug, Clone, Queryable, Selectable, PartialEq, Eq)]
#[diesel(table_name = answer_templates)]
pub struct TemplateRecord {
    pub id: i32,
    pub category_code: String,
    pub department_code: Option<String>,
    pub title: String,
    pub outcome: String,
    pub body: String,
    pub legal_basis: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = answer_templates, treat_none_as_default_value = false)]
pub struct NewTemplateRow<'a> {
    pub category_code: &'a str,
    pub department_code: Option<&'a str>,
    pub title: &'a str,
    pub outcome: &'a str,
    pub body: &'a str,
    pub legal_basis: &'a str,
    pub created_by: Option<i32>,
    pub created_at: NaiveDateTime,
}

pub fn insert_template(conn: &mut DbConn, row: &NewTemplateRow<'_>) -> Result<(), DbError> {
    diesel::insert_into(answer_templates::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Templates a department may use: its own and the shared ones, for one category or all.
pub fn templates_for(
    conn: &mut DbConn,
    department: Option<&str>,
    category: Option<&str>,
) -> Result<Vec<TemplateRecord>, DbError> {
    let mut query = answer_templates::table
        .select(TemplateRecord::as_select())
        .order((answer_templates::category_code, answer_templates::title))
        .into_boxed::<super::conn::MultiBackend>();
    if let Some(category) = category {
        query = query.filter(answer_templates::category_code.eq(category.to_string()));
    }
    query = match department {
        Some(d) => query.filter(
            answer_templates::department_code
                .is_null()
                .or(answer_templates::department_code.eq(d.to_string())),
        ),
        None => query,
    };
    Ok(query.load(conn)?)
}

pub fn find_template(conn: &mut DbConn, id: i32) -> Result<Option<TemplateRecord>, DbError> {
    Ok(answer_templates::table
        .find(id)
        .select(TemplateRecord::as_select())
        .first(conn)
        .optional()?)
}

pub fn delete_template(conn: &mut DbConn, id: i32) -> Result<bool, DbError> {
    Ok(diesel::delete(answer_templates::table.find(id)).execute(conn)? == 1)
}

pub fn count_templates(conn: &mut DbConn) -> Result<i64, DbError> {
    Ok(answer_templates::table.count().get_result(conn)?)
}
