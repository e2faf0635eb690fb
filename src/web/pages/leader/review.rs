//! The monthly review of every department, and the register downloads.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;

use super::month_or_now;
use crate::charts::{self, BLUE, Bar, ORANGE, Series};
use crate::domain::metrics::{Figures, Rate};
use crate::format::{area_path_name, category_name, department_name};
use crate::service::reports::{self};
use crate::web::App;
use crate::web::auth::SignedIn;
use crate::web::error::{Localize, PageError};
use crate::web::pages::{PageCtx, html};

/// A department's line in the report table.
pub struct FiguresLine {
    pub rank: usize,
    pub department: String,
    pub received: u32,
    pub accepted: u32,
    pub answered: u32,
    pub closed: u32,
    pub overdue_now: u32,
    pub on_time: String,
    pub median_days: String,
    pub response: String,
    pub resolution: String,
    pub satisfaction: String,
}

pub(crate) fn percent(rate: &Rate) -> String {
    rate.percent()
        .map(|p| format!("{p:.1}%"))
        .unwrap_or_else(|| "—".into())
}

impl FiguresLine {
    pub(crate) fn new(rank: usize, name: String, f: &Figures) -> Self {
        FiguresLine {
            rank,
            department: name,
            received: f.received,
            accepted: f.accepted,
            answered: f.answered,
            closed: f.closed,
            overdue_now: f.overdue_now,
            on_time: percent(&f.on_time),
            median_days: f
                .median_days_to_answer
                .map(|d| format!("{d:.1}"))
                .unwrap_or_else(|| "—".into()),
            response: percent(&f.response),
            resolution: percent(&f.resolution),
            satisfaction: percent(&f.satisfaction),
        }
    }
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    page: PageCtx,
    month: String,
    previous: String,
    next: String,
    lines: Vec<FiguresLine>,
    total: FiguresLine,
    top_categories: Vec<(String, u32)>,
    top_areas: Vec<(String, u32)>,
    reception_line: String,
    /// "重大紧急事项 N 件".
    major_line: String,
    trend_chart: String,
    on_time_chart: String,
    category_chart: String,
    register_from: String,
    register_to: String,
    /// The departments without a case this month, in a sentence.
    idle: Option<String>,
    /// Why the register's dates were refused, by field.
    register_errors: std::collections::BTreeMap<String, String>,
}

/// Whether a department had anything to count in the month.
pub(crate) fn has_cases(f: &Figures) -> bool {
    f.received + f.accepted + f.answered + f.closed + f.overdue_now > 0
}

#[get("/reports/monthly")]
pub async fn monthly(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    query: web::Query<ReviewQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx {
        wide: true,
        ..PageCtx::staff(&req, &session, &user)
    };
    let locale = page.locale();
    let month = month_or_now(&state, query.month.as_deref());
    // Back from a refused register export: the dates and why, next to the fields.
    let register_errors = match (&query.from, &query.to) {
        (Some(from), Some(to)) => match crate::service::register::register_range(from, to) {
            Err(crate::service::ServiceError::Invalid(errors)) => {
                crate::web::error::field_messages(page.tr, &errors)
            }
            _ => Default::default(),
        },
        _ => Default::default(),
    };
    let catalog = state.catalog();
    let report = reports::month_review(&state, &user, month).await.page(locale)?;
    let tr = page.tr;
    let name = |code: &str| department_name(&catalog, locale, code);
    // A department with nothing to count this month is not ranked last: it is listed below.
    let (active, idle): (Vec<&Figures>, Vec<&Figures>) =
        report.review.departments.iter().partition(|f| has_cases(f));
    let lines: Vec<FiguresLine> = active
        .into_iter()
        .enumerate()
        .map(|(i, f)| FiguresLine::new(i + 1, name(&f.department), f))
        .collect();
    let idle: Vec<String> = idle.into_iter().map(|f| name(&f.department)).collect();
    let idle = (!idle.is_empty()).then(|| tr.f("report.idle", &[("departments", &tr.list(&idle))]));
    let trend_chart = charts::lines(
        tr.t("report.trend"),
        &report.trend.iter().map(|(m, _, _)| m.clone()).collect::<Vec<_>>(),
        &[
            Series {
                name: tr.t("report.received").into(),
                values: report.trend.iter().map(|(_, r, _)| *r).collect(),
                colour: BLUE,
            },
            Series {
                name: tr.t("report.answered").into(),
                values: report.trend.iter().map(|(_, _, a)| *a).collect(),
                colour: ORANGE,
            },
        ],
    );
    let on_time_chart = charts::bars(
        tr.t("report.on_time"),
        &report
            .review
            .departments
            .iter()
            .filter(|f| f.on_time.denominator > 0)
            .map(|f| Bar {
                label: name(&f.department),
                value: f.on_time.percent().unwrap_or(0.0),
                shown: percent(&f.on_time),
            })
            .collect::<Vec<_>>(),
        Some(100.0),
        BLUE,
    );
    let category_chart = charts::bars(
        tr.t("report.by_category"),
        &report
            .review
            .top_categories
            .iter()
            .map(|(code, n)| Bar {
                label: category_name(&catalog, locale, code),
                value: f64::from(*n),
                shown: n.to_string(),
            })
            .collect::<Vec<_>>(),
        None,
        ORANGE,
    );
    let view = ReportPage {
        month: month.label(),
        previous: month.previous().label(),
        next: month.next().label(),
        total: FiguresLine::new(0, tr.t("report.all").into(), &report.review.total),
        lines,
        top_categories: report
            .review
            .top_categories
            .iter()
            .map(|(c, n)| (category_name(&catalog, locale, c), *n))
            .collect(),
        top_areas: report
            .review
            .top_areas
            .iter()
            .map(|(a, n)| (area_path_name(&catalog, locale, a), *n))
            .collect(),
        reception_line: {
            let (days, places, booked, attended) = report.reception;
            tr.f(
                "report.reception_line",
                &[
                    ("days", &days.to_string()),
                    ("places", &places.to_string()),
                    ("booked", &booked.to_string()),
                    ("attended", &attended.to_string()),
                ],
            )
        },
        major_line: tr.f(
            "report.major_line",
            &[("count", &report.major_matters.to_string())],
        ),
        trend_chart,
        on_time_chart,
        category_chart,
        register_from: query
            .from
            .clone()
            .unwrap_or_else(|| month.first_day().to_string()),
        register_to: query.to.clone().unwrap_or_else(|| month.last_day().to_string()),
        register_errors,
        idle,
        page,
    };
    Ok(html(StatusCode::OK, view.render()))
}

#[derive(Deserialize)]
pub struct ReviewQuery {
    month: Option<String>,
    /// The register's dates, when an export of them was refused.
    from: Option<String>,
    to: Option<String>,
}

#[derive(Deserialize)]
pub struct RangeQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// The register as XLSX or CSV, for leaders and administrators signed in or with a token.
#[get("/reports/register.{format}")]
pub async fn register(
    req: HttpRequest,
    state: web::Data<App>,
    path: web::Path<String>,
    query: web::Query<RangeQuery>,
) -> Result<HttpResponse, PageError> {
    let format = path.into_inner();
    let (locale, user) = crate::web::exports::table_reader(&req, &state, &format).await?;
    let (from, to) = match crate::service::register::register_range(&query.from, &query.to) {
        Ok(range) => range,
        // A reader's browser is told on the review page, next to the dates; a program
        // with a token gets the 422.
        Err(crate::service::ServiceError::Invalid(_)) if crate::web::auth::bearer(&req).is_none() => {
            return Ok(crate::web::pages::see_other(&format!(
                "/reports/monthly?from={}&to={}#register",
                crate::web::pages::encode(&query.from),
                crate::web::pages::encode(&query.to)
            )));
        }
        Err(e) => return Err(e).page(locale),
    };
    crate::web::register_download::response(state, user, &format, from, to).page(locale)
}
