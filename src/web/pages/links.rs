//! "Me too" from a case page, the pages that mailed links open (confirming a support or
//! a filing), and the data downloads.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::account::{LinkPage, LinkQuery, TokenForm, link_page, stale_form};
use super::{PageCtx, html};
use crate::service::ServiceError;
use crate::service::caller::{Caller, ResidentProof};
use crate::service::residents::{self, Purpose, Supported};
use crate::web::App;
use crate::web::error::{AppError, Localize, PageError};
use crate::web::exports::{case_export, download, export_json};
use crate::web::forms::{Posted, csrf_field};
use crate::web::query::parse_number;
use crate::web::resident;

/// The signed-in resident, or nobody (what "me too" and the account download go by).
fn signed_in_caller(session: &Session) -> Caller {
    resident::signed_in(session)
        .map(|a| Caller::Resident(ResidentProof::Account(a)))
        .unwrap_or(Caller::Anonymous)
}

#[derive(Deserialize)]
pub struct SupportForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}
csrf_field!(SupportForm);

fn message_page(
    page: PageCtx,
    heading: &str,
    paragraphs: Vec<String>,
    back: (String, String),
) -> HttpResponse {
    let view = LinkPage {
        heading: heading.to_string(),
        paragraphs,
        error: None,
        action: None,
        token: String::new(),
        button: String::new(),
        back: Some(back),
        page,
    };
    html(StatusCode::OK, view.render())
}

#[post("/cases/{number}/support")]
pub async fn support(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    path: web::Path<String>,
    posted: Posted<SupportForm>,
) -> Result<HttpResponse, PageError> {
    let (form, fresh) = posted.into_parts();
    let page = PageCtx::new(&req, &session);
    let locale = page.locale();
    let number = parse_number(&path).page(locale)?;
    let back = (
        format!("/cases/{number}"),
        page.f("support.back", &[("number", number.as_str())]),
    );
    if !fresh {
        return Ok(stale_form(page, String::new()));
    }
    let caller = signed_in_caller(&session);
    let budget = crate::web::client::new_address_budget(&state, &req);
    let supported = residents::add_support(
        &state,
        &caller,
        number.clone(),
        form.email.clone(),
        locale,
        budget,
    )
    .await;
    match supported {
        Ok(Supported::Counted { .. }) => Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, format!("/cases/{number}?supported=1")))
            .finish()),
        Ok(Supported::Pending) => Ok(message_page(
            page.clone(),
            page.t("support.check_mail_heading"),
            vec![page.f("support.check_mail", &[("email", form.email.trim())])],
            back,
        )),
        Err(
            e @ (ServiceError::Invalid(_)
            | ServiceError::Conflict { .. }
            | ServiceError::TooManyAttempts { .. }),
        ) => {
            let error = AppError::from(e);
            let message = error.form_message(page.tr);
            let view = LinkPage {
                heading: page.t("support.heading").into(),
                paragraphs: vec![],
                error: Some(message),
                action: None,
                token: String::new(),
                button: String::new(),
                back: Some(back),
                page,
            };
            Ok(html(error.status(), view.render()))
        }
        Err(e) => Err(e).page(locale),
    }
}

#[get("/supports/confirm")]
pub async fn open_support_link(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    query: web::Query<LinkQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::new(&req, &session);
    link_page(
        &state,
        page,
        query.token().to_string(),
        Purpose::Support,
        "support.use_link",
        "/supports/confirm",
    )
    .await
}

#[post("/supports/confirm")]
pub async fn use_support_link(
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
    let (number, _) = residents::confirm_support_link(&state, form.token.clone())
        .await
        .page(locale)?;
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, format!("/cases/{number}?supported=1")))
        .finish())
}

/// The page a supporter's "stop these mails" link opens: a button (mail scanners follow
/// links, so opening it changes nothing).
#[get("/supports/stop")]
pub async fn open_stop_link(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    query: web::Query<LinkQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::new(&req, &session);
    let token = query.token().to_string();
    let valid = residents::is_stop_link(&state.sealer, &token);
    let view = LinkPage {
        heading: page.t("support.stop.heading").into(),
        paragraphs: vec![page.t("support.stop.body").into()],
        error: (!valid).then(|| page.t("support.stop.invalid").into()),
        action: valid.then(|| "/supports/stop".to_string()),
        token,
        button: page.t("support.stop.button").into(),
        back: (!valid).then(|| ("/track".into(), page.t("nav.track").into())),
        page,
    };
    let status = if valid {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    Ok(html(status, view.render()))
}

#[post("/supports/stop")]
pub async fn use_stop_link(
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
    let number = residents::stop_news(&state, form.token.clone())
        .await
        .page(locale)?;
    let back = (
        format!("/track?number={number}"),
        page.t("filing_confirm.track").to_string(),
    );
    Ok(message_page(
        page.clone(),
        page.t("support.stop.done_heading"),
        vec![page.f("support.stop.done", &[("number", number.as_str())])],
        back,
    ))
}

#[get("/filings/confirm")]
pub async fn open_filing_link(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    query: web::Query<LinkQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::new(&req, &session);
    link_page(
        &state,
        page,
        query.token().to_string(),
        Purpose::ConfirmFiling,
        "filing_confirm",
        "/filings/confirm",
    )
    .await
}

#[post("/filings/confirm")]
pub async fn use_filing_link(
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
    let number = residents::confirm_filing_link(&state, form.token.clone())
        .await
        .page(locale)?;
    let back = (
        format!("/track?number={number}"),
        page.t("filing_confirm.track").to_string(),
    );
    Ok(message_page(
        page.clone(),
        page.t("filing_confirm.done_heading"),
        vec![page.f("filing_confirm.done", &[("number", number.as_str())])],
        back,
    ))
}

#[derive(Deserialize)]
pub struct DataQuery {
    token: Option<String>,
}

/// One case's data as JSON, by its private link or the account.
#[get("/cases/{number}/data")]
pub async fn case_data(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    path: web::Path<String>,
    query: web::Query<DataQuery>,
) -> Result<HttpResponse, PageError> {
    let locale = PageCtx::new(&req, &session).locale();
    let number = parse_number(&path).page(locale)?;
    let proof = match query.token.clone().filter(|t| !t.is_empty()) {
        Some(token) => ResidentProof::Token(token),
        None => ResidentProof::Account(
            resident::signed_in(&session)
                .ok_or(AppError::Forbidden {
                    key: "error.bad_token",
                })
                .page(locale)?,
        ),
    };
    let body = case_export(&state, locale, &Caller::Resident(proof), number.clone())
        .await
        .page(locale)?;
    Ok(download(&body, &format!("huiying-{number}.json")))
}

/// Everything the account holds, as JSON.
#[get("/account/data")]
pub async fn account_data(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
) -> Result<HttpResponse, PageError> {
    let locale = PageCtx::new(&req, &session).locale();
    let caller = signed_in_caller(&session);
    if caller.account().is_none() {
        return Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, "/account"))
            .finish());
    }
    let export = residents::export_mine(&state, &caller).await.page(locale)?;
    let body = export_json(&state.catalog(), locale, state.tz, &export, state.now());
    Ok(download(&body, "huiying-my-data.json"))
}
