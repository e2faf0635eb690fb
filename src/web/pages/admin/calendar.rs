//! The holiday calendar: what is in force, and importing a year's file.

use std::collections::BTreeMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::SavedQuery;
use crate::domain::calendar::Calendar;
use crate::service::deadlines;
use crate::web::App;
use crate::web::auth::SignedIn;
use crate::web::error::{Localize, PageError};
use crate::web::forms::{Posted, Refused, csrf_field, shown};
use crate::web::pages::{PageCtx, html, see_other};

pub struct YearLine {
    pub year: i32,
    pub holidays: Vec<String>,
    pub makeup: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin_calendar.html")]
struct CalendarPage {
    page: PageCtx,
    years: Vec<YearLine>,
    text: String,
    errors: BTreeMap<String, String>,
    saved: bool,
}

fn calendar_page(page: PageCtx, calendar: &Calendar, text: Option<String>, saved: bool) -> CalendarPage {
    let years = calendar
        .years()
        .map(|year| YearLine {
            year,
            holidays: calendar
                .holidays(year)
                .iter()
                .map(|h| format!("{} {} – {}", h.name, h.first, h.last))
                .collect(),
            makeup: calendar.makeup_days(year).map(|d| d.to_string()).collect(),
        })
        .collect();
    CalendarPage {
        text: text.unwrap_or_else(|| calendar.to_toml()),
        years,
        errors: BTreeMap::new(),
        saved,
        page,
    }
}

#[get("/admin/calendar")]
pub async fn show_calendar(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let rules = deadlines::in_force(&state, &user).page(page.locale())?;
    let view = calendar_page(page, &rules.calendar, None, query.saved());
    Ok(html(StatusCode::OK, view.render()))
}

#[derive(Deserialize)]
pub struct CalendarForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    calendar: String,
}
csrf_field!(CalendarForm);

#[post("/admin/calendar")]
pub async fn import_calendar(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    posted: Posted<CalendarForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    let rules = deadlines::in_force(&state, &user).page(locale)?;
    let result: Result<Vec<i32>, Refused> = async {
        posted.fresh()?;
        Ok(deadlines::import(&state, &user, &posted.form.calendar).await?)
    }
    .await;
    match result {
        Ok(_) => Ok(see_other("/admin/calendar?saved=1")),
        Err(refused) => {
            let shown = shown(page.tr, refused).page(locale)?;
            let mut view = calendar_page(page, &rules.calendar, Some(posted.form.calendar.clone()), false);
            view.errors = shown.errors;
            Ok(html(shown.status, view.render()))
        }
    }
}
