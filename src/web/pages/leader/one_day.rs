//! One reception day: its queue in order, the meetings recorded, calling it off.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::DayLine;
use crate::domain::case::CaseState;
use crate::domain::deadline::local_date;
use crate::domain::permissions::{Duty, may};
use crate::format::{category_name, date, department_name, event_text, state_name};
use crate::service::auth::StaffUser;
use crate::service::reception::{self};
use crate::web::App;
use crate::web::auth::SignedIn;
use crate::web::error::{Localize, PageError};
use crate::web::forms::{Posted, Refused, csrf_field, shown, shown_in_form};
use crate::web::pages::{PageCtx, html, see_other};

/// One booked case in the day's queue, as the page shows it.
pub struct QueueCard {
    pub position: usize,
    pub booking: i32,
    pub number: String,
    pub category: String,
    pub department: String,
    pub state: String,
    pub due: Option<String>,
    pub overdue: bool,
    pub review_request: bool,
    pub earlier: i64,
    /// What the resident wrote and the timeline: for the leaders who receive them only.
    pub content: Option<CardContent>,
    pub recorded: Option<(bool, String)>,
    pub supervised: bool,
}

pub struct CardContent {
    pub title: String,
    pub description: String,
    pub timeline: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "leader_day.html")]
struct DayPage {
    page: PageCtx,
    day: DayLine,
    cards: Vec<QueueCard>,
    is_leader: bool,
    /// The day's own leader records the meetings.
    is_own_day: bool,
    /// Meetings are recorded on the day or after.
    has_come: bool,
    /// The day may still be called off (it has not passed and is not called off).
    may_cancel: bool,
    /// When and why the day was called off, as the page says it.
    cancelled: Option<String>,
    /// A form refused, by the booking it concerns; booking 0 is the day's own form.
    error: Option<DayError>,
    /// How many residents have been met so far.
    came: usize,
    /// What was just done: the day called off (and how many were told), a case taken
    /// into charge.
    done: Option<String>,
}

/// A refused form on the day's page: its message goes next to the text box, which keeps
/// what was typed.
pub struct DayError {
    pub booking: i32,
    pub message: String,
    pub typed: String,
    pub absent: bool,
}

impl DayError {
    /// The element the summary at the top links to.
    pub fn field(&self) -> String {
        match self.booking {
            0 => "cancel-reason".to_string(),
            id => format!("outcome-{id}"),
        }
    }
}

impl DayPage {
    fn error_at(&self, booking: i32) -> Option<&DayError> {
        self.error.as_ref().filter(|e| e.booking == booking)
    }

    fn absent_at(&self, booking: i32) -> bool {
        self.error_at(booking).is_some_and(|e| e.absent)
    }
}

async fn day_page(
    state: &App,
    page: PageCtx,
    user: StaffUser,
    day_id: i32,
    error: Option<DayError>,
    status: StatusCode,
    done: Option<String>,
) -> Result<HttpResponse, PageError> {
    let locale = page.locale();
    let now = state.now();
    let is_leader = may(user.role, Duty::ReceiveResidents);
    let user_id = user.id;
    let queue = reception::queue(state, &user, day_id).await.page(locale)?;
    let catalog = state.catalog();
    let cards = queue
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| QueueCard {
            position: i + 1,
            booking: e.booking.id,
            number: e.case.tracking_number.clone(),
            category: category_name(&catalog, locale, &e.case.category_code),
            department: department_name(&catalog, locale, &e.case.department_code),
            state: CaseState::parse(&e.case.state)
                .map(|s| state_name(page.tr, s).to_string())
                .unwrap_or_else(|| e.case.state.clone()),
            due: e.case.due_at.map(|d| date(locale, d.and_utc(), state.tz)),
            overdue: e.overdue,
            review_request: e.review_request,
            earlier: e.earlier,
            content: e.case.content.as_ref().map(|c| CardContent {
                title: c.title.clone(),
                description: c.description.clone(),
                timeline: c
                    .timeline
                    .iter()
                    .map(|t| {
                        (
                            date(locale, t.at, state.tz),
                            event_text(page.tr, &catalog, state.tz, &t.kind, t.data.as_ref()).summary,
                        )
                    })
                    .collect(),
            }),
            recorded: e.booking.met_at.map(|_| {
                (
                    e.booking.attended.unwrap_or(false),
                    e.booking.outcome.clone().unwrap_or_default(),
                )
            }),
            supervised: e.case.supervised,
        })
        .collect();
    let came = queue
        .entries
        .iter()
        .filter(|e| e.booking.attended == Some(true))
        .count();
    let today = local_date(now, state.tz);
    let record = &queue.day;
    let view = DayPage {
        day: DayLine::new(&catalog, page.tr, &queue.day),
        cards,
        is_leader,
        is_own_day: is_leader && record.leader_id == user_id,
        has_come: today >= record.day,
        may_cancel: record.cancelled_at.is_none() && record.day >= today,
        cancelled: record.cancelled_at.map(|at| {
            page.tr.f(
                "reception.cancelled_banner",
                &[
                    ("at", &date(locale, at, state.tz)),
                    ("reason", record.cancel_reason.as_deref().unwrap_or_default()),
                ],
            )
        }),
        error,
        came,
        done,
        page,
    };
    Ok(html(status, view.render()))
}

#[get("/leader/days/{id}")]
pub async fn day(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    path: web::Path<i32>,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let done = match (&query.cancelled, &query.taken) {
        (Some(count), _) => Some(page.f1("reception.day_cancelled_notice", "count", count)),
        (None, Some(_)) => Some(page.t("leader.took_charge").to_string()),
        (None, None) => None,
    };
    day_page(&state, page, user, path.into_inner(), None, StatusCode::OK, done).await
}

#[derive(Deserialize)]
pub struct DayQuery {
    /// Set after calling the day off: how many residents were told.
    cancelled: Option<usize>,
    /// Set after the leader took a case into charge.
    taken: Option<String>,
}

#[derive(Deserialize)]
pub struct CancelDayForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}
csrf_field!(CancelDayForm);

#[post("/leader/days/{id}/cancel")]
pub async fn cancel_day(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    path: web::Path<i32>,
    posted: Posted<CancelDayForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    let day_id = path.into_inner();
    let refused = |page: PageCtx, user: StaffUser, message: String, status: StatusCode| {
        let state = state.clone();
        let error = DayError {
            booking: 0,
            message,
            typed: posted.form.reason.clone(),
            absent: false,
        };
        async move { day_page(&state, page, user, day_id, Some(error), status, None).await }
    };
    let result: Result<usize, Refused> = async {
        posted.fresh()?;
        Ok(reception::call_off(&state, &user, day_id, posted.form.reason.clone()).await?)
    }
    .await;
    match result {
        Ok(count) => Ok(see_other(&format!("/leader/days/{day_id}?cancelled={count}"))),
        Err(e) => {
            let shown = shown(page.tr, e).page(locale)?;
            refused(page, user, shown.message(), shown.status).await
        }
    }
}

#[derive(Deserialize)]
pub struct MeetingForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    attended: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    day: i32,
}
csrf_field!(MeetingForm);

#[post("/leader/bookings/{id}/meeting")]
pub async fn meeting(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    path: web::Path<i32>,
    posted: Posted<MeetingForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    let booking = path.into_inner();
    let form = &posted.form;
    let result: Result<_, Refused> = async {
        posted.fresh()?;
        let attended = form.attended == "yes";
        Ok(reception::meet(&state, &user, booking, attended, form.outcome.clone()).await?)
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/leader/days/{}#booking-{booking}", form.day))),
        Err(refused) => {
            // Not this leader's day, too, is said next to the meeting's form.
            let shown = shown_in_form(page.tr, refused).page(locale)?;
            let error = DayError {
                booking,
                message: shown.message(),
                typed: form.outcome.clone(),
                absent: form.attended == "no",
            };
            day_page(&state, page, user, form.day, Some(error), shown.status, None).await
        }
    }
}
