//! The reception desk: the coming days for everyone, the month's days with the form to
//! publish one, and the cases a leader holds in personal charge.

use std::collections::BTreeMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use chrono::Duration;
use serde::Deserialize;

use super::{DayLine, MonthQuery, month_or_now};
use crate::domain::deadline::local_date;
use crate::domain::local_path::LocalPath;
use crate::domain::permissions::{Duty, may};
use crate::format::{area_path_name, date, department_name, state_name};
use crate::service::auth::StaffUser;
use crate::service::reception::{self, DayInput};
use crate::service::reports::Month;
use crate::web::App;
use crate::web::auth::SignedIn;
use crate::web::error::{AppError, Localize, PageError};
use crate::web::forms::{Posted, Refused, csrf_field, shown};
use crate::web::pages::encode;
use crate::web::pages::file::Opt;
use crate::web::pages::{PageCtx, html, see_other};
use crate::web::query::parse_number;

#[derive(Template)]
#[template(path = "reception.html")]
struct ReceptionPage {
    page: PageCtx,
    days: Vec<DayLine>,
}

/// The coming reception days, for everyone.
#[get("/reception")]
pub async fn public_days(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::new(&req, &session);
    let locale = page.locale();
    let today = local_date(state.now(), state.tz);
    let days = reception::days(&state, today + Duration::days(1), today + Duration::days(92))
        .await
        .page(locale)?;
    let catalog = state.catalog();
    let view = ReceptionPage {
        days: days.iter().map(|d| DayLine::new(&catalog, page.tr, d)).collect(),
        page,
    };
    Ok(html(StatusCode::OK, view.render()))
}

/// A case a leader has in personal charge.
pub struct ChargeLine {
    pub number: String,
    pub title: String,
    pub state: String,
    pub department: String,
    pub due: Option<String>,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "leader.html")]
struct LeaderPage {
    page: PageCtx,
    month: String,
    previous: String,
    next: String,
    /// The heading of the days listed: the month's, or from this month on.
    days_heading: String,
    days: Vec<DayLine>,
    form: DayInput,
    leaders: Vec<Opt>,
    categories: Vec<Opt>,
    areas: Vec<Opt>,
    errors: BTreeMap<String, String>,
    charge: Vec<ChargeLine>,
    /// Per town, each village's last visit and overdue cases.
    coverage: Vec<crate::service::visits::TownCoverage>,
    is_leader: bool,
    done: bool,
}

impl LeaderPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

#[allow(clippy::too_many_arguments)]
async fn leader_page(
    state: &App,
    page: PageCtx,
    user: StaffUser,
    month: Month,
    form: DayInput,
    errors: BTreeMap<String, String>,
    status: StatusCode,
    done: bool,
) -> Result<HttpResponse, PageError> {
    let locale = page.locale();
    let catalog = state.catalog();
    let now = state.now();
    let is_leader = may(user.role, Duty::ReceiveResidents);
    // This month's view runs on into the coming weeks, so the desk always shows what is next.
    let today = local_date(now, state.tz);
    let current = month == Month::of(today);
    let until = if current {
        month.last_day().max(today + Duration::days(92))
    } else {
        month.last_day()
    };
    let reception::Desk {
        days,
        leaders,
        charged,
    } = reception::desk(state, &user, month.first_day(), until)
        .await
        .page(locale)?;
    let coverage = if may(user.role, Duty::Review) {
        crate::service::visits::coverage(state, &user)
            .await
            .page(locale)?
    } else {
        Vec::new()
    };
    let wanted_leader = form.leader.clone().unwrap_or_default();
    let chosen = |list: &[String], code: &str| list.iter().any(|c| c == code);
    let view = LeaderPage {
        days_heading: page.tr.f(
            if current {
                "leader.days_from"
            } else {
                "leader.days_of"
            },
            &[("month", &month.label())],
        ),
        month: month.label(),
        previous: month.previous().label(),
        next: month.next().label(),
        days: days.iter().map(|d| DayLine::new(&catalog, page.tr, d)).collect(),
        leaders: leaders
            .into_iter()
            .map(|(username, name)| Opt {
                selected: username == wanted_leader,
                code: username,
                name,
            })
            .collect(),
        categories: catalog
            .categories
            .iter()
            .map(|c| Opt {
                code: c.code.clone(),
                name: c.names.get(locale).to_string(),
                selected: chosen(&form.categories, &c.code),
            })
            .collect(),
        areas: catalog
            .areas
            .iter()
            .filter(|a| a.level <= 2)
            .map(|a| Opt {
                code: a.code.clone(),
                name: area_path_name(&catalog, locale, &a.code),
                selected: chosen(&form.areas, &a.code),
            })
            .collect(),
        charge: charged
            .into_iter()
            .map(|c| {
                let due = c.due_at;
                ChargeLine {
                    state: state_name(page.tr, c.state).to_string(),
                    department: department_name(&catalog, locale, &c.department_code),
                    overdue: !c.state.is_terminal() && due.is_some_and(|d| d < now),
                    due: due.map(|d| date(locale, d, state.tz)),
                    number: c.number,
                    title: c.title,
                }
            })
            .collect(),
        coverage,
        is_leader,
        done,
        form,
        errors,
        page,
    };
    Ok(html(status, view.render()))
}

#[get("/leader")]
pub async fn dashboard(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    query: web::Query<MonthQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let month = month_or_now(&state, query.month.as_deref());
    let done = query.done.is_some();
    leader_page(
        &state,
        page,
        user,
        month,
        DayInput::default(),
        BTreeMap::new(),
        StatusCode::OK,
        done,
    )
    .await
}

#[derive(Deserialize)]
pub struct DayForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    input: DayInput,
}
csrf_field!(DayForm);

#[post("/leader/days")]
pub async fn create_day(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    posted: Posted<DayForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    let month = Month::parse(posted.form.input.date.get(..7).unwrap_or_default())
        .unwrap_or_else(|| Month::of(local_date(state.now(), state.tz)));
    let result: Result<_, Refused> = async {
        posted.fresh()?;
        Ok(reception::publish(&state, &user, posted.form.input.clone()).await?)
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/leader?month={}&done=1", month.label()))),
        Err(refused) => {
            let shown = shown(page.tr, refused).page(locale)?;
            let input = posted.form.input;
            leader_page(
                &state,
                page,
                user,
                month,
                input,
                shown.errors,
                shown.status,
                false,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct SuperviseForm {
    #[serde(default)]
    csrf: String,
    /// Where to come back to (a path on this site).
    #[serde(default)]
    back: String,
}
csrf_field!(SuperviseForm);

#[post("/leader/cases/{number}/supervise")]
pub async fn supervise(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    path: web::Path<String>,
    posted: Posted<SuperviseForm>,
) -> Result<HttpResponse, PageError> {
    let locale = PageCtx::staff(&req, &session, &user).locale();
    let number = parse_number(&path).page(locale)?;
    if !posted.is_fresh() {
        return Err(AppError::Forbidden { key: "err.csrf" }).page(locale);
    }
    reception::take_charge(&state, &user, number.clone())
        .await
        .page(locale)?;
    let back = LocalPath::parse_or(Some(&posted.form.back), &format!("/staff/cases/{number}"));
    Ok(see_other(&with_taken(back.as_str(), &number.to_string())))
}

/// `path` with `taken=NUMBER` added to its query (before any fragment), so the page
/// confirms the case was taken into charge.
fn with_taken(path: &str, number: &str) -> String {
    let (head, fragment) = path.split_once('#').map_or((path, ""), |(h, f)| (h, f));
    let joiner = if head.contains('?') { '&' } else { '?' };
    let fragment = if fragment.is_empty() {
        String::new()
    } else {
        format!("#{fragment}")
    };
    format!("{head}{joiner}taken={}{fragment}", encode(number))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_confirmation_goes_into_the_query_before_the_fragment() {
        assert_eq!(super::with_taken("/staff/cases/1", "1"), "/staff/cases/1?taken=1");
        assert_eq!(
            super::with_taken("/leader/days/3#booking-4", "9"),
            "/leader/days/3?taken=9#booking-4"
        );
        assert_eq!(super::with_taken("/leader?x=1", "9"), "/leader?x=1&taken=9");
    }
}
