//! The resident's API beyond filing: the account (sign-in link, session, cases, data),
//! "me too", and the confirmation links.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::cases::public_json;
use crate::service::caller::{Caller, ResidentProof};
use crate::service::residents::{self, Supported};
use crate::web::App;
use crate::web::auth::Asking;
use crate::web::error::{ApiError, Localize};
use crate::web::exports::{case_export, download, export_json};
use crate::web::locale::Lang;
use crate::web::query::parse_number;
use crate::web::resident;

#[derive(Deserialize)]
pub struct EmailBody {
    #[serde(default)]
    email: String,
}

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
    Ok(HttpResponse::Accepted().json(json!({ "status": "sent" })))
}

#[derive(Deserialize)]
pub struct TokenBody {
    #[serde(default)]
    token: String,
}

/// Uses a sign-in link's token; the session cookie then identifies the resident.
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
    Ok(HttpResponse::Ok().json(json!({ "email": account.email })))
}

#[delete("/account/session")]
pub async fn end_session(
    session: Session,
    state: web::Data<App>,
    Lang(locale): Lang,
) -> Result<HttpResponse, ApiError> {
    resident::forget(&state, &session).await.api(locale)?;
    Ok(HttpResponse::NoContent().finish())
}

#[get("/account/cases")]
pub async fn my_cases(
    state: web::Data<App>,
    Lang(locale): Lang,
    Asking(caller): Asking,
) -> Result<HttpResponse, ApiError> {
    let export = residents::export_mine(&state, &caller).await.api(locale)?;
    let catalog = state.catalog();
    let cases: Vec<Value> = export
        .cases
        .iter()
        .map(|c| {
            let mut line = public_json(&catalog, locale, &c.public);
            line["title"] = json!(c.title);
            line
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "cases": cases })))
}

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
        Supported::Pending => HttpResponse::Accepted().json(json!({ "status": "pending" })),
        Supported::Counted { count } => {
            HttpResponse::Ok().json(json!({ "status": "counted", "supports": count }))
        }
    })
}

#[post("/supports/confirm")]
pub async fn confirm_support(
    state: web::Data<App>,
    Lang(locale): Lang,
    body: web::Json<TokenBody>,
) -> Result<HttpResponse, ApiError> {
    let (number, count) = residents::confirm_support_link(&state, body.into_inner().token)
        .await
        .api(locale)?;
    Ok(HttpResponse::Ok().json(json!({
        "tracking_number": number,
        "status": "counted",
        "supports": count,
    })))
}

/// What the link in a supporter's news mail does: no more mail about that case.
#[post("/supports/stop")]
pub async fn stop_support_mail(
    state: web::Data<App>,
    Lang(locale): Lang,
    body: web::Json<TokenBody>,
) -> Result<HttpResponse, ApiError> {
    let number = residents::stop_news(&state, body.into_inner().token)
        .await
        .api(locale)?;
    Ok(HttpResponse::Ok().json(json!({ "tracking_number": number, "mail": "stopped" })))
}

#[post("/filings/confirm")]
pub async fn confirm_filing(
    state: web::Data<App>,
    Lang(locale): Lang,
    body: web::Json<TokenBody>,
) -> Result<HttpResponse, ApiError> {
    let number = residents::confirm_filing_link(&state, body.into_inner().token)
        .await
        .api(locale)?;
    Ok(HttpResponse::Ok().json(json!({ "tracking_number": number, "state": "routed" })))
}
