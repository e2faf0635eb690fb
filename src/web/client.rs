//! What is counted per client address: filings, public look-ups by number, and mails to
//! addresses the portal never wrote to. The limiters live in the application core; the
//! address comes from the request.

use actix_session::Session;
use actix_web::HttpRequest;

use super::error::AppError;
use crate::app::App;
use crate::service::ServiceError;
use crate::service::file_case::FilingOptions;
use crate::service::residents::NewAddressBudget;

/// Counts a filing from the request's address against the per-hour limit.
pub fn count_filing(app: &App, req: &HttpRequest) -> Result<(), AppError> {
    app.filing_limit
        .check(super::auth::client_addr(req), app.now())
        .map_err(|wait| {
            metrics::counter!("filings_refused_total", "reason" => "rate").increment(1);
            AppError::TooManyRequests {
                key: "error.too_many_filings",
                retry_after_secs: wait.secs(),
            }
        })
}

/// The request's budget for mail to addresses the portal has never written to.
pub fn new_address_budget(app: &App, req: &HttpRequest) -> NewAddressBudget {
    let (limiter, client, now) = (
        app.new_address_mails.clone(),
        super::auth::client_addr(req),
        app.now(),
    );
    Box::new(move || {
        limiter.check(client, now).map_err(|wait| {
            metrics::counter!("mails_refused_total", "reason" => "new_address_budget").increment(1);
            ServiceError::TooManyAttempts {
                retry_after_secs: wait.secs(),
            }
        })
    })
}

/// Counts a public look-up by number from the request's address.
pub fn count_lookup(app: &App, req: &HttpRequest) -> Result<(), AppError> {
    app.lookups
        .check(super::auth::client_addr(req), app.now())
        .map_err(|wait| {
            metrics::counter!("lookups_refused_total").increment(1);
            AppError::TooManyRequests {
                key: "error.too_many_lookups",
                retry_after_secs: wait.secs(),
            }
        })
}

/// How a resident's own filing is handled: confirmation per the deployment, and the
/// signed-in account (if any) keeps it.
pub fn filing_options(app: &App, session: &Session) -> FilingOptions {
    FilingOptions {
        confirm_by_email: app.settings.confirm_filings,
        account: super::resident::signed_in(session).map(|a| a.id),
    }
}
