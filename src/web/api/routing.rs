//! `GET /routing/suggest?text=`: the categories and departments the text most likely
//! belongs to, with the terms that weighed most. Public, as the routing rules are.

use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::doc::Errors;
use crate::service::suggest::SuggestionView;

use crate::web::App;
use crate::web::error::{ApiError, Localize};
use crate::web::locale::Lang;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestQuery {
    /// What the resident has written so far.
    #[serde(default)]
    pub text: String,
}

#[utoipa::path(tag = "catalogue", params(SuggestQuery), responses((status = 200, body = SuggestionView), Errors))]
#[get("/routing/suggest")]
pub async fn suggest(
    state: web::Data<App>,
    Lang(locale): Lang,
    query: web::Query<SuggestQuery>,
) -> Result<HttpResponse, ApiError> {
    let view = crate::service::suggest::suggest(&state, &query.text, locale)
        .await
        .api(locale)?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExplainQuery {
    /// A category code.
    #[serde(default)]
    pub category: String,
    /// An area code.
    #[serde(default)]
    pub area: String,
}

#[derive(Serialize, ToSchema)]
pub struct Explained {
    pub department: super::catalog::Named,
    /// The rule that decided, or none when the intake office takes it.
    pub rule: Option<RuleScope>,
    /// The areas looked at, from the one asked for upwards.
    pub path: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RuleScope {
    pub category: Option<String>,
    pub area: Option<String>,
}

/// `GET /routing/explain?category=&area=`: which department answers for a category in
/// an area, by which rule, after walking which areas. Public: it is the published
/// responsibility.
#[utoipa::path(tag = "catalogue", params(ExplainQuery), responses((status = 200, body = Explained), Errors))]
#[get("/routing/explain")]
pub async fn explain(
    state: web::Data<App>,
    Lang(locale): Lang,
    query: web::Query<ExplainQuery>,
) -> Result<HttpResponse, ApiError> {
    let catalog = state.catalog();
    let (decision, path) =
        crate::service::catalogue::explain(&catalog, &query.category, &query.area).api(locale)?;
    let department = crate::format::department_name(&catalog, locale, &decision.department_code);
    let rule = match &decision.reason {
        crate::domain::routing::RouteReason::Rule { category, area, .. } => Some(RuleScope {
            category: category.clone(),
            area: area.clone(),
        }),
        _ => None,
    };
    Ok(HttpResponse::Ok().json(Explained {
        department: super::catalog::Named {
            code: decision.department_code.clone(),
            name: department,
        },
        rule,
        path,
    }))
}
