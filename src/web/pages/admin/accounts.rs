//! Accounts: list, create, edit, deactivate, set a new password.

use std::collections::BTreeMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::SavedQuery;
use crate::domain::case::Role;
use crate::format::department_name;
use crate::service::ServiceError;
use crate::service::auth::NewPassword;
use crate::service::users::{self as service, Account, AccountInput, new_password};
use crate::web::App;
use crate::web::auth::SignedIn;
use crate::web::error::{Localize, PageError};
use crate::web::forms::{Posted, Refused, csrf_field, shown};
use crate::web::pages::file::Opt;
use crate::web::pages::{PageCtx, html, see_other};

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
    let list = service::list(&state, &user).await.page(locale)?;
    let catalog = state.catalog();
    let lines = list
        .into_iter()
        .map(|u| AccountLine {
            id: u.id,
            role: page.t(&format!("role.{}", u.role.as_str())).to_string(),
            department: u
                .department
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
        saved: query.saved(),
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
    /// Towns, each with its villages, to tick a liaison's areas.
    towns: Vec<(Opt, Vec<Opt>, bool)>,
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
            .filter(|d| d.active)
            .map(|d| Opt {
                code: d.code.clone(),
                name: d.names.get(locale).to_string(),
                selected: d.code == values.department,
            })
            .collect();
        let catalog = state.catalog();
        let opt = |a: &crate::domain::catalog::Area| Opt {
            code: a.code.clone(),
            name: a.names.get(locale).to_string(),
            selected: values.areas.contains(&a.code),
        };
        let towns = catalog
            .areas
            .iter()
            .filter(|a| a.active && a.level == 2)
            .map(|town| {
                let villages: Vec<Opt> = catalog
                    .area_children(&town.code)
                    .filter(|a| a.active)
                    .map(opt)
                    .collect();
                let town = opt(town);
                let open = town.selected || villages.iter().any(|v| v.selected);
                (town, villages, open)
            })
            .collect();
        UserPage {
            page,
            id,
            values,
            active,
            roles,
            departments,
            towns,
            errors: BTreeMap::new(),
        }
    }

    /// The form shown again with why it was not taken.
    fn refused(mut self, refused: Refused) -> Result<HttpResponse, PageError> {
        let locale = self.page.locale();
        let shown = shown(self.page.tr, refused).page(locale)?;
        self.errors = shown.errors;
        Ok(html(shown.status, self.render()))
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
    crate::service::require(&user, crate::domain::permissions::Duty::Administer).page(page.locale())?;
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
    /// A liaison's areas, one checkbox each (`area:CODE`).
    #[serde(flatten)]
    rest: BTreeMap<String, String>,
}
csrf_field!(AccountForm);

impl AccountForm {
    /// The account as typed, with the areas ticked.
    fn input(&self) -> AccountInput {
        AccountInput {
            areas: self
                .rest
                .keys()
                .filter_map(|k| k.strip_prefix("area:"))
                .map(str::to_string)
                .collect(),
            ..self.account.clone()
        }
    }
}

const SAVED: &str = "/admin/users?saved=1";

/// Parses the form; a password is required when creating and optional when editing.
fn parse_form(
    form: &AccountForm,
    state: &App,
    need_password: bool,
) -> Result<(Account, Option<NewPassword>), ServiceError> {
    let mut errors = match Account::parse(&form.input(), &state.catalog()) {
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
    posted: Posted<AccountForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    crate::service::require(&user, crate::domain::permissions::Duty::Administer).page(page.locale())?;
    let view = UserPage::new(page, &state, None, posted.form.input(), true);
    let result: Result<i32, Refused> = async {
        posted.fresh()?;
        let (account, password) = parse_form(&posted.form, &state, true)?;
        let password =
            password.ok_or_else(|| ServiceError::Internal("a new account needs a password".into()))?;
        Ok(service::create(&state, &user, account, password).await?)
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(SAVED)),
        Err(refused) => view.refused(refused),
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
    let account = service::get(&state, &user, id.into_inner())
        .await
        .page(page.locale())?;
    let view = UserPage::new(page, &state, Some(account.id), account.input(), account.active);
    Ok(html(StatusCode::OK, view.render()))
}

#[post("/admin/users/{id}")]
pub async fn update_user(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    id: web::Path<i32>,
    posted: Posted<AccountForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    crate::service::require(&user, crate::domain::permissions::Duty::Administer).page(page.locale())?;
    let (id, active) = (id.into_inner(), posted.form.active.is_some());
    let view = UserPage::new(page, &state, Some(id), posted.form.input(), active);
    let result: Result<(), Refused> = async {
        posted.fresh()?;
        let (account, password) = parse_form(&posted.form, &state, false)?;
        Ok(service::update(&state, &user, id, account, active, password).await?)
    }
    .await;
    match result {
        Ok(()) => Ok(see_other(SAVED)),
        Err(refused) => view.refused(refused),
    }
}
