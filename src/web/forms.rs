//! Forms posted from our pages: one extractor that checks the CSRF token, and one answer
//! to "how is a refused form shown again", so the same refusal always gets the same
//! status (a stale token 403, invalid fields 422, a state that no longer allows it 409).

use std::collections::BTreeMap;

use actix_session::SessionExt;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use super::csrf;
use super::error::{AppError, field_messages};
use crate::i18n::Tr;
use crate::service::ServiceError;

/// A form that carries the session's CSRF token in its `csrf` field.
pub trait CsrfField {
    fn csrf(&self) -> &str;
}

/// Implements [`CsrfField`] for forms whose token is a `csrf: String` field.
macro_rules! csrf_field {
    ($($form:ty),* $(,)?) => {
        $(impl $crate::web::forms::CsrfField for $form {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        })*
    };
}
pub(crate) use csrf_field;

/// A posted form and whether its token is this session's. The form is kept either way,
/// so a page refused for a stale token shows again with everything that was typed.
pub struct Posted<T> {
    pub form: T,
    fresh: bool,
}

impl<T> Posted<T> {
    /// Refuses a form whose token is not this session's (stale or forged).
    pub fn fresh(&self) -> Result<(), Refused> {
        if self.fresh { Ok(()) } else { Err(Refused::Stale) }
    }

    pub fn is_fresh(&self) -> bool {
        self.fresh
    }

    /// The form, and whether its token is this session's.
    pub fn into_parts(self) -> (T, bool) {
        (self.form, self.fresh)
    }
}

impl<T: DeserializeOwned + CsrfField + 'static> FromRequest for Posted<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = web::Form::<T>::from_request(req, payload);
        let session = req.get_session();
        Box::pin(async move {
            let form = form.await?.into_inner();
            let fresh = csrf::verify(&session, form.csrf());
            Ok(Posted { form, fresh })
        })
    }
}

/// Why a form was not taken.
#[derive(Debug)]
pub enum Refused {
    /// Its CSRF token is not this session's.
    Stale,
    Service(ServiceError),
}

impl From<ServiceError> for Refused {
    fn from(e: ServiceError) -> Self {
        Refused::Service(e)
    }
}

impl From<crate::domain::field_error::FieldErrors> for Refused {
    fn from(errors: crate::domain::field_error::FieldErrors) -> Self {
        Refused::Service(ServiceError::Invalid(errors))
    }
}

/// How a refused form is shown again: with this status and these messages, by field
/// (`form` for the form as a whole).
#[derive(Debug)]
pub struct Shown {
    pub status: StatusCode,
    pub errors: BTreeMap<String, String>,
}

impl Shown {
    /// All messages in one line, for forms that show a single message.
    pub fn message(&self) -> String {
        self.errors.values().cloned().collect::<Vec<_>>().join(" ")
    }
}

/// The one mapping from a refusal to how its form is shown again. Refusals that are not
/// about the form (not found, not allowed, a failure) go on to the error page instead.
pub fn shown(tr: Tr, refused: Refused) -> Result<Shown, AppError> {
    let whole = |status, message: String| Shown {
        status,
        errors: BTreeMap::from([("form".to_string(), message)]),
    };
    match refused {
        Refused::Stale => Ok(whole(StatusCode::FORBIDDEN, tr.t("err.csrf").into())),
        Refused::Service(ServiceError::Invalid(errors)) => Ok(Shown {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            errors: field_messages(tr, &errors),
        }),
        Refused::Service(e @ ServiceError::Conflict { .. }) => {
            Ok(whole(StatusCode::CONFLICT, AppError::from(e).message(tr)))
        }
        Refused::Service(e @ ServiceError::TooManyAttempts { .. }) => {
            let e = AppError::from(e);
            Ok(whole(e.status(), e.message(tr)))
        }
        Refused::Service(e) => Err(e.into()),
    }
}

/// Like [`shown`], for forms on a page that stays useful when the action is not allowed
/// (a case page, a reception day): "not allowed" and "not found" are said next to the
/// form, with their own status, instead of on an error page.
pub fn shown_in_form(tr: Tr, refused: Refused) -> Result<Shown, AppError> {
    match refused {
        Refused::Service(e @ (ServiceError::Forbidden { .. } | ServiceError::NotFound)) => {
            let e = AppError::from(e);
            Ok(Shown {
                status: e.status(),
                errors: BTreeMap::from([("form".to_string(), e.message(tr))]),
            })
        }
        other => shown(tr, other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::field_error::{FieldError, FieldErrors};
    use crate::domain::locale::Locale;

    #[test]
    fn the_same_refusal_always_gets_the_same_status() {
        let tr = Tr(Locale::ZhCn);
        assert_eq!(shown(tr, Refused::Stale).unwrap().status, StatusCode::FORBIDDEN);
        let mut errors = FieldErrors::default();
        errors.add("title", FieldError::new("err.required"));
        let invalid = shown(tr, errors.into()).unwrap();
        assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(invalid.errors.contains_key("title"));
        let conflict = shown(tr, ServiceError::Conflict { key: "deny.state" }.into()).unwrap();
        assert_eq!(conflict.status, StatusCode::CONFLICT);
        assert!(shown(tr, ServiceError::NotFound.into()).is_err());
        assert!(shown(tr, ServiceError::Forbidden { key: "deny.role" }.into()).is_err());
    }
}
