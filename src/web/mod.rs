//! HTTP: pages, the JSON API, health and metrics. Handlers parse input into domain types,
//! call a service off the async threads, and render the result.

pub mod api;
pub mod assets;
pub mod auth;
pub mod client;
pub mod csrf;
pub mod error;
pub mod exports;
pub mod forms;
pub mod locale;
pub mod open311;
pub mod ops;
pub mod pages;
pub mod query;
pub mod register_download;
pub mod resident;
pub mod upload;

use std::time::Instant;

use actix_session::SessionMiddleware;
use actix_session::storage::CookieSessionStore;
use actix_web::body::MessageBody;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{DefaultHeaders, Next, from_fn};
use actix_web::web;

pub use crate::app::App;

/// Request bodies larger than this are refused with 413 (a complaint is at most ~5,000
/// characters, i.e. ~15 KB of UTF-8; JSON escapes can triple that).
pub const BODY_LIMIT: usize = 64 * 1024;

/// Everything the app serves, given its state and the session key.
pub fn configure(state: App, session_key: Key) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg: &mut web::ServiceConfig| {
        let secure = state.settings.secure_cookies;
        cfg.app_data(web::Data::new(state))
            .app_data(api::json_config())
            .app_data(pages::form_config())
            .app_data(
                web::PathConfig::default().error_handler(|e, req| error::bad_request_for(req, e.to_string())),
            )
            .app_data(
                web::QueryConfig::default()
                    .error_handler(|e, req| error::bad_request_for(req, e.to_string())),
            )
            .service(ops::healthz)
            .service(ops::readyz)
            .service(ops::metrics)
            .service(assets::asset)
            .service(assets::favicon)
            .service(open311::scope())
            // The API sees the same session: a signed-in resident's browser calls it too.
            .service(
                utoipa_actix_web::scope("/api/v1")
                    .configure(api::routes)
                    .wrap(from_fn(api::cookie_writes_need_json))
                    .wrap(from_fn(auth::check_sessions))
                    .wrap(sessions(session_key.clone(), secure)),
            )
            .service(
                web::resource("/api")
                    .wrap(from_fn(auth::check_sessions))
                    .wrap(sessions(session_key.clone(), secure))
                    .route(web::get().to(api::reference::page)),
            )
            .service(
                web::scope("")
                    .wrap(from_fn(error::in_workspace))
                    .wrap(from_fn(auth::check_sessions))
                    .wrap(sessions(session_key, secure))
                    .configure(pages::routes),
            );
    }
}

/// Sessions in an encrypted cookie: who is signed in, and the CSRF token.
fn sessions(key: Key, secure: bool) -> SessionMiddleware<CookieSessionStore> {
    SessionMiddleware::builder(CookieSessionStore::default(), key)
        .cookie_name("huiying_session".into())
        .cookie_secure(secure)
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .build()
}

/// Headers every response carries. The private link puts a token in the URL, so no
/// referrer ever leaves the site. Nothing is stored by browsers or proxies unless a
/// handler says otherwise (the static files do): pages carry CSRF tokens and many carry
/// personal data (the private page, identities, contacts, the register, data downloads).
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("Cache-Control", "no-store"))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("X-Frame-Options", "DENY"))
        .add((
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
}

/// The method as a metrics label: the standard ones by name, anything a client made up as
/// `other`, so no request can add label values (and memory) without bound.
fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Picks up a catalogue another instance changed before the request reads it (the
/// database is asked at most every `catalog_recheck_ms`; a failed check is logged and the
/// request goes on with the catalogue held).
pub async fn fresh_catalogue(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if let Some(app) = req.app_data::<actix_web::web::Data<App>>()
        && let Err(e) = crate::service::catalogue::refresh(app).await
    {
        tracing::warn!(error = %e, "could not check the catalogue's version");
    }
    next.call(req).await
}

/// Counts requests and their latency per route pattern and status. Every label comes from
/// a bounded set: the method's name or `other`, the route's pattern (not the path), the status.
pub async fn record_metrics(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
    let response = next.call(req).await?;
    let code = response.status();
    // The one place every server error is logged, whatever produced it, with its cause.
    if code.is_server_error() {
        let cause = response.response().error().map(error::cause_of);
        if code == actix_web::http::StatusCode::SERVICE_UNAVAILABLE {
            tracing::warn!(status = code.as_u16(), %route, cause, "request refused: at capacity");
        } else {
            tracing::error!(status = code.as_u16(), %route, cause, "request failed");
        }
    }
    let status = code.as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method, "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    Ok(response)
}
