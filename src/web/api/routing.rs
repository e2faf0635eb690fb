//! `GET /routing/suggest?text=`: the categories and departments the text most likely
//! belongs to, with the terms that weighed most. Public, as the routing rules are.

use actix_web::{HttpResponse, get, web};
use serde::Deserialize;

use crate::web::App;
use crate::web::error::{ApiError, Localize};
use crate::web::locale::Lang;

#[derive(Debug, Deserialize)]
pub struct SuggestQuery {
    #[serde(default)]
    pub text: String,
}

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

#[derive(Debug, Deserialize)]
pub struct ExplainQuery {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub area: String,
}

/// `GET /routing/explain?category=&area=`: which department answers for a category in
/// an area, by which rule, after walking which areas. Public: it is the published
/// responsibility.
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
        crate::domain::routing::RouteReason::Rule { category, area, .. } => {
            serde_json::json!({"category": category, "area": area})
        }
        _ => serde_json::Value::Null,
    };
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "department": {"code": decision.department_code, "name": department},
        "rule": rule,
        "path": path,
    })))
}
