//! Answer templates per category: heads keep their department's, administrators the
//! shared ones; everyone who answers may start from them.

use chrono::{DateTime, Utc};

use super::ServiceError;
use super::auth::StaffUser;
use crate::app::App;
use crate::db::DbConn;
use crate::db::templates::{
    NewTemplateRow, TemplateRecord, delete_template, find_template, insert_template, templates_for,
};
use crate::domain::case::{Outcome, Role};
use crate::domain::catalog::Catalog;
use crate::domain::field_error::{FieldError, FieldErrors};
use crate::domain::text::{Lines, bounded_text};
use crate::domain::workflow::{AnswerText, LegalBasis};

bounded_text!(TemplateTitle, 2, 60, Lines::Single);

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct TemplateInput {
    pub category: String,
    pub title: String,
    pub outcome: String,
    pub text: String,
    pub legal_basis: String,
}

/// The department whose templates `user` keeps (`None`: shared, for administrators).
fn kept_by(user: &StaffUser) -> Result<Option<String>, ServiceError> {
    match user.role {
        Role::Admin => Ok(None),
        Role::Head => Ok(user.department.clone()),
        _ => Err(ServiceError::Forbidden { key: "deny.role" }),
    }
}

/// An answer template as staff pick it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerTemplate {
    pub id: i32,
    pub category_code: String,
    pub department_code: Option<String>,
    pub title: String,
    pub outcome: String,
    pub body: String,
    pub legal_basis: String,
}

impl From<TemplateRecord> for AnswerTemplate {
    fn from(t: TemplateRecord) -> Self {
        AnswerTemplate {
            id: t.id,
            category_code: t.category_code,
            department_code: t.department_code,
            title: t.title,
            outcome: t.outcome,
            body: t.body,
            legal_basis: t.legal_basis,
        }
    }
}

/// The templates this member of staff may use, for a category or all.
pub async fn usable_for(
    app: &App,
    user: &StaffUser,
    category: Option<String>,
) -> Result<Vec<AnswerTemplate>, ServiceError> {
    let user = user.clone();
    app.read(move |conn, _, _| {
        Ok(usable(conn, &user, category.as_deref())?
            .into_iter()
            .map(AnswerTemplate::from)
            .collect())
    })
    .await
}

/// Writes a new template for the department (or for everyone, by administrators).
pub async fn add(app: &App, user: &StaffUser, input: TemplateInput) -> Result<(), ServiceError> {
    let user = user.clone();
    app.write(move |conn, rules, now| create(conn, rules.catalog, &user, &input, now))
        .await
}

/// Deletes one of the department's templates.
pub async fn remove(app: &App, user: &StaffUser, id: i32) -> Result<(), ServiceError> {
    let user = user.clone();
    app.write(move |conn, _, _| delete(conn, &user, id)).await
}

/// Whether `user` may remove this template: administrators any, heads their
/// department's.
pub fn may_remove(user: &StaffUser, template: &AnswerTemplate) -> bool {
    match kept_by(user) {
        Ok(None) => true,
        Ok(department) => template.department_code == department,
        Err(_) => false,
    }
}

/// Whether `user` may add and remove templates.
pub fn may_manage(user: &StaffUser) -> bool {
    kept_by(user).is_ok()
}

/// Templates `user` may use, for a category or all.
pub fn usable(
    conn: &mut DbConn,
    user: &StaffUser,
    category: Option<&str>,
) -> Result<Vec<TemplateRecord>, ServiceError> {
    let department = match user.role {
        Role::Admin | Role::Leader => None,
        _ => Some(user.department.as_deref().unwrap_or_default()),
    };
    Ok(templates_for(conn, department, category)?)
}

pub fn template(conn: &mut DbConn, user: &StaffUser, id: i32) -> Result<TemplateRecord, ServiceError> {
    let t = find_template(conn, id)?.ok_or(ServiceError::NotFound)?;
    let visible = match (&t.department_code, user.role) {
        (None, _) | (_, Role::Admin | Role::Leader) => true,
        (Some(d), _) => user.department.as_deref() == Some(d.as_str()),
    };
    if visible {
        Ok(t)
    } else {
        Err(ServiceError::NotFound)
    }
}

pub fn create(
    conn: &mut DbConn,
    catalog: &Catalog,
    user: &StaffUser,
    input: &TemplateInput,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let department = kept_by(user)?;
    let mut errors = FieldErrors::new();
    if catalog.category(input.category.trim()).is_none() {
        errors.add("category", FieldError::new("err.choose_category"));
    }
    let title = errors.check("title", TemplateTitle::parse(&input.title));
    let outcome = errors.check(
        "outcome",
        Outcome::parse(input.outcome.trim()).ok_or_else(|| FieldError::new("err.outcome")),
    );
    let text = errors.check("text", AnswerText::parse(&input.text));
    let basis = errors.check("legal_basis", LegalBasis::parse(&input.legal_basis));
    let (Some(title), Some(outcome), Some(text), Some(basis), true) =
        (title, outcome, text, basis, errors.is_empty())
    else {
        return Err(ServiceError::Invalid(errors));
    };
    insert_template(
        conn,
        &NewTemplateRow {
            category_code: input.category.trim(),
            department_code: department.as_deref(),
            title: title.as_str(),
            outcome: outcome.as_str(),
            body: text.as_str(),
            legal_basis: basis.as_str(),
            created_by: Some(user.id),
            created_at: now.naive_utc(),
        },
    )?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, user: &StaffUser, id: i32) -> Result<(), ServiceError> {
    let department = kept_by(user)?;
    let t = find_template(conn, id)?.ok_or(ServiceError::NotFound)?;
    if department.is_some() && t.department_code != department {
        return Err(ServiceError::Forbidden {
            key: "deny.not_your_template",
        });
    }
    delete_template(conn, id)?;
    Ok(())
}
