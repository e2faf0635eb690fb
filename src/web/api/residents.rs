//! The resident's API beyond filing: the account (sign-in link, session, cases, data),
//! "me too", and the confirmation links.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::cases::{CaseSummary, PublicCaseView};
use super::doc::Errors;
use crate::domain::case::CaseState;
use crate::service::caller::{Caller, ResidentProof};
use crate::service::residents::{self, Supported};
use crate::web::App;
use crate::web::auth::Asking;
use crate::web::error::{ApiError, Localize};
use crate::web::exports::{case_export, download, export_json};
use crate::web::locale::Lang;
use crate::web::query::parse_number;
use crate::web::resident;

#[derive(Deserialize, ToSchema)]
pub struct EmailBody {
    #[serde(default)]
    email: String,
}

/// How a request stands: `sent`, `pending` (waiting for the mailed link) or `counted`.
#[derive(Serialize, ToSchema)]
pub struct Status {
    pub status: &'static str,
    /// Confirmed supports, once counted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supports: Option<i64>,
}

/// Mails a sign-in link (always answered the same, whether or not the address is known).
#[utoipa::path(tag = "residents", request_body = EmailBody, responses((status = 202, body = Status), Errors))]
#[post("/account/sign-in")]
pub async fn request_link(
    req: HttpRequest,
    state: web::Data<App>,
    Lang(locale): Lang,
    body: web::Json<EmailBody>,
) -> Result<HttpResponse, ApiError> {
    let budget = crate::web::client::new_address_budget(&state, &req);
    residents::ask_sign_in(&state, body.into_inner().email, locale, budget)
        .await
        .api(locale)?;
    Ok(HttpResponse::Accepted().json(Status {
        status: "sent",
        supports: None,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct TokenBody {
    #[serde(default)]
    token: String,
}

#[derive(Serialize, ToSchema)]
pub struct SignedInResident {
    pub email: String,
}

/// Uses a sign-in link's token; the session cookie then identifies the resident.
#[utoipa::path(tag = "residents", request_body = TokenBody, responses((status = 200, body = SignedInResident), Errors))]
#[post("/account/session")]
pub async fn start_session(
    session: Session,
    state: web::Data<App>,
    Lang(locale): Lang,
    body: web::Json<TokenBody>,
) -> Result<HttpResponse, ApiError> {
    let account = residents::use_sign_in(&state, body.into_inner().token)
        .await
        .api(locale)?;
    resident::remember(&state, &session, &account).await.api(locale)?;
    Ok(HttpResponse::Ok().json(SignedInResident { email: account.email }))
}

/// Signs the resident out.
#[utoipa::path(tag = "residents", responses((status = 204, description = "Signed out."), Errors), security(("resident_session" = [])))]
#[delete("/account/session")]
pub async fn end_session(
    session: Session,
    state: web::Data<App>,
    Lang(locale): Lang,
) -> Result<HttpResponse, ApiError> {
    resident::forget(&state, &session).await.api(locale)?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, ToSchema)]
pub struct MyCases {
    pub cases: Vec<PublicCaseView>,
}

/// The signed-in resident's cases, newest first, with their own titles.
#[utoipa::path(tag = "residents", responses((status = 200, body = MyCases), Errors), security(("resident_session" = [])))]
#[get("/account/cases")]
pub async fn my_cases(
    state: web::Data<App>,
    Lang(locale): Lang,
    Asking(caller): Asking,
) -> Result<HttpResponse, ApiError> {
    let export = residents::export_mine(&state, &caller).await.api(locale)?;
    let catalog = state.catalog();
    let cases = export
        .cases
        .iter()
        .map(|c| PublicCaseView {
            summary: CaseSummary::of(&catalog, locale, &c.public),
            title: Some(c.title.clone()),
        })
        .collect();
    Ok(HttpResponse::Ok().json(MyCases { cases }))
}

/// Everything held about the signed-in resident, as a JSON download.
#[utoipa::path(
    tag = "residents",
    responses((status = 200, description = "`huiying-my-data.json`: the account and every case in full.", body = Object), Errors),
    security(("resident_session" = []))
)]
#[get("/account/data")]
pub async fn account_data(
    state: web::Data<App>,
    Lang(locale): Lang,
    Asking(caller): Asking,
) -> Result<HttpResponse, ApiError> {
    let export = residents::export_mine(&state, &caller).await.api(locale)?;
    let body = export_json(&state.catalog(), locale, state.tz, &export, state.now());
    Ok(download(&body, "huiying-my-data.json"))
}

/// One case's data, by its private link (or the account that holds it).
#[utoipa::path(
    tag = "residents",
    params(super::cases::TokenQuery),
    responses((status = 200, description = "`huiying-{n}.json`: the case in full.", body = Object), Errors),
    security(("case_token" = []), ("resident_session" = []))
)]
#[get("/cases/{tracking_number}/data")]
pub async fn case_data(
    state: web::Data<App>,
    Lang(locale): Lang,
    Asking(caller): Asking,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let number = parse_number(&path).api(locale)?;
    let body = case_export(&state, locale, &caller, number).await.api(locale)?;
    Ok(download(&body, &format!("huiying-{}.json", path.trim())))
}

/// "Me too": 202 until the mailed link is followed; 200 at once for a signed-in resident
/// supporting with their own address.
#[utoipa::path(
    tag = "residents",
    request_body = EmailBody,
    responses((status = 200, description = "Counted at once.", body = Status), (status = 202, description = "A link to confirm was mailed.", body = Status), Errors),
    security((), ("resident_session" = []))
)]
#[post("/cases/{tracking_number}/support")]
pub async fn support(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    Lang(locale): Lang,
    path: web::Path<String>,
    body: web::Json<EmailBody>,
) -> Result<HttpResponse, ApiError> {
    let number = parse_number(&path).api(locale)?;
    // Only the account counts here: a case token proves nothing about a supporter.
    let caller = resident::signed_in(&session)
        .map(|a| Caller::Resident(ResidentProof::Account(a)))
        .unwrap_or(Caller::Anonymous);
    let budget = crate::web::client::new_address_budget(&state, &req);
    let supported = residents::add_support(&state, &caller, number, body.into_inner().email, locale, budget)
        .await
        .api(locale)?;
    Ok(match supported {
        Supported::Pending => HttpResponse::Accepted().json(Status {
            status: "pending",
            supports: None,
        }),
        Supported::Counted { count } => HttpResponse::Ok().json(Status {
            status: "counted",
            supports: Some(count),
        }),
    })
}

#[derive(Serialize, ToSchema)]
pub struct SupportCounted {
    pub tracking_number: String,
    pub status: &'static str,
    pub supports: i64,
}

/// Follows a support link: the support counts from now.
#[utoipa::path(tag = "residents", request_body = TokenBody, responses((status = 200, body = SupportCounted), Errors))]
#[post("/supports/confirm")]
pub async fn confirm_support(
    state: web::Data<App>,
    Lang(locale): Lang,
    body: web::Json<TokenBody>,
) -> Result<HttpResponse, ApiError> {
    let (number, count) = residents::confirm_support_link(&state, body.into_inner().token)
        .await
        .api(locale)?;
    Ok(HttpResponse::Ok().json(SupportCounted {
        tracking_number: number.to_string(),
        status: "counted",
        supports: count,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct MailStopped {
    pub tracking_number: String,
    /// `stopped`.
    pub mail: &'static str,
}

/// What the link in a supporter's news mail does: no more mail about that case.
#[utoipa::path(tag = "residents", request_body = TokenBody, responses((status = 200, body = MailStopped), Errors))]
#[post("/supports/stop")]
pub async fn stop_support_mail(
    state: web::Data<App>,
    Lang(locale): Lang,
    body: web::Json<TokenBody>,
) -> Result<HttpResponse, ApiError> {
    let number = residents::stop_news(&state, body.into_inner().token)
        .await
        .api(locale)?;
    Ok(HttpResponse::Ok().json(MailStopped {
        tracking_number: number.to_string(),
        mail: "stopped",
    }))
}

#[derive(Serialize, ToSchema)]
pub struct FilingConfirmed {
    pub tracking_number: String,
    pub state: CaseState,
}

/// Follows a filing's confirmation link, where the deployment asks for one: the case is
/// routed from now.
#[utoipa::path(tag = "residents", request_body = TokenBody, responses((status = 200, body = FilingConfirmed), Errors))]
#[post("/filings/confirm")]
pub async fn confirm_filing(
    state: web::Data<App>,
    Lang(locale): Lang,
    body: web::Json<TokenBody>,
) -> Result<HttpResponse, ApiError> {
    let number = residents::confirm_filing_link(&state, body.into_inner().token)
        .await
        .api(locale)?;
    Ok(HttpResponse::Ok().json(FilingConfirmed {
        tracking_number: number.to_string(),
        state: CaseState::Routed,
    }))
}
