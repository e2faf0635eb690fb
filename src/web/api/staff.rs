//! The staff API: sign in for a token, the queue, a case as staff see it, who filed it,
//! and every action on a case (also the resident's, with the case's own token).

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::cases::Event;
use super::doc::Errors;
use crate::domain::case::CaseState;
use crate::domain::workflow::{Action, ActionInput, ActionKind, Extension};
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

#[derive(Deserialize, ToSchema)]
pub struct LoginBody {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

#[derive(Serialize, ToSchema)]
pub struct SignedIn {
    /// Send as `Authorization: Bearer …` with every staff request.
    pub token: String,
    pub role: crate::domain::case::Role,
    pub department: Option<String>,
    pub display_name: String,
    pub expires_at: String,
}

/// Signs a staff member in for a token (too many failures from one client are refused
/// for a while).
#[utoipa::path(tag = "staff", request_body = LoginBody, responses((status = 200, body = SignedIn), Errors))]
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
    Ok(HttpResponse::Ok().json(SignedIn {
        token,
        role: user.role,
        department: user.department,
        display_name: user.display_name,
        expires_at: rfc3339(expires_at),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Queue {
    /// The department shown; none for a leader's view of all.
    pub department: Option<String>,
    /// Cases per state in the department.
    pub counts: BTreeMap<&'static str, i64>,
    pub items: Vec<QueueItem>,
    /// Major or urgent matters of the queue, longest marked first (first page only).
    pub major: Vec<QueueItem>,
    /// Pass as `cursor` for the next page.
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct QueueItem {
    pub tracking_number: String,
    pub state: String,
    pub category: String,
    pub area: String,
    pub department: String,
    pub title: String,
    pub submitted_at: String,
    pub due_at: Option<String>,
    pub overdue: bool,
    /// Due within the next days.
    pub due_soon: bool,
    pub confidential: bool,
    /// A department's objection the intake office has yet to rule on.
    pub objection_from: Option<String>,
    pub extension: Option<String>,
}

/// The caller's queue, most urgent first (keyset pages: `next_cursor`).
#[utoipa::path(
    tag = "staff",
    params(QueueParams),
    responses((status = 200, body = Queue), Errors),
    security(("staff_token" = []))
)]
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
    let soon = now + chrono::Duration::days(crate::service::queue::DUE_SOON_DAYS);
    let item = |r: crate::service::queue::QueueLine| {
        let due = r.due_at;
        QueueItem {
            tracking_number: r.tracking_number,
            state: r.state,
            category: r.category_code,
            area: r.area_code,
            department: r.department_code,
            title: r.title,
            submitted_at: rfc3339(r.submitted_at),
            due_at: due.map(rfc3339),
            overdue: due.is_some_and(|d| d < now),
            due_soon: due.is_some_and(|d| d >= now && d <= soon),
            confidential: r.confidential,
            objection_from: r.objection_from,
            extension: r.extension_state,
        }
    };
    Ok(HttpResponse::Ok().json(Queue {
        department: page.department,
        counts: page.counts.iter().map(|(s, n)| (s.as_str(), *n)).collect(),
        items: page.rows.into_iter().map(item).collect(),
        major: page.major.into_iter().map(item).collect(),
        next_cursor: page.next,
    }))
}

/// A case as staff see it: no identity (that is `GET /cases/{n}/contact`, for those
/// who may).
#[derive(Serialize, ToSchema)]
pub struct StaffCase {
    pub tracking_number: String,
    pub state: String,
    pub channel: String,
    pub category: String,
    pub area: String,
    pub department: String,
    pub title: String,
    pub description: String,
    pub address: Option<String>,
    pub confidential: bool,
    /// For a report about an official: the department it concerns.
    pub concerned_department: Option<String>,
    pub submitted_at: String,
    pub due_at: Option<String>,
    pub acceptance_due_at: Option<String>,
    pub answer_due_at: Option<String>,
    pub objection_from: Option<String>,
    pub extension: Option<String>,
    pub may_see_identity: bool,
    pub attachments: Vec<super::attachments::Attachment>,
    /// The actions the caller may take now.
    pub actions: Vec<&'static str>,
    pub timeline: Vec<Event>,
}

/// The case as staff see it (identity excluded): `GET /cases/{n}` with a staff token.
pub async fn staff_view(
    state: &App,
    locale: crate::domain::locale::Locale,
    user: StaffUser,
    number: crate::domain::tracking::TrackingNumber,
) -> Result<StaffCase, ApiError> {
    let case = workflow::case_for_staff(state, &user, number).await.api(locale)?;
    let tr = crate::i18n::Tr(locale);
    let catalog = state.catalog();
    let r = case.case;
    let number = r.tracking_number.clone();
    Ok(StaffCase {
        attachments: case
            .attachments
            .iter()
            .map(|a| super::attachments::Attachment::of(&number, a))
            .collect(),
        actions: case.available.iter().map(|k| k.as_str()).collect(),
        timeline: case
            .timeline
            .iter()
            .map(|e| Event {
                seq: e.seq,
                at: rfc3339(e.at),
                kind: e.kind.clone(),
                visibility: e.visibility,
                actor: Some(e.actor_kind),
                actor_id: e.actor_id,
                message: event_text(tr, &catalog, state.tz, &e.kind, e.data.as_ref()).summary,
                data: e.data.clone(),
            })
            .collect(),
        tracking_number: number,
        state: r.state,
        channel: r.channel,
        category: r.category_code,
        area: r.area_code,
        department: r.department_code,
        title: r.title,
        description: r.description,
        address: r.address,
        confidential: r.confidential,
        concerned_department: r.concerned_department,
        submitted_at: rfc3339(r.submitted_at),
        due_at: r.due_at.map(rfc3339),
        acceptance_due_at: r.acceptance_due_at.map(rfc3339),
        answer_due_at: r.answer_due_at.map(rfc3339),
        objection_from: r.objection_from,
        extension: r.extension_state,
        may_see_identity: case.may_see_identity,
    })
}

/// Who filed a case: only for staff who may see it (never for a confidential case's
/// department), and the reading is itself recorded on the timeline.
#[derive(Serialize, ToSchema)]
pub struct Contact {
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
}

#[utoipa::path(tag = "staff", responses((status = 200, body = Contact), Errors), security(("staff_token" = [])))]
#[get("/cases/{tracking_number}/contact")]
pub async fn contact(
    state: web::Data<App>,
    Lang(locale): Lang,
    ApiStaff(user): ApiStaff,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let number = parse_number(&path).api(locale)?;
    let identity = workflow::identity(&state, &user, number).await.api(locale)?;
    Ok(HttpResponse::Ok().json(Contact {
        name: identity.name,
        phone: identity.phone,
        email: identity.email,
        address: identity.address,
    }))
}

/// What an action did: the case's state after it, and the events it wrote.
#[derive(Serialize, ToSchema)]
pub struct ActedView {
    pub tracking_number: String,
    pub state: CaseState,
    pub department: String,
    pub due_at: Option<String>,
    pub answer_due_at: Option<String>,
    pub extension: Option<Extension>,
    /// The kinds of the events written, in order.
    pub events: Vec<&'static str>,
}

impl ActedView {
    pub fn of(acted: &Acted) -> ActedView {
        ActedView {
            tracking_number: acted.tracking_number.clone(),
            state: acted.status.state,
            department: acted.status.department.clone(),
            due_at: acted.status.due_at.map(rfc3339),
            answer_due_at: acted.status.answer_due_at.map(rfc3339),
            extension: acted.status.extension,
            events: acted.events.iter().map(|e| e.kind()).collect(),
        }
    }
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

/// `POST /cases/{n}/<action>` for every action of the state machine: `accept`,
/// `not_accept`, `start`, `transfer`, `answer`, `extend`, `evaluate`, `request_review` …
/// (the case's `actions` lists those the caller may take now). Staff act with their token;
/// the resident with the case's token or their session. The body holds the fields the
/// action needs (none for some).
#[utoipa::path(
    tag = "staff",
    params(("action" = ActionKind, Path, description = "The action's name.")),
    request_body(content = Option<ActionInput>, content_type = "application/json"),
    responses((status = 200, body = ActedView), Errors),
    security(("staff_token" = []), ("case_token" = []), ("resident_session" = []))
)]
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
    Ok(HttpResponse::Ok().json(ActedView::of(&acted)))
}
