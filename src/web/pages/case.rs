//! A case's own pages: the receipt right after filing, and the case page (the resident's
//! view behind the private link, or the public view).

use actix_session::Session;
use actix_web::http::StatusCode;
use std::collections::BTreeMap;

use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use chrono_tz::Tz;
use serde::Deserialize;

use super::{PageCtx, encode, html};
use crate::domain::case::CaseState;
use crate::domain::catalog::Catalog;
use crate::domain::timeline::{CloseReason, EventData};
use crate::domain::workflow::{Action, ActionInput, ActionKind, Actor};
use crate::format::{
    EventText, area_path_name, category_name, date, date_time, department_name, event_text, rfc3339,
    state_name,
};
use crate::i18n::Tr;
use crate::service::ServiceError;
use crate::service::cases::{
    PublicCase, ResidentCase, ResidentProof, public_case, resident_case, resident_case_by,
};
use crate::service::residents::ResidentAccount;
use crate::service::workflow::act;
use crate::web::App;
use crate::web::api::cases::parse_number;
use crate::web::csrf;
use crate::web::error::field_messages;
use crate::web::error::{AppError, Localize, PageError};
use crate::web::{resident, upload};

/// The public facts of a case, formatted for the reader.
pub struct PublicSummary {
    pub tracking_number: String,
    pub state: String,
    pub state_code: String,
    /// `None` for a report about an official (see `PublicCase::routing_withheld`).
    pub category: Option<String>,
    pub department: Option<String>,
    pub submitted_at: String,
    pub submitted_iso: String,
    pub updated_at: String,
    /// The deadline the resident is waiting on: acceptance before it, the answer after.
    pub acceptance_due: Option<String>,
    pub answer_due: Option<String>,
    pub supports: i64,
}

impl PublicSummary {
    pub fn new(catalog: &Catalog, tr: Tr, tz: Tz, case: &PublicCase) -> Self {
        let locale = tr.locale();
        PublicSummary {
            tracking_number: case.tracking_number.clone(),
            state: state_name(tr, case.state).to_string(),
            state_code: case.state.as_str().to_string(),
            category: (!case.routing_withheld).then(|| category_name(catalog, locale, &case.category_code)),
            department: (!case.routing_withheld)
                .then(|| department_name(catalog, locale, &case.department_code)),
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
            supports: case.supports,
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
    /// What the resident may do now, each with its form.
    pub actions: Vec<ResidentAction>,
    pub window_end: Option<String>,
    /// Why the case's story has ended, when it has.
    pub ending: Option<String>,
    pub attachments: Vec<AttachmentLine>,
    /// Whether more files may be added.
    pub can_attach: bool,
    pub upload_error: Option<String>,
    /// The live booking at a reception day, and the days that could be booked instead.
    /// The booking, in a sentence.
    pub booking: Option<String>,
    pub bookable: Vec<super::leader::DayLine>,
    pub booking_error: Option<String>,
}

/// A file on the case, as a page lists it.
pub struct AttachmentLine {
    pub name: String,
    pub url: String,
    pub size: String,
    pub is_image: bool,
}

impl AttachmentLine {
    /// `base` is the case's file URL prefix; `query` what proves access (may be empty).
    pub fn new(record: &crate::db::attachments::AttachmentRecord, base: &str, query: &str) -> Self {
        let size = match record.size_bytes {
            n if n >= 1024 * 1024 => format!("{:.1} MB", n as f64 / (1024.0 * 1024.0)),
            n => format!("{} KB", (n + 1023) / 1024),
        };
        AttachmentLine {
            name: record.display_name.clone(),
            url: format!("{base}/{}{query}", record.id),
            size,
            is_image: record.content_type.starts_with("image/"),
        }
    }
}

/// A form for one of the resident's actions.
pub struct ResidentAction {
    pub path: String,
    pub id: String,
    pub label: String,
    pub needs_rating: bool,
    pub needs_reason: bool,
    pub values: ActionInput,
    pub errors: BTreeMap<String, String>,
}

impl ResidentAction {
    pub fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

/// Why a case's story ended, in a sentence.
fn ending(tr: Tr, case: &ResidentCase) -> Option<String> {
    let closed_after = case.timeline.iter().rev().find_map(|e| match &e.data {
        Some(EventData::Closed { after }) => Some(*after),
        _ => None,
    });
    let key = match case.public.state {
        CaseState::Final => "case.ending.final",
        CaseState::Closed if closed_after == Some(CloseReason::Satisfied) => "case.ending.closed_satisfied",
        CaseState::Closed if closed_after == Some(CloseReason::NotConfirmed) => {
            "case.ending.closed_not_confirmed"
        }
        CaseState::Closed => "case.ending.closed_expired",
        CaseState::NotAccepted => "case.ending.not_accepted",
        CaseState::Withdrawn => "case.ending.withdrawn",
        _ => return None,
    };
    Some(tr.t(key).to_string())
}

impl ResidentDetails {
    fn new(
        catalog: &Catalog,
        tr: Tr,
        tz: Tz,
        case: ResidentCase,
        token: &str,
        failed: Option<(ActionKind, ActionInput, BTreeMap<String, String>)>,
    ) -> Self {
        let locale = tr.locale();
        let actions = case
            .available
            .iter()
            .map(|kind| {
                let mut action = ResidentAction {
                    path: kind.as_str().to_string(),
                    id: kind.as_str().replace('/', "-"),
                    label: tr
                        .t(&format!("action.{}", kind.as_str().replace(['/', '-'], "_")))
                        .to_string(),
                    needs_rating: *kind == ActionKind::Evaluate,
                    needs_reason: matches!(kind, ActionKind::RequestReview | ActionKind::RequestReReview),
                    values: ActionInput::default(),
                    errors: BTreeMap::new(),
                };
                if let Some((_, values, errors)) = failed.as_ref().filter(|(k, _, _)| k == kind) {
                    action.values = values.clone();
                    action.errors = errors.clone();
                }
                action
            })
            .collect();
        let files_query = match token {
            "" => String::new(),
            t => format!("?token={}", encode(t)),
        };
        let base = format!("/cases/{}/attachments", case.public.tracking_number);
        ResidentDetails {
            attachments: case
                .attachments
                .iter()
                .map(|a| AttachmentLine::new(a, &base, &files_query))
                .collect(),
            can_attach: !case.public.state.is_terminal()
                && case.attachments.len() < crate::domain::upload::MAX_FILES,
            upload_error: None,
            booking: None,
            bookable: Vec::new(),
            booking_error: None,
            actions,
            window_end: case.window_end.map(|d| date(locale, d, tz)),
            ending: ending(tr, &case),
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
    done: Option<String>,
    supported: Option<String>,
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
    state: web::Data<App>,
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
            .run({
                let (rules, now) = (state.rules(), state.now());
                move |conn| resident_case(conn, rules.rules(), &number, &token, now)
            })
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
    /// The private-link token, for the resident's forms.
    token: String,
    /// `token=…&` when the token is the proof, empty for a signed-in account.
    proof_query: String,
    done: Option<String>,
    support: Option<SupportBox>,
}

/// The proof a page request carries: the token in the link, else the signed-in account.
fn proof_of(token: Option<&str>, session: &Session) -> Option<ResidentProof> {
    match token.filter(|t| !t.is_empty()) {
        Some(token) => Some(ResidentProof::Token(token.to_string())),
        None => resident::signed_in(session).map(ResidentProof::Account),
    }
}

/// The query string that keeps the proof on the next page (the account needs none).
fn proof_query(proof: &ResidentProof) -> String {
    match proof {
        ResidentProof::Token(token) => format!("token={}&", encode(token)),
        ResidentProof::Account(_) => String::new(),
    }
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
    let catalog = state.catalog();
    let tz = state.tz;
    let proof = proof_of(query.token.as_deref(), &session);

    let resident = match &proof {
        Some(proof) => {
            let (number, proof) = (number.clone(), proof.clone());
            match state
                .db
                .run({
                    let (rules, now) = (state.rules(), state.now());
                    move |conn| resident_case_by(conn, rules.rules(), &number, &proof, now)
                })
                .await
            {
                Ok(case) => Some(Ok(case)),
                Err(ServiceError::Forbidden { .. }) => Some(Err(())),
                Err(e) => return Err(e).page(locale),
            }
        }
        None => None,
    };
    let done = |page: &PageCtx| {
        match query.done.as_deref() {
            Some("attachments") => return Some(page.t("case.attached").to_string()),
            Some("booked") => return Some(page.t("reception.booked_notice").to_string()),
            Some("cancelled") => return Some(page.t("reception.cancelled_notice").to_string()),
            _ => {}
        }
        query.done.as_deref().and_then(ActionKind::parse).map(|k| {
            page.tr.f(
                "case.done",
                &[(
                    "action",
                    page.tr
                        .t(&format!("action.{}", k.as_str().replace(['/', '-'], "_"))),
                )],
            )
        })
    };
    let view = match (resident, &proof) {
        (Some(Ok(case)), Some(proof)) => CasePage {
            case: PublicSummary::new(&catalog, page.tr, tz, &case.public),
            details: Some(
                with_reception(
                    &state,
                    page.tr,
                    ResidentDetails::new(
                        &catalog,
                        page.tr,
                        tz,
                        case,
                        query.token.as_deref().unwrap_or_default(),
                        None,
                    ),
                    &number,
                )
                .await
                .page(locale)?,
            ),
            bad_token: false,
            token: query.token.clone().unwrap_or_default(),
            proof_query: proof_query(proof),
            done: done(&page),
            support: None,
            page,
        },
        (other, _) => {
            // The public view, as on /track: counted against the address's look-ups.
            if let Err(error) = crate::web::client::count_lookup(&state, &req) {
                return Err(error).page(locale);
            }
            let public = state
                .db
                .run({
                    let catalog = catalog.clone();
                    move |conn| public_case(conn, &catalog, &number)
                })
                .await
                .map_err(|e| match e {
                    ServiceError::NotFound => AppError::NotFound {
                        key: "error.case_not_found",
                    },
                    e => e.into(),
                })
                .page(locale)?;
            let support = SupportBox::new(&public, resident::signed_in(&session), query.supported.is_some());
            CasePage {
                case: PublicSummary::new(&catalog, page.tr, tz, &public),
                details: None,
                // A signed-in resident looking at someone else's case is simply the public.
                bad_token: matches!(other, Some(Err(()))) && query.token.is_some(),
                token: String::new(),
                proof_query: String::new(),
                done: None,
                support: Some(support),
                page,
            }
        }
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

#[derive(Deserialize)]
pub struct ResidentActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(flatten)]
    input: ActionInput,
}

/// The resident's own actions from the private page: evaluate, ask for a review or a
/// re-review, withdraw.
#[post("/cases/{number}/act/{action:.+}")]
pub async fn resident_act(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    path: web::Path<(String, String)>,
    form: web::Form<ResidentActionForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::new(&req, &session);
    let locale = page.locale();
    let (raw_number, name) = path.into_inner();
    let number = parse_number(&raw_number).page(locale)?;
    let kind = ActionKind::parse(&name)
        .filter(|k| {
            matches!(
                k,
                ActionKind::Evaluate
                    | ActionKind::RequestReview
                    | ActionKind::RequestReReview
                    | ActionKind::Withdraw
            )
        })
        .ok_or_else(AppError::not_found)
        .page(locale)?;
    let form = form.into_inner();
    let token = form.token.clone();
    let Some(proof) = proof_of(Some(&form.token), &session) else {
        return Err(AppError::Forbidden {
            key: "error.bad_token",
        })
        .page(locale);
    };
    let (rules, now) = (state.rules(), state.now());
    let errors: BTreeMap<String, String> = if !csrf::verify(&session, &form.csrf) {
        BTreeMap::from([("form".to_string(), page.t("err.csrf").to_string())])
    } else {
        match Action::parse(kind, &form.input) {
            Err(errors) => field_messages(page.tr, &errors),
            Ok(action) => {
                let (target, acting) = (number.clone(), proof.clone());
                let acted = state
                    .db
                    .write(move |conn| {
                        // The private link or the account proves who is acting.
                        resident_case_by(conn, rules.rules(), &target, &acting, now)?;
                        act(conn, rules.rules(), &Actor::Resident, &target, &action, now)
                    })
                    .await;
                match acted {
                    Ok(_) => {
                        return Ok(HttpResponse::SeeOther()
                            .insert_header((
                                LOCATION,
                                format!(
                                    "/cases/{number}?{}done={}",
                                    proof_query(&proof),
                                    encode(kind.as_str())
                                ),
                            ))
                            .finish());
                    }
                    Err(ServiceError::Invalid(errors)) => field_messages(page.tr, &errors),
                    Err(e @ (ServiceError::Conflict { .. } | ServiceError::Forbidden { .. })) => {
                        BTreeMap::from([("form".to_string(), AppError::from(e).message(page.tr))])
                    }
                    Err(e) => return Err(e).page(locale),
                }
            }
        }
    };
    // Show the page again with the problem next to the form and what was typed kept.
    let problem = Problem::Action(kind, Box::new(form.input), errors);
    render_resident(
        &state,
        page,
        number,
        proof,
        token,
        problem,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// Adds the reception-day part to the resident's details.
async fn with_reception(
    state: &App,
    tr: Tr,
    mut details: ResidentDetails,
    number: &crate::domain::tracking::TrackingNumber,
) -> Result<ResidentDetails, AppError> {
    let (catalog, now) = (
        state.catalog(),
        state.now().with_timezone(&state.tz).naive_local(),
    );
    let (booking, days) = {
        let (catalog, number) = (catalog.clone(), number.clone());
        state
            .db
            .run(move |conn| crate::service::reception::for_case(conn, &catalog, &number, now))
            .await?
    };
    details.booking = booking.map(|(_, day)| {
        let line = super::leader::DayLine::new(&catalog, tr, &day);
        tr.f(
            "reception.your_booking",
            &[
                ("date", &line.date),
                ("time", &line.time),
                ("leader", &line.leader),
                ("place", &line.place),
            ],
        )
    });
    details.bookable = days
        .iter()
        .map(|d| super::leader::DayLine::new(&catalog, tr, d))
        .collect();
    Ok(details)
}

#[derive(Deserialize)]
pub struct BookingForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    day: i32,
}

/// Books (or, with `day` 0, cancels) the case's place at a reception day.
#[post("/cases/{number}/booking")]
pub async fn book_or_cancel(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    path: web::Path<String>,
    form: web::Form<BookingForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::new(&req, &session);
    let locale = page.locale();
    let number = parse_number(&path).page(locale)?;
    let form = form.into_inner();
    let Some(proof) = proof_of(Some(&form.token), &session) else {
        return Err(AppError::Forbidden {
            key: "error.bad_token",
        })
        .page(locale);
    };
    if !csrf::verify(&session, &form.csrf) {
        let message = page.t("err.csrf").to_string();
        return render_resident(
            &state,
            page,
            number,
            proof,
            form.token,
            Problem::Booking(message),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let (rules, now) = (state.rules(), state.now());
    let (target, acting, day) = (number.clone(), proof.clone(), form.day);
    let done = state
        .db
        .write(move |conn| {
            if day == 0 {
                crate::service::reception::cancel(conn, rules.rules(), &target, &acting, now)
                    .map(|_| "cancelled")
            } else {
                crate::service::reception::book(conn, rules.rules(), &target, &acting, day, now)
                    .map(|_| "booked")
            }
        })
        .await;
    match done {
        Ok(what) => Ok(HttpResponse::SeeOther()
            .insert_header((
                LOCATION,
                format!("/cases/{number}?{}done={what}#reception", proof_query(&proof)),
            ))
            .finish()),
        Err(e @ (ServiceError::Conflict { .. } | ServiceError::NotFound)) => {
            let error = AppError::from(e);
            let message = error.message(page.tr);
            render_resident(
                &state,
                page,
                number,
                proof,
                form.token,
                Problem::Booking(message),
                error.status(),
            )
            .await
        }
        Err(e) => Err(e).page(locale),
    }
}

/// What went wrong on the resident's page, to show next to its form.
pub enum Problem {
    Action(ActionKind, Box<ActionInput>, BTreeMap<String, String>),
    Upload(String),
    Booking(String),
}

/// The resident's page again, with a problem shown where it happened.
async fn render_resident(
    state: &App,
    page: PageCtx,
    number: crate::domain::tracking::TrackingNumber,
    proof: ResidentProof,
    token: String,
    problem: Problem,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let locale = page.locale();
    let (rules, now) = (state.rules(), state.now());
    let case = {
        let (proof, number) = (proof.clone(), number.clone());
        state
            .db
            .run(move |conn| resident_case_by(conn, rules.rules(), &number, &proof, now))
            .await
            .page(locale)?
    };
    let catalog = state.catalog();
    let (failed, upload_error, booking_error) = match problem {
        Problem::Action(kind, input, errors) => (Some((kind, *input, errors)), None, None),
        Problem::Upload(message) => (None, Some(message), None),
        Problem::Booking(message) => (None, None, Some(message)),
    };
    let mut details = with_reception(
        state,
        page.tr,
        ResidentDetails::new(&catalog, page.tr, state.tz, case.clone(), &token, failed),
        &number,
    )
    .await
    .page(locale)?;
    details.upload_error = upload_error;
    details.booking_error = booking_error;
    let view = CasePage {
        proof_query: proof_query(&proof),
        support: None,
        case: PublicSummary::new(&catalog, page.tr, state.tz, &case.public),
        details: Some(details),
        bad_token: false,
        token,
        done: None,
        page,
    };
    Ok(html(status, view.render()))
}

/// Photos or PDFs added from the resident's page (a form that works without JavaScript).
/// The form's address carries the private link's token (or the account proves who it is),
/// so the proof is checked before a byte of the body is read; the CSRF field is checked
/// before the files are processed.
#[post("/cases/{number}/attachments")]
pub async fn add_attachments(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    path: web::Path<String>,
    query: web::Query<FileQuery>,
    body: web::Payload,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::new(&req, &session);
    let locale = page.locale();
    let number = parse_number(&path).page(locale)?;
    let token = query.token.clone().unwrap_or_default();
    let proof = proof_of(Some(&token), &session)
        .ok_or(AppError::Forbidden {
            key: "error.bad_token",
        })
        .page(locale)?;
    let case_id = match upload::may_add(&state, number.clone(), proof.clone()).await {
        Ok(id) => id,
        Err(error @ (AppError::Forbidden { .. } | AppError::NotFound { .. } | AppError::Internal(_))) => {
            return Err(error).page(locale);
        }
        Err(error) => {
            let message = error.form_message(page.tr);
            let status = error.status();
            return render_resident(
                &state,
                page,
                number,
                proof,
                token,
                Problem::Upload(message),
                status,
            )
            .await;
        }
    };
    let outcome = async {
        upload::check_declared_length(&req)?;
        let _slot = upload::take_slot(&state)?;
        let received = upload::receive(&req, body, &state.settings.data_dir).await?;
        if !csrf::verify(&session, received.fields.get("csrf").map_or("", String::as_str)) {
            return Err(AppError::Forbidden { key: "err.csrf" });
        }
        upload::add_to_case(&state, case_id, received.files).await
    }
    .await;
    match outcome {
        Ok(_) => Ok(HttpResponse::SeeOther()
            .insert_header((
                LOCATION,
                format!(
                    "/cases/{number}?{}done=attachments#attachments",
                    proof_query(&proof)
                ),
            ))
            .finish()),
        Err(error @ AppError::Internal(_)) => Err(error).page(locale),
        Err(error) => {
            let message = error.form_message(page.tr);
            let status = error.status();
            render_resident(
                &state,
                page,
                number,
                proof,
                token,
                Problem::Upload(message),
                status,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct FileQuery {
    token: Option<String>,
}

/// One of the case's files, for the resident.
#[get("/cases/{number}/attachments/{id}")]
pub async fn attachment(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    path: web::Path<(String, i64)>,
    query: web::Query<FileQuery>,
) -> Result<HttpResponse, PageError> {
    let locale = PageCtx::new(&req, &session).locale();
    let (raw, id) = path.into_inner();
    let number = parse_number(&raw).page(locale)?;
    let proof = proof_of(query.token.as_deref(), &session)
        .ok_or(AppError::Forbidden {
            key: "error.bad_token",
        })
        .page(locale)?;
    let (rules, now) = (state.rules(), state.now());
    let viewer = crate::service::attachments::Viewer::Resident(proof);
    let record = state
        .db
        .run(move |conn| crate::service::attachments::open(conn, rules.rules(), &number, id, &viewer, now))
        .await
        .page(locale)?;
    upload::serve(&state, record).await.page(locale)
}
