//! For operators: `/healthz` (alive: the database answers), `/readyz` (ready for traffic:
//! also the schema is current and mail is not backed up) and `/metrics` (Prometheus).

use actix_web::{HttpResponse, get, web};
use serde_json::json;

use super::App;
use crate::service::{health, outbox};

#[get("/healthz")]
pub async fn healthz(app: web::Data<App>) -> HttpResponse {
    match health::check(&app).await {
        Ok(()) => HttpResponse::Ok().json(json!({ "status": "ok", "database": "ok" })),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            HttpResponse::ServiceUnavailable()
                .json(json!({ "status": "unavailable", "database": "unreachable" }))
        }
    }
}

#[get("/readyz")]
pub async fn readyz(app: web::Data<App>) -> HttpResponse {
    let r = health::readiness(&app).await;
    let body = json!({
        "status": if r.ready() { "ready" } else { "not_ready" },
        "database": if r.database { "ok" } else { "unreachable" },
        "pending_migrations": r.pending_migrations,
        "mail_due": r.mail_due,
        "mail_due_limit": r.mail_due_limit,
    });
    if r.ready() {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Prometheus text. The mail backlog is read from the database as it is asked for, so
/// every instance reports the shared outbox as it stands.
#[get("/metrics")]
pub async fn metrics(app: web::Data<App>) -> HttpResponse {
    match outbox::backlog(&app).await {
        Ok(backlog) => {
            ::metrics::gauge!("mail_backlog", "which" => "waiting").set(backlog.waiting as f64);
            ::metrics::gauge!("mail_backlog", "which" => "due").set(backlog.due as f64);
            let lag = backlog.oldest_due.map_or(0.0, |at| {
                (app.now() - at).num_milliseconds().max(0) as f64 / 1000.0
            });
            ::metrics::gauge!("mail_backlog_oldest_due_seconds").set(lag);
        }
        Err(e) => tracing::warn!(error = %e, "could not read the mail backlog"),
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(app.metrics.render())
}
