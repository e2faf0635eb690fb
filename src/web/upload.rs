//! Multipart uploads in, stored files out — shared by the API and the pages.

use std::collections::HashMap;
use std::path::PathBuf;

use actix_multipart::Multipart;
use actix_web::HttpResponse;
use actix_web::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, ContentDisposition, DispositionParam, DispositionType,
};
use futures_util::StreamExt;

use super::AppState;
use super::error::AppError;
use crate::db::attachments::AttachmentRecord;
use crate::domain::tracking::TrackingNumber;
use crate::domain::upload::{Kind, MAX_BYTES, MAX_FILES, UploadError};
use crate::service::ServiceError;
use crate::service::attachments::{self, Upload};
use crate::service::cases::ResidentProof;

/// Text fields of an upload form are short (a CSRF token, a case token).
const TEXT_FIELD_BYTES: usize = 4096;

/// What a multipart body held.
#[derive(Debug, Default)]
pub struct Received {
    pub fields: HashMap<String, String>,
    pub files: Vec<Upload>,
}

/// Reads a multipart body: each file up to the limit (refused as soon as it passes it),
/// at most one file more than a case may hold (to say there are too many).
pub async fn receive(mut body: Multipart) -> Result<Received, AppError> {
    let mut received = Received::default();
    while let Some(field) = body.next().await {
        let mut field = field.map_err(|e| AppError::BadRequest(e.to_string()))?;
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(str::to_string);
        match file_name {
            Some(file_name) => {
                if received.files.len() > MAX_FILES {
                    return Err(AppError::Conflict {
                        key: "err.too_many_files",
                    });
                }
                let bytes = match field.bytes(MAX_BYTES).await {
                    Ok(Ok(bytes)) => bytes,
                    Ok(Err(e)) => return Err(AppError::BadRequest(e.to_string())),
                    Err(_) => {
                        return Err(AppError::Upload {
                            name: file_name,
                            error: UploadError::TooLarge,
                        });
                    }
                };
                // A form's empty file input still sends a part, with no name and no bytes.
                if file_name.is_empty() && bytes.is_empty() {
                    continue;
                }
                received.files.push(Upload {
                    name: file_name,
                    bytes: bytes.to_vec(),
                });
            }
            None => {
                let bytes = match field.bytes(TEXT_FIELD_BYTES).await {
                    Ok(Ok(bytes)) => bytes,
                    Ok(Err(e)) => return Err(AppError::BadRequest(e.to_string())),
                    Err(_) => return Err(AppError::PayloadTooLarge),
                };
                received
                    .fields
                    .insert(name, String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    Ok(received)
}

/// Adds the received files to a case the resident proves is theirs: checked, cleaned,
/// written, recorded — or nothing at all.
pub async fn add_to_case(
    state: &AppState,
    number: TrackingNumber,
    proof: ResidentProof,
    files: Vec<Upload>,
) -> Result<Vec<AttachmentRecord>, AppError> {
    if files.is_empty() {
        return Err(AppError::Invalid(
            crate::domain::field_error::FieldErrors::single(
                "file",
                crate::domain::field_error::FieldError::new("err.file_missing"),
            ),
        ));
    }
    let adding = files.len();
    let prepared = actix_web::web::block(move || attachments::prepare(files))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    let (rules, now) = (state.rules(), state.now());
    let case = state
        .db
        .run(move |conn| attachments::may_add(conn, rules.rules(), &number, &proof, adding, now))
        .await?;
    let data_dir: PathBuf = state.settings.data_dir.clone();
    let case_id = case.id;
    let written = {
        let (dir, files) = (data_dir.clone(), prepared.clone());
        actix_web::web::block(move || attachments::write_files(&dir, case_id, &files))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
    };
    if let Err(e) = written {
        attachments::remove_files(&data_dir, case_id, &prepared);
        return Err(AppError::Internal(format!("writing an upload: {e}")));
    }
    let recorded = {
        let files = prepared.clone();
        state
            .db
            .write(move |conn| attachments::record(conn, case_id, &files, now))
            .await
    };
    recorded.map_err(|e: ServiceError| {
        attachments::remove_files(&data_dir, case_id, &prepared);
        AppError::from(e)
    })
}

/// A stored file as a response: images shown, PDFs downloaded, nothing cached or run.
pub async fn serve(state: &AppState, record: AttachmentRecord) -> Result<HttpResponse, AppError> {
    let path = attachments::file_path(&state.settings.data_dir, &record);
    let bytes = actix_web::web::block(move || std::fs::read(path))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(format!("reading an upload: {e}")))?;
    let kind = Kind::from_mime(&record.content_type)
        .ok_or_else(|| AppError::Internal(format!("stored type {}", record.content_type)))?;
    Ok(HttpResponse::Ok()
        .content_type(kind.mime())
        .insert_header((
            CONTENT_DISPOSITION,
            ContentDisposition {
                disposition: if kind.is_image() {
                    DispositionType::Inline
                } else {
                    DispositionType::Attachment
                },
                parameters: vec![DispositionParam::FilenameExt(
                    actix_web::http::header::ExtendedValue {
                        charset: actix_web::http::header::Charset::Ext("UTF-8".into()),
                        language_tag: None,
                        value: record.display_name.clone().into_bytes(),
                    },
                )],
            },
        ))
        .insert_header((CACHE_CONTROL, "private, no-store"))
        .insert_header(("Content-Security-Policy", "sandbox; default-src 'none'"))
        .body(bytes))
}
