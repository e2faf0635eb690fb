//! Photos or PDFs added from the resident's page (a form that works without JavaScript),
//! and one of the case's files for the resident.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;

use super::{Problem, proof_of, proof_query, render_resident};
use crate::service::ServiceError;
use crate::service::attachments;
use crate::service::caller::Caller;
use crate::web::error::{AppError, Localize, PageError};
use crate::web::pages::{PageCtx, see_other};
use crate::web::query::parse_number;
use crate::web::{App, csrf, upload};

#[derive(Deserialize)]
pub struct FileQuery {
    token: Option<String>,
}

/// The form's address carries the private link's token (or the account proves who it
/// is), so the proof is checked before a byte of the body is read; the CSRF field is
/// checked before the files are processed.
#[post("/cases/{number}/attachments")]
pub async fn add_attachments(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    path: web::Path<String>,
    query: web::Query<FileQuery>,
    body: web::Payload,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::new(&req, &session);
    let locale = page.locale();
    let number = parse_number(&path).page(locale)?;
    let token = query.token.clone().unwrap_or_default();
    let proof = proof_of(&state, Some(&token), &session)
        .ok_or(AppError::Forbidden {
            key: "error.bad_token",
        })
        .page(locale)?;
    let caller = Caller::Resident(proof.clone());
    let outcome = async {
        let admission = match attachments::admit(&state, &caller, number.clone()).await {
            Err(e @ (ServiceError::Forbidden { .. } | ServiceError::NotFound)) => return Ok(Err(e)),
            other => other?,
        };
        upload::check_declared_length(&req)?;
        let _slot = upload::take_slot(&state)?;
        let received = upload::receive(&req, body, &state.settings.data_dir).await?;
        if !csrf::verify(&session, received.fields.get("csrf").map_or("", String::as_str)) {
            return Err(AppError::Forbidden { key: "err.csrf" });
        }
        Ok(Ok(attachments::add(&state, admission, received.files).await?))
    }
    .await;
    match outcome {
        Ok(Ok(_)) => Ok(see_other(&format!(
            "/cases/{number}?{}done=attachments#attachments",
            proof_query(&proof)
        ))),
        // No proof, no case: nothing to show the form on.
        Ok(Err(e)) => Err(e).page(locale),
        Err(error @ AppError::Internal(_)) => Err(error).page(locale),
        Err(error) => {
            let message = error.form_message(page.tr);
            let status = error.status();
            render_resident(
                &state,
                page,
                number,
                proof,
                token,
                Problem::Upload(message),
                status,
            )
            .await
        }
    }
}

#[get("/cases/{number}/attachments/{id}")]
pub async fn attachment(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    path: web::Path<(String, i64)>,
    query: web::Query<FileQuery>,
) -> Result<HttpResponse, PageError> {
    let locale = PageCtx::new(&req, &session).locale();
    let (raw, id) = path.into_inner();
    let number = parse_number(&raw).page(locale)?;
    let proof = proof_of(&state, query.token.as_deref(), &session)
        .ok_or(AppError::Forbidden {
            key: "error.bad_token",
        })
        .page(locale)?;
    let file = attachments::fetch(&state, &Caller::Resident(proof), number, id)
        .await
        .page(locale)?;
    upload::serve(file).await.page(locale)
}
