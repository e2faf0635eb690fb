//! Who is asking: a signed-in member of staff (pages, encrypted session cookie) or a
//! bearer token (API). Extractors load the account on every request, so a deactivated
//! account or a changed password takes effect at once.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, LOCATION};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use super::App;
use super::error::{ApiError, AppError};
use super::locale::locale_of;
use super::pages::encode;
use crate::service::auth::{StaffUser, TOKEN_PREFIX, user_by_session, user_by_token};
use crate::service::sessions::{self, Holder};

const SESSION_USER: &str = "uid";
const SESSION_CREDENTIALS: &str = "cv";
/// The secret of the staff session's server-side record.
const SESSION_SECRET: &str = "sid";

/// Opens a server-side session for `holder`, after renewing the cookie's session and its
/// CSRF token so nothing from before sign-in carries over; returns the secret to keep.
pub(super) async fn open_session(
    state: &App,
    session: &Session,
    holder: Holder,
    lifetime: chrono::Duration,
) -> Result<String, AppError> {
    let now = state.now();
    let secret = state
        .db
        .write(move |conn| sessions::open(conn, holder, lifetime, now))
        .await?;
    session.renew();
    super::csrf::renew(session);
    Ok(secret)
}

/// Ends the server-side session whose secret the cookie keeps under `key`, if any.
pub(super) async fn close_session(state: &App, session: &Session, key: &str) -> Result<(), AppError> {
    if let Ok(Some(secret)) = session.get::<String>(key) {
        let now = state.now();
        state
            .db
            .write(move |conn| sessions::close(conn, &secret, now))
            .await?;
    }
    Ok(())
}

/// Opens a server-side session for the user and remembers it in the cookie.
pub async fn remember(state: &App, session: &Session, user: &StaffUser) -> Result<(), AppError> {
    let lifetime = state.settings.staff_session_lifetime();
    let secret = open_session(state, session, Holder::Staff(user.id), lifetime).await?;
    let stored = session
        .insert(SESSION_USER, user.id)
        .and_then(|()| session.insert(SESSION_CREDENTIALS, user.credentials_version))
        .and_then(|()| session.insert(SESSION_SECRET, secret));
    stored.map_err(|e| AppError::Internal(e.to_string()))
}

/// Signs the staff member out: the server-side session ends (on every instance) and the
/// cookie forgets it.
pub async fn forget(state: &App, session: &Session) -> Result<(), AppError> {
    close_session(state, session, SESSION_SECRET).await?;
    for key in [SESSION_USER, SESSION_CREDENTIALS, SESSION_SECRET] {
        session.remove(key);
    }
    Ok(())
}

/// Before any handler sees the cookie: a staff or resident sign-in whose server-side
/// session has ended (signed out elsewhere, password changed, deactivated, past its
/// lifetime) or that has none is forgotten, so the request goes on as signed out.
pub async fn check_sessions(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let session = req.get_session();
    let staff = session.get::<i32>(SESSION_USER).ok().flatten().is_some();
    let resident = super::resident::signed_in(&session).is_some();
    if staff || resident {
        let secret = |key: &str| session.get::<String>(key).ok().flatten().unwrap_or_default();
        let secrets = [secret(SESSION_SECRET), secret(super::resident::SESSION_SECRET)];
        let state = req
            .app_data::<web::Data<App>>()
            .cloned()
            .ok_or_else(|| super::error::for_request(req.request(), AppError::Internal("no state".into())))?;
        let now = state.now();
        let live = state
            .db
            .run(move |conn| sessions::still_live(conn, &[&secrets[0], &secrets[1]], now))
            .await
            .map_err(|e| super::error::for_request(req.request(), AppError::from(e)))?;
        if staff && !live[0] {
            for key in [SESSION_USER, SESSION_CREDENTIALS, SESSION_SECRET] {
                session.remove(key);
            }
        }
        if resident && !live[1] {
            super::resident::forget_locally(&session);
        }
    }
    next.call(req).await
}

/// The bearer token of a request, if any.
pub fn bearer(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// Whether a bearer token is a staff token (rather than a case's private-link token).
pub fn is_staff_token(token: &str) -> bool {
    token.starts_with(TOKEN_PREFIX)
}

/// Sends an anonymous visitor of a staff page to the sign-in page, and back afterwards.
#[derive(Debug, thiserror::Error)]
#[error("sign-in required")]
pub struct SignInFirst {
    next: String,
}

impl ResponseError for SignInFirst {
    fn status_code(&self) -> StatusCode {
        StatusCode::SEE_OTHER
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::SeeOther()
            .insert_header((LOCATION, format!("/staff/login?next={}", encode(&self.next))))
            .finish()
    }
}

/// A member of staff signed in to the pages.
pub struct SignedIn(pub StaffUser);

impl FromRequest for SignedIn {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let session = req.get_session();
        let state = req.app_data::<web::Data<App>>().cloned();
        let next = match req.query_string() {
            "" => req.path().to_string(),
            q => format!("{}?{q}", req.path()),
        };
        let locale = locale_of(req);
        Box::pin(async move {
            let sign_in = || actix_web::Error::from(SignInFirst { next: next.clone() });
            let state = state.ok_or_else(sign_in)?;
            let (Ok(Some(id)), Ok(Some(cv))) = (
                session.get::<i32>(SESSION_USER),
                session.get::<i32>(SESSION_CREDENTIALS),
            ) else {
                return Err(sign_in());
            };
            let user = state
                .db
                .run(move |conn| user_by_session(conn, id, cv))
                .await
                .map_err(|e| super::error::PageError {
                    error: AppError::from(e),
                    locale,
                })?;
            match user {
                Some(user) => Ok(SignedIn(user)),
                None => {
                    session.purge();
                    Err(sign_in())
                }
            }
        })
    }
}

/// Staff by a bearer token or the signed-in session (for downloads used from both).
pub async fn staff_from(req: &HttpRequest, state: &App) -> Result<Option<StaffUser>, AppError> {
    let now = state.now();
    if let Some(token) = bearer(req).filter(|t| is_staff_token(t)) {
        return Ok(state.db.run(move |conn| user_by_token(conn, &token, now)).await?);
    }
    let session = req.get_session();
    let (Ok(Some(id)), Ok(Some(cv))) = (
        session.get::<i32>(SESSION_USER),
        session.get::<i32>(SESSION_CREDENTIALS),
    ) else {
        return Ok(None);
    };
    Ok(state.db.run(move |conn| user_by_session(conn, id, cv)).await?)
}

/// A member of staff calling the API with a bearer token.
pub struct ApiStaff(pub StaffUser);

impl FromRequest for ApiStaff {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer(req).filter(|t| is_staff_token(t));
        let state = req.app_data::<web::Data<App>>().cloned();
        let locale = locale_of(req);
        Box::pin(async move {
            let unauthenticated = |error: AppError| actix_web::Error::from(ApiError { error, locale });
            let (Some(token), Some(state)) = (token, state) else {
                return Err(unauthenticated(AppError::unauthenticated()));
            };
            let now = state.now();
            match state.db.run(move |conn| user_by_token(conn, &token, now)).await {
                Ok(Some(user)) => Ok(ApiStaff(user)),
                Ok(None) => Err(unauthenticated(AppError::unauthenticated())),
                Err(e) => Err(unauthenticated(AppError::from(e))),
            }
        })
    }
}

/// The address the request came from (the peer; behind a proxy, its address).
pub fn client_ip(req: &HttpRequest) -> String {
    client_addr(req).map_or_else(|| "unknown".into(), |a| a.to_string())
}

/// The client's address: the peer, or the entry our own proxy appended to
/// `X-Forwarded-For` when the deployment says one is in front.
pub fn client_addr(req: &HttpRequest) -> Option<std::net::IpAddr> {
    let trusted = req
        .app_data::<actix_web::web::Data<crate::web::App>>()
        .is_some_and(|s| s.settings.trust_forwarded_for);
    let forwarded = trusted
        .then(|| req.headers().get("x-forwarded-for")?.to_str().ok())
        .flatten()
        .and_then(|v| v.rsplit(',').next())
        .and_then(|v| v.trim().parse().ok());
    forwarded.or_else(|| req.peer_addr().map(|a| a.ip()))
}
