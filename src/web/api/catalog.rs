//! Reference data in use: `GET /categories`, `/areas`, `/departments`, names in the
//! caller's language (retired entries are not offered).

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::doc::Errors;
use crate::service::board::{BoardPage, BoardQuery};
use crate::service::directory::DirectoryView;
use crate::web::App;
use crate::web::locale::Lang;

/// A catalogue entry by code, with its name in the reader's language.
#[derive(Serialize, ToSchema)]
pub struct Named {
    pub code: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct Category {
    pub code: String,
    pub name: String,
    /// The group's name.
    pub group: String,
    pub group_code: String,
    /// Urgent matters (danger now) show the emergency numbers before anything else.
    pub urgent: bool,
    /// The lawful channels for matters of this kind that petitions do not decide.
    pub channels: Vec<LawfulChannel>,
}

#[derive(Serialize, ToSchema)]
pub struct LawfulChannel {
    pub code: String,
    pub name: String,
    pub description: String,
    pub reach: String,
}

#[utoipa::path(tag = "catalogue", responses((status = 200, body = [Category]), Errors))]
#[get("/categories")]
pub async fn categories(state: web::Data<App>, Lang(locale): Lang) -> HttpResponse {
    let catalog = state.catalog();
    let body: Vec<Category> = catalog
        .categories
        .iter()
        .filter(|c| c.active)
        .map(|c| {
            let group = catalog.group(&c.group_code);
            Category {
                code: c.code.clone(),
                name: c.names.get(locale).to_string(),
                group: group
                    .map(|g| g.names.get(locale))
                    .unwrap_or(&c.group_code)
                    .to_string(),
                group_code: c.group_code.clone(),
                urgent: c.urgent,
                channels: c
                    .channel_codes
                    .iter()
                    .filter_map(|code| catalog.channel(code))
                    .filter(|ch| ch.active)
                    .map(|ch| LawfulChannel {
                        code: ch.code.clone(),
                        name: ch.names.get(locale).to_string(),
                        description: ch.descriptions.get(locale).to_string(),
                        reach: ch.reach.get(locale).to_string(),
                    })
                    .collect(),
            }
        })
        .collect();
    HttpResponse::Ok().json(body)
}

#[derive(Serialize, ToSchema)]
pub struct Area {
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
    /// 1 for the county, then town, then village or community.
    pub level: i32,
}

#[utoipa::path(tag = "catalogue", responses((status = 200, body = [Area]), Errors))]
#[get("/areas")]
pub async fn areas(state: web::Data<App>, Lang(locale): Lang) -> HttpResponse {
    let catalog = state.catalog();
    let body: Vec<Area> = catalog
        .areas
        .iter()
        .filter(|a| a.active)
        .map(|a| Area {
            code: a.code.clone(),
            name: a.names.get(locale).to_string(),
            parent_code: a.parent_code.clone(),
            level: a.level,
        })
        .collect();
    HttpResponse::Ok().json(body)
}

#[derive(Serialize, ToSchema)]
pub struct Department {
    pub code: String,
    pub name: String,
    /// The intake office (信访局): it takes what no rule routes.
    pub intake: bool,
}

#[utoipa::path(tag = "catalogue", responses((status = 200, body = [Department]), Errors))]
#[get("/departments")]
pub async fn departments(state: web::Data<App>, Lang(locale): Lang) -> HttpResponse {
    let catalog = state.catalog();
    let body: Vec<Department> = catalog
        .departments
        .iter()
        .filter(|d| d.active)
        .map(|d| Department {
            code: d.code.clone(),
            name: d.names.get(locale).to_string(),
            intake: d.is_intake,
        })
        .collect();
    HttpResponse::Ok().json(body)
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AreaQuery {
    /// An area code.
    #[serde(default)]
    area: String,
}

/// `GET /directory?area=CODE`: who answers for an area (liaisons nearest first), which
/// department takes each category there, and the lawful channels.
#[utoipa::path(tag = "catalogue", params(AreaQuery), responses((status = 200, body = DirectoryView), Errors))]
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

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// `YYYY-MM`; this month when absent.
    #[serde(default)]
    month: String,
}

#[derive(Serialize, ToSchema)]
pub struct PublicFigures {
    /// `YYYY-MM`.
    pub month: String,
    /// The departments that had cases that month.
    pub departments: Vec<super::leaders::FiguresLine>,
    pub total: super::leaders::FiguresLine,
    /// Twelve months up to this one.
    pub trend: Vec<super::leaders::TrendPoint>,
}

/// `GET /figures?month=YYYY-MM`: each department's public figures of a month (this one
/// by default, at most eleven back), as the monthly review counts them.
#[utoipa::path(tag = "public", params(MonthQuery), responses((status = 200, body = PublicFigures), Errors))]
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
    let lines = report
        .review
        .departments
        .iter()
        .filter(|f| crate::web::pages::leader::review::has_cases(f))
        .map(|f| super::leaders::FiguresLine::of(&catalog, locale, f))
        .collect();
    Ok(HttpResponse::Ok().json(PublicFigures {
        month: report.month.label(),
        departments: lines,
        total: super::leaders::FiguresLine::of(&catalog, locale, &report.review.total),
        trend: super::leaders::TrendPoint::all(&report.trend),
    }))
}

/// `GET /board?category=&area=&state=&department=&q=&before=`: published complaints,
/// redacted, with their answers, newest first (20 a page; `next_before` for the next).
#[utoipa::path(tag = "public", params(BoardQuery), responses((status = 200, body = BoardPage), Errors))]
#[get("/board")]
pub async fn board(
    state: web::Data<App>,
    Lang(locale): Lang,
    query: web::Query<BoardQuery>,
) -> Result<HttpResponse, crate::web::error::ApiError> {
    use crate::web::error::Localize;
    let page = crate::service::board::page(&state, &query, locale)
        .await
        .api(locale)?;
    Ok(HttpResponse::Ok().json(page))
}
