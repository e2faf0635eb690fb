//! Outgoing mail: what waits, what failed, and trying a failed one again.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::SavedQuery;
use crate::web::App;
use crate::web::auth::SignedIn;
use crate::web::error::{AppError, Localize, PageError};
use crate::web::forms::{Posted, csrf_field};
use crate::web::pages::{PageCtx, html, see_other};

pub struct MailLine {
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    pub state: String,
    pub attempts: i32,
    pub when: String,
    pub error: String,
    pub retryable: bool,
}

#[derive(Template)]
#[template(path = "admin_mail.html")]
struct MailPage {
    page: PageCtx,
    /// What waits to be delivered, in a sentence.
    backlog: String,
    counts: Vec<(String, i64)>,
    lines: Vec<MailLine>,
    saved: bool,
}

#[get("/admin/mail")]
pub async fn mail(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    let outbox = crate::service::outbox::overview(&state, &user)
        .await
        .page(locale)?;
    let tz = state.tz;
    let backlog = outbox.backlog;
    let view = MailPage {
        backlog: page.tr.f(
            "mail_admin.backlog",
            &[
                ("waiting", &backlog.waiting.to_string()),
                ("due", &backlog.due.to_string()),
                (
                    "since",
                    &backlog
                        .oldest_due
                        .map(|at| crate::format::date_time(locale, at, tz))
                        .unwrap_or_else(|| "—".into()),
                ),
            ],
        ),
        counts: outbox
            .counts
            .into_iter()
            .map(|(s, n)| (page.t(&format!("mail_state.{}", s.as_str())).to_string(), n))
            .collect(),
        lines: outbox
            .lines
            .into_iter()
            .map(|l| MailLine {
                id: l.id,
                retryable: l.retryable(),
                kind: page.t(&format!("mail_kind.{}", l.kind)).to_string(),
                recipient: l.recipient,
                state: page.t(&format!("mail_state.{}", l.state.as_str())).to_string(),
                attempts: l.attempts,
                when: crate::format::date_time(locale, l.next_attempt_at, tz),
                error: l.last_error.unwrap_or_default(),
            })
            .collect(),
        saved: query.saved(),
        page,
    };
    Ok(html(StatusCode::OK, view.render()))
}

#[derive(Deserialize)]
pub struct RetryForm {
    #[serde(default)]
    csrf: String,
}
csrf_field!(RetryForm);

#[post("/admin/mail/{id}/retry")]
pub async fn retry_mail(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    id: web::Path<i64>,
    posted: Posted<RetryForm>,
) -> Result<HttpResponse, PageError> {
    let locale = PageCtx::staff(&req, &session, &user).locale();
    if !posted.is_fresh() {
        return Err(AppError::Forbidden { key: "err.csrf" }).page(locale);
    }
    crate::service::outbox::retry(&state, &user, id.into_inner())
        .await
        .page(locale)?;
    Ok(see_other("/admin/mail?saved=1"))
}
