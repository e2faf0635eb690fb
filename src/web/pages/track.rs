//! Public tracking by number: state, department and dates; nothing personal.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::case::PublicSummary;
use super::{PageCtx, html};
use crate::service::ServiceError;
use crate::web::App;
use crate::web::error::{AppError, Localize, PageError};
use crate::web::forms::Posted;
use crate::web::query::parse_number;

#[derive(Deserialize)]
pub struct TrackQuery {
    number: Option<String>,
}

#[derive(Template)]
#[template(path = "track.html")]
struct TrackPage {
    page: PageCtx,
    number: String,
    error: Option<String>,
    found: Option<PublicSummary>,
    /// Why the number and phone code did not open the case.
    code_error: Option<String>,
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    code: String,
}
crate::web::forms::csrf_field!(CodeForm);

/// A resident reached only by phone or letter opens their case with its number and the
/// code the clerk read out (posted, so the code stays out of addresses and logs).
#[post("/track/open")]
pub async fn open_with_code(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    posted: Posted<CodeForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::new(&req, &session);
    let locale = page.locale();
    let (form, fresh) = posted.into_parts();
    let refused = |page: PageCtx, message: String, status: StatusCode| {
        let view = TrackPage {
            page,
            number: form.number.clone(),
            error: None,
            found: None,
            code_error: Some(message),
        };
        html(status, view.render())
    };
    if !fresh {
        let message = page.t("err.csrf").to_string();
        return Ok(refused(page, message, StatusCode::FORBIDDEN));
    }
    // Codes are guessed no faster than numbers are looked up.
    if let Err(error) = crate::web::client::count_lookup(&state, &req) {
        let message = error.message(page.tr);
        return Ok(refused(page, message, error.status()));
    }
    let number = match parse_number(&form.number) {
        Ok(n) => n,
        Err(e) => {
            let message = e.message(page.tr);
            return Ok(refused(page, message, StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    match crate::service::cases::open_by_code(&state, number.clone(), &form.code).await {
        Ok(token) => Ok(super::see_other(&format!(
            "/cases/{number}?token={}",
            super::encode(&token)
        ))),
        Err(ServiceError::Forbidden { key }) => {
            let message = page.t(key).to_string();
            Ok(refused(page, message, StatusCode::FORBIDDEN))
        }
        Err(other) => Err(other).page(locale),
    }
}

#[get("/track")]
pub async fn track(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    query: web::Query<TrackQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::new(&req, &session);
    let locale = page.locale();
    let number = query.number.clone().unwrap_or_default();
    let mut view = TrackPage {
        page,
        number: number.clone(),
        error: None,
        found: None,
        code_error: None,
    };
    if number.trim().is_empty() {
        return Ok(html(StatusCode::OK, view.render()));
    }
    // Numbers are sequential: one address may look up only so many an hour.
    if let Err(error) = crate::web::client::count_lookup(&state, &req) {
        view.error = Some(error.message(view.page.tr));
        return Ok(super::error_page(&error, view.render()));
    }
    let parsed = match parse_number(&number) {
        Ok(n) => n,
        Err(e) => {
            view.error = Some(e.message(view.page.tr));
            return Ok(html(StatusCode::NOT_FOUND, view.render()));
        }
    };
    match crate::service::cases::public(&state, parsed).await {
        Ok(case) => {
            view.found = Some(PublicSummary::new(
                &state.catalog(),
                view.page.tr,
                state.tz,
                &case,
            ));
            Ok(html(StatusCode::OK, view.render()))
        }
        Err(ServiceError::NotFound) => {
            view.error = Some(
                AppError::NotFound {
                    key: "error.case_not_found",
                }
                .message(view.page.tr),
            );
            Ok(html(StatusCode::NOT_FOUND, view.render()))
        }
        Err(other) => Err(other).page(locale),
    }
}
