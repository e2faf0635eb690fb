//! Signing in and out of the staff workspace.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::local_path::LocalPath;
use crate::service::ServiceError;
use crate::service::auth::login as sign_in;
use crate::web::App;
use crate::web::auth::{client_ip, forget, remember};
use crate::web::error::{AppError, Localize, PageError};
use crate::web::forms::{Posted, csrf_field};
use crate::web::pages::{PageCtx, error_page, html};

use super::CsrfForm;
use crate::web::pages::see_other;

#[derive(Template)]
#[template(path = "staff_login.html")]
struct LoginPage {
    page: PageCtx,
    username: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

#[get("/staff/login")]
pub async fn login_form(req: HttpRequest, session: Session, query: web::Query<NextQuery>) -> HttpResponse {
    let view = LoginPage {
        page: PageCtx::new(&req, &session),
        username: String::new(),
        // Empty: each role's own home once signed in.
        next: query.next.clone().unwrap_or_default(),
        error: None,
    };
    html(StatusCode::OK, view.render())
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}
csrf_field!(LoginForm);

#[post("/staff/login")]
pub async fn login(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    posted: Posted<LoginForm>,
) -> Result<HttpResponse, PageError> {
    let (form, fresh) = posted.into_parts();
    let page = PageCtx::new(&req, &session);
    let mut view = LoginPage {
        username: form.username.clone(),
        next: form.next.clone(),
        error: None,
        page,
    };
    if !fresh {
        view.error = Some(view.page.t("err.csrf").to_string());
        return Ok(html(StatusCode::FORBIDDEN, view.render()));
    }
    match sign_in(&state, &form.username, &form.password, &client_ip(&req)).await {
        Ok(user) => {
            remember(&state, &session, &user).await.page(view.page.locale())?;
            let home = crate::domain::permissions::home(user.role);
            Ok(see_other(LocalPath::parse_or(Some(&form.next), home).as_str()))
        }
        Err(ServiceError::Unauthenticated) => {
            view.error = Some(view.page.t("error.bad_login").to_string());
            Ok(html(StatusCode::UNAUTHORIZED, view.render()))
        }
        Err(e @ (ServiceError::TooManyAttempts { .. } | ServiceError::Busy { .. })) => {
            let error = AppError::from(e);
            view.error = Some(error.message(view.page.tr));
            Ok(error_page(&error, view.render()))
        }
        Err(other) => Err(other).page(view.page.locale()),
    }
}

#[post("/staff/logout")]
pub async fn logout(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    posted: Posted<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    let (_, fresh) = posted.into_parts();
    if fresh {
        let locale = PageCtx::new(&req, &session).locale();
        forget(&state, &session).await.page(locale)?;
    }
    Ok(see_other("/"))
}
