//! `POST /cases/{n}/attachments` (multipart) adds photos or PDFs; `GET` fetches one — for
//! the resident (case token or account) and for staff who may see the case.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::doc::Errors;

use crate::format::rfc3339;
use crate::service::attachments::{self, AttachmentView};
use crate::web::App;
use crate::web::auth::Asking;
use crate::web::error::{ApiError, Localize};
use crate::web::locale::Lang;
use crate::web::query::parse_number;
use crate::web::upload;

/// A photo or document on a case.
#[derive(Serialize, ToSchema)]
pub struct Attachment {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    pub sha256: String,
    pub created_at: String,
    /// Where to fetch it (with the same proof as the case).
    pub url: String,
}

impl Attachment {
    pub fn of(number: &str, a: &AttachmentView) -> Attachment {
        Attachment {
            id: a.id,
            name: a.name.clone(),
            content_type: a.content_type.clone(),
            size: a.size,
            sha256: a.sha256.clone(),
            created_at: rfc3339(a.created_at),
            url: format!("/api/v1/cases/{number}/attachments/{}", a.id),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Attachments {
    /// All the case's files, the new ones included.
    pub attachments: Vec<Attachment>,
}

/// Adds files. Who is asking and whether the case takes files is settled from the path,
/// headers and query before a byte of the body is read; the body then streams to disk
/// within the limits of `web::upload`. Photos (JPEG, PNG, WebP) and PDFs. Staff add only
/// the signed agreement of a mediation they may mediate, once it is recorded.
#[utoipa::path(
    tag = "cases",
    request_body(content_type = "multipart/form-data", description = "One or more `file` parts."),
    responses((status = 201, body = Attachments), Errors),
    security(("case_token" = []), ("resident_session" = []), ("staff_token" = []))
)]
#[post("/cases/{tracking_number}/attachments")]
pub async fn add(
    req: HttpRequest,
    state: web::Data<App>,
    Lang(locale): Lang,
    Asking(caller): Asking,
    path: web::Path<String>,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let number = parse_number(&path).api(locale)?;
    let admission = attachments::admit(&state, &caller, number.clone())
        .await
        .api(locale)?;
    upload::check_declared_length(&req).api(locale)?;
    let _slot = upload::take_slot(&state).api(locale)?;
    let received = upload::receive(&req, body, &state.settings.data_dir)
        .await
        .api(locale)?;
    let all = attachments::add(&state, admission, received.files)
        .await
        .api(locale)?;
    Ok(HttpResponse::Created().json(Attachments {
        attachments: all.iter().map(|a| Attachment::of(number.as_str(), a)).collect(),
    }))
}

/// The file itself, with its type (images inline, anything else as a download).
#[utoipa::path(
    tag = "cases",
    responses((status = 200, description = "The file.", content_type = "application/octet-stream"), Errors),
    security(("case_token" = []), ("resident_session" = []), ("staff_token" = []))
)]
#[get("/cases/{tracking_number}/attachments/{id}")]
pub async fn fetch(
    state: web::Data<App>,
    Lang(locale): Lang,
    Asking(caller): Asking,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (raw, id) = path.into_inner();
    let number = parse_number(&raw).api(locale)?;
    let file = attachments::fetch(&state, &caller, number, id)
        .await
        .api(locale)?;
    upload::serve(file).await.api(locale)
}
