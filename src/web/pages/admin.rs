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
use crate::format::department_name;
use crate::service::ServiceError;
use crate::service::auth::StaffUser;
use crate::service::users::{
    Account, AccountInput, accounts, create_account, new_password, reset_password, update_account,
};
use crate::web::App;
use crate::web::auth::SignedIn;
use crate::web::csrf;
use crate::web::error::{AppError, Localize, PageError, field_messages};

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
    state: web::Data<App>,
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
    fn new(page: PageCtx, state: &App, id: Option<i32>, values: AccountInput, active: bool) -> Self {
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
    state: web::Data<App>,
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
    state: &App,
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
    state: web::Data<App>,
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
            let hash = crate::service::auth::hash_password(&state.passwords, password).await;
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
    state: web::Data<App>,
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
    state: web::Data<App>,
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
                    crate::service::auth::hash_password(&state.passwords, p)
                        .await
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

// ---------------------------------------------------------------- deadline policies

pub struct PolicyLine {
    pub code: String,
    pub name: String,
    pub urgent: bool,
    pub own: bool,
    pub policy: crate::domain::workflow::Policy,
}

#[derive(Template)]
#[template(path = "admin_deadlines.html")]
struct DeadlinesPage {
    page: PageCtx,
    lines: Vec<PolicyLine>,
    saved: bool,
}

/// Reloads what administrators just changed into this instance (others reload within a
/// minute, in their background loop).
pub async fn reload_rules(state: &App) -> Result<(), ServiceError> {
    let (policies, calendar) = state.db.run(crate::service::deadlines::load).await?;
    state.replace_policies(policies);
    state.replace_calendar(calendar);
    Ok(())
}

#[get("/admin/deadlines")]
pub async fn deadlines(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    admin_only(&user).page(locale)?;
    let catalog = state.catalog();
    let policies = state.policies();
    let lines = catalog
        .categories
        .iter()
        .map(|c| PolicyLine {
            code: c.code.clone(),
            name: c.names.get(locale).to_string(),
            urgent: c.urgent,
            own: policies.by_category.contains_key(&c.code),
            policy: policies.for_category(&catalog, &c.code).clone(),
        })
        .collect();
    let view = DeadlinesPage {
        lines,
        saved: query.saved.is_some(),
        page,
    };
    Ok(html(StatusCode::OK, view.render()))
}

#[derive(Template)]
#[template(path = "admin_deadline.html")]
struct DeadlinePage {
    page: PageCtx,
    code: String,
    name: String,
    values: crate::service::deadlines::PolicyInput,
    own: bool,
    errors: BTreeMap<String, String>,
}

/// One number input of the policy form.
pub struct DaysField {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub error: Option<String>,
}

impl DeadlinePage {
    fn fields(&self) -> Vec<DaysField> {
        let v = &self.values;
        [
            ("acceptance_days", "deadlines.acceptance", &v.acceptance_days),
            ("answer_days", "deadlines.answer", &v.answer_days),
            ("max_extension_days", "deadlines.extension", &v.max_extension_days),
            ("review_window_days", "deadlines.window", &v.review_window_days),
            ("review_answer_days", "deadlines.review", &v.review_answer_days),
        ]
        .into_iter()
        .map(|(name, label, value)| DaysField {
            name,
            label: self.page.t(label),
            value: value.clone(),
            error: self.errors.get(name).cloned(),
        })
        .collect()
    }
}

#[get("/admin/deadlines/{category}")]
pub async fn deadline_form(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    category: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    admin_only(&user).page(locale)?;
    let catalog = state.catalog();
    let c = catalog
        .category(&category)
        .ok_or_else(AppError::not_found)
        .page(locale)?;
    let policies = state.policies();
    let view = DeadlinePage {
        code: c.code.clone(),
        name: c.names.get(locale).to_string(),
        values: crate::service::deadlines::PolicyInput::of(policies.for_category(&catalog, &c.code)),
        own: policies.by_category.contains_key(&c.code),
        errors: BTreeMap::new(),
        page,
    };
    Ok(html(StatusCode::OK, view.render()))
}

#[derive(Deserialize)]
pub struct PolicyForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    input: crate::service::deadlines::PolicyInput,
    reset: Option<String>,
}

#[post("/admin/deadlines/{category}")]
pub async fn save_deadline(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    category: web::Path<String>,
    form: web::Form<PolicyForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    admin_only(&user).page(locale)?;
    let catalog = state.catalog();
    let c = catalog
        .category(&category)
        .ok_or_else(AppError::not_found)
        .page(locale)?
        .clone();
    let form = form.into_inner();
    let mut view = DeadlinePage {
        code: c.code.clone(),
        name: c.names.get(locale).to_string(),
        values: form.input.clone(),
        own: state.policies().by_category.contains_key(&c.code),
        errors: BTreeMap::new(),
        page,
    };
    if !csrf::verify(&session, &form.csrf) {
        view.errors.insert("form".into(), view.page.t("err.csrf").into());
        return Ok(html(StatusCode::FORBIDDEN, view.render()));
    }
    let policy = if form.reset.is_some() {
        None
    } else {
        match form.input.parse() {
            Ok(p) => Some(p),
            Err(errors) => {
                view.errors = field_messages(view.page.tr, &errors);
                return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, view.render()));
            }
        }
    };
    let code = c.code.clone();
    state
        .db
        .write(move |conn| {
            crate::service::deadlines::set_policy(conn, &catalog, Some(&user), &code, policy.as_ref())
        })
        .await
        .page(locale)?;
    reload_rules(&state).await.page(locale)?;
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, "/admin/deadlines?saved=1"))
        .finish())
}

// ---------------------------------------------------------------- holiday calendar

pub struct YearLine {
    pub year: i32,
    pub holidays: Vec<String>,
    pub makeup: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin_calendar.html")]
struct CalendarPage {
    page: PageCtx,
    years: Vec<YearLine>,
    text: String,
    errors: BTreeMap<String, String>,
    saved: bool,
}

fn calendar_page(
    page: PageCtx,
    state: &App,
    text: Option<String>,
    errors: BTreeMap<String, String>,
    saved: bool,
) -> CalendarPage {
    let calendar = state.calendar();
    let years = calendar
        .years()
        .map(|year| YearLine {
            year,
            holidays: calendar
                .holidays(year)
                .iter()
                .map(|h| format!("{} {} – {}", h.name, h.first, h.last))
                .collect(),
            makeup: calendar.makeup_days(year).map(|d| d.to_string()).collect(),
        })
        .collect();
    CalendarPage {
        text: text.unwrap_or_else(|| calendar.to_toml()),
        years,
        errors,
        saved,
        page,
    }
}

#[get("/admin/calendar")]
pub async fn show_calendar(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    admin_only(&user).page(page.locale())?;
    let view = calendar_page(page, &state, None, BTreeMap::new(), query.saved.is_some());
    Ok(html(StatusCode::OK, view.render()))
}

#[derive(Deserialize)]
pub struct CalendarForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    calendar: String,
}

#[post("/admin/calendar")]
pub async fn import_calendar(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    form: web::Form<CalendarForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    admin_only(&user).page(locale)?;
    let form = form.into_inner();
    if !csrf::verify(&session, &form.csrf) {
        let errors = BTreeMap::from([("form".to_string(), page.t("err.csrf").to_string())]);
        let view = calendar_page(page, &state, Some(form.calendar), errors, false);
        return Ok(html(StatusCode::FORBIDDEN, view.render()));
    }
    let text = form.calendar.clone();
    match state
        .db
        .write(move |conn| crate::service::deadlines::import_calendar(conn, Some(&user), &text))
        .await
    {
        Ok(_) => {
            reload_rules(&state).await.page(locale)?;
            Ok(HttpResponse::SeeOther()
                .insert_header((LOCATION, "/admin/calendar?saved=1"))
                .finish())
        }
        Err(ServiceError::Invalid(errors)) => {
            let messages = field_messages(page.tr, &errors);
            let view = calendar_page(page, &state, Some(form.calendar), messages, false);
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, view.render()))
        }
        Err(e) => Err(e).page(locale),
    }
}

// ---------------------------------------------------------------- mail

pub struct MailLine {
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    pub state: String,
    pub attempts: i32,
    pub when: String,
    pub error: String,
    pub retryable: bool,
}

#[derive(Template)]
#[template(path = "admin_mail.html")]
struct MailPage {
    page: PageCtx,
    /// What waits to be delivered, in a sentence.
    backlog: String,
    counts: Vec<(String, i64)>,
    lines: Vec<MailLine>,
    saved: bool,
}

#[get("/admin/mail")]
pub async fn mail(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    let outbox = crate::service::outbox::overview(&state, &user)
        .await
        .page(locale)?;
    let tz = state.tz;
    let backlog = outbox.backlog;
    let view = MailPage {
        backlog: page.tr.f(
            "mail_admin.backlog",
            &[
                ("waiting", &backlog.waiting.to_string()),
                ("due", &backlog.due.to_string()),
                (
                    "since",
                    &backlog
                        .oldest_due
                        .map(|at| crate::format::date_time(locale, at, tz))
                        .unwrap_or_else(|| "—".into()),
                ),
            ],
        ),
        counts: outbox
            .counts
            .into_iter()
            .map(|(s, n)| (page.t(&format!("mail_state.{}", s.as_str())).to_string(), n))
            .collect(),
        lines: outbox
            .lines
            .into_iter()
            .map(|l| MailLine {
                id: l.id,
                retryable: l.retryable(),
                kind: page.t(&format!("mail_kind.{}", l.kind)).to_string(),
                recipient: l.recipient,
                state: page.t(&format!("mail_state.{}", l.state.as_str())).to_string(),
                attempts: l.attempts,
                when: crate::format::date_time(locale, l.next_attempt_at, tz),
                error: l.last_error.unwrap_or_default(),
            })
            .collect(),
        saved: query.saved.is_some(),
        page,
    };
    Ok(html(StatusCode::OK, view.render()))
}

#[derive(Deserialize)]
pub struct RetryForm {
    #[serde(default)]
    csrf: String,
}

#[post("/admin/mail/{id}/retry")]
pub async fn retry_mail(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    id: web::Path<i64>,
    form: web::Form<RetryForm>,
) -> Result<HttpResponse, PageError> {
    let locale = PageCtx::staff(&req, &session, &user).locale();
    if !csrf::verify(&session, &form.csrf) {
        return Err(AppError::Forbidden { key: "err.csrf" }).page(locale);
    }
    crate::service::outbox::retry(&state, &user, id.into_inner())
        .await
        .page(locale)?;
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, "/admin/mail?saved=1"))
        .finish())
}
