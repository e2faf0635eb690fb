//! The one mapping from what went wrong to an HTTP status, as JSON for the API
//! (`{"error": {"code", "message", "fields"}}`) and as a page for people.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use askama::Template;

use super::locale::locale_of;
use super::pages::PageCtx;
use crate::domain::field_error::FieldErrors;
use crate::domain::locale::Locale;
use crate::i18n::Tr;
use crate::service::ServiceError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("invalid fields")]
    Invalid(FieldErrors),
    #[error("malformed request: {0}")]
    BadRequest(String),
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("unsupported content type")]
    UnsupportedMediaType,
    /// `key` names the message that explains what was not found.
    #[error("not found")]
    NotFound { key: &'static str },
    #[error("not allowed")]
    Forbidden { key: &'static str },
    #[error("not signed in")]
    Unauthenticated { key: &'static str },
    #[error("conflict")]
    Conflict { key: &'static str },
    #[error("upload refused")]
    Upload {
        name: String,
        error: crate::domain::upload::UploadError,
    },
    #[error("too many requests")]
    TooManyRequests {
        key: &'static str,
        retry_after_secs: u64,
    },
    /// At capacity (password checks, uploads, database connections): try again shortly.
    #[error("busy")]
    Busy { retry_after_secs: u64 },
    /// Something failed that the reader cannot help; its cause goes to the log.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl AppError {
    /// A failure the reader cannot help, keeping its cause for the log.
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        AppError::Internal(cause.into())
    }

    pub fn not_found() -> Self {
        AppError::NotFound {
            key: "error.not_found",
        }
    }

    pub fn unauthenticated() -> Self {
        AppError::Unauthenticated {
            key: "error.unauthenticated",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::NotFound { .. } => StatusCode::NOT_FOUND,
            AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
            AppError::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Upload { error, .. } => {
                use crate::domain::upload::UploadError;
                match error {
                    UploadError::TooLarge | UploadError::TooMuchAtOnce | UploadError::TooManyParts => {
                        StatusCode::PAYLOAD_TOO_LARGE
                    }
                    UploadError::Unsupported => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    _ => StatusCode::UNPROCESSABLE_ENTITY,
                }
            }
            AppError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid(_) => "invalid",
            AppError::BadRequest(_) => "bad_request",
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::UnsupportedMediaType => "unsupported_media_type",
            AppError::NotFound { .. } => "not_found",
            AppError::Forbidden { .. } => "forbidden",
            AppError::Unauthenticated { .. } => "unauthenticated",
            AppError::Conflict { .. } => "conflict",
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::Upload { .. } => "upload_refused",
            AppError::Busy { .. } => "busy",
            AppError::Internal(_) => "internal",
        }
    }

    /// What a form shows above its button: each invalid field's message, or the message.
    pub fn form_message(&self, tr: Tr) -> String {
        match self {
            AppError::Invalid(fields) => field_messages(tr, fields)
                .into_values()
                .collect::<Vec<_>>()
                .join(" "),
            other => other.message(tr),
        }
    }

    /// What the reader is told; internal details stay in the log.
    pub fn message(&self, tr: Tr) -> String {
        match self {
            AppError::Invalid(_) => tr.t("error.invalid").into(),
            AppError::BadRequest(detail) => tr.f("error.bad_request", &[("detail", detail)]),
            AppError::PayloadTooLarge => tr.f(
                "error.too_large",
                &[("limit", &(super::BODY_LIMIT / 1024).to_string())],
            ),
            AppError::UnsupportedMediaType => tr.t("error.media_type").into(),
            AppError::NotFound { key }
            | AppError::Forbidden { key }
            | AppError::Conflict { key }
            | AppError::Unauthenticated { key } => tr.t(key).into(),
            AppError::TooManyRequests {
                key,
                retry_after_secs,
            } => tr.f(
                key,
                &[("minutes", &retry_after_secs.div_ceil(60).max(1).to_string())],
            ),
            AppError::Upload { name, error } => tr.f(
                error.key(),
                &[
                    ("name", name),
                    (
                        "max",
                        &(crate::domain::upload::MAX_BYTES / (1024 * 1024)).to_string(),
                    ),
                    (
                        "total",
                        &(crate::domain::upload::MAX_FILES * crate::domain::upload::MAX_BYTES
                            / (1024 * 1024))
                            .to_string(),
                    ),
                    ("files", &crate::domain::upload::MAX_FILES.to_string()),
                    (
                        "pixels",
                        &(crate::domain::upload::MAX_PIXELS / 1_000_000).to_string(),
                    ),
                ],
            ),
            AppError::Busy { .. } => tr.t("error.busy").into(),
            AppError::Internal(_) => tr.t("error.internal").into(),
        }
    }

    /// How long to wait before trying again, for a `Retry-After` header.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::TooManyRequests { retry_after_secs, .. } | AppError::Busy { retry_after_secs } => {
                Some(*retry_after_secs)
            }
            _ => None,
        }
    }
}

impl From<ServiceError> for AppError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(fields) => AppError::Invalid(fields),
            ServiceError::NotFound => AppError::not_found(),
            ServiceError::Unauthenticated => AppError::unauthenticated(),
            ServiceError::Forbidden { key } => AppError::Forbidden { key },
            ServiceError::Conflict { key } => AppError::Conflict { key },
            ServiceError::TooManyAttempts { retry_after_secs } => AppError::TooManyRequests {
                key: "error.too_many",
                retry_after_secs,
            },
            ServiceError::Upload { name, error } => AppError::Upload { name, error },
            ServiceError::Busy { retry_after_secs } => AppError::Busy { retry_after_secs },
            ServiceError::Db(e) if e.is_busy() => {
                tracing::warn!(error = %e, "database at capacity");
                AppError::Busy {
                    retry_after_secs: BUSY_RETRY_SECS,
                }
            }
            e @ (ServiceError::Db(_) | ServiceError::Internal(_)) => AppError::internal(e),
        }
    }
}

/// The cause chain of an error a handler answered with, or its debug form.
pub fn cause_of(error: &actix_web::Error) -> String {
    if let Some(e) = error.as_error::<PageError>() {
        crate::telemetry::cause_chain(&e.error)
    } else if let Some(e) = error.as_error::<ApiError>() {
        crate::telemetry::cause_chain(&e.error)
    } else {
        format!("{error:?}")
    }
}

/// How long a client is asked to wait when the database is at capacity.
const BUSY_RETRY_SECS: u64 = 2;

/// Localised messages for each invalid field.
pub fn field_messages(tr: Tr, errors: &FieldErrors) -> std::collections::BTreeMap<String, String> {
    errors
        .iter()
        .map(|(field, e)| (field.to_string(), crate::i18n::field_error(tr.locale(), e)))
        .collect()
}

/// An error answered as JSON in the caller's language.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct ApiError {
    pub error: AppError,
    pub locale: Locale,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.error.status()
    }

    fn error_response(&self) -> HttpResponse {
        let tr = Tr(self.locale);
        let fields = match &self.error {
            AppError::Invalid(errors) => field_messages(tr, errors),
            _ => Default::default(),
        };
        let mut response = HttpResponse::build(self.status_code());
        if let Some(secs) = self.error.retry_after() {
            response.insert_header(("Retry-After", secs.to_string()));
        }
        if let AppError::Unauthenticated { .. } = &self.error {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        response.json(ErrorBody {
            error: ErrorDetail {
                code: self.error.code(),
                message: self.error.message(tr),
                fields,
            },
        })
    }
}

/// Every API error's body.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable and machine-readable: `invalid`, `bad_request`, `payload_too_large`,
    /// `unsupported_media_type`, `not_found`, `forbidden`, `unauthenticated`, `conflict`,
    /// `too_many_requests`, `upload_refused`, `busy`, `internal`.
    pub code: &'static str,
    /// For a person, in the language asked for.
    pub message: String,
    /// For `invalid`: each field that failed, with its message (empty otherwise).
    pub fields: std::collections::BTreeMap<String, String>,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    page: PageCtx,
    status: u16,
    message: String,
    /// Inside the staff workspace: the way back to the reader's home there.
    back: Option<&'static str>,
}

/// Renders a workspace page's error again with the workspace around it: its header, who
/// is signed in, and the way back to their home (the error alone knows no session).
pub async fn in_workspace(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    use actix_session::SessionExt;
    let in_workspace = ["/staff", "/leader", "/admin"]
        .iter()
        .any(|p| req.path() == *p || req.path().starts_with(&format!("{p}/")));
    let response = next.call(req).await?.map_into_boxed_body();
    let Some(error) = response
        .response()
        .error()
        .and_then(|e| e.as_error::<PageError>())
        .filter(|_| in_workspace)
    else {
        return Ok(response);
    };
    let request = response.request().clone();
    let session = request.get_session();
    let Some(app) = request.app_data::<actix_web::web::Data<super::App>>() else {
        return Ok(response);
    };
    let Ok(Some(user)) = super::auth::session_staff(app, &session).await else {
        return Ok(response);
    };
    let tr = Tr(error.locale);
    let page = ErrorPage {
        page: PageCtx::staff(&request, &session, &user),
        status: error.status_code().as_u16(),
        message: error.error.message(tr),
        back: Some(crate::domain::permissions::home(user.role)),
    };
    let rendered = super::pages::error_page(&error.error, page.render());
    Ok(response.into_response(rendered))
}

/// An error answered as a page in the reader's language.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct PageError {
    pub error: AppError,
    pub locale: Locale,
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.error.status()
    }

    fn error_response(&self) -> HttpResponse {
        let tr = Tr(self.locale);
        let page = ErrorPage {
            page: PageCtx::bare(tr),
            status: self.status_code().as_u16(),
            message: self.error.message(tr),
            back: None,
        };
        super::pages::error_page(&self.error, page.render())
    }
}

/// Attaches the reader's language to an error on its way out.
pub trait Localize<T> {
    fn api(self, locale: Locale) -> Result<T, ApiError>;
    fn page(self, locale: Locale) -> Result<T, PageError>;
}

impl<T, E: Into<AppError>> Localize<T> for Result<T, E> {
    fn api(self, locale: Locale) -> Result<T, ApiError> {
        self.map_err(|e| ApiError {
            error: e.into(),
            locale,
        })
    }

    fn page(self, locale: Locale) -> Result<T, PageError> {
        self.map_err(|e| PageError {
            error: e.into(),
            locale,
        })
    }
}

/// The right kind of error for where the request was going.
pub fn for_request(req: &HttpRequest, error: AppError) -> actix_web::Error {
    let locale = locale_of(req);
    if req.path().starts_with("/api/") {
        ApiError { error, locale }.into()
    } else {
        PageError { error, locale }.into()
    }
}

pub fn bad_request_for(req: &HttpRequest, detail: String) -> actix_web::Error {
    for_request(req, AppError::BadRequest(detail))
}

/// 404 for any path no route matches.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    for_request(&req, AppError::not_found()).error_response()
}
