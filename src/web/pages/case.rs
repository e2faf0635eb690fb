//! A case's own pages: the receipt right after filing, and the case page (the resident's
//! view behind the private link, or the public view).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use chrono_tz::Tz;
use serde::Deserialize;

use super::{PageCtx, encode, html};
use crate::domain::case::CaseState;
use crate::domain::catalog::Catalog;
use crate::format::{
    EventText, area_path_name, category_name, date, date_time, department_name, event_text, rfc3339,
    state_name,
};
use crate::i18n::Tr;
use crate::service::ServiceError;
use crate::service::cases::{PublicCase, ResidentCase, public_case, resident_case};
use crate::web::AppState;
use crate::web::api::cases::parse_number;
use crate::web::error::{AppError, Localize, PageError};

/// The public facts of a case, formatted for the reader.
pub struct PublicSummary {
    pub tracking_number: String,
    pub state: String,
    pub state_code: String,
    pub category: String,
    pub department: String,
    pub submitted_at: String,
    pub submitted_iso: String,
    pub updated_at: String,
    /// The deadline the resident is waiting on: acceptance before it, the answer after.
    pub acceptance_due: Option<String>,
    pub answer_due: Option<String>,
}

impl PublicSummary {
    pub fn new(catalog: &Catalog, tr: Tr, tz: Tz, case: &PublicCase) -> Self {
        let locale = tr.locale();
        PublicSummary {
            tracking_number: case.tracking_number.clone(),
            state: state_name(tr, case.state).to_string(),
            state_code: case.state.as_str().to_string(),
            category: category_name(catalog, locale, &case.category_code),
            department: department_name(catalog, locale, &case.department_code),
            submitted_at: date_time(locale, case.submitted_at, tz),
            submitted_iso: rfc3339(case.submitted_at),
            updated_at: date_time(locale, case.updated_at, tz),
            acceptance_due: case
                .acceptance_due_at
                .filter(|_| {
                    matches!(
                        case.state,
                        CaseState::Routed | CaseState::Submitted | CaseState::Unconfirmed
                    )
                })
                .map(|d| date(locale, d, tz)),
            answer_due: case
                .answer_due_at
                .filter(|_| matches!(case.state, CaseState::Accepted | CaseState::InProgress))
                .map(|d| date(locale, d, tz)),
        }
    }
}

pub struct TimelineItem {
    pub at: String,
    pub at_iso: String,
    pub text: EventText,
}

/// What the resident wrote and what happened since.
pub struct ResidentDetails {
    pub title: String,
    pub description: String,
    pub area: String,
    pub address: Option<String>,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub confidential: bool,
    pub publish_consent: bool,
    pub timeline: Vec<TimelineItem>,
}

impl ResidentDetails {
    fn new(catalog: &Catalog, tr: Tr, tz: Tz, case: ResidentCase) -> Self {
        let locale = tr.locale();
        ResidentDetails {
            area: area_path_name(catalog, locale, &case.area_code),
            timeline: case
                .timeline
                .iter()
                .rev()
                .map(|e| TimelineItem {
                    at: date_time(locale, e.at, tz),
                    at_iso: rfc3339(e.at),
                    text: event_text(tr, catalog, tz, &e.kind, e.data.as_ref()),
                })
                .collect(),
            title: case.title,
            description: case.description,
            address: case.address,
            name: case.resident_name,
            phone: case.resident_phone,
            email: case.resident_email,
            confidential: case.confidential,
            publish_consent: case.publish_consent,
        }
    }
}

#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage {
    page: PageCtx,
    case: PublicSummary,
    private_link: String,
}

fn absolute(req: &HttpRequest, path: &str) -> String {
    let info = req.connection_info();
    format!("{}://{}{}", info.scheme(), info.host(), path)
}

#[get("/cases/{number}/receipt")]
pub async fn receipt(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    number: web::Path<String>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::new(&req, &session);
    let locale = page.locale();
    let number = parse_number(&number).page(locale)?;
    let token = query.token.clone().unwrap_or_default();
    let case = {
        let token = token.clone();
        state
            .db
            .run(move |conn| resident_case(conn, &number, &token))
            .await
            .page(locale)?
    };
    let link = format!("/cases/{}?token={}", case.public.tracking_number, encode(&token));
    let view = ReceiptPage {
        case: PublicSummary::new(&state.catalog(), page.tr, state.tz, &case.public),
        private_link: absolute(&req, &link),
        page,
    };
    Ok(html(StatusCode::OK, view.render()))
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    page: PageCtx,
    case: PublicSummary,
    details: Option<ResidentDetails>,
    bad_token: bool,
}

#[get("/cases/{number}")]
pub async fn show(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    number: web::Path<String>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::new(&req, &session);
    let locale = page.locale();
    let number = parse_number(&number).page(locale)?;
    let catalog = state.catalog();
    let tz = state.tz;
    let token = query.token.clone().filter(|t| !t.is_empty());

    let resident = match token {
        Some(token) => {
            let number = number.clone();
            match state
                .db
                .run(move |conn| resident_case(conn, &number, &token))
                .await
            {
                Ok(case) => Some(Ok(case)),
                Err(ServiceError::Forbidden { .. }) => Some(Err(())),
                Err(e) => return Err(e).page(locale),
            }
        }
        None => None,
    };
    let view = match resident {
        Some(Ok(case)) => CasePage {
            case: PublicSummary::new(&catalog, page.tr, tz, &case.public),
            details: Some(ResidentDetails::new(&catalog, page.tr, tz, case)),
            bad_token: false,
            page,
        },
        other => {
            let public = state
                .db
                .run(move |conn| public_case(conn, &number))
                .await
                .map_err(|e| match e {
                    ServiceError::NotFound => AppError::NotFound {
                        key: "error.case_not_found",
                    },
                    e => e.into(),
                })
                .page(locale)?;
            CasePage {
                case: PublicSummary::new(&catalog, page.tr, tz, &public),
                details: None,
                bad_token: matches!(other, Some(Err(()))),
                page,
            }
        }
    };
    Ok(html(StatusCode::OK, view.render()))
}
