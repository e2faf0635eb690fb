//! Answer templates: the department's and the shared ones.

use std::collections::BTreeMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::case::Outcome;
use crate::format::{category_name, department_name};
use crate::service::ServiceError;
use crate::service::auth::StaffUser;
use crate::service::templates::{self};
use crate::web::App;
use crate::web::auth::SignedIn;
use crate::web::error::{AppError, Localize, PageError};
use crate::web::forms::{Posted, Refused, csrf_field, shown};
use crate::web::pages::file::Opt;
use crate::web::pages::{PageCtx, html};

use super::{CsrfForm, opts};
use crate::web::pages::see_other;

pub struct TemplateLine {
    pub id: i32,
    pub title: String,
    pub category: String,
    pub department: String,
    pub outcome: String,
    pub body: String,
    pub legal_basis: String,
    pub removable: bool,
}

#[derive(Template)]
#[template(path = "staff_templates.html")]
struct TemplatesPage {
    page: PageCtx,
    lines: Vec<TemplateLine>,
    may_manage: bool,
    categories: Vec<Opt>,
    outcomes: Vec<Opt>,
    values: crate::service::templates::TemplateInput,
    errors: BTreeMap<String, String>,
}

async fn templates_page(
    page: PageCtx,
    state: &App,
    user: StaffUser,
    values: crate::service::templates::TemplateInput,
    errors: BTreeMap<String, String>,
) -> Result<TemplatesPage, ServiceError> {
    let tr = page.tr;
    let locale = tr.locale();
    let catalog = state.catalog();
    let may_manage = crate::service::templates::may_manage(&user);
    let list = templates::usable_for(state, &user, None).await?;
    Ok(TemplatesPage {
        lines: list
            .into_iter()
            .map(|t| TemplateLine {
                removable: crate::service::templates::may_remove(&user, &t),
                id: t.id,
                category: category_name(&catalog, locale, &t.category_code),
                department: t
                    .department_code
                    .as_deref()
                    .map(|d| department_name(&catalog, locale, d))
                    .unwrap_or_else(|| tr.t("templates.shared").to_string()),
                outcome: tr.t(&format!("outcome.{}", t.outcome)).to_string(),
                title: t.title,
                body: t.body,
                legal_basis: t.legal_basis,
            })
            .collect(),
        may_manage,
        categories: opts(
            catalog
                .categories
                .iter()
                .map(|c| (c.code.as_str(), c.names.get(locale).to_string())),
            Some(values.category.as_str()),
        ),
        outcomes: opts(
            Outcome::ALL
                .iter()
                .map(|o| (o.as_str(), tr.t(&format!("outcome.{}", o.as_str())).to_string())),
            Some(values.outcome.as_str()),
        ),
        values,
        errors,
        page,
    })
}

#[get("/staff/templates")]
pub async fn templates_list(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    let view = templates_page(page, &state, user, Default::default(), BTreeMap::new())
        .await
        .page(locale)?;
    Ok(html(StatusCode::OK, view.render()))
}

#[derive(Deserialize)]
pub struct TemplateForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    input: crate::service::templates::TemplateInput,
}
csrf_field!(TemplateForm);

#[post("/staff/templates")]
pub async fn create_template(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    posted: Posted<TemplateForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    let result: Result<(), Refused> = async {
        posted.fresh()?;
        Ok(templates::add(&state, &user, posted.form.input.clone()).await?)
    }
    .await;
    let shown = match result {
        Ok(()) => return Ok(see_other("/staff/templates")),
        Err(refused) => shown(page.tr, refused).page(locale)?,
    };
    let view = templates_page(page, &state, user, posted.form.input, shown.errors)
        .await
        .page(locale)?;
    Ok(html(shown.status, view.render()))
}

#[post("/staff/templates/{id}/delete")]
pub async fn delete_template(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    id: web::Path<i32>,
    posted: Posted<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    let locale = PageCtx::staff(&req, &session, &user).locale();
    if !posted.is_fresh() {
        return Err(AppError::Forbidden { key: "err.csrf" }).page(locale);
    }
    templates::remove(&state, &user, id.into_inner())
        .await
        .page(locale)?;
    Ok(see_other("/staff/templates"))
}
