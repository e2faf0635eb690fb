//! The catalogue's home for administrators: what it holds, the routing rules with a
//! tester and the pairs no rule covers, bulk moves, the history, and the whole file
//! (export, and import by upload with a dry run).

use std::collections::BTreeMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::catalog_file::{RuleEntry, rule_key};
use crate::service::catalogue::{self, Edit, Move};
use crate::web::App;
use crate::web::auth::SignedIn;
use crate::web::error::{Localize, PageError};
use crate::web::forms::{Posted, Refused, csrf_field, shown};
use crate::web::pages::{PageCtx, html, see_other};

pub struct Count {
    pub kind: &'static str,
    pub in_use: usize,
    pub all: usize,
}

impl Count {
    pub fn kind_key(&self) -> String {
        format!("catalog_admin.{}", self.kind)
    }
}

pub struct RuleRow {
    pub key: String,
    pub category: String,
    pub area: String,
    pub department: String,
    pub category_code: String,
    pub area_code: String,
}

pub struct ChangeRow {
    pub at: String,
    pub actor: String,
    pub what: String,
    pub before: String,
    pub after: String,
}

/// A tried (category, area): who would get it, by which rule, through which areas.
pub struct Tried {
    pub department: String,
    pub rule: String,
    pub path: String,
}

#[derive(Template)]
#[template(path = "admin_catalog.html")]
struct CatalogPage {
    page: PageCtx,
    counts: Vec<Count>,
    rules: Vec<RuleRow>,
    uncovered: Vec<String>,
    uncovered_total: usize,
    tried: Option<Tried>,
    tester: TesterQuery,
    history: Vec<ChangeRow>,
    /// What the last action did or why it was refused.
    notice: Option<String>,
    errors: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct TesterQuery {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub done: String,
}

async fn page_of(
    state: &App,
    page: PageCtx,
    user: &crate::service::auth::StaffUser,
    tester: TesterQuery,
    notice: Option<String>,
    errors: BTreeMap<String, String>,
) -> Result<CatalogPage, PageError> {
    let locale = page.locale();
    let catalog = catalogue::in_force(state, user).page(locale)?;
    let count = |kind, all: usize, in_use: usize| Count { kind, in_use, all };
    let counts = vec![
        count(
            "departments",
            catalog.departments.len(),
            catalog.departments.iter().filter(|d| d.active).count(),
        ),
        count(
            "areas",
            catalog.areas.len(),
            catalog.areas.iter().filter(|a| a.active).count(),
        ),
        count(
            "groups",
            catalog.groups.len(),
            catalog.groups.iter().filter(|g| g.active).count(),
        ),
        count(
            "categories",
            catalog.categories.len(),
            catalog.categories.iter().filter(|c| c.active).count(),
        ),
        count(
            "channels",
            catalog.channels.len(),
            catalog.channels.iter().filter(|c| c.active).count(),
        ),
        count(
            "liaisons",
            catalog.liaisons.len(),
            catalog.liaisons.iter().filter(|l| l.active).count(),
        ),
    ];
    let any = page.t("catalog_admin.any").to_string();
    let name_of_category = |code: &Option<String>| {
        code.as_deref()
            .map(|c| {
                catalog
                    .category(c)
                    .map_or(c.to_string(), |c| c.names.get(locale).to_string())
            })
            .unwrap_or_else(|| any.clone())
    };
    let name_of_area = |code: &Option<String>| {
        code.as_deref()
            .map(|a| {
                catalog
                    .area(a)
                    .map_or(a.to_string(), |a| a.names.get(locale).to_string())
            })
            .unwrap_or_else(|| page.t("catalog_admin.city_wide").to_string())
    };
    let rules = catalog
        .routing()
        .rules()
        .map(|r| RuleRow {
            key: rule_key(r.category_code.as_deref(), r.area_code.as_deref()),
            category: name_of_category(&r.category_code),
            area: name_of_area(&r.area_code),
            department: crate::format::department_name(&catalog, locale, &r.department_code),
            category_code: r.category_code.clone().unwrap_or_default(),
            area_code: r.area_code.clone().unwrap_or_default(),
        })
        .collect();
    let all_uncovered = catalog.uncovered();
    let uncovered = all_uncovered
        .iter()
        .take(50)
        .map(|(c, a)| format!("{} · {}", c.names.get(locale), a.names.get(locale)))
        .collect();
    let tried = (!tester.category.is_empty() && !tester.area.is_empty())
        .then(|| catalogue::explain(&catalog, &tester.category, &tester.area).ok())
        .flatten()
        .map(|(decision, path)| Tried {
            department: crate::format::department_name(&catalog, locale, &decision.department_code),
            rule: match decision.reason {
                crate::domain::routing::RouteReason::Rule { category, area, .. } => {
                    format!("{} · {}", name_of_category(&category), name_of_area(&area))
                }
                _ => page.t("catalog_admin.no_rule").to_string(),
            },
            path: path.join(" → "),
        });
    let history = catalogue::history(state, user, 30, None)
        .await
        .page(locale)?
        .into_iter()
        .map(|r| ChangeRow {
            at: crate::format::date_time(locale, r.at.and_utc(), state.tz),
            actor: r.actor,
            what: format!("{} {} {}", r.action, r.entity, r.code),
            before: r.before.unwrap_or_default(),
            after: r.after.unwrap_or_default(),
        })
        .collect();
    Ok(CatalogPage {
        counts,
        rules,
        uncovered_total: all_uncovered.len(),
        uncovered,
        tried,
        tester,
        history,
        notice,
        errors,
        page,
    })
}

#[get("/admin/catalog")]
pub async fn overview(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    query: web::Query<TesterQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let tester = query.into_inner();
    let notice =
        (!tester.done.is_empty()).then(|| page.tr.f("catalog_admin.done", &[("what", &tester.done)]));
    let view = page_of(&state, page, &user, tester, notice, BTreeMap::new()).await?;
    Ok(html(StatusCode::OK, view.render()))
}

#[derive(Deserialize)]
pub struct RuleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    department: String,
    /// `retire` to retire the rule of the scope instead of setting it.
    #[serde(default)]
    retire: String,
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    reason: String,
}
csrf_field!(RuleForm, MoveForm);

fn some(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

/// The catalogue's page again, saying why the form was refused.
pub(super) async fn show_refused(
    state: &App,
    page: PageCtx,
    user: &crate::service::auth::StaffUser,
    refused: Refused,
) -> Result<HttpResponse, PageError> {
    let locale = page.locale();
    let shown = shown(page.tr, refused).page(locale)?;
    let status = shown.status;
    let notice = Some(shown.message());
    let view = page_of(state, page, user, TesterQuery::default(), notice, shown.errors).await?;
    Ok(html(status, view.render()))
}

/// Sets the rule of a scope, or retires it.
#[post("/admin/catalog/rules")]
pub async fn rule(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    posted: Posted<RuleForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let form = &posted.form;
    let (category, area) = (some(&form.category), some(&form.area));
    let edit = if form.retire == "retire" {
        Edit::RetireRule { category, area }
    } else {
        Edit::SetRule(RuleEntry {
            category,
            area,
            department: form.department.trim().to_string(),
        })
    };
    let result: Result<_, Refused> = async {
        posted.fresh()?;
        Ok(catalogue::edit(&state, &user, edit).await?)
    }
    .await;
    match result {
        Ok(applied) => Ok(see_other(&format!(
            "/admin/catalog?done={}#rules",
            applied.changes.len()
        ))),
        Err(refused) => show_refused(&state, page, &user, refused).await,
    }
}

/// Moves a department's open cases to another.
#[post("/admin/catalog/moves")]
pub async fn move_cases(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    posted: Posted<MoveForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let form = &posted.form;
    let order = Move {
        from: form.from.trim().to_string(),
        to: form.to.trim().to_string(),
        area: some(&form.area),
        category: some(&form.category),
        reason: form.reason.clone(),
    };
    let result: Result<_, Refused> = async {
        posted.fresh()?;
        Ok(catalogue::move_open_cases(&state, &user, order).await?)
    }
    .await;
    match result {
        Ok(moved) => Ok(see_other(&format!("/admin/catalog?done={moved}#moves"))),
        Err(refused) => show_refused(&state, page, &user, refused).await,
    }
}

/// The whole catalogue as the file `huiying catalog export` writes.
#[get("/admin/catalog/export")]
pub async fn export(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let catalog = catalogue::in_force(&state, &user).page(page.locale())?;
    let text = crate::domain::catalog_file::to_toml(&crate::domain::catalog_file::export(&catalog))
        .map_err(crate::web::error::AppError::internal)
        .page(page.locale())?;
    Ok(HttpResponse::Ok()
        .content_type("application/toml; charset=utf-8")
        .insert_header(("content-disposition", "attachment; filename=\"catalogue.toml\""))
        .body(text))
}
