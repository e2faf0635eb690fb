//! A resident's account: sign in by a link sent to their email, see every case, add one
//! filed earlier by its private link, download everything kept about them.

use std::collections::BTreeMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::{PageCtx, html};
use crate::format::{date, department_name, state_name};
use crate::service::ServiceError;
use crate::service::caller::{Caller, ResidentProof};
use crate::service::residents::{self, Purpose, ResidentAccount};
use crate::web::App;
use crate::web::error::{AppError, Localize, PageError, field_messages};
use crate::web::forms::{Posted, csrf_field};
use crate::web::query::parse_number;
use crate::web::resident;

pub struct CaseLine {
    pub number: String,
    pub title: String,
    pub state: String,
    pub department: String,
    pub submitted: String,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    page: PageCtx,
    account: Option<String>,
    cases: Vec<CaseLine>,
    email: String,
    link: String,
    notice: Option<String>,
    errors: BTreeMap<String, String>,
}

impl AccountPage {
    fn new(page: PageCtx) -> Self {
        AccountPage {
            account: None,
            cases: Vec::new(),
            email: String::new(),
            link: String::new(),
            notice: None,
            errors: BTreeMap::new(),
            page,
        }
    }

    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

/// The account page of a signed-in resident, with their cases.
async fn signed_in_page(
    state: &App,
    mut view: AccountPage,
    account: ResidentAccount,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let locale = view.page.locale();
    let caller = Caller::Resident(ResidentProof::Account(account.clone()));
    let held = residents::cases_held(state, &caller).await.page(locale)?;
    let catalog = state.catalog();
    view.cases = held
        .into_iter()
        .map(|r| CaseLine {
            state: state_name(view.page.tr, r.state).to_string(),
            department: department_name(&catalog, locale, &r.department_code),
            submitted: date(locale, r.submitted_at, state.tz),
            number: r.number,
            title: r.title,
        })
        .collect();
    view.account = Some(account.email);
    Ok(html(status, view.render()))
}

#[derive(Deserialize)]
pub struct AccountQuery {
    linked: Option<String>,
}

#[get("/account")]
pub async fn show(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    query: web::Query<AccountQuery>,
) -> Result<HttpResponse, PageError> {
    let mut view = AccountPage::new(PageCtx::new(&req, &session));
    match resident::signed_in(&session) {
        Some(account) => {
            view.notice = query
                .linked
                .as_deref()
                .map(|n| view.page.f("account.linked", &[("number", n)]));
            signed_in_page(&state, view, account, StatusCode::OK).await
        }
        None => Ok(html(StatusCode::OK, view.render())),
    }
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}
csrf_field!(EmailForm);

#[post("/account/sign-in")]
pub async fn request_link(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    posted: Posted<EmailForm>,
) -> Result<HttpResponse, PageError> {
    let (form, fresh) = posted.into_parts();
    let mut view = AccountPage::new(PageCtx::new(&req, &session));
    view.email = form.email.clone();
    if !fresh {
        view.errors.insert("form".into(), view.page.t("err.csrf").into());
        return Ok(html(StatusCode::FORBIDDEN, view.render()));
    }
    let locale = view.page.locale();
    let budget = crate::web::client::new_address_budget(&state, &req);
    let sent = residents::ask_sign_in(&state, form.email.clone(), locale, budget).await;
    match sent {
        Ok(()) => {
            view.notice = Some(view.page.f("account.link_sent", &[("email", form.email.trim())]));
            Ok(html(StatusCode::OK, view.render()))
        }
        Err(ServiceError::Invalid(errors)) => {
            view.errors = field_messages(view.page.tr, &errors);
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, view.render()))
        }
        Err(other) => {
            let error = AppError::from(other);
            view.errors.insert("form".into(), error.message(view.page.tr));
            Ok(html(error.status(), view.render()))
        }
    }
}

#[derive(Template)]
#[template(path = "link.html")]
pub struct LinkPage {
    pub page: PageCtx,
    pub heading: String,
    pub paragraphs: Vec<String>,
    pub error: Option<String>,
    /// Where the button posts, when the link can still be used.
    pub action: Option<String>,
    pub token: String,
    pub button: String,
    pub back: Option<(String, String)>,
}

#[derive(Deserialize)]
pub struct LinkQuery {
    #[serde(default)]
    token: String,
}

impl LinkQuery {
    pub fn token(&self) -> &str {
        &self.token
    }
}

/// The page a mailed link opens: a button that uses it, or why it cannot be used.
pub async fn link_page(
    state: &App,
    page: PageCtx,
    token: String,
    purpose: Purpose,
    key: &str,
    action: &str,
) -> Result<HttpResponse, PageError> {
    let locale = page.locale();
    let valid = residents::link_works(state, token.clone(), purpose)
        .await
        .page(locale)?;
    let view = LinkPage {
        heading: page.t(&format!("{key}.heading")).into(),
        paragraphs: vec![page.t(&format!("{key}.body")).into()],
        error: (!valid).then(|| page.t("error.link_used").into()),
        action: valid.then(|| action.to_string()),
        token,
        button: page.t(&format!("{key}.button")).into(),
        back: (!valid).then(|| ("/account".into(), page.t("account.title").into())),
        page,
    };
    let status = if valid { StatusCode::OK } else { StatusCode::GONE };
    Ok(html(status, view.render()))
}

#[get("/account/link")]
pub async fn open_link(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    query: web::Query<LinkQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::new(&req, &session);
    link_page(
        &state,
        page,
        query.token.clone(),
        Purpose::SignIn,
        "account.use_link",
        "/account/link",
    )
    .await
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub token: String,
}
csrf_field!(TokenForm);

/// Refuses a form whose CSRF field does not match, on the link page.
pub fn stale_form(page: PageCtx, token: String) -> HttpResponse {
    let view = LinkPage {
        heading: page.t("err.csrf_heading").into(),
        paragraphs: vec![],
        error: Some(page.t("err.csrf").into()),
        action: None,
        token,
        button: String::new(),
        back: Some(("/account".into(), page.t("account.title").into())),
        page,
    };
    html(StatusCode::FORBIDDEN, view.render())
}

#[post("/account/link")]
pub async fn use_link(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    posted: Posted<TokenForm>,
) -> Result<HttpResponse, PageError> {
    let (form, fresh) = posted.into_parts();
    let page = PageCtx::new(&req, &session);
    let locale = page.locale();
    if !fresh {
        return Ok(stale_form(page, form.token.clone()));
    }
    let account = residents::use_sign_in(&state, form.token.clone())
        .await
        .page(locale)?;
    resident::remember(&state, &session, &account)
        .await
        .page(locale)?;
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, "/account"))
        .finish())
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}
csrf_field!(CsrfForm);

#[post("/account/sign-out")]
pub async fn sign_out(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    posted: Posted<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    let (_, fresh) = posted.into_parts();
    if fresh {
        let locale = PageCtx::new(&req, &session).locale();
        resident::forget(&state, &session).await.page(locale)?;
    }
    Ok(HttpResponse::SeeOther().insert_header((LOCATION, "/")).finish())
}

#[derive(Deserialize)]
pub struct LinkCaseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    link: String,
}
csrf_field!(LinkCaseForm);

/// The number and token in a pasted private link (`…/cases/N?token=T`).
fn parse_private_link(text: &str) -> Option<(String, String)> {
    let text = text.trim();
    let (path, query) = text.split_once('?')?;
    let number = path.trim_end_matches('/').rsplit('/').next()?.to_string();
    let token = form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "token")
        .map(|(_, value)| value.trim().to_string())?;
    (!number.is_empty() && !token.is_empty()).then_some((number, token))
}

#[post("/account/cases")]
pub async fn link_case(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    posted: Posted<LinkCaseForm>,
) -> Result<HttpResponse, PageError> {
    let (form, fresh) = posted.into_parts();
    let mut view = AccountPage::new(PageCtx::new(&req, &session));
    let locale = view.page.locale();
    let Some(account) = resident::signed_in(&session) else {
        return Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, "/account"))
            .finish());
    };
    view.link = form.link.clone();
    if !fresh {
        view.errors.insert("form".into(), view.page.t("err.csrf").into());
        return signed_in_page(&state, view, account, StatusCode::FORBIDDEN).await;
    }
    let parsed = parse_private_link(&form.link).and_then(|(n, t)| parse_number(&n).ok().map(|n| (n, t)));
    let Some((number, token)) = parsed else {
        view.errors
            .insert("link".into(), view.page.t("err.private_link").into());
        return signed_in_page(&state, view, account, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let caller = Caller::Resident(ResidentProof::Account(account.clone()));
    let linked = residents::hold_case(&state, &caller, number.clone(), token).await;
    match linked {
        Ok(()) => Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, format!("/account?linked={number}")))
            .finish()),
        Err(ServiceError::NotFound | ServiceError::Forbidden { .. }) => {
            view.errors
                .insert("link".into(), view.page.t("err.private_link").into());
            signed_in_page(&state, view, account, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(PageError {
            error: AppError::from(other),
            locale,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pasted_private_link_gives_its_number_and_token() {
        assert_eq!(
            parse_private_link(" http://127.0.0.1:8080/cases/2611260000019?token=ab_c-D%3D "),
            Some(("2611260000019".into(), "ab_c-D=".into()))
        );
        assert_eq!(
            parse_private_link("/cases/2611260000019/?lang=en&token=xyz"),
            Some(("2611260000019".into(), "xyz".into()))
        );
        assert_eq!(parse_private_link("2611260000019"), None);
        assert_eq!(parse_private_link("/cases/2611260000019?token="), None);
    }
}
