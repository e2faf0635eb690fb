//! Multipart uploads in, stored files out — shared by the API and the pages.
//!
//! Nothing of the body is read until the caller is known to be allowed (the handlers
//! check the proof from the headers, query and path first), and then only within hard
//! limits enforced while it streams: the whole body, the number of parts, each text field
//! and each file. Files go straight to temporary files on disk; memory holds one chunk.
//! At most `upload_slots` uploads are received and processed at once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use actix_multipart::Multipart;
use actix_web::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_LENGTH, ContentDisposition, DispositionParam, DispositionType,
};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::{StreamExt, TryStreamExt};
use tokio::io::AsyncWriteExt;
use tokio::sync::OwnedSemaphorePermit;

use super::App;
use super::error::AppError;
use crate::domain::upload::{MAX_BYTES, MAX_FILES, UploadError};
use crate::service::attachments::{Received as Upload, StoredFile};

/// All files a case may take at once, plus room for the form's own fields and framing.
pub const MAX_BODY: u64 = (MAX_FILES * MAX_BYTES) as u64 + 256 * 1024;
/// Parts in one body: the files a case may take, and a few fields (CSRF, token).
const MAX_PARTS: usize = MAX_FILES + 8;
/// Text fields of an upload form are short (a CSRF token, a case token).
const TEXT_FIELD_BYTES: usize = 4096;
/// However slow the connection, an upload holds its slot at most this long.
const RECEIVE_TIMEOUT: Duration = Duration::from_secs(300);
/// How long a client turned away for lack of a slot is asked to wait.
const BUSY_RETRY_SECS: u64 = 5;

/// What a multipart body held: its text fields, and its files waiting on disk.
#[derive(Debug, Default)]
pub struct Received {
    pub fields: HashMap<String, String>,
    pub files: Vec<Upload>,
}

/// Refuses a body that says it is too large before reading it.
pub fn check_declared_length(req: &HttpRequest) -> Result<(), AppError> {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(length) if length > MAX_BODY => Err(too_much()),
        _ => Ok(()),
    }
}

fn too_much() -> AppError {
    AppError::Upload {
        name: String::new(),
        error: UploadError::TooMuchAtOnce,
    }
}

/// A slot to receive and process one upload, or 503 at once when all are taken.
pub fn take_slot(state: &App) -> Result<OwnedSemaphorePermit, AppError> {
    state.uploads.clone().try_acquire_owned().map_err(|_| {
        metrics::counter!("uploads_refused_total", "reason" => "busy").increment(1);
        AppError::Busy {
            retry_after_secs: BUSY_RETRY_SECS,
        }
    })
}

/// Where uploads wait while they arrive (on the same disk as the stored files).
fn spool_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("uploads-tmp")
}

/// Reads a multipart body within the limits: files to temporary files, text fields to
/// memory; refuses as soon as a limit is passed, reading no further.
pub async fn receive(
    req: &HttpRequest,
    payload: web::Payload,
    data_dir: &Path,
) -> Result<Received, AppError> {
    let dir = spool_dir(data_dir);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| AppError::internal(format!("creating {}: {e}", dir.display())))?;
    let total = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counted = {
        let total = total.clone();
        payload.into_inner().map(move |chunk| {
            let chunk = chunk?;
            let seen = total.fetch_add(chunk.len() as u64, std::sync::atomic::Ordering::Relaxed)
                + chunk.len() as u64;
            if seen > MAX_BODY {
                return Err(actix_web::error::PayloadError::Overflow);
            }
            Ok(chunk)
        })
    };
    let body = Multipart::new(req.headers(), counted);
    match tokio::time::timeout(RECEIVE_TIMEOUT, read_parts(body, &dir)).await {
        Ok(result) => result.map_err(|e| {
            if total.load(std::sync::atomic::Ordering::Relaxed) > MAX_BODY {
                too_much()
            } else {
                e
            }
        }),
        Err(_) => Err(AppError::BadRequest("the upload took too long".into())),
    }
}

async fn read_parts(mut body: Multipart, dir: &Path) -> Result<Received, AppError> {
    let mut received = Received::default();
    let mut parts = 0;
    while let Some(field) = body.next().await {
        let mut field = field.map_err(|e| AppError::BadRequest(e.to_string()))?;
        parts += 1;
        if parts > MAX_PARTS {
            return Err(AppError::Upload {
                name: String::new(),
                error: UploadError::TooManyParts,
            });
        }
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(str::to_string);
        match file_name {
            Some(file_name) => {
                if received.files.len() >= MAX_FILES {
                    return Err(AppError::Conflict {
                        key: "err.too_many_files",
                    });
                }
                let spooled = tempfile::Builder::new()
                    .prefix("upload-")
                    .tempfile_in(dir)
                    .map_err(|e| AppError::internal(format!("spooling an upload: {e}")))?;
                let (std_file, path) = spooled.into_parts();
                let mut file = tokio::fs::File::from_std(std_file);
                let mut size = 0u64;
                while let Some(chunk) = field
                    .try_next()
                    .await
                    .map_err(|e| AppError::BadRequest(e.to_string()))?
                {
                    size += chunk.len() as u64;
                    if size > MAX_BYTES as u64 {
                        return Err(AppError::Upload {
                            name: file_name,
                            error: UploadError::TooLarge,
                        });
                    }
                    file.write_all(&chunk)
                        .await
                        .map_err(|e| AppError::internal(format!("spooling an upload: {e}")))?;
                }
                file.flush()
                    .await
                    .map_err(|e| AppError::internal(format!("spooling an upload: {e}")))?;
                // A form's empty file input still sends a part, with no name and no bytes.
                if file_name.is_empty() && size == 0 {
                    continue;
                }
                received.files.push(Upload {
                    name: file_name,
                    path,
                    size,
                });
            }
            None => {
                let mut text = Vec::new();
                while let Some(chunk) = field
                    .try_next()
                    .await
                    .map_err(|e| AppError::BadRequest(e.to_string()))?
                {
                    if text.len() + chunk.len() > TEXT_FIELD_BYTES {
                        return Err(AppError::Upload {
                            name: name.clone(),
                            error: UploadError::TooManyParts,
                        });
                    }
                    text.extend_from_slice(&chunk);
                }
                received
                    .fields
                    .insert(name, String::from_utf8_lossy(&text).into_owned());
            }
        }
    }
    Ok(received)
}

/// A stored file as a response: images shown, PDFs downloaded, nothing cached or run.
pub async fn serve(stored: StoredFile) -> Result<HttpResponse, AppError> {
    let file = tokio::fs::File::open(&stored.path)
        .await
        .map_err(|e| AppError::internal(format!("reading an upload: {e}")))?;
    let (size, kind) = (stored.size, stored.kind);
    // Streamed in small chunks, so a download holds one chunk in memory, not the file.
    let chunks = futures_util::stream::unfold(Some(file), |file| async move {
        use tokio::io::AsyncReadExt;
        let mut file = file?;
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(web::Bytes::from(buf)), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    });
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
                        value: stored.name.into_bytes(),
                    },
                )],
            },
        ))
        .insert_header((CACHE_CONTROL, "private, no-store"))
        .insert_header(("Content-Security-Policy", "sandbox; default-src 'none'"))
        .no_chunking(size)
        .streaming(chunks))
}
