//! For operators: `/healthz` (is the database reachable?) and `/metrics` (Prometheus).

use actix_web::{HttpResponse, get, web};
use diesel::connection::SimpleConnection;
use serde_json::json;

use super::App;
use crate::db::DbError;

#[get("/healthz")]
pub async fn healthz(state: web::Data<App>) -> HttpResponse {
    let check = state
        .db
        .run(|conn| conn.batch_execute("SELECT 1").map_err(DbError::from))
        .await;
    match check {
        Ok(()) => HttpResponse::Ok().json(json!({ "status": "ok", "database": "ok" })),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            HttpResponse::ServiceUnavailable()
                .json(json!({ "status": "unavailable", "database": "unreachable" }))
        }
    }
}

/// Prometheus text. The mail backlog is read from the database as it is asked for, so
/// every instance reports the shared outbox as it stands.
#[get("/metrics")]
pub async fn metrics(state: web::Data<App>) -> HttpResponse {
    let now = state.now();
    match state
        .db
        .run(move |conn| crate::db::outbox::backlog(conn, now.naive_utc()))
        .await
    {
        Ok(backlog) => {
            ::metrics::gauge!("mail_backlog", "which" => "waiting").set(backlog.waiting as f64);
            ::metrics::gauge!("mail_backlog", "which" => "due").set(backlog.due as f64);
            let lag = backlog.oldest_due.map_or(0.0, |at| {
                (now.naive_utc() - at).num_milliseconds().max(0) as f64 / 1000.0
            });
            ::metrics::gauge!("mail_backlog_oldest_due_seconds").set(lag);
        }
        Err(e) => tracing::warn!(error = %e, "could not read the mail backlog"),
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}
