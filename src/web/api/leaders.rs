//! Reception days, bookings, personal charge and the monthly review, as JSON.

use actix_web::{HttpResponse, delete, get, post, web};
use serde::Deserialize;
use serde_json::{Value, json};

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

pub fn day_json(d: &DayView) -> Value {
    json!({
        "id": d.id,
        "date": d.day.to_string(),
        "starts_at": d.starts_at,
        "ends_at": d.ends_at,
        "place": d.place,
        "capacity": d.capacity,
        "booked": d.booked,
        "remaining": (i64::from(d.capacity) - d.booked).max(0),
        "leader": d.leader,
        "categories": d.categories,
        "areas": d.areas,
    })
}

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
    Ok(HttpResponse::Created().json(day_json(&day)))
}

#[derive(Deserialize)]
pub struct MonthQuery {
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

/// A month's reception days, for anyone.
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
    Ok(HttpResponse::Ok().json(json!({
        "month": month.label(),
        "days": days.iter().map(day_json).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
pub struct BookingBody {
    #[serde(default)]
    tracking_number: String,
}

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
    Ok(HttpResponse::Created().json(json!({ "booking": booking, "day": day_json(&day) })))
}

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

#[derive(Deserialize)]
pub struct CancelDayBody {
    #[serde(default)]
    reason: String,
}

/// Calls a coming day off (leaders and administrators); its residents are told why.
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
    Ok(HttpResponse::Ok().json(json!({ "id": day_id, "cancelled": true, "bookings_cancelled": cancelled })))
}

pub fn queue_json(catalog: &Catalog, locale: Locale, tz: chrono_tz::Tz, queue: &DayQueue) -> Value {
    let tr = Tr(locale);
    json!({
        "day": day_json(&queue.day),
        "entries": queue.entries.iter().map(|e| json!({
            "booking": e.booking.id,
            "booked_at": rfc3339(e.booking.booked_at),
            "tracking_number": e.case.tracking_number,
            "title": e.case.content.as_ref().map(|c| &c.title),
            "category": category_name(catalog, locale, &e.case.category_code),
            "department": department_name(catalog, locale, &e.case.department_code),
            "state": e.case.state,
            "due_at": e.case.due_at.map(|d| rfc3339(d.and_utc())),
            "overdue": e.overdue,
            "review_request": e.review_request,
            "repeat": e.earlier > 0,
            "earlier_cases": e.earlier,
            "attended": e.booking.attended,
            "outcome": e.booking.outcome,
            "timeline": e.case.content.iter().flat_map(|c| &c.timeline).map(|t| json!({
                "at": rfc3339(t.at),
                "kind": t.kind,
                "message": event_text(tr, catalog, tz, &t.kind, t.data.as_ref()).summary,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

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
    Ok(HttpResponse::Ok().json(queue_json(&state.catalog(), locale, state.tz, &queue)))
}

#[derive(Deserialize)]
pub struct MeetingBody {
    #[serde(default)]
    attended: bool,
    #[serde(default)]
    outcome: String,
}

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
    Ok(HttpResponse::Ok().json(json!({ "tracking_number": number, "recorded": true })))
}

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
    Ok(HttpResponse::Ok().json(json!({ "tracking_number": number, "supervisor": leader })))
}

pub fn figures_json(catalog: &Catalog, locale: Locale, f: &Figures) -> Value {
    json!({
        "department": if f.department.is_empty() { Value::Null } else {
            json!({ "code": f.department, "name": department_name(catalog, locale, &f.department) })
        },
        "received": f.received,
        "accepted": f.accepted,
        "answered": f.answered,
        "closed": f.closed,
        "overdue_now": f.overdue_now,
        "on_time_rate": f.on_time.value(),
        "median_days_to_answer": f.median_days_to_answer,
        "response_rate": f.response.value(),
        "resolution_rate": f.resolution.value(),
        "satisfaction_rate": f.satisfaction.value(),
    })
}

pub fn report_json(catalog: &Catalog, locale: Locale, report: &MonthlyReport) -> Value {
    let (days, slots, booked, attended) = report.reception;
    json!({
        "month": report.month.label(),
        "departments": report.review.departments.iter().enumerate().map(|(i, f)| {
            let mut line = figures_json(catalog, locale, f);
            line["rank"] = json!(i + 1);
            line
        }).collect::<Vec<_>>(),
        "total": figures_json(catalog, locale, &report.review.total),
        "top_categories": report.review.top_categories.iter().map(|(code, n)| json!({
            "code": code, "name": category_name(catalog, locale, code), "cases": n,
        })).collect::<Vec<_>>(),
        "top_areas": report.review.top_areas.iter().map(|(code, n)| json!({
            "code": code, "name": crate::format::area_path_name(catalog, locale, code), "cases": n,
        })).collect::<Vec<_>>(),
        "trend": report.trend.iter().map(|(month, received, answered)| json!({
            "month": month, "received": received, "answered": answered,
        })).collect::<Vec<_>>(),
        "reception": { "days": days, "places": slots, "booked": booked, "attended": attended },
    })
}

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
    Ok(HttpResponse::Ok().json(report_json(&catalog, locale, &report)))
}
