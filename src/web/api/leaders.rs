//! Reception days, bookings, personal charge and the monthly review, as JSON.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::cases::parse_number;
use crate::db::reception::DaySummary;
use crate::domain::catalog::Catalog;
use crate::domain::locale::Locale;
use crate::domain::metrics::Figures;
use crate::format::{category_name, department_name, event_text, rfc3339};
use crate::i18n::Tr;
use crate::service::cases::ResidentProof;
use crate::service::reception::{self, DayInput, DayQueue};
use crate::service::reports::{self, Month, MonthlyReport};
use crate::web::App;
use crate::web::auth::{ApiStaff, bearer};
use crate::web::error::{ApiError, AppError, Localize};
use crate::web::locale::Lang;
use crate::web::resident;

pub fn day_json(d: &DaySummary) -> Value {
    json!({
        "id": d.day.id,
        "date": d.day.day.to_string(),
        "starts_at": d.day.starts_at,
        "ends_at": d.day.ends_at,
        "place": d.day.place,
        "capacity": d.day.capacity,
        "booked": d.booked,
        "remaining": (i64::from(d.day.capacity) - d.booked).max(0),
        "leader": d.leader,
        "categories": d.day.categories.split_whitespace().collect::<Vec<_>>(),
        "areas": d.day.areas.split_whitespace().collect::<Vec<_>>(),
    })
}

#[post("/reception-days")]
pub async fn create_day(
    state: web::Data<App>,
    Lang(locale): Lang,
    ApiStaff(user): ApiStaff,
    body: web::Json<DayInput>,
) -> Result<HttpResponse, ApiError> {
    let (catalog, now) = (state.catalog(), state.now());
    let today = crate::domain::deadline::local_date(now, state.tz);
    let input = body.into_inner();
    let day = state
        .db
        .write(move |conn| {
            let id = reception::create_day(conn, &catalog, &user, &input, today, now)?;
            crate::db::reception::summary_of(conn, id)?.ok_or(crate::service::ServiceError::NotFound)
        })
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
    let days = state
        .db
        .run(move |conn| reception::days_between(conn, month.first_day(), month.last_day()))
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

/// The resident's proof: the case's token as bearer (or `?token=`), else the account.
fn proof(req: &HttpRequest, session: &Session) -> Result<ResidentProof, AppError> {
    let query_token = web::Query::<super::cases::TokenQuery>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.into_inner().token);
    match bearer(req).or(query_token).filter(|t| !t.is_empty()) {
        Some(token) => Ok(ResidentProof::Token(token)),
        None => resident::signed_in(session)
            .map(ResidentProof::Account)
            .ok_or(AppError::unauthenticated()),
    }
}

#[post("/reception-days/{id}/bookings")]
pub async fn book_day(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    Lang(locale): Lang,
    path: web::Path<i32>,
    body: web::Json<BookingBody>,
) -> Result<HttpResponse, ApiError> {
    let number = parse_number(&body.tracking_number).api(locale)?;
    let proof = proof(&req, &session).api(locale)?;
    let (rules, now, day_id) = (state.rules(), state.now(), path.into_inner());
    let (booking, day) = state
        .db
        .write(move |conn| {
            let id = reception::book(conn, rules.rules(), &number, &proof, day_id, now)?;
            let day = crate::db::reception::summary_of(conn, day_id)?
                .ok_or(crate::service::ServiceError::NotFound)?;
            Ok::<_, crate::service::ServiceError>((id, day))
        })
        .await
        .api(locale)?;
    Ok(HttpResponse::Created().json(json!({ "booking": booking, "day": day_json(&day) })))
}

#[delete("/reception-days/{id}/bookings/{tracking_number}")]
pub async fn cancel_booking(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    Lang(locale): Lang,
    path: web::Path<(i32, String)>,
) -> Result<HttpResponse, ApiError> {
    let (day_id, raw) = path.into_inner();
    let number = parse_number(&raw).api(locale)?;
    let proof = proof(&req, &session).api(locale)?;
    let (rules, now) = (state.rules(), state.now());
    state
        .db
        .write(move |conn| reception::cancel_on(conn, rules.rules(), &number, &proof, day_id, now))
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
    let (rules, now, day_id) = (state.rules(), state.now(), path.into_inner());
    let cancelled = state
        .db
        .write(move |conn| reception::cancel_day(conn, rules.rules(), &user, day_id, &body.reason, now))
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
            "booked_at": rfc3339(e.booking.booked_at.and_utc()),
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
    let (now, day_id) = (state.now(), path.into_inner());
    let queue = state
        .db
        .run(move |conn| reception::day_queue(conn, &user, day_id, now))
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
    let (rules, now, id) = (state.rules(), state.now(), path.into_inner());
    let number = state
        .db
        .write(move |conn| {
            let meeting = reception::Meeting {
                booking: id,
                attended: body.attended,
                outcome: &body.outcome,
            };
            reception::record_meeting(conn, rules.rules(), &user, meeting, now)
        })
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
    let (rules, now) = (state.rules(), state.now());
    let leader = user.display_name.clone();
    let target = number.clone();
    state
        .db
        .write(move |conn| reception::supervise(conn, rules.rules(), &user, &target, now))
        .await
        .api(locale)?;
    Ok(HttpResponse::Ok().json(json!({ "tracking_number": number, "supervisor": leader })))
}

fn figures_json(catalog: &Catalog, locale: Locale, f: &Figures) -> Value {
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

/// The departments a review lists: every one but the intake office's own queue is a
/// department too, so all of them.
pub fn departments(catalog: &Catalog) -> Vec<String> {
    catalog.departments.iter().map(|d| d.code.clone()).collect()
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
    let (tz, now, codes) = (state.tz, state.now(), departments(&catalog));
    let report = state
        .db
        .run(move |conn| reports::monthly(conn, &codes, &user, month, tz, now))
        .await
        .api(locale)?;
    Ok(HttpResponse::Ok().json(report_json(&catalog, locale, &report)))
}
