//! `POST /cases` files a complaint; `GET /cases/{tracking_number}` shows it: the public
//! view to anyone, the resident's view with the case's access token.

use crate::web::query::parse_number;
use actix_web::http::header::{AUTHORIZATION, LOCATION};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono_tz::Tz;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::case::Channel;
use crate::domain::catalog::Catalog;
use crate::domain::locale::Locale;
use crate::domain::new_case::{CaseInput, NewCase};
use crate::format::{area_path_name, category_name, department_name, resident_event_text, rfc3339};
use crate::i18n::Tr;
use crate::service::caller::Caller;
use crate::service::cases::{self, LookedUp, PublicCase, ResidentCase};
use crate::web::App;
use crate::web::auth::Asking;
use crate::web::error::{ApiError, AppError, Localize};
use crate::web::locale::Lang;

#[post("/cases")]
pub async fn file(
    req: HttpRequest,
    session: actix_session::Session,
    state: web::Data<App>,
    Lang(locale): Lang,
    input: web::Json<CaseInput>,
) -> Result<HttpResponse, ApiError> {
    let catalog = state.catalog();
    let case = NewCase::parse(&input, &catalog, locale, Channel::Api)
        .map_err(AppError::Invalid)
        .api(locale)?;
    let options = crate::web::client::filing_options(&state, &session);
    options.check(&case).map_err(AppError::Invalid).api(locale)?;
    // Only valid filings count: a resident fixing mistakes is not held back.
    crate::web::client::count_filing(&state, &req).api(locale)?;
    let filed = crate::service::file_case::file(&state, case, options)
        .await
        .api(locale)?;
    metrics::counter!("cases_filed_total", "channel" => "api").increment(1);
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, format!("/api/v1/cases/{}", filed.tracking_number)))
        .json(json!({
            "tracking_number": filed.tracking_number,
            "access_token": filed.access_token,
            "state": filed.state,
            "department": {
                "code": filed.department.code,
                "name": filed.department.names.get(locale),
            },
            "acceptance_due_at": rfc3339(filed.acceptance_due_at),
        })))
}

#[derive(Debug, Deserialize)]
pub struct SimilarQuery {
    #[serde(default)]
    category: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    text: String,
}

/// Open cases like the one about to be filed (same category and area, consented to
/// publication): number, redacted title, state, supports. Nothing personal.
#[get("/cases/similar")]
pub async fn similar(
    state: web::Data<App>,
    Lang(locale): Lang,
    query: web::Query<SimilarQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let found = crate::service::similar::like(&state, query.category, query.area, query.text)
        .await
        .api(locale)?;
    let tr = Tr(locale);
    Ok(HttpResponse::Ok().json(json!({
        "cases": found.iter().map(|c| json!({
            "tracking_number": c.tracking_number,
            "title": c.title,
            "state": c.state,
            "state_name": crate::format::state_name(tr, c.state),
            "submitted_at": rfc3339(c.submitted_at),
            "supports": c.supports,
            "score": (c.score * 1000.0).round() / 1000.0,
        })).collect::<Vec<_>>(),
    })))
}

#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    pub token: Option<String>,
}

/// The case token from `Authorization: Bearer …` or `?token=`.
fn case_token(req: &HttpRequest, query: &TokenQuery) -> Option<String> {
    let header = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    header.or_else(|| query.token.clone()).filter(|t| !t.is_empty())
}

#[get("/cases/{tracking_number}")]
pub async fn show(
    req: HttpRequest,
    session: actix_session::Session,
    state: web::Data<App>,
    Lang(locale): Lang,
    Asking(caller): Asking,
    path: web::Path<String>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, ApiError> {
    let number = parse_number(&path).api(locale)?;
    let catalog = state.catalog();
    let token = case_token(&req, &query);
    // Anyone may look a number up, but not in bulk: numbers are sequential.
    if !token.as_deref().is_some_and(crate::web::auth::is_staff_token) {
        crate::web::client::count_lookup(&state, &req).api(locale)?;
    }
    let body = match (token, caller) {
        (Some(token), Caller::Staff(user)) if crate::web::auth::is_staff_token(&token) => {
            super::staff::staff_view(&state, locale, user, number).await?
        }
        (Some(_), caller) => {
            let case = cases::for_resident(&state, &caller, number).await.api(locale)?;
            resident_json(&catalog, locale, state.tz, &case)
        }
        (None, _) => {
            // A signed-in resident sees their own cases in full.
            let account = crate::web::resident::signed_in(&session);
            match cases::look_up(&state, account, number).await.api(locale)? {
                LookedUp::Own(case) => resident_json(&catalog, locale, state.tz, &case),
                LookedUp::Public(case) => public_json(&catalog, locale, &case),
            }
        }
    };
    Ok(HttpResponse::Ok().json(body))
}

fn named(code: &str, name: String) -> Value {
    json!({ "code": code, "name": name })
}

pub fn public_json(catalog: &Catalog, locale: Locale, case: &PublicCase) -> Value {
    json!({
        "tracking_number": case.tracking_number,
        "state": case.state,
        "category": (!case.routing_withheld)
            .then(|| named(&case.category_code, category_name(catalog, locale, &case.category_code))),
        "department": (!case.routing_withheld)
            .then(|| named(&case.department_code, department_name(catalog, locale, &case.department_code))),
        "submitted_at": rfc3339(case.submitted_at),
        "updated_at": rfc3339(case.updated_at),
        "acceptance_due_at": case.acceptance_due_at.map(rfc3339),
        "answer_due_at": case.answer_due_at.map(rfc3339),
        "title": case.published_title,
        "supportable": case.supportable,
        "supports": case.supports,
    })
}

pub fn resident_json(catalog: &Catalog, locale: Locale, tz: Tz, case: &ResidentCase) -> Value {
    let tr = Tr(locale);
    let mut body = public_json(catalog, locale, &case.public);
    let extra = json!({
        "channel": case.channel,
        "area": named(&case.area_code, area_path_name(catalog, locale, &case.area_code)),
        "title": case.title,
        "description": case.description,
        "address": case.address,
        "lat": case.location.map(|l| l.0),
        "long": case.location.map(|l| l.1),
        "resident": {
            "name": case.resident_name,
            "phone": case.resident_phone,
            "email": case.resident_email,
        },
        "locale": case.locale,
        "confidential": case.confidential,
        "publish_consent": case.publish_consent,
        "actions": case.available.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        "window_end": case.window_end.map(rfc3339),
        "identity_removed_at": case.identity_removed_at.map(rfc3339),
        "attachments": case.attachments.iter()
            .map(|a| super::attachments::attachment_json(&case.public.tracking_number, a))
            .collect::<Vec<_>>(),
        "timeline": case.timeline.iter().map(|e| json!({
            "seq": e.seq,
            "at": rfc3339(e.at),
            "kind": e.kind,
            "visibility": e.visibility,
            "message": resident_event_text(tr, catalog, tz, &e.kind, e.data.as_ref()).summary,
            "data": e.data,
        })).collect::<Vec<_>>(),
    });
    if let (Some(target), Value::Object(more)) = (body.as_object_mut(), extra) {
        target.extend(more);
    }
    body
}
