//! The JSON API under `/api/v1`.

pub mod admin_catalog;
pub mod attachments;
pub mod cases;
pub mod catalog;
pub mod doc;
pub mod leaders;
pub mod liaisons;
pub mod reference;
pub mod residents;
pub mod routing;
pub mod staff;

use actix_session::SessionExt;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::JsonPayloadError;
use actix_web::http::header::{AUTHORIZATION, CONTENT_TYPE};
use actix_web::middleware::Next;
use actix_web::web;
use utoipa_actix_web::service_config::ServiceConfig;

use super::BODY_LIMIT;
use super::error::{AppError, for_request};

/// A header that proves a cookie-authenticated write comes from our own pages' script.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A POST that only the session cookie authenticates must be one no other site can make
/// a browser send: a JSON body (a cross-site form cannot send one, and no CORS preflight
/// is ever granted) or the session's CSRF token in [`CSRF_HEADER`]. Writes that carry a
/// token of their own (bearer or `?token=`) prove themselves and are not concerned.
pub async fn cookie_writes_need_json(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // POST is the only writing method a page on another site can make a browser send
    // without a CORS preflight (DELETE, PUT and PATCH always ask first, and are refused).
    if req.method() == actix_web::http::Method::POST
        && !req.headers().contains_key(AUTHORIZATION)
        && !req.query_string().contains("token=")
    {
        let session = req.get_session();
        let cookie_signed_in = super::resident::signed_in(&session).is_some()
            || session.get::<i32>("uid").ok().flatten().is_some();
        let json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .is_some_and(|v| v == "application/json" || v.ends_with("+json"));
        let header_token = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| super::csrf::verify(&session, t));
        if cookie_signed_in && !json && !header_token {
            return Err(for_request(
                req.request(),
                AppError::Forbidden {
                    key: "error.csrf_api",
                },
            ));
        }
    }
    next.call(req).await
}

/// Every route of the API, in the order they are matched. Each handler documents itself
/// (`#[utoipa::path]`); mounting it here puts it in [`doc::document`] too.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(doc::openapi_json)
        .service(catalog::categories)
        .service(catalog::areas)
        .service(catalog::departments)
        .service(catalog::directory)
        .service(catalog::figures)
        .service(catalog::board)
        .service(cases::file)
        .service(staff::login)
        .service(staff::queue)
        .service(staff::contact)
        .service(residents::request_link)
        .service(residents::start_session)
        .service(residents::end_session)
        .service(residents::my_cases)
        .service(residents::account_data)
        .service(residents::case_data)
        .service(residents::confirm_support)
        .service(residents::stop_support_mail)
        .service(residents::confirm_filing)
        .service(cases::similar)
        .service(routing::suggest)
        .service(routing::explain)
        .service(admin_catalog::list_departments)
        .service(admin_catalog::create_department)
        .service(admin_catalog::update_department)
        .service(admin_catalog::list_areas)
        .service(admin_catalog::create_area)
        .service(admin_catalog::update_area)
        .service(admin_catalog::list_groups)
        .service(admin_catalog::create_group)
        .service(admin_catalog::update_group)
        .service(admin_catalog::list_categories)
        .service(admin_catalog::create_category)
        .service(admin_catalog::update_category)
        .service(admin_catalog::list_channels)
        .service(admin_catalog::create_channel)
        .service(admin_catalog::update_channel)
        .service(admin_catalog::list_rules)
        .service(admin_catalog::set_rule)
        .service(admin_catalog::retire_rule)
        .service(admin_catalog::list_liaisons)
        .service(admin_catalog::create_liaison)
        .service(admin_catalog::update_liaison)
        .service(admin_catalog::history)
        .service(admin_catalog::move_cases)
        .service(admin_catalog::export_file)
        .service(admin_catalog::import_file)
        .service(leaders::create_day)
        .service(leaders::list_days)
        .service(leaders::book_day)
        .service(leaders::cancel_booking)
        .service(leaders::day_queue)
        .service(leaders::cancel_day)
        .service(leaders::record_meeting)
        .service(leaders::monthly_report)
        .service(liaisons::record_visit)
        .service(liaisons::ledger)
        .service(attachments::fetch)
        .service(cases::show)
        // Before the catch-all of actions on a case.
        .service(residents::support)
        .service(attachments::add)
        .service(leaders::take_charge)
        .service(staff::action)
        .default_service(web::to(super::error::not_found));
}

/// JSON bodies: size-limited, and every failure answered in our error format.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(BODY_LIMIT)
        .error_handler(|err, req| {
            let error = match &err {
                JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
                    AppError::PayloadTooLarge
                }
                JsonPayloadError::ContentType => AppError::UnsupportedMediaType,
                JsonPayloadError::Deserialize(e) => AppError::BadRequest(e.to_string()),
                other => AppError::BadRequest(other.to_string()),
            };
            for_request(req, error)
        })
}
