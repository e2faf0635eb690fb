//! `POST /cases/{n}/attachments` (multipart) adds photos or PDFs; `GET` lists them and
//! fetches one — for the resident (case token or account) and for staff who may see the
//! case.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde_json::{Value, json};

use super::cases::{TokenQuery, parse_number};
use crate::db::attachments::AttachmentRecord;
use crate::format::rfc3339;
use crate::service::attachments::{self, Viewer};
use crate::service::auth::user_by_token;
use crate::service::cases::ResidentProof;
use crate::web::App;
use crate::web::auth::{bearer, is_staff_token};
use crate::web::error::{ApiError, AppError, Localize};
use crate::web::locale::Lang;
use crate::web::{resident, upload};

pub fn attachment_json(number: &str, a: &AttachmentRecord) -> Value {
    json!({
        "id": a.id,
        "name": a.display_name,
        "content_type": a.content_type,
        "size": a.size_bytes,
        "sha256": a.sha256,
        "created_at": rfc3339(a.created_at.and_utc()),
        "url": format!("/api/v1/cases/{number}/attachments/{}", a.id),
    })
}

/// Who is asking: staff by their token, a resident by the case's token or their account.
async fn viewer(
    state: &App,
    req: &HttpRequest,
    query: &TokenQuery,
    session: &Session,
) -> Result<Viewer, AppError> {
    match bearer(req)
        .or_else(|| query.token.clone())
        .filter(|t| !t.is_empty())
    {
        Some(token) if is_staff_token(&token) => {
            let now = state.now();
            let user = state
                .db
                .run(move |conn| user_by_token(conn, &token, now))
                .await?
                .ok_or(AppError::unauthenticated())?;
            Ok(Viewer::Staff(user))
        }
        Some(token) => Ok(Viewer::Resident(ResidentProof::Token(token))),
        None => resident::signed_in(session)
            .map(|a| Viewer::Resident(ResidentProof::Account(a)))
            .ok_or(AppError::unauthenticated()),
    }
}

/// Adds files. Who is asking and whether the case takes files is settled from the path,
/// headers and query before a byte of the body is read; the body then streams to disk
/// within the limits of `web::upload`.
#[post("/cases/{tracking_number}/attachments")]
pub async fn add(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    Lang(locale): Lang,
    path: web::Path<String>,
    query: web::Query<TokenQuery>,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let number = parse_number(&path).api(locale)?;
    let proof = match viewer(&state, &req, &query, &session).await.api(locale)? {
        Viewer::Resident(proof) => proof,
        // Evidence comes from the resident; staff write what they found in the answer.
        Viewer::Staff(_) => return Err(AppError::Forbidden { key: "deny.role" }).api(locale),
    };
    let case_id = upload::may_add(&state, number.clone(), proof).await.api(locale)?;
    upload::check_declared_length(&req).api(locale)?;
    let _slot = upload::take_slot(&state).api(locale)?;
    let received = upload::receive(&req, body, &state.settings.data_dir)
        .await
        .api(locale)?;
    let all = upload::add_to_case(&state, case_id, received.files)
        .await
        .api(locale)?;
    Ok(HttpResponse::Created().json(json!({
        "attachments": all.iter().map(|a| attachment_json(number.as_str(), a)).collect::<Vec<_>>(),
    })))
}

#[get("/cases/{tracking_number}/attachments/{id}")]
pub async fn fetch(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    Lang(locale): Lang,
    path: web::Path<(String, i64)>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, ApiError> {
    let (raw, id) = path.into_inner();
    let number = parse_number(&raw).api(locale)?;
    let who = viewer(&state, &req, &query, &session).await.api(locale)?;
    let (rules, now) = (state.rules(), state.now());
    let record = state
        .db
        .write(move |conn| attachments::open(conn, rules.rules(), &number, id, &who, now))
        .await
        .api(locale)?;
    upload::serve(&state, record).await.api(locale)
}
