//! Administrators manage accounts: list, create, edit, deactivate, set a new password.

use std::collections::BTreeMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::file::Opt;
use super::{PageCtx, html};
use crate::domain::case::Role;
use crate::service::ServiceError;
use crate::service::auth::StaffUser;
use crate::service::users::{
    Account, AccountInput, accounts, create_account, new_password, reset_password, update_account,
};
use crate::web::AppState;
use crate::web::auth::SignedIn;
use crate::web::csrf;
use crate::web::error::{AppError, Localize, PageError, field_messages};
use crate::web::format::department_name;

fn admin_only(user: &StaffUser) -> Result<(), AppError> {
    if user.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden { key: "deny.role" })
    }
}

pub struct AccountLine {
    pub id: i32,
    pub username: String,
    pub name: String,
    pub role: String,
    pub department: String,
    pub email: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    page: PageCtx,
    lines: Vec<AccountLine>,
    saved: bool,
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

#[get("/admin/users")]
pub async fn users(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    SignedIn(user): SignedIn,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    admin_only(&user).page(locale)?;
    let list = state
        .db
        .run(move |conn| accounts(conn, &user))
        .await
        .page(locale)?;
    let catalog = state.catalog();
    let lines = list
        .into_iter()
        .map(|u| AccountLine {
            id: u.id,
            role: page.t(&format!("role.{}", u.role)).to_string(),
            department: u
                .department_code
                .as_deref()
                .map(|d| department_name(&catalog, locale, d))
                .unwrap_or_default(),
            username: u.username,
            name: u.display_name,
            email: u.email.unwrap_or_default(),
            active: u.active,
        })
        .collect();
    let view = UsersPage {
        lines,
        saved: query.saved.is_some(),
        page,
    };
    Ok(html(StatusCode::OK, view.render()))
}

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserPage {
    page: PageCtx,
    /// `None` when creating.
    id: Option<i32>,
    values: AccountInput,
    active: bool,
    roles: Vec<Opt>,
    departments: Vec<Opt>,
    errors: BTreeMap<String, String>,
}

impl UserPage {
    fn new(page: PageCtx, state: &AppState, id: Option<i32>, values: AccountInput, active: bool) -> Self {
        let locale = page.locale();
        let roles = Role::ALL
            .iter()
            .map(|r| Opt {
                code: r.as_str().to_string(),
                name: page.t(&format!("role.{}", r.as_str())).to_string(),
                selected: r.as_str() == values.role,
            })
            .collect();
        let departments = state
            .catalog()
            .departments
            .iter()
            .map(|d| Opt {
                code: d.code.clone(),
                name: d.names.get(locale).to_string(),
                selected: d.code == values.department,
            })
            .collect();
        UserPage {
            page,
            id,
            values,
            active,
            roles,
            departments,
            errors: BTreeMap::new(),
        }
    }
}

#[get("/admin/users/new")]
pub async fn new_user_form(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    admin_only(&user).page(page.locale())?;
    let values = AccountInput {
        role: "staff".into(),
        ..AccountInput::default()
    };
    Ok(html(
        StatusCode::OK,
        UserPage::new(page, &state, None, values, true).render(),
    ))
}

#[derive(Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    account: AccountInput,
    #[serde(default)]
    password: String,
    active: Option<String>,
}

fn saved() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, "/admin/users?saved=1"))
        .finish()
}

/// Parses the form; a password is required when creating and optional when editing.
fn parse_form(
    form: &AccountForm,
    state: &AppState,
    need_password: bool,
) -> Result<(Account, Option<crate::service::auth::NewPassword>), ServiceError> {
    let mut errors = match Account::parse(&form.account, &state.catalog()) {
        Ok(account) => {
            if form.password.is_empty() && !need_password {
                return Ok((account, None));
            }
            return new_password("password", &form.password).map(|p| (account, Some(p)));
        }
        Err(errors) => errors,
    };
    if (need_password || !form.password.is_empty())
        && let Err(ServiceError::Invalid(more)) = new_password("password", &form.password)
    {
        for (field, e) in more.iter() {
            errors.add(field, e.clone());
        }
    }
    Err(ServiceError::Invalid(errors))
}

#[post("/admin/users/new")]
pub async fn create_user(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    SignedIn(user): SignedIn,
    form: web::Form<AccountForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    admin_only(&user).page(locale)?;
    let form = form.into_inner();
    let mut view = UserPage::new(page, &state, None, form.account.clone(), true);
    if !csrf::verify(&session, &form.csrf) {
        view.errors.insert("form".into(), view.page.t("err.csrf").into());
        return Ok(html(StatusCode::FORBIDDEN, view.render()));
    }
    let result = match parse_form(&form, &state, true) {
        Ok((account, Some(password))) => {
            let hash = tokio::task::spawn_blocking(move || password.hash())
                .await
                .map_err(|e| ServiceError::Internal(e.to_string()))
                .and_then(|r| r);
            match hash {
                Ok(hash) => {
                    let now = state.now();
                    state
                        .db
                        .write(move |conn| create_account(conn, Some(&user), &account, &hash, now))
                        .await
                        .map(|_| ())
                }
                Err(e) => Err(e),
            }
        }
        Ok((_, None)) => Err(ServiceError::Internal("a new account needs a password".into())),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(saved()),
        Err(ServiceError::Invalid(errors)) => {
            view.errors = field_messages(view.page.tr, &errors);
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, view.render()))
        }
        Err(e) => Err(e).page(locale),
    }
}

#[get("/admin/users/{id}")]
pub async fn edit_user_form(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    SignedIn(user): SignedIn,
    id: web::Path<i32>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    admin_only(&user).page(locale)?;
    let id = id.into_inner();
    let record = state
        .db
        .run(move |conn| crate::db::users::find_by_id(conn, id).map_err(ServiceError::from))
        .await
        .page(locale)?
        .ok_or_else(AppError::not_found)
        .page(locale)?;
    let values = AccountInput {
        username: record.username,
        display_name: record.display_name,
        role: record.role,
        department: record.department_code.unwrap_or_default(),
        email: record.email.unwrap_or_default(),
        locale: record.locale,
    };
    Ok(html(
        StatusCode::OK,
        UserPage::new(page, &state, Some(id), values, record.active).render(),
    ))
}

#[post("/admin/users/{id}")]
pub async fn update_user(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    SignedIn(user): SignedIn,
    id: web::Path<i32>,
    form: web::Form<AccountForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    admin_only(&user).page(locale)?;
    let id = id.into_inner();
    let form = form.into_inner();
    let active = form.active.is_some();
    let mut view = UserPage::new(page, &state, Some(id), form.account.clone(), active);
    if !csrf::verify(&session, &form.csrf) {
        view.errors.insert("form".into(), view.page.t("err.csrf").into());
        return Ok(html(StatusCode::FORBIDDEN, view.render()));
    }
    let result = match parse_form(&form, &state, false) {
        Ok((account, password)) => {
            let hash = match password {
                Some(p) => Some(
                    tokio::task::spawn_blocking(move || p.hash())
                        .await
                        .map_err(|e| ServiceError::Internal(e.to_string()))
                        .and_then(|r| r)
                        .page(locale)?,
                ),
                None => None,
            };
            state
                .db
                .write(move |conn| {
                    update_account(conn, &user, id, &account, active)?;
                    match hash {
                        Some(hash) => reset_password(conn, &user, id, &hash),
                        None => Ok(()),
                    }
                })
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(saved()),
        Err(ServiceError::Invalid(errors)) => {
            view.errors = field_messages(view.page.tr, &errors);
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, view.render()))
        }
        Err(e @ ServiceError::Conflict { .. }) => {
            view.errors
                .insert("form".into(), AppError::from(e).message(view.page.tr));
            Ok(html(StatusCode::CONFLICT, view.render()))
        }
        Err(e) => Err(e).page(locale),
    }
}
