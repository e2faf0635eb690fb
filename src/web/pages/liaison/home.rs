//! `/liaison`: the areas a liaison visits, what they recorded lately, and the cases they
//! filed with where each stands.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;

use super::{CaseLine, VisitLine, case_line, visit_line};
use crate::format::area_path_name;
use crate::service::visit_log;
use crate::web::App;
use crate::web::auth::SignedIn;
use crate::web::error::{Localize, PageError};
use crate::web::pages::{PageCtx, html};

pub struct AreaLink {
    pub code: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "liaison.html")]
struct DeskPage {
    page: PageCtx,
    areas: Vec<AreaLink>,
    month: String,
    visits: Vec<VisitLine>,
    cases: Vec<CaseLine>,
    /// The visit just recorded, with the cases it filed.
    recorded: Option<VisitLine>,
}

#[derive(serde::Deserialize)]
pub struct DeskQuery {
    recorded: Option<i32>,
}

#[get("/liaison")]
pub async fn desk(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    query: web::Query<DeskQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    let desk = visit_log::desk(&state, &user).await.page(locale)?;
    let (catalog, tz, now) = (state.catalog(), state.tz, state.now());
    let tr = page.tr;
    let visits: Vec<VisitLine> = desk
        .visits
        .iter()
        .map(|v| visit_line(tr, &catalog, tz, now, v))
        .collect();
    let recorded = query
        .recorded
        .and_then(|id| desk.visits.iter().find(|v| v.id == id))
        .map(|v| visit_line(tr, &catalog, tz, now, v));
    let view = DeskPage {
        areas: desk
            .areas
            .iter()
            .map(|code| AreaLink {
                code: code.clone(),
                name: area_path_name(&catalog, locale, code),
            })
            .collect(),
        month: crate::service::reports::Month::of(crate::domain::deadline::local_date(now, tz)).label(),
        cases: desk
            .recorded
            .iter()
            .map(|c| case_line(tr, &catalog, tz, now, c))
            .collect(),
        visits,
        recorded,
        page,
    };
    Ok(html(StatusCode::OK, view.render()))
}
