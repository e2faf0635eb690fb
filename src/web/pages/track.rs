//! Public tracking by number: state, department and dates; nothing personal.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;

use super::case::PublicSummary;
use super::{PageCtx, html};
use crate::service::ServiceError;
use crate::web::App;
use crate::web::error::{AppError, Localize, PageError};
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
