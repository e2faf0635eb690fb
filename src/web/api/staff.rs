//! The staff API: sign in for a token, the queue, a case as staff see it, who filed it,
//! and every action on a case (also the resident's, with the case's own token).

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::workflow::{Action, ActionInput, ActionKind};
use crate::format::{event_text, rfc3339};
use crate::service::ServiceError;
use crate::service::auth::{StaffUser, login_for_token};
use crate::service::caller::Caller;
use crate::service::queue as queues;
use crate::service::workflow::{self, Acted};
use crate::web::App;
use crate::web::auth::{ApiStaff, Asking, client_ip};
use crate::web::error::{ApiError, AppError, Localize};
use crate::web::locale::Lang;
use crate::web::query::parse_number;
use crate::web::query::{QueueParams, queue_filter};

#[derive(Deserialize)]
pub struct LoginBody {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<App>,
    Lang(locale): Lang,
    body: web::Json<LoginBody>,
) -> Result<HttpResponse, ApiError> {
    let (user, token, expires_at) = login_for_token(&state, &body.username, &body.password, &client_ip(&req))
        .await
        .map_err(|e| match e {
            ServiceError::Unauthenticated => AppError::Unauthenticated {
                key: "error.bad_login",
            },
            other => other.into(),
        })
        .api(locale)?;
    Ok(HttpResponse::Ok().json(json!({
        "token": token,
        "role": user.role,
        "department": user.department,
        "display_name": user.display_name,
        "expires_at": rfc3339(expires_at),
    })))
}

#[get("/queue")]
pub async fn queue(
    state: web::Data<App>,
    Lang(locale): Lang,
    ApiStaff(user): ApiStaff,
    params: web::Query<QueueParams>,
) -> Result<HttpResponse, ApiError> {
    let filter = queue_filter(&params).api(locale)?;
    let page = queues::for_staff(&state, &user, filter).await.api(locale)?;
    let now = state.now();
    let counts: serde_json::Map<String, Value> = page
        .counts
        .iter()
        .map(|(s, n)| (s.as_str().to_string(), json!(n)))
        .collect();
    let items: Vec<Value> = page
        .rows
        .iter()
        .map(|r| {
            let due = r.due_at;
            json!({
                "tracking_number": r.tracking_number,
                "state": r.state,
                "category": r.category_code,
                "area": r.area_code,
                "department": r.department_code,
                "title": r.title,
                "submitted_at": rfc3339(r.submitted_at),
                "due_at": due.map(rfc3339),
                "overdue": due.is_some_and(|d| d < now),
                "due_soon": due.is_some_and(|d| d >= now && d <= now + chrono::Duration::days(crate::service::queue::DUE_SOON_DAYS)),
                "confidential": r.confidential,
                "objection_from": r.objection_from,
                "extension": r.extension_state,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "department": page.department,
        "counts": counts,
        "items": items,
        "next_cursor": page.next,
    })))
}

/// The case as staff see it (identity excluded): `GET /cases/{n}` with a staff token.
pub async fn staff_view(
    state: &App,
    locale: crate::domain::locale::Locale,
    user: StaffUser,
    number: crate::domain::tracking::TrackingNumber,
) -> Result<Value, ApiError> {
    let case = workflow::case_for_staff(state, &user, number).await.api(locale)?;
    let tr = crate::i18n::Tr(locale);
    let catalog = state.catalog();
    let r = &case.case;
    Ok(json!({
        "tracking_number": r.tracking_number,
        "state": r.state,
        "channel": r.channel,
        "category": r.category_code,
        "area": r.area_code,
        "department": r.department_code,
        "title": r.title,
        "description": r.description,
        "address": r.address,
        "confidential": r.confidential,
        "concerned_department": r.concerned_department,
        "submitted_at": rfc3339(r.submitted_at),
        "due_at": r.due_at.map(rfc3339),
        "acceptance_due_at": r.acceptance_due_at.map(rfc3339),
        "answer_due_at": r.answer_due_at.map(rfc3339),
        "objection_from": r.objection_from,
        "extension": r.extension_state,
        "may_see_identity": case.may_see_identity,
        "attachments": case.attachments.iter()
            .map(|a| super::attachments::attachment_json(&r.tracking_number, a))
            .collect::<Vec<_>>(),
        "actions": case.available.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        "timeline": case.timeline.iter().map(|e| json!({
            "seq": e.seq,
            "at": rfc3339(e.at),
            "kind": e.kind,
            "visibility": e.visibility,
            "actor": e.actor_kind,
            "actor_id": e.actor_id,
            "message": event_text(tr, &catalog, state.tz, &e.kind, e.data.as_ref()).summary,
            "data": e.data,
        })).collect::<Vec<_>>(),
    }))
}

#[get("/cases/{tracking_number}/contact")]
pub async fn contact(
    state: web::Data<App>,
    Lang(locale): Lang,
    ApiStaff(user): ApiStaff,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let number = parse_number(&path).api(locale)?;
    let identity = workflow::identity(&state, &user, number).await.api(locale)?;
    Ok(HttpResponse::Ok().json(json!({
        "name": identity.name,
        "phone": identity.phone,
        "email": identity.email,
        "address": identity.address,
    })))
}

pub fn acted_json(acted: &Acted) -> Value {
    json!({
        "tracking_number": acted.tracking_number,
        "state": acted.status.state,
        "department": acted.status.department,
        "due_at": acted.status.due_at.map(rfc3339),
        "answer_due_at": acted.status.answer_due_at.map(rfc3339),
        "extension": acted.status.extension,
        "events": acted.events.iter().map(|e| e.kind()).collect::<Vec<_>>(),
    })
}

/// A body of at most `limit` bytes, refused as soon as it passes it.
async fn read_limited(mut body: web::Payload, limit: usize) -> Result<Vec<u8>, AppError> {
    use futures_util::StreamExt;
    let mut bytes = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| AppError::BadRequest(e.to_string()))?;
        if bytes.len() + chunk.len() > limit {
            return Err(AppError::PayloadTooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// An action's body: none at all (actions without fields), or JSON. Anything else is
/// refused rather than taken as empty, so a form another site posts cannot pass for an
/// action with no fields.
fn action_input(req: &HttpRequest, body: &[u8]) -> Result<ActionInput, AppError> {
    if body.is_empty() {
        return Ok(ActionInput::default());
    }
    let json = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(AppError::UnsupportedMediaType);
    }
    serde_json::from_slice(body).map_err(|e| AppError::BadRequest(e.to_string()))
}

/// `POST /cases/{n}/<action>` for every action of the state machine.
#[post("/cases/{tracking_number}/{action:.+}")]
pub async fn action(
    req: HttpRequest,
    state: web::Data<App>,
    Lang(locale): Lang,
    Asking(caller): Asking,
    path: web::Path<(String, String)>,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (raw_number, name) = path.into_inner();
    let kind = ActionKind::parse(&name)
        .filter(|k| *k != ActionKind::CloseExpired)
        .ok_or_else(AppError::not_found)
        .api(locale)?;
    let number = parse_number(&raw_number).api(locale)?;
    if let Caller::Anonymous = caller {
        return Err(AppError::unauthenticated()).api(locale);
    }
    let body = read_limited(body, crate::web::BODY_LIMIT).await.api(locale)?;
    let input = action_input(&req, &body).api(locale)?;
    let action = Action::parse(kind, &input)
        .map_err(AppError::Invalid)
        .api(locale)?;
    let acted = workflow::act_as(&state, &caller, number, action)
        .await
        .api(locale)?;
    Ok(HttpResponse::Ok().json(acted_json(&acted)))
}
