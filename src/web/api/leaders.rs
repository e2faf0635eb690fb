//! Reception days, bookings, personal charge and the monthly review, as JSON.

use actix_web::{HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::catalog::Named;
use super::doc::Errors;

use crate::domain::catalog::Catalog;
use crate::domain::locale::Locale;
use crate::domain::metrics::Figures;
use crate::format::{category_name, department_name, event_text, rfc3339};
use crate::i18n::Tr;
use crate::service::reception::{self, DayInput, DayQueue, DayView};
use crate::service::reports::{self, Month, MonthlyReport};
use crate::web::App;
use crate::web::auth::{ApiStaff, Asking};
use crate::web::error::{ApiError, AppError, Localize};
use crate::web::locale::Lang;
use crate::web::query::parse_number;

/// A reception day (接访日): who receives, when, where, for what, how full.
#[derive(Serialize, ToSchema)]
pub struct Day {
    pub id: i32,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `HH:MM`, local time.
    pub starts_at: String,
    pub ends_at: String,
    pub place: String,
    pub capacity: i32,
    pub booked: i64,
    pub remaining: i64,
    /// The receiving leader's name.
    pub leader: String,
    /// Category codes it is held for (none: any).
    pub categories: Vec<String>,
    /// Area codes it is held for (none: any).
    pub areas: Vec<String>,
}

impl Day {
    pub fn of(d: &DayView) -> Day {
        Day {
            id: d.id,
            date: d.day.to_string(),
            starts_at: d.starts_at.clone(),
            ends_at: d.ends_at.clone(),
            place: d.place.clone(),
            capacity: d.capacity,
            booked: d.booked,
            remaining: (i64::from(d.capacity) - d.booked).max(0),
            leader: d.leader.clone(),
            categories: d.categories.clone(),
            areas: d.areas.clone(),
        }
    }
}

/// Publishes a reception day (leaders for themselves, administrators for any leader).
#[utoipa::path(tag = "leaders", request_body = DayInput, responses((status = 201, body = Day), Errors), security(("staff_token" = [])))]
#[post("/reception-days")]
pub async fn create_day(
    state: web::Data<App>,
    Lang(locale): Lang,
    ApiStaff(user): ApiStaff,
    body: web::Json<DayInput>,
) -> Result<HttpResponse, ApiError> {
    let day = reception::publish(&state, &user, body.into_inner())
        .await
        .api(locale)?;
    Ok(HttpResponse::Created().json(Day::of(&day)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// `YYYY-MM`; this month when absent.
    month: Option<String>,
}

fn month_of(state: &App, text: Option<&str>) -> Result<Month, AppError> {
    match text.filter(|t| !t.trim().is_empty()) {
        None => Ok(Month::of(crate::domain::deadline::local_date(
            state.now(),
            state.tz,
        ))),
        Some(text) => Month::parse(text).ok_or_else(|| {
            AppError::Invalid(crate::domain::field_error::FieldErrors::single(
                "month",
                crate::domain::field_error::FieldError::new("err.month"),
            ))
        }),
    }
}

#[derive(Serialize, ToSchema)]
pub struct Days {
    pub month: String,
    pub days: Vec<Day>,
}

/// A month's reception days, for anyone.
#[utoipa::path(tag = "leaders", params(MonthQuery), responses((status = 200, body = Days), Errors))]
#[get("/reception-days")]
pub async fn list_days(
    state: web::Data<App>,
    Lang(locale): Lang,
    query: web::Query<MonthQuery>,
) -> Result<HttpResponse, ApiError> {
    let month = month_of(&state, query.month.as_deref()).api(locale)?;
    let days = reception::days(&state, month.first_day(), month.last_day())
        .await
        .api(locale)?;
    Ok(HttpResponse::Ok().json(Days {
        month: month.label(),
        days: days.iter().map(Day::of).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct BookingBody {
    #[serde(default)]
    tracking_number: String,
}

#[derive(Serialize, ToSchema)]
pub struct Booked {
    /// The booking's id.
    pub booking: i32,
    pub day: Day,
}

/// Books a case onto a reception day: by its resident (case token or session).
#[utoipa::path(
    tag = "leaders",
    request_body = BookingBody,
    responses((status = 201, body = Booked), Errors),
    security(("case_token" = []), ("resident_session" = []))
)]
#[post("/reception-days/{id}/bookings")]
pub async fn book_day(
    state: web::Data<App>,
    Lang(locale): Lang,
    Asking(caller): Asking,
    path: web::Path<i32>,
    body: web::Json<BookingBody>,
) -> Result<HttpResponse, ApiError> {
    let number = parse_number(&body.tracking_number).api(locale)?;
    let (booking, day) = reception::book_day(&state, &caller, number, path.into_inner())
        .await
        .api(locale)?;
    Ok(HttpResponse::Created().json(Booked {
        booking,
        day: Day::of(&day),
    }))
}

/// Cancels the case's booking on that day.
#[utoipa::path(
    tag = "leaders",
    responses((status = 204, description = "Cancelled."), Errors),
    security(("case_token" = []), ("resident_session" = []))
)]
#[delete("/reception-days/{id}/bookings/{tracking_number}")]
pub async fn cancel_booking(
    state: web::Data<App>,
    Lang(locale): Lang,
    Asking(caller): Asking,
    path: web::Path<(i32, String)>,
) -> Result<HttpResponse, ApiError> {
    let (day_id, raw) = path.into_inner();
    let number = parse_number(&raw).api(locale)?;
    reception::cancel_on_day(&state, &caller, number, day_id)
        .await
        .api(locale)?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
pub struct CancelDayBody {
    #[serde(default)]
    reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct DayCalledOff {
    pub id: i32,
    pub cancelled: bool,
    pub bookings_cancelled: usize,
}

/// Calls a coming day off (leaders and administrators); its residents are told why.
#[utoipa::path(tag = "leaders", request_body = CancelDayBody, responses((status = 200, body = DayCalledOff), Errors), security(("staff_token" = [])))]
#[post("/reception-days/{id}/cancel")]
pub async fn cancel_day(
    state: web::Data<App>,
    Lang(locale): Lang,
    ApiStaff(user): ApiStaff,
    path: web::Path<i32>,
    body: web::Json<CancelDayBody>,
) -> Result<HttpResponse, ApiError> {
    let day_id = path.into_inner();
    let cancelled = reception::call_off(&state, &user, day_id, body.into_inner().reason)
        .await
        .api(locale)?;
    Ok(HttpResponse::Ok().json(DayCalledOff {
        id: day_id,
        cancelled: true,
        bookings_cancelled: cancelled,
    }))
}

/// A day's queue: the booked cases in order, for the leaders who receive them.
#[derive(Serialize, ToSchema)]
pub struct DayQueueView {
    pub day: Day,
    pub entries: Vec<DayQueueEntry>,
}

#[derive(Serialize, ToSchema)]
pub struct DayQueueEntry {
    /// The booking's id (for `POST /bookings/{id}/meeting`).
    pub booking: i32,
    pub booked_at: String,
    pub tracking_number: String,
    /// What the resident wrote: only for the leaders who receive them.
    pub title: Option<String>,
    pub category: String,
    pub department: String,
    pub state: String,
    pub due_at: Option<String>,
    pub overdue: bool,
    /// The resident asks for a review of an answer.
    pub review_request: bool,
    /// The resident has filed on the same matter before.
    pub repeat: bool,
    pub earlier_cases: i64,
    pub attended: Option<bool>,
    pub outcome: Option<String>,
    pub timeline: Vec<DayQueueEvent>,
}

#[derive(Serialize, ToSchema)]
pub struct DayQueueEvent {
    pub at: String,
    pub kind: String,
    pub message: String,
}

impl DayQueueView {
    pub fn of(catalog: &Catalog, locale: Locale, tz: chrono_tz::Tz, queue: &DayQueue) -> DayQueueView {
        let tr = Tr(locale);
        DayQueueView {
            day: Day::of(&queue.day),
            entries: queue
                .entries
                .iter()
                .map(|e| DayQueueEntry {
                    booking: e.booking.id,
                    booked_at: rfc3339(e.booking.booked_at),
                    tracking_number: e.case.tracking_number.clone(),
                    title: e.case.content.as_ref().map(|c| c.title.clone()),
                    category: category_name(catalog, locale, &e.case.category_code),
                    department: department_name(catalog, locale, &e.case.department_code),
                    state: e.case.state.clone(),
                    due_at: e.case.due_at.map(|d| rfc3339(d.and_utc())),
                    overdue: e.overdue,
                    review_request: e.review_request,
                    repeat: e.earlier > 0,
                    earlier_cases: e.earlier,
                    attended: e.booking.attended,
                    outcome: e.booking.outcome.clone(),
                    timeline: e
                        .case
                        .content
                        .iter()
                        .flat_map(|c| &c.timeline)
                        .map(|t| DayQueueEvent {
                            at: rfc3339(t.at),
                            kind: t.kind.clone(),
                            message: event_text(tr, catalog, tz, &t.kind, t.data.as_ref()).summary,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

#[utoipa::path(tag = "leaders", responses((status = 200, body = DayQueueView), Errors), security(("staff_token" = [])))]
#[get("/reception-days/{id}/queue")]
pub async fn day_queue(
    state: web::Data<App>,
    Lang(locale): Lang,
    ApiStaff(user): ApiStaff,
    path: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    let queue = reception::queue(&state, &user, path.into_inner())
        .await
        .api(locale)?;
    Ok(HttpResponse::Ok().json(DayQueueView::of(&state.catalog(), locale, state.tz, &queue)))
}

#[derive(Deserialize, ToSchema)]
pub struct MeetingBody {
    #[serde(default)]
    attended: bool,
    #[serde(default)]
    outcome: String,
}

#[derive(Serialize, ToSchema)]
pub struct MeetingRecorded {
    pub tracking_number: String,
    pub recorded: bool,
}

/// Records whether the resident came and what was agreed.
#[utoipa::path(tag = "leaders", request_body = MeetingBody, responses((status = 200, body = MeetingRecorded), Errors), security(("staff_token" = [])))]
#[post("/bookings/{id}/meeting")]
pub async fn record_meeting(
    state: web::Data<App>,
    Lang(locale): Lang,
    ApiStaff(user): ApiStaff,
    path: web::Path<i32>,
    body: web::Json<MeetingBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let number = reception::meet(&state, &user, path.into_inner(), body.attended, body.outcome)
        .await
        .api(locale)?;
    Ok(HttpResponse::Ok().json(MeetingRecorded {
        tracking_number: number.to_string(),
        recorded: true,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Supervised {
    pub tracking_number: String,
    /// The leader now in personal charge (包案).
    pub supervisor: String,
}

/// A leader takes personal charge of a case.
#[utoipa::path(tag = "leaders", responses((status = 200, body = Supervised), Errors), security(("staff_token" = [])))]
#[post("/cases/{tracking_number}/supervise")]
pub async fn take_charge(
    state: web::Data<App>,
    Lang(locale): Lang,
    ApiStaff(user): ApiStaff,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let number = parse_number(&path).api(locale)?;
    let leader = user.display_name.clone();
    reception::take_charge(&state, &user, number.clone())
        .await
        .api(locale)?;
    Ok(HttpResponse::Ok().json(Supervised {
        tracking_number: number.to_string(),
        supervisor: leader,
    }))
}

/// A department's figures of a month (or the total, without a department), as the
/// monthly review defines them. Rates are 0 to 1, absent when nothing was counted.
#[derive(Serialize, ToSchema)]
pub struct FiguresLine {
    pub department: Option<Named>,
    pub received: u32,
    pub accepted: u32,
    pub answered: u32,
    pub closed: u32,
    pub overdue_now: u32,
    pub on_time_rate: Option<f64>,
    pub median_days_to_answer: Option<f64>,
    /// 响应率: accepted or declined within the deadline, of those due.
    pub response_rate: Option<f64>,
    /// 解决率: answered, of those received.
    pub resolution_rate: Option<f64>,
    /// 满意率: satisfied, of those evaluated.
    pub satisfaction_rate: Option<f64>,
    /// Place in the review's ranking (the review only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rank: Option<usize>,
}

impl FiguresLine {
    pub fn of(catalog: &Catalog, locale: Locale, f: &Figures) -> FiguresLine {
        FiguresLine {
            department: (!f.department.is_empty()).then(|| Named {
                code: f.department.clone(),
                name: department_name(catalog, locale, &f.department),
            }),
            received: f.received,
            accepted: f.accepted,
            answered: f.answered,
            closed: f.closed,
            overdue_now: f.overdue_now,
            on_time_rate: f.on_time.value(),
            median_days_to_answer: f.median_days_to_answer,
            response_rate: f.response.value(),
            resolution_rate: f.resolution.value(),
            satisfaction_rate: f.satisfaction.value(),
            rank: None,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TrendPoint {
    pub month: String,
    pub received: u32,
    pub answered: u32,
}

impl TrendPoint {
    pub fn all(trend: &[(String, u32, u32)]) -> Vec<TrendPoint> {
        trend
            .iter()
            .map(|(month, received, answered)| TrendPoint {
                month: month.clone(),
                received: *received,
                answered: *answered,
            })
            .collect()
    }
}

#[derive(Serialize, ToSchema)]
pub struct Counted {
    pub code: String,
    pub name: String,
    pub cases: u32,
}

#[derive(Serialize, ToSchema)]
pub struct ReceptionFigures {
    pub days: i64,
    pub places: i64,
    pub booked: i64,
    pub attended: i64,
}

/// The monthly review (月度通报): every department ranked, the total, what came in most,
/// the trend and the reception days.
#[derive(Serialize, ToSchema)]
pub struct MonthlyReview {
    pub month: String,
    pub departments: Vec<FiguresLine>,
    pub total: FiguresLine,
    pub top_categories: Vec<Counted>,
    pub top_areas: Vec<Counted>,
    pub trend: Vec<TrendPoint>,
    pub reception: ReceptionFigures,
    /// Cases marked as major or urgent matters in the month.
    pub major_matters: i64,
}

impl MonthlyReview {
    pub fn of(catalog: &Catalog, locale: Locale, report: &MonthlyReport) -> MonthlyReview {
        let (days, places, booked, attended) = report.reception;
        let counted = |code: &String, cases: &u32, name: String| Counted {
            code: code.clone(),
            name,
            cases: *cases,
        };
        MonthlyReview {
            month: report.month.label(),
            departments: report
                .review
                .departments
                .iter()
                .enumerate()
                .map(|(i, f)| FiguresLine {
                    rank: Some(i + 1),
                    ..FiguresLine::of(catalog, locale, f)
                })
                .collect(),
            total: FiguresLine::of(catalog, locale, &report.review.total),
            top_categories: report
                .review
                .top_categories
                .iter()
                .map(|(code, n)| counted(code, n, category_name(catalog, locale, code)))
                .collect(),
            top_areas: report
                .review
                .top_areas
                .iter()
                .map(|(code, n)| counted(code, n, crate::format::area_path_name(catalog, locale, code)))
                .collect(),
            trend: TrendPoint::all(&report.trend),
            reception: ReceptionFigures {
                days,
                places,
                booked,
                attended,
            },
            major_matters: report.major_matters,
        }
    }
}

/// The monthly review, for leaders and the intake office.
#[utoipa::path(tag = "leaders", params(MonthQuery), responses((status = 200, body = MonthlyReview), Errors), security(("staff_token" = [])))]
#[get("/reports/monthly")]
pub async fn monthly_report(
    state: web::Data<App>,
    Lang(locale): Lang,
    ApiStaff(user): ApiStaff,
    query: web::Query<MonthQuery>,
) -> Result<HttpResponse, ApiError> {
    let month = month_of(&state, query.month.as_deref()).api(locale)?;
    let catalog = state.catalog();
    let report = reports::month_review(&state, &user, month).await.api(locale)?;
    Ok(HttpResponse::Ok().json(MonthlyReview::of(&catalog, locale, &report)))
}
