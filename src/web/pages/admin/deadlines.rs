//! Deadline policies per category.

use std::collections::BTreeMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::SavedQuery;
use crate::service::ServiceError;
use crate::service::deadlines::{self as service, PolicyInput};
use crate::web::App;
use crate::web::auth::SignedIn;
use crate::web::error::{Localize, PageError};
use crate::web::forms::{Posted, Refused, csrf_field, shown};
use crate::web::pages::{PageCtx, html, see_other};

pub struct PolicyLine {
    pub code: String,
    pub name: String,
    pub urgent: bool,
    pub own: bool,
    pub policy: crate::domain::workflow::Policy,
}

#[derive(Template)]
#[template(path = "admin_deadlines.html")]
struct DeadlinesPage {
    page: PageCtx,
    lines: Vec<PolicyLine>,
    saved: bool,
}

#[get("/admin/deadlines")]
pub async fn deadlines(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    let rules = service::in_force(&state, &user).page(locale)?;
    let (catalog, policies) = (&rules.catalog, &rules.policies);
    let lines = catalog
        .categories
        .iter()
        .map(|c| PolicyLine {
            code: c.code.clone(),
            name: c.names.get(locale).to_string(),
            urgent: c.urgent,
            own: policies.by_category.contains_key(&c.code),
            policy: policies.for_category(catalog, &c.code).clone(),
        })
        .collect();
    let view = DeadlinesPage {
        lines,
        saved: query.saved(),
        page,
    };
    Ok(html(StatusCode::OK, view.render()))
}

#[derive(Template)]
#[template(path = "admin_deadline.html")]
struct DeadlinePage {
    page: PageCtx,
    code: String,
    name: String,
    values: PolicyInput,
    own: bool,
    errors: BTreeMap<String, String>,
}

/// One number input of the policy form.
pub struct DaysField {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub error: Option<String>,
}

impl DeadlinePage {
    /// The page for `category` with these values, or not found.
    fn of(
        page: PageCtx,
        rules: &service::InForce,
        category: &str,
        values: Option<PolicyInput>,
    ) -> Result<DeadlinePage, ServiceError> {
        let c = rules.catalog.category(category).ok_or(ServiceError::NotFound)?;
        Ok(DeadlinePage {
            code: c.code.clone(),
            name: c.names.get(page.locale()).to_string(),
            values: values
                .unwrap_or_else(|| PolicyInput::of(rules.policies.for_category(&rules.catalog, &c.code))),
            own: rules.policies.by_category.contains_key(&c.code),
            errors: BTreeMap::new(),
            page,
        })
    }

    fn fields(&self) -> Vec<DaysField> {
        let v = &self.values;
        [
            ("acceptance_days", "deadlines.acceptance", &v.acceptance_days),
            ("answer_days", "deadlines.answer", &v.answer_days),
            ("max_extension_days", "deadlines.extension", &v.max_extension_days),
            ("review_window_days", "deadlines.window", &v.review_window_days),
            ("review_answer_days", "deadlines.review", &v.review_answer_days),
        ]
        .into_iter()
        .map(|(name, label, value)| DaysField {
            name,
            label: self.page.t(label),
            value: value.clone(),
            error: self.errors.get(name).cloned(),
        })
        .collect()
    }
}

#[get("/admin/deadlines/{category}")]
pub async fn deadline_form(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    category: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    let rules = service::in_force(&state, &user).page(locale)?;
    let view = DeadlinePage::of(page, &rules, &category, None).page(locale)?;
    Ok(html(StatusCode::OK, view.render()))
}

#[derive(Deserialize)]
pub struct PolicyForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    input: PolicyInput,
    reset: Option<String>,
}
csrf_field!(PolicyForm);

#[post("/admin/deadlines/{category}")]
pub async fn save_deadline(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    category: web::Path<String>,
    posted: Posted<PolicyForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    let rules = service::in_force(&state, &user).page(locale)?;
    let mut view = DeadlinePage::of(page, &rules, &category, Some(posted.form.input.clone())).page(locale)?;
    let result: Result<(), Refused> = async {
        posted.fresh()?;
        let policy = match posted.form.reset {
            Some(_) => None,
            None => Some(posted.form.input.parse()?),
        };
        Ok(service::change_policy(&state, &user, &category, policy).await?)
    }
    .await;
    match result {
        Ok(()) => Ok(see_other("/admin/deadlines?saved=1")),
        Err(refused) => {
            let shown = shown(view.page.tr, refused).page(locale)?;
            view.errors = shown.errors;
            Ok(html(shown.status, view.render()))
        }
    }
}
