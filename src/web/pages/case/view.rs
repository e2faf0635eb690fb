//! The receipt right after filing, and the case page: the resident's own view when a
//! proof holds, else the public one.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;

use super::{CasePage, PublicSummary, details_of, proof_of, proof_query};
use crate::domain::workflow::ActionKind;
use crate::service::ServiceError;
use crate::service::caller::Caller;
use crate::service::cases::{self, PublicCase};
use crate::service::residents::ResidentAccount;
use crate::web::App;
use crate::web::error::{AppError, Localize, PageError};
use crate::web::pages::{PageCtx, encode, html};
use crate::web::query::parse_number;
use crate::web::resident;

#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
    done: Option<String>,
    supported: Option<String>,
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage {
    page: PageCtx,
    case: PublicSummary,
    private_link: String,
    /// Whether the link went out by mail too (else it must be kept now).
    mailed: bool,
    /// An urgent category: what to do in danger is said again.
    urgent: bool,
}

fn absolute(req: &HttpRequest, path: &str) -> String {
    let info = req.connection_info();
    format!("{}://{}{}", info.scheme(), info.host(), path)
}

#[get("/cases/{number}/receipt")]
pub async fn receipt(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    number: web::Path<String>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::new(&req, &session);
    let locale = page.locale();
    let number = parse_number(&number).page(locale)?;
    let token = query.token.clone().unwrap_or_default();
    let caller = Caller::Resident(cases::ResidentProof::Token(token.clone()));
    let case = cases::for_resident(&state, &caller, number).await.page(locale)?;
    let link = format!("/cases/{}?token={}", case.public.tracking_number, encode(&token));
    let catalog = state.catalog();
    let view = ReceiptPage {
        mailed: case.resident_email.is_some(),
        urgent: catalog
            .category(&case.public.category_code)
            .is_some_and(|c| c.urgent),
        case: PublicSummary::new(&catalog, page.tr, state.tz, &case.public),
        private_link: absolute(&req, &link),
        page,
    };
    Ok(html(StatusCode::OK, view.render()))
}

/// The notice above the page after something was done.
fn done_notice(page: &PageCtx, done: Option<&str>) -> Option<String> {
    match done {
        Some("attachments") => return Some(page.t("case.attached").to_string()),
        Some("booked") => return Some(page.t("reception.booked_notice").to_string()),
        Some("cancelled") => return Some(page.t("reception.cancelled_notice").to_string()),
        _ => {}
    }
    done.and_then(ActionKind::parse).map(|k| {
        page.tr.f(
            "case.done",
            &[(
                "action",
                page.tr
                    .t(&format!("action.{}", k.as_str().replace(['/', '-'], "_"))),
            )],
        )
    })
}

#[get("/cases/{number}")]
pub async fn show(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    number: web::Path<String>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::new(&req, &session);
    let locale = page.locale();
    let number = parse_number(&number).page(locale)?;
    let mut refused = None;
    if let Some(proof) = proof_of(&state, query.token.as_deref(), &session) {
        let caller = Caller::Resident(proof.clone());
        match cases::resident_page(&state, &caller, number.clone()).await {
            Ok(found) => {
                let token = query.token.clone().unwrap_or_default();
                let (case, details) = details_of(&state, page.tr, found, &token, None);
                let view = CasePage {
                    case,
                    details: Some(details),
                    bad_token: None,
                    token,
                    proof_query: proof_query(&proof),
                    done: done_notice(&page, query.done.as_deref()),
                    support: None,
                    error_summary: None,
                    page,
                };
                return Ok(html(StatusCode::OK, view.render()));
            }
            Err(ServiceError::Forbidden { key }) => refused = Some(key),
            Err(e) => return Err(e).page(locale),
        }
    }
    // The public view, as on /track: counted against the address's look-ups.
    crate::web::client::count_lookup(&state, &req).page(locale)?;
    let public = cases::public(&state, number)
        .await
        .map_err(|e| match e {
            ServiceError::NotFound => AppError::NotFound {
                key: "error.case_not_found",
            },
            e => e.into(),
        })
        .page(locale)?;
    let support = SupportBox::new(&public, resident::signed_in(&session), query.supported.is_some());
    let view = CasePage {
        case: PublicSummary::new(&state.catalog(), page.tr, state.tz, &public),
        details: None,
        // A signed-in resident looking at someone else's case is simply the public.
        bad_token: refused.filter(|_| query.token.is_some()).map(|key| match key {
            "error.mail_link_expired" => page.t("case.mail_link_expired").to_string(),
            _ => page.t("case.bad_token").to_string(),
        }),
        token: String::new(),
        proof_query: String::new(),
        done: None,
        support: Some(support),
        error_summary: None,
        page,
    };
    Ok(html(StatusCode::OK, view.render()))
}

/// The "me too" part of a public case page.
pub struct SupportBox {
    pub count: i64,
    pub title: Option<String>,
    pub open: bool,
    /// The signed-in resident's address, to support with at once.
    pub email: String,
    /// Just counted (back from the confirmation).
    pub counted: bool,
    pub error: Option<String>,
}

impl SupportBox {
    fn new(case: &PublicCase, account: Option<ResidentAccount>, counted: bool) -> Self {
        SupportBox {
            count: case.supports,
            title: case.published_title.clone(),
            open: case.supportable,
            email: account.map(|a| a.email).unwrap_or_default(),
            counted,
            error: None,
        }
    }
}
