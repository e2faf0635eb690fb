//! The JSON API under `/api/v1`.

pub mod attachments;
pub mod cases;
pub mod catalog;
pub mod leaders;
pub mod residents;
pub mod staff;

use actix_web::error::JsonPayloadError;
use actix_web::{Scope, web};

use super::BODY_LIMIT;
use super::error::{AppError, for_request};

pub fn scope() -> Scope {
    web::scope("/api/v1")
        .service(catalog::categories)
        .service(catalog::areas)
        .service(catalog::departments)
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
        .service(leaders::create_day)
        .service(leaders::list_days)
        .service(leaders::book_day)
        .service(leaders::cancel_booking)
        .service(leaders::day_queue)
        .service(leaders::cancel_day)
        .service(leaders::record_meeting)
        .service(leaders::monthly_report)
        .service(attachments::fetch)
        .service(cases::show)
        // Before the catch-all of actions on a case.
        .service(residents::support)
        .service(attachments::add)
        .service(leaders::take_charge)
        .service(staff::action)
        .default_service(web::to(super::error::not_found))
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
