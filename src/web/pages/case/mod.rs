//! A case's own pages: the receipt right after filing, the case page (the resident's
//! view behind the private link, or the public view), the resident's actions and files.

mod acting;
mod answer;
mod files;
mod view;

pub use acting::{book_or_cancel, resident_act};
pub use files::{add_attachments, attachment};
pub use view::{SupportBox, receipt, show};

use std::collections::BTreeMap;

use actix_session::Session;
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;
use chrono_tz::Tz;

use super::error_summary::ErrorSummary;
use super::leader::DayLine;
use super::{PageCtx, encode, html};
use crate::domain::case::CaseState;
use crate::domain::catalog::Catalog;
use crate::domain::timeline::{CloseReason, EventData};
use crate::domain::tracking::TrackingNumber;
use crate::domain::workflow::{ActionInput, ActionKind};
use crate::format::{
    EventText, area_path_name, category_name, date, date_time, department_name, resident_event_text, rfc3339,
    state_name,
};
use crate::i18n::Tr;
use crate::service::attachments::AttachmentView;
use crate::service::caller::Caller;
use crate::service::cases::{self, PublicCase, ResidentCase, ResidentPage, ResidentProof};
use crate::service::reception::CaseReception;
use crate::web::App;
use crate::web::error::{Localize, PageError};
use crate::web::resident;

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
    /// The answer and what to do about it, which lead the page once there is one.
    pub answer: Option<answer::AnswerBox>,
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
    pub bookable: Vec<DayLine>,
    pub booking_error: Option<String>,
    /// Said when the identity and files were removed after the retention period.
    pub identity_removed: Option<String>,
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
    pub fn new(record: &AttachmentView, base: &str, query: &str) -> Self {
        let size = match record.size {
            n if n >= 1024 * 1024 => format!("{:.1} MB", n as f64 / (1024.0 * 1024.0)),
            n => format!("{} KB", (n + 1023) / 1024),
        };
        AttachmentLine {
            name: record.name.clone(),
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
            answer: answer::AnswerBox::new(catalog, tr, tz, &case),
            attachments: case
                .attachments
                .iter()
                .map(|a| AttachmentLine::new(a, &base, &files_query))
                .collect(),
            can_attach: !case.public.state.is_terminal()
                && case.attachments.len() < crate::domain::upload::MAX_FILES,
            upload_error: None,
            identity_removed: case
                .identity_removed_at
                .map(|at| tr.f("case.identity_removed", &[("date", &date(locale, at, tz))])),
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
                    text: resident_event_text(tr, catalog, tz, &e.kind, e.data.as_ref()),
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

/// The proof a page request carries: the token in the link, else the signed-in account.
fn proof_of(state: &App, token: Option<&str>, session: &Session) -> Option<ResidentProof> {
    match token.filter(|t| !t.is_empty()) {
        Some(token) => Some(ResidentProof::from_token(&state.sealer, token.to_string())),
        None => resident::signed_in(session).map(ResidentProof::Account),
    }
}

/// The query string that keeps the proof on the next page (the account needs none).
fn proof_query(proof: &ResidentProof) -> String {
    proof
        .token()
        .map(|token| format!("token={}&", encode(token)))
        .unwrap_or_default()
}

/// Adds the reception-day part to the resident's details.
fn add_reception(catalog: &Catalog, tr: Tr, details: &mut ResidentDetails, reception: &CaseReception) {
    details.booking = reception.booked.as_ref().map(|day| {
        let line = DayLine::new(catalog, tr, day);
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
    details.bookable = reception
        .bookable
        .iter()
        .map(|d| DayLine::new(catalog, tr, d))
        .collect();
}

/// The resident's page in full: the case, their actions, files and reception day.
fn details_of(
    state: &App,
    tr: Tr,
    found: ResidentPage,
    token: &str,
    failed: Option<(ActionKind, ActionInput, BTreeMap<String, String>)>,
) -> (PublicSummary, ResidentDetails) {
    let catalog = state.catalog();
    let summary = PublicSummary::new(&catalog, tr, state.tz, &found.case.public);
    let mut details = ResidentDetails::new(&catalog, tr, state.tz, found.case, token, failed);
    add_reception(&catalog, tr, &mut details, &found.reception);
    (summary, details)
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    page: PageCtx,
    case: PublicSummary,
    details: Option<ResidentDetails>,
    /// Why the link's proof did not open the resident's view.
    bad_token: Option<String>,
    /// The private-link token, for the resident's forms.
    token: String,
    /// `token=…&` when the token is the proof, empty for a signed-in account.
    proof_query: String,
    done: Option<String>,
    support: Option<SupportBox>,
    /// What went wrong with the form just sent, at the top of the page.
    error_summary: Option<ErrorSummary>,
}

/// What went wrong on the resident's page, to show next to its form.
pub enum Problem {
    Action(ActionKind, Box<ActionInput>, BTreeMap<String, String>),
    Upload(String),
    Booking(String),
}

fn one_error(message: &str) -> BTreeMap<String, String> {
    BTreeMap::from([("form".to_string(), message.to_string())])
}

/// The resident's page again, with a problem shown where it happened.
async fn render_resident(
    state: &App,
    page: PageCtx,
    number: TrackingNumber,
    proof: ResidentProof,
    token: String,
    problem: Problem,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let locale = page.locale();
    let found = cases::resident_page(state, &Caller::Resident(proof.clone()), number)
        .await
        .page(locale)?;
    let error_summary = match &problem {
        Problem::Action(kind, _, errors) => {
            ErrorSummary::of_action(page.tr, &kind.as_str().replace('/', "-"), errors)
        }
        Problem::Upload(message) => ErrorSummary::new(page.tr, &one_error(message), |_| "file".into()),
        Problem::Booking(message) => ErrorSummary::new(page.tr, &one_error(message), |_| "reception".into()),
    };
    let (failed, upload_error, booking_error) = match problem {
        Problem::Action(kind, input, errors) => (Some((kind, *input, errors)), None, None),
        Problem::Upload(message) => (None, Some(message), None),
        Problem::Booking(message) => (None, None, Some(message)),
    };
    let (case, mut details) = details_of(state, page.tr, found, &token, failed);
    details.upload_error = upload_error;
    details.booking_error = booking_error;
    let view = CasePage {
        proof_query: proof_query(&proof),
        support: None,
        case,
        details: Some(details),
        bad_token: None,
        token,
        done: None,
        error_summary,
        page,
    };
    Ok(html(status, view.render()))
}
