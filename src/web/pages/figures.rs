//! `/figures`: each department's public monthly figures, with the review's definitions
//! (reports about officials left out), for this month and the eleven before.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;

use super::leader::review::{FiguresLine, has_cases, percent};
use super::{PageCtx, html};
use crate::charts::{self, BLUE, Bar, ORANGE, Series};
use crate::format::department_name;
use crate::service::reports::{Month, public_figures};
use crate::web::App;
use crate::web::error::{Localize, PageError};

#[derive(Deserialize)]
pub struct MonthQuery {
    #[serde(default)]
    month: String,
}

#[derive(Template)]
#[template(path = "figures.html")]
struct FiguresPage {
    page: PageCtx,
    month: String,
    previous: Option<String>,
    next: Option<String>,
    lines: Vec<FiguresLine>,
    total: FiguresLine,
    /// None while no department has a case answered or due this month.
    on_time_chart: Option<String>,
    trend_chart: String,
}

/// The month asked for (this one by default), or a refusal the page says.
pub fn month_of(state: &App, text: &str) -> Result<Month, crate::service::ServiceError> {
    match text.trim() {
        "" => Ok(Month::of(crate::domain::deadline::local_date(
            state.now(),
            state.tz,
        ))),
        text => Month::parse(text).ok_or_else(|| {
            crate::service::ServiceError::Invalid(crate::domain::field_error::FieldErrors::single(
                "month",
                crate::domain::field_error::FieldError::new("err.month"),
            ))
        }),
    }
}

#[get("/figures")]
pub async fn figures(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    query: web::Query<MonthQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::new(&req, &session);
    let (locale, tr) = (page.locale(), page.tr);
    let month = month_of(&state, &query.month).page(locale)?;
    let report = public_figures(&state, month).await.page(locale)?;
    let (earliest, this) = crate::service::reports::public_months(&state);
    let catalog = state.catalog();
    let name = |code: &str| department_name(&catalog, locale, code);
    let mut shown: Vec<_> = report
        .review
        .departments
        .iter()
        .filter(|f| has_cases(f))
        .collect();
    shown.sort_by(|a, b| b.received.cmp(&a.received).then(a.department.cmp(&b.department)));
    let on_time: Vec<Bar> = shown
        .iter()
        .filter(|f| f.on_time.denominator > 0)
        .map(|f| Bar {
            label: name(&f.department),
            value: f.on_time.percent().unwrap_or(0.0),
            shown: percent(&f.on_time),
        })
        .collect();
    let on_time_chart =
        (!on_time.is_empty()).then(|| charts::bars(tr.t("report.on_time"), &on_time, Some(100.0), BLUE));
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
    let view = FiguresPage {
        month: month.label(),
        previous: (month > earliest).then(|| month.previous().label()),
        next: (month < this).then(|| month.next().label()),
        lines: shown
            .iter()
            .enumerate()
            .map(|(i, f)| FiguresLine::new(i + 1, name(&f.department), f))
            .collect(),
        total: FiguresLine::new(0, tr.t("figures.total").to_string(), &report.review.total),
        on_time_chart,
        trend_chart,
        page,
    };
    Ok(html(StatusCode::OK, view.render()))
}
