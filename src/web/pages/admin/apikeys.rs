//! Open311 clients' keys: issue one (shown once), see when each was last used, revoke.

use std::collections::BTreeMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::service::api_keys;
use crate::web::App;
use crate::web::auth::SignedIn;
use crate::web::error::{Localize, PageError};
use crate::web::forms::{Posted, Refused, csrf_field, shown};
use crate::web::pages::{PageCtx, html, see_other};

pub struct KeyLine {
    pub id: i32,
    pub name: String,
    pub created: String,
    pub last_used: String,
    pub revoked: bool,
    pub per_hour: i32,
}

#[derive(Template)]
#[template(path = "admin_apikeys.html")]
struct KeysPage {
    page: PageCtx,
    keys: Vec<KeyLine>,
    /// A key just issued: shown this once.
    issued: Option<String>,
    errors: BTreeMap<String, String>,
}

async fn render(
    state: &App,
    page: PageCtx,
    user: &crate::service::auth::StaffUser,
    issued: Option<String>,
    errors: BTreeMap<String, String>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let locale = page.locale();
    let at = |t: chrono::NaiveDateTime| crate::format::date_time(locale, t.and_utc(), state.tz);
    let keys = api_keys::list(state, user)
        .await
        .page(locale)?
        .into_iter()
        .map(|k| KeyLine {
            id: k.id,
            created: at(k.created_at),
            last_used: k
                .last_used_at
                .map(at)
                .unwrap_or_else(|| page.t("apikeys.never").to_string()),
            revoked: k.revoked_at.is_some(),
            per_hour: k.filings_per_hour,
            name: k.name,
        })
        .collect();
    let view = KeysPage {
        keys,
        issued,
        errors,
        page,
    };
    Ok(html(status, view.render()))
}

#[get("/admin/apikeys")]
pub async fn list(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    render(&state, page, &user, None, BTreeMap::new(), StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct IssueForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    filings_per_hour: String,
}

#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    csrf: String,
}
csrf_field!(IssueForm, RevokeForm);

#[post("/admin/apikeys")]
pub async fn issue(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    posted: Posted<IssueForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let per_hour = posted
        .form
        .filings_per_hour
        .trim()
        .parse()
        .unwrap_or(api_keys::DEFAULT_PER_HOUR);
    let name = posted.form.name.clone();
    let result: Result<_, Refused> = async {
        posted.fresh()?;
        Ok(api_keys::issue(&state, &user, name, per_hour).await?)
    }
    .await;
    match result {
        // Shown on this answer only: it is not kept, and a reload does not show it again.
        Ok((_, key)) => render(&state, page, &user, Some(key), BTreeMap::new(), StatusCode::OK).await,
        Err(refused) => {
            let shown = shown(page.tr, refused).page(page.locale())?;
            render(&state, page, &user, None, shown.errors, shown.status).await
        }
    }
}

#[post("/admin/apikeys/{id}/revoke")]
pub async fn revoke(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    path: web::Path<i32>,
    posted: Posted<RevokeForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let result: Result<_, Refused> = async {
        posted.fresh()?;
        Ok(api_keys::revoke(&state, &user, path.into_inner()).await?)
    }
    .await;
    match result {
        Ok(()) => Ok(see_other("/admin/apikeys")),
        Err(refused) => {
            let shown = shown(page.tr, refused).page(page.locale())?;
            render(&state, page, &user, None, shown.errors, shown.status).await
        }
    }
}
