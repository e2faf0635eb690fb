//! Who is asking, resolved once per request into a [`Caller`]: a member of staff (a bearer
//! token, or the session of the pages), a resident (a case's private token, or a
//! signed-in account), or nobody. Accounts are loaded on every request, so a deactivated
//! account or a changed password takes effect at once; sessions are also kept on the
//! server, so signing out ends them everywhere.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, LOCATION};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};

use super::App;
use super::error::{AppError, for_request};
use super::pages::encode;
use crate::service::auth::{StaffUser, TOKEN_PREFIX, staff_by_session, staff_by_token};
use crate::service::caller::{Caller, ResidentProof};
use crate::service::sessions::{self, Holder};

const SESSION_USER: &str = "uid";
const SESSION_CREDENTIALS: &str = "cv";
/// The secret of the staff session's server-side record.
const SESSION_SECRET: &str = "sid";

type Resolving<T> = Pin<Box<dyn Future<Output = Result<T, actix_web::Error>>>>;

fn app_of(req: &HttpRequest) -> Result<web::Data<App>, actix_web::Error> {
    req.app_data::<web::Data<App>>()
        .cloned()
        .ok_or_else(|| for_request(req, AppError::internal("no application state")))
}

/// Opens a server-side session for `holder`, after renewing the cookie's session and its
/// CSRF token so nothing from before sign-in carries over; returns the secret to keep.
pub(super) async fn open_session(
    app: &App,
    session: &Session,
    holder: Holder,
    lifetime: chrono::Duration,
) -> Result<String, AppError> {
    let secret = sessions::start(app, holder, lifetime).await?;
    session.renew();
    super::csrf::renew(session);
    Ok(secret)
}

/// Ends the server-side session whose secret the cookie keeps under `key`, if any.
pub(super) async fn close_session(app: &App, session: &Session, key: &str) -> Result<(), AppError> {
    if let Ok(Some(secret)) = session.get::<String>(key) {
        sessions::end(app, secret).await?;
    }
    Ok(())
}

/// Opens a server-side session for the user and remembers it in the cookie.
pub async fn remember(app: &App, session: &Session, user: &StaffUser) -> Result<(), AppError> {
    let lifetime = app.settings.staff_session_lifetime();
    let secret = open_session(app, session, Holder::Staff(user.id), lifetime).await?;
    let stored = session
        .insert(SESSION_USER, user.id)
        .and_then(|()| session.insert(SESSION_CREDENTIALS, user.credentials_version))
        .and_then(|()| session.insert(SESSION_SECRET, secret));
    stored.map_err(AppError::internal)
}

/// Signs the staff member out: the server-side session ends (on every instance) and the
/// cookie forgets it.
pub async fn forget(app: &App, session: &Session) -> Result<(), AppError> {
    close_session(app, session, SESSION_SECRET).await?;
    forget_staff_locally(session);
    Ok(())
}

fn forget_staff_locally(session: &Session) {
    for key in [SESSION_USER, SESSION_CREDENTIALS, SESSION_SECRET] {
        session.remove(key);
    }
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
        let secrets = vec![secret(SESSION_SECRET), secret(super::resident::SESSION_SECRET)];
        let app = app_of(req.request())?;
        let live = sessions::live(&app, secrets)
            .await
            .map_err(|e| for_request(req.request(), AppError::from(e)))?;
        if staff && !live.first().copied().unwrap_or(false) {
            forget_staff_locally(&session);
        }
        if resident && !live.get(1).copied().unwrap_or(false) {
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

/// The `token=` of the query string, if any.
fn query_token(req: &HttpRequest) -> Option<String> {
    form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(key, _)| key == "token")
        .map(|(_, value)| value.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// Whether a bearer token is a staff token (rather than a case's private-link token).
pub fn is_staff_token(token: &str) -> bool {
    token.starts_with(TOKEN_PREFIX)
}

/// The member of staff of the session cookie, if any and still valid.
pub async fn session_staff(app: &App, session: &Session) -> Result<Option<StaffUser>, AppError> {
    let (Ok(Some(id)), Ok(Some(cv))) = (
        session.get::<i32>(SESSION_USER),
        session.get::<i32>(SESSION_CREDENTIALS),
    ) else {
        return Ok(None);
    };
    Ok(staff_by_session(app, id, cv).await?)
}

/// Resolves who is asking: a staff token (bearer or `?token=`; a dead one is 401), else a
/// case token, else the session's member of staff, else the session's resident, else
/// nobody.
pub async fn resolve(app: &App, req: &HttpRequest) -> Result<Caller, AppError> {
    let token = bearer(req).or_else(|| query_token(req));
    match token {
        Some(token) if is_staff_token(&token) => staff_by_token(app, &token)
            .await?
            .map(Caller::Staff)
            .ok_or_else(AppError::unauthenticated),
        Some(token) => Ok(Caller::Resident(ResidentProof::from_token(&app.sealer, token))),
        None => {
            let session = req.get_session();
            if let Some(user) = session_staff(app, &session).await? {
                return Ok(Caller::Staff(user));
            }
            Ok(super::resident::signed_in(&session)
                .map(|account| Caller::Resident(ResidentProof::Account(account)))
                .unwrap_or(Caller::Anonymous))
        }
    }
}

/// The caller of any handler, as an extractor.
pub struct Asking(pub Caller);

impl FromRequest for Asking {
    type Error = actix_web::Error;
    type Future = Resolving<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let app = app_of(&req)?;
            resolve(&app, &req)
                .await
                .map(Asking)
                .map_err(|e| for_request(&req, e))
        })
    }
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

/// A member of staff signed in to the pages (else: to the sign-in page, and back).
pub struct SignedIn(pub StaffUser);

impl FromRequest for SignedIn {
    type Error = actix_web::Error;
    type Future = Resolving<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let next = match req.query_string() {
                "" => req.path().to_string(),
                q => format!("{}?{q}", req.path()),
            };
            let app = app_of(&req)?;
            let session = req.get_session();
            match session_staff(&app, &session).await {
                Ok(Some(user)) => Ok(SignedIn(user)),
                Ok(None) => {
                    forget_staff_locally(&session);
                    Err(SignInFirst { next }.into())
                }
                Err(e) => Err(for_request(&req, e)),
            }
        })
    }
}

/// Staff by a bearer token or the signed-in session (for downloads used from both).
pub async fn staff_from(req: &HttpRequest, app: &App) -> Result<Option<StaffUser>, AppError> {
    if let Some(token) = bearer(req).filter(|t| is_staff_token(t)) {
        return Ok(staff_by_token(app, &token).await?);
    }
    session_staff(app, &req.get_session()).await
}

/// A member of staff calling the API with a bearer token (else 401).
pub struct ApiStaff(pub StaffUser);

impl FromRequest for ApiStaff {
    type Error = actix_web::Error;
    type Future = Resolving<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let app = app_of(&req)?;
            let unauthenticated = |e: AppError| for_request(&req, e);
            let Some(token) = bearer(&req).filter(|t| is_staff_token(t)) else {
                return Err(unauthenticated(AppError::unauthenticated()));
            };
            match staff_by_token(&app, &token).await {
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
        .app_data::<web::Data<App>>()
        .is_some_and(|s| s.settings.trust_forwarded_for);
    let forwarded = trusted
        .then(|| req.headers().get("x-forwarded-for")?.to_str().ok())
        .flatten()
        .and_then(|v| v.rsplit(',').next())
        .and_then(|v| v.trim().parse().ok());
    forwarded.or_else(|| req.peer_addr().map(|a| a.ip()))
}
