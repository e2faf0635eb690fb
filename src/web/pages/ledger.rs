//! `/reports/ledger.xlsx|.csv?area=&month=`: an area's ledger of a month for download —
//! a liaison's own areas, or any for leaders, administrators and the intake office
//! (session or bearer token, as the register).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;

use crate::format::{area_path_name, local_day};
use crate::service::ledger::LedgerCase;
use crate::service::reports::Month;
use crate::service::visit_log::readable_areas;
use crate::web::App;
use crate::web::auth::SignedIn;
use crate::web::error::{AppError, Localize, PageError};
use crate::web::pages::file::Opt;
use crate::web::pages::liaison::{CaseLine, case_line};
use crate::web::pages::{PageCtx, html};

#[derive(Debug, Deserialize)]
pub struct LedgerQuery {
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub month: String,
}

/// The month asked for (`YYYY-MM`), this one when absent.
pub fn month_of(state: &App, text: &str) -> Result<Month, AppError> {
    match text.trim() {
        "" => Ok(Month::of(crate::domain::deadline::local_date(
            state.now(),
            state.tz,
        ))),
        text => Month::parse(text).ok_or_else(|| {
            AppError::Invalid(crate::domain::field_error::FieldErrors::single(
                "month",
                crate::domain::field_error::FieldError::new("err.month"),
            ))
        }),
    }
}

#[get("/reports/ledger.{format}")]
pub async fn download(
    req: HttpRequest,
    state: web::Data<App>,
    path: web::Path<String>,
    query: web::Query<LedgerQuery>,
) -> Result<HttpResponse, PageError> {
    let format = path.into_inner();
    let (locale, user) = crate::web::exports::table_reader(&req, &state, &format).await?;
    let month = month_of(&state, &query.month).page(locale)?;
    let ledger = crate::service::ledger::of_month(&state, &user, query.area.trim(), month)
        .await
        .page(locale)?;
    let rows = crate::export::ledger_rows(&state.catalog(), &ledger);
    let name = format!("huiying-ledger-{}-{}", ledger.area, ledger.month);
    crate::web::exports::table(
        &format,
        &name,
        "台账",
        &crate::export::LEDGER_HEADERS,
        rows,
        state.tz,
    )
    .page(locale)
}

#[derive(Template)]
#[template(path = "ledger.html")]
struct LedgerPage {
    page: PageCtx,
    area: String,
    area_name: String,
    areas: Vec<Opt>,
    month: String,
    previous: String,
    next: String,
    visits: Vec<LedgerVisitLine>,
    recorded_count: usize,
    open_count: usize,
    mediation_line: String,
    /// The cases recorded and the cases open: heading, element id, lines.
    sections: Vec<(&'static str, &'static str, Vec<CaseLine>)>,
    mediations: Vec<(CaseLine, &'static str)>,
}

struct LedgerVisitLine {
    date: String,
    area: String,
    met: String,
    notes: String,
    cases: i64,
}

/// `/reports/ledger?area=&month=`: the ledger as a page, with its downloads.
#[get("/reports/ledger")]
pub async fn page(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    query: web::Query<LedgerQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let (locale, tr) = (page.locale(), page.tr);
    let readable = readable_areas(&state, &user).await.page(locale)?;
    let area = match query.area.trim() {
        "" => readable.first().cloned().unwrap_or_default(),
        area => area.to_string(),
    };
    let month = month_of(&state, &query.month).page(locale)?;
    let ledger = crate::service::ledger::of_month(&state, &user, &area, month)
        .await
        .page(locale)?;
    let (catalog, tz, now) = (state.catalog(), state.tz, state.now());
    let line = |c: &LedgerCase| case_line(tr, &catalog, tz, now, c);
    let view = LedgerPage {
        area_name: area_path_name(&catalog, locale, &ledger.area),
        areas: readable
            .iter()
            .map(|code| Opt {
                code: code.clone(),
                name: area_path_name(&catalog, locale, code),
                selected: *code == ledger.area,
            })
            .collect(),
        previous: month.previous().label(),
        next: month.next().label(),
        visits: ledger
            .visits
            .iter()
            .map(|v| LedgerVisitLine {
                date: local_day(locale, v.date),
                area: area_path_name(&catalog, locale, &v.area),
                met: v.met.clone(),
                notes: v.notes.clone(),
                cases: v.cases,
            })
            .collect(),
        recorded_count: ledger.recorded.len(),
        open_count: ledger.open.len(),
        mediation_line: tr.f(
            "ledger.mediations",
            &[
                ("agreed", &ledger.mediations_agreed.to_string()),
                ("failed", &ledger.mediations_failed.to_string()),
            ],
        ),
        sections: vec![
            (
                "ledger.recorded_list",
                "ledger-recorded-list",
                ledger.recorded.iter().map(line).collect(),
            ),
            (
                "ledger.open_list",
                "ledger-open-list",
                ledger.open.iter().map(line).collect(),
            ),
        ],
        mediations: ledger
            .mediations
            .iter()
            .map(|c| {
                let outcome = match c.mediation.as_deref() {
                    Some("mediated") => tr.t("mediation.agreed"),
                    _ => tr.t("mediation.failed"),
                };
                (line(c), outcome)
            })
            .collect(),
        month: ledger.month,
        area: ledger.area,
        page,
    };
    Ok(html(StatusCode::OK, view.render()))
}
