//! `/liaison/visits?area=`: an area's visit log, newest first, a page at a time, and
//! `/reports/visits.xlsx|.csv?area=` with all of it. A liaison reads their own areas;
//! leaders, administrators and the intake office any.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;

use super::{VisitLine, visit_line};
use crate::format::area_path_name;
use crate::service::visit_log;
use crate::web::App;
use crate::web::auth::SignedIn;
use crate::web::error::{Localize, PageError};
use crate::web::pages::file::Opt;
use crate::web::pages::{PageCtx, encode, html};

#[derive(Deserialize)]
pub struct LogQuery {
    #[serde(default)]
    area: String,
    #[serde(default)]
    after: String,
}

#[derive(Template)]
#[template(path = "liaison_visits.html")]
struct LogPage {
    page: PageCtx,
    area: String,
    area_name: String,
    areas: Vec<Opt>,
    visits: Vec<VisitLine>,
    next_link: Option<String>,
    may_record: bool,
}

#[get("/liaison/visits")]
pub async fn visits(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    query: web::Query<LogQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    let readable = visit_log::readable_areas(&state, &user).await.page(locale)?;
    let catalog = state.catalog();
    let area = match query.area.trim() {
        "" => readable.first().cloned().unwrap_or_default(),
        area => area.to_string(),
    };
    let after = visit_log::parse_after(&query.after);
    let log = visit_log::log(&state, &user, &area, after, false)
        .await
        .page(locale)?;
    let (tz, now, tr) = (state.tz, state.now(), page.tr);
    let view = LogPage {
        area_name: area_path_name(&catalog, locale, &log.area),
        areas: readable
            .iter()
            .map(|code| Opt {
                code: code.clone(),
                name: area_path_name(&catalog, locale, code),
                selected: *code == log.area,
            })
            .collect(),
        visits: log
            .visits
            .iter()
            .map(|v| visit_line(tr, &catalog, tz, now, v))
            .collect(),
        next_link: log.next.map(|after| {
            format!(
                "/liaison/visits?area={}&after={}",
                encode(&log.area),
                encode(&after)
            )
        }),
        may_record: crate::domain::permissions::may(user.role, crate::domain::permissions::Duty::Visit),
        area: log.area,
        page,
    };
    Ok(html(StatusCode::OK, view.render()))
}

#[get("/reports/visits.{format}")]
pub async fn export(
    req: HttpRequest,
    state: web::Data<App>,
    path: web::Path<String>,
    query: web::Query<LogQuery>,
) -> Result<HttpResponse, PageError> {
    let format = path.into_inner();
    let (locale, user) = crate::web::exports::table_reader(&req, &state, &format).await?;
    let log = visit_log::log(&state, &user, query.area.trim(), None, true)
        .await
        .page(locale)?;
    let rows = crate::export::visit_log_rows(&state.catalog(), &log.visits);
    let name = format!("huiying-visits-{}", log.area);
    crate::web::exports::table(
        &format,
        &name,
        "走访记录",
        &crate::export::VISIT_LOG_HEADERS,
        rows,
        state.tz,
    )
    .page(locale)
}
