//! `POST /cases` files a complaint; `GET /cases/{tracking_number}` shows it: the public
//! view to anyone, the resident's view with the case's access token.

use crate::web::query::parse_number;
use actix_web::http::header::{AUTHORIZATION, LOCATION};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::catalog::Named;
use super::doc::Errors;
use crate::domain::case::{ActorKind, CaseState, Channel, Visibility};
use crate::domain::catalog::Catalog;
use crate::domain::locale::Locale;
use crate::domain::new_case::{CaseInput, NewCase};
use crate::domain::timeline::EventData;
use crate::format::{area_path_name, category_name, department_name, resident_event_text, rfc3339};
use crate::i18n::Tr;
use crate::service::caller::Caller;
use crate::service::cases::{self, LookedUp, PublicCase, ResidentCase};
use crate::web::App;
use crate::web::auth::Asking;
use crate::web::error::{ApiError, AppError, Localize};
use crate::web::locale::Lang;

/// What a filing answers: the number to track it, the private token, and who has it.
#[derive(Serialize, ToSchema)]
pub struct Filed {
    pub tracking_number: String,
    /// The case's private token: keep it, it is shown once (the receipt mail has the link).
    pub access_token: String,
    pub state: CaseState,
    pub department: Named,
    pub acceptance_due_at: String,
}

/// Files a complaint. Validated as the form is (every field's problem at once), routed,
/// and answered with its tracking number and private token.
#[utoipa::path(tag = "cases", request_body = CaseInput, responses((status = 201, body = Filed), Errors))]
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
        .json(Filed {
            tracking_number: filed.tracking_number.to_string(),
            access_token: filed.access_token,
            state: filed.state,
            department: Named {
                code: filed.department.code.clone(),
                name: filed.department.names.get(locale).to_string(),
            },
            acceptance_due_at: rfc3339(filed.acceptance_due_at),
        }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SimilarQuery {
    /// A category code.
    #[serde(default)]
    category: String,
    /// An area code.
    #[serde(default)]
    area: String,
    /// What the resident has written.
    #[serde(default)]
    text: String,
}

#[derive(Serialize, ToSchema)]
pub struct Similar {
    pub cases: Vec<SimilarCase>,
}

#[derive(Serialize, ToSchema)]
pub struct SimilarCase {
    pub tracking_number: String,
    /// Redacted, as on the board.
    pub title: String,
    pub state: CaseState,
    pub state_name: String,
    pub submitted_at: String,
    pub supports: i64,
    /// How alike, 0 to 1.
    pub score: f64,
}

/// Open cases like the one about to be filed (same category and area, consented to
/// publication): number, redacted title, state, supports. Nothing personal.
#[utoipa::path(tag = "cases", params(SimilarQuery), responses((status = 200, body = Similar), Errors))]
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
    Ok(HttpResponse::Ok().json(Similar {
        cases: found
            .iter()
            .map(|c| SimilarCase {
                tracking_number: c.tracking_number.clone(),
                title: c.title.clone(),
                state: c.state,
                state_name: crate::format::state_name(tr, c.state).to_string(),
                submitted_at: rfc3339(c.submitted_at),
                supports: c.supports,
                score: (c.score * 1000.0).round() / 1000.0,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// The case's private token, where no `Authorization` header can be sent.
    pub token: Option<String>,
}

/// A case as its reader may see it: staff (with a staff token), its resident (with the
/// case's token or their session), or anyone (the public view).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum CaseView {
    Staff(super::staff::StaffCase),
    Resident(ResidentCaseView),
    Public(PublicCaseView),
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

#[utoipa::path(
    tag = "cases",
    params(TokenQuery),
    responses((status = 200, body = CaseView), Errors),
    security((), ("case_token" = []), ("resident_session" = []), ("staff_token" = []))
)]
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
            CaseView::Staff(super::staff::staff_view(&state, locale, user, number).await?)
        }
        (Some(_), caller) => {
            let case = cases::for_resident(&state, &caller, number).await.api(locale)?;
            CaseView::Resident(ResidentCaseView::of(&catalog, locale, state.tz, &case))
        }
        (None, _) => {
            // A signed-in resident sees their own cases in full.
            let account = crate::web::resident::signed_in(&session);
            match cases::look_up(&state, account, number).await.api(locale)? {
                LookedUp::Own(case) => {
                    CaseView::Resident(ResidentCaseView::of(&catalog, locale, state.tz, &case))
                }
                LookedUp::Public(case) => CaseView::Public(PublicCaseView::of(&catalog, locale, &case)),
            }
        }
    };
    Ok(HttpResponse::Ok().json(body))
}

fn named(code: &str, name: String) -> Named {
    Named {
        code: code.to_string(),
        name,
    }
}

/// What anyone tracking a number may know: state, department, dates.
#[derive(Serialize, ToSchema)]
pub struct CaseSummary {
    pub tracking_number: String,
    pub state: CaseState,
    /// Absent for a report about an official: neither is told to the public.
    pub category: Option<Named>,
    pub department: Option<Named>,
    pub submitted_at: String,
    pub updated_at: String,
    pub acceptance_due_at: Option<String>,
    pub answer_due_at: Option<String>,
    /// Whether others may support it ("me too").
    pub supportable: bool,
    pub supports: i64,
}

impl CaseSummary {
    pub fn of(catalog: &Catalog, locale: Locale, case: &PublicCase) -> CaseSummary {
        let shown = !case.routing_withheld;
        CaseSummary {
            tracking_number: case.tracking_number.clone(),
            state: case.state,
            category: shown.then(|| {
                named(
                    &case.category_code,
                    category_name(catalog, locale, &case.category_code),
                )
            }),
            department: shown.then(|| {
                named(
                    &case.department_code,
                    department_name(catalog, locale, &case.department_code),
                )
            }),
            submitted_at: rfc3339(case.submitted_at),
            updated_at: rfc3339(case.updated_at),
            acceptance_due_at: case.acceptance_due_at.map(rfc3339),
            answer_due_at: case.answer_due_at.map(rfc3339),
            supportable: case.supportable,
            supports: case.supports,
        }
    }
}

/// The public view: the summary, and the redacted title if the resident consented.
#[derive(Serialize, ToSchema)]
pub struct PublicCaseView {
    #[serde(flatten)]
    pub summary: CaseSummary,
    pub title: Option<String>,
}

impl PublicCaseView {
    pub fn of(catalog: &Catalog, locale: Locale, case: &PublicCase) -> PublicCaseView {
        PublicCaseView {
            summary: CaseSummary::of(catalog, locale, case),
            title: case.published_title.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ResidentOwn {
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// An event of the timeline as its reader may see it.
#[derive(Serialize, ToSchema)]
pub struct Event {
    pub seq: i32,
    pub at: String,
    /// The event kind (`received`, `routed`, `accepted`, `answered` …).
    pub kind: String,
    pub visibility: Visibility,
    /// Who acted (staff's view only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<ActorKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<i32>,
    /// The event told in a sentence, in the reader's language.
    pub message: String,
    /// The event's own fields, as stored.
    #[schema(value_type = Option<Object>)]
    pub data: Option<EventData>,
}

/// Everything the resident may see of their own case.
#[derive(Serialize, ToSchema)]
pub struct ResidentCaseView {
    #[serde(flatten)]
    pub summary: CaseSummary,
    pub title: String,
    pub channel: Channel,
    pub area: Named,
    pub description: String,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub resident: ResidentOwn,
    pub locale: Locale,
    pub confidential: bool,
    pub publish_consent: bool,
    /// What the resident may do now, as action names for `POST /cases/{n}/{action}`.
    pub actions: Vec<&'static str>,
    pub window_end: Option<String>,
    pub identity_removed_at: Option<String>,
    pub attachments: Vec<super::attachments::Attachment>,
    pub timeline: Vec<Event>,
}

impl ResidentCaseView {
    pub fn of(catalog: &Catalog, locale: Locale, tz: Tz, case: &ResidentCase) -> ResidentCaseView {
        let tr = Tr(locale);
        let number = &case.public.tracking_number;
        ResidentCaseView {
            summary: CaseSummary::of(catalog, locale, &case.public),
            title: case.title.clone(),
            channel: case.channel,
            area: named(&case.area_code, area_path_name(catalog, locale, &case.area_code)),
            description: case.description.clone(),
            address: case.address.clone(),
            lat: case.location.map(|l| l.0),
            long: case.location.map(|l| l.1),
            resident: ResidentOwn {
                name: case.resident_name.clone(),
                phone: case.resident_phone.clone(),
                email: case.resident_email.clone(),
            },
            locale: case.locale,
            confidential: case.confidential,
            publish_consent: case.publish_consent,
            actions: case.available.iter().map(|k| k.as_str()).collect(),
            window_end: case.window_end.map(rfc3339),
            identity_removed_at: case.identity_removed_at.map(rfc3339),
            attachments: case
                .attachments
                .iter()
                .map(|a| super::attachments::Attachment::of(number, a))
                .collect(),
            timeline: case
                .timeline
                .iter()
                .map(|e| Event {
                    seq: e.seq,
                    at: rfc3339(e.at),
                    kind: e.kind.clone(),
                    visibility: e.visibility,
                    actor: None,
                    actor_id: None,
                    message: resident_event_text(tr, catalog, tz, &e.kind, e.data.as_ref()).summary,
                    data: e.data.clone(),
                })
                .collect(),
        }
    }
}
