//! The routing suggestion model: how well it does on the history held back from it,
//! where it confuses categories, and the switch and "train now" for administrators.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::SavedQuery;
use crate::service::caller::Caller;
use crate::web::App;
use crate::web::auth::SignedIn;
use crate::web::error::{AppError, Localize, PageError};
use crate::web::forms::{Posted, csrf_field};
use crate::web::pages::{PageCtx, html, see_other};

/// One cell of the confusion list: held-back cases of `actual` the model put in `suggested`.
pub struct ConfusionLine {
    pub actual: String,
    pub suggested: String,
    pub count: usize,
    pub right: bool,
}

#[derive(Template)]
#[template(path = "admin_routing.html")]
struct RoutingPage {
    page: PageCtx,
    on: bool,
    requested: Option<String>,
    /// "Model 3, trained … on 1,234 cases", or why there is none.
    model: String,
    figures: Vec<(String, String)>,
    confusion: Vec<ConfusionLine>,
    saved: bool,
}

fn percent(v: f32) -> String {
    format!("{:.1}%", v * 100.0)
}

#[get("/admin/routing")]
pub async fn routing(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    let status = crate::service::suggest::status(&state, &Caller::Staff(user))
        .await
        .page(locale)?;
    let catalog = state.catalog();
    let tr = page.tr;
    let model = match (status.version, status.trained_at) {
        (Some(v), Some(at)) => tr.f(
            "routing_admin.model",
            &[
                ("version", &v.to_string()),
                ("at", &crate::format::date_time(locale, at, state.tz)),
                ("cases", &status.cases.to_string()),
            ],
        ),
        _ => tr.f(
            "routing_admin.no_model",
            &[("min", &status.min_cases.to_string())],
        ),
    };
    let (figures, confusion) = match &status.figures {
        Some(f) => (
            vec![
                (
                    tr.t("routing_admin.held_back").to_string(),
                    f.held_back.to_string(),
                ),
                (
                    tr.t("routing_admin.category_top1").to_string(),
                    percent(f.category_top1),
                ),
                (
                    tr.t("routing_admin.category_top3").to_string(),
                    percent(f.category_top3),
                ),
                (
                    tr.t("routing_admin.department_top1").to_string(),
                    percent(f.department_top1),
                ),
                (
                    tr.t("routing_admin.department_top3").to_string(),
                    percent(f.department_top3),
                ),
            ],
            f.confusion
                .iter()
                .map(|(actual, suggested, count)| ConfusionLine {
                    actual: crate::format::category_name(&catalog, locale, actual),
                    suggested: crate::format::category_name(&catalog, locale, suggested),
                    count: *count,
                    right: actual == suggested,
                })
                .collect(),
        ),
        None => (Vec::new(), Vec::new()),
    };
    let view = RoutingPage {
        on: status.on,
        requested: status
            .training_requested
            .map(|at| crate::format::date_time(locale, at, state.tz)),
        model,
        figures,
        confusion,
        saved: query.saved(),
        page,
    };
    Ok(html(StatusCode::OK, view.render()))
}

#[derive(Deserialize)]
pub struct RoutingForm {
    #[serde(default)]
    csrf: String,
    /// `on`, `off` or `train`.
    #[serde(default)]
    what: String,
}
csrf_field!(RoutingForm);

#[post("/admin/routing")]
pub async fn change_routing(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    posted: Posted<RoutingForm>,
) -> Result<HttpResponse, PageError> {
    let locale = PageCtx::staff(&req, &session, &user).locale();
    if !posted.is_fresh() {
        return Err(AppError::Forbidden { key: "err.csrf" }).page(locale);
    }
    let caller = Caller::Staff(user);
    match posted.form.what.as_str() {
        "on" => crate::service::suggest::switch(&state, &caller, true).await,
        "off" => crate::service::suggest::switch(&state, &caller, false).await,
        "train" => crate::service::suggest::request_training(&state, &caller).await,
        _ => return Err(AppError::BadRequest("what: on, off or train".into())).page(locale),
    }
    .page(locale)?;
    Ok(see_other("/admin/routing?saved=1"))
}
