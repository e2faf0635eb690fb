//! Reference data in use: `GET /categories`, `/areas`, `/departments`, names in the
//! caller's language (retired entries are not offered).

use actix_web::{HttpResponse, get, web};
use serde_json::json;

use crate::web::App;
use crate::web::locale::Lang;

#[get("/categories")]
pub async fn categories(state: web::Data<App>, Lang(locale): Lang) -> HttpResponse {
    let catalog = state.catalog();
    let body: Vec<_> = catalog
        .categories
        .iter()
        .filter(|c| c.active)
        .map(|c| {
            let group = catalog.group(&c.group_code);
            json!({
                "code": c.code,
                "name": c.names.get(locale),
                "group": group.map(|g| g.names.get(locale)).unwrap_or(&c.group_code),
                "group_code": c.group_code,
                "urgent": c.urgent,
                "channels": c.channel_codes.iter().filter_map(|code| catalog.channel(code)).filter(|ch| ch.active).map(|ch| json!({
                    "code": ch.code,
                    "name": ch.names.get(locale),
                    "description": ch.descriptions.get(locale),
                    "reach": ch.reach.get(locale),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    HttpResponse::Ok().json(body)
}

#[get("/areas")]
pub async fn areas(state: web::Data<App>, Lang(locale): Lang) -> HttpResponse {
    let catalog = state.catalog();
    let body: Vec<_> = catalog
        .areas
        .iter()
        .filter(|a| a.active)
        .map(|a| {
            json!({
                "code": a.code,
                "name": a.names.get(locale),
                "parent_code": a.parent_code,
                "level": a.level,
            })
        })
        .collect();
    HttpResponse::Ok().json(body)
}

#[get("/departments")]
pub async fn departments(state: web::Data<App>, Lang(locale): Lang) -> HttpResponse {
    let catalog = state.catalog();
    let body: Vec<_> = catalog
        .departments
        .iter()
        .filter(|d| d.active)
        .map(|d| {
            json!({
                "code": d.code,
                "name": d.names.get(locale),
                "intake": d.is_intake,
            })
        })
        .collect();
    HttpResponse::Ok().json(body)
}

#[derive(serde::Deserialize)]
pub struct AreaQuery {
    #[serde(default)]
    area: String,
}

/// `GET /directory?area=CODE`: who answers for an area (liaisons nearest first), which
/// department takes each category there, and the lawful channels.
#[get("/directory")]
pub async fn directory(
    state: web::Data<App>,
    Lang(locale): Lang,
    query: web::Query<AreaQuery>,
) -> Result<HttpResponse, crate::web::error::ApiError> {
    use crate::web::error::Localize;
    let view =
        crate::service::directory::for_area(&state.catalog(), query.area.trim(), locale).api(locale)?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(serde::Deserialize)]
pub struct MonthQuery {
    #[serde(default)]
    month: String,
}

/// `GET /figures?month=YYYY-MM`: each department's public figures of a month (this one
/// by default, at most eleven back), as the monthly review counts them.
#[get("/figures")]
pub async fn figures(
    state: web::Data<App>,
    Lang(locale): Lang,
    query: web::Query<MonthQuery>,
) -> Result<HttpResponse, crate::web::error::ApiError> {
    use crate::web::error::Localize;
    let month = crate::web::pages::figures::month_of(&state, &query.month).api(locale)?;
    let report = crate::service::reports::public_figures(&state, month)
        .await
        .api(locale)?;
    let catalog = state.catalog();
    let lines: Vec<_> = report
        .review
        .departments
        .iter()
        .filter(|f| crate::web::pages::leader::review::has_cases(f))
        .map(|f| super::leaders::figures_json(&catalog, locale, f))
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "month": report.month.label(),
        "departments": lines,
        "total": super::leaders::figures_json(&catalog, locale, &report.review.total),
        "trend": report.trend.iter().map(|(m, r, a)| serde_json::json!({"month": m, "received": r, "answered": a})).collect::<Vec<_>>(),
    })))
}

/// `GET /board?category=&area=&state=&department=&q=&before=`: published complaints,
/// redacted, with their answers, newest first (20 a page; `next_before` for the next).
#[get("/board")]
pub async fn board(
    state: web::Data<App>,
    Lang(locale): Lang,
    query: web::Query<crate::service::board::BoardQuery>,
) -> Result<HttpResponse, crate::web::error::ApiError> {
    use crate::web::error::Localize;
    let page = crate::service::board::page(&state, &query, locale)
        .await
        .api(locale)?;
    Ok(HttpResponse::Ok().json(page))
}
