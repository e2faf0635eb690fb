//! Reading a case: the public view anyone tracking the number gets, and the resident's
//! view behind the private link.

use chrono::{DateTime, NaiveDateTime, Utc};

use super::ServiceError;
use super::caller::Caller;
use super::residents::ResidentAccount;
use super::token::token_matches;
use super::workflow::Rules;
use crate::app::App;
use crate::db::DbConn;
use crate::db::cases::{CaseRecord, EventRecord, events_of, find_by_tracking_number};
use crate::domain::case::{ActorKind, CaseState, Channel, Visibility};
use crate::domain::catalog::Catalog;
use crate::domain::locale::Locale;
use crate::domain::timeline::EventData;
use crate::domain::tracking::TrackingNumber;
use crate::domain::workflow::{Actor, available};

/// What anyone may know: state, department, dates. Nothing a resident wrote.
#[derive(Debug, Clone)]
pub struct PublicCase {
    pub tracking_number: String,
    pub state: CaseState,
    pub category_code: String,
    pub department_code: String,
    pub submitted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub acceptance_due_at: Option<DateTime<Utc>>,
    pub answer_due_at: Option<DateTime<Utc>>,
    /// The title, redacted, when the resident consented to publication.
    pub published_title: Option<String>,
    /// Whether others may support it ("me too").
    pub supportable: bool,
    /// Confirmed supports.
    pub supports: i64,
    /// A report about an official: to the public, neither its category nor who handles
    /// it is told (either could point at the person reported, or warn them).
    pub routing_withheld: bool,
}

/// Everything the resident may see of their own case.
#[derive(Debug, Clone)]
pub struct ResidentCase {
    pub public: PublicCase,
    pub channel: Channel,
    pub area_code: String,
    pub title: String,
    pub description: String,
    pub address: Option<String>,
    pub location: Option<(f64, f64)>,
    pub resident_name: String,
    pub resident_phone: Option<String>,
    pub resident_email: Option<String>,
    pub locale: Locale,
    pub confidential: bool,
    pub publish_consent: bool,
    pub timeline: Vec<TimelineEntry>,
    /// What the resident may do now (evaluate, ask for review, withdraw …).
    pub available: Vec<crate::domain::workflow::ActionKind>,
    /// Until when the answer may be evaluated or a review asked for.
    pub window_end: Option<DateTime<Utc>>,
    /// The deadline the case waits on now (acceptance, answer, the window), if any.
    pub due_at: Option<DateTime<Utc>>,
    /// Photos and documents the resident added.
    pub attachments: Vec<super::attachments::AttachmentView>,
    /// When the identity and files were removed after the retention period.
    pub identity_removed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct TimelineEntry {
    pub seq: i32,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub visibility: Visibility,
    pub actor_kind: ActorKind,
    pub actor_id: Option<i32>,
    /// `None` for an event kind this build does not know how to read.
    pub data: Option<EventData>,
}

fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

fn corrupt(what: &str, value: &str) -> ServiceError {
    ServiceError::Internal(format!("stored {what} {value:?} is not valid"))
}

fn public_of(record: &CaseRecord) -> Result<PublicCase, ServiceError> {
    Ok(PublicCase {
        tracking_number: record.tracking_number.clone(),
        state: CaseState::parse(&record.state).ok_or_else(|| corrupt("state", &record.state))?,
        category_code: record.category_code.clone(),
        department_code: record.department_code.clone(),
        submitted_at: utc(record.submitted_at),
        updated_at: utc(record.updated_at),
        acceptance_due_at: record.acceptance_due_at.map(utc),
        answer_due_at: record.answer_due_at.map(utc),
        published_title: None,
        supportable: false,
        supports: 0,
        routing_withheld: false,
    })
}

fn find(conn: &mut DbConn, number: &TrackingNumber) -> Result<CaseRecord, ServiceError> {
    find_by_tracking_number(conn, number.as_str())?.ok_or(ServiceError::NotFound)
}

pub fn public_case(
    conn: &mut DbConn,
    catalog: &Catalog,
    number: &TrackingNumber,
) -> Result<PublicCase, ServiceError> {
    let record = find(conn, number)?;
    let supportable = super::residents::supportable(catalog, &record);
    let report = catalog
        .category(&record.category_code)
        .is_some_and(|c| c.supervisor.is_some());
    Ok(PublicCase {
        published_title: (record.publish_consent && !report && !record.confidential)
            .then(|| crate::domain::text::redact(&record.title)),
        supportable,
        supports: super::residents::support_count(conn, record.id)?,
        routing_withheld: report,
        ..public_of(&record)?
    })
}

/// The public view of a case: what anyone tracking its number may know.
pub async fn public(app: &App, number: TrackingNumber) -> Result<PublicCase, ServiceError> {
    app.read(move |conn, rules, _| public_case(conn, rules.catalog, &number))
        .await
}

/// The code a resident reached only by phone or letter is told with the number, for the
/// clerk who recorded it (or any who may record) to read out.
pub fn phone_code(
    app: &App,
    user: &super::auth::StaffUser,
    number: &TrackingNumber,
) -> Result<String, ServiceError> {
    super::file_case::may_record(app, user)?;
    Ok(app.chain_key.phone_code(number.as_str()))
}

/// Opens a case by its number and phone code: the token of a case link (as a mail's, and
/// as long-lived) for the private page. A wrong code is `Forbidden`, an unknown number too,
/// so the answer does not tell which numbers exist.
pub async fn open_by_code(app: &App, number: TrackingNumber, code: &str) -> Result<String, ServiceError> {
    let expected = app.chain_key.phone_code(number.as_str());
    let given: String = code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    let refused = ServiceError::Forbidden {
        key: "error.bad_phone_code",
    };
    if !crate::service::token::constant_time_eq(&given, &expected) {
        return Err(refused);
    }
    let exists = app
        .read({
            let number = number.clone();
            move |conn, _, _| Ok::<_, ServiceError>(find(conn, &number).is_ok())
        })
        .await?;
    if !exists {
        return Err(refused);
    }
    let link = crate::domain::mail::CaseLink::new(number.as_str(), app.now(), None);
    Ok(format!(
        "{}{}",
        crate::domain::mail::MAIL_LINK_PREFIX,
        app.sealer.seal(&link.secret())
    ))
}

/// What the resident sees of their case, and its reception-day part.
#[derive(Debug, Clone)]
pub struct ResidentPage {
    pub case: ResidentCase,
    pub reception: super::reception::CaseReception,
}

/// The resident's own page of a case; `Forbidden` when the proof does not hold.
pub async fn resident_page(
    app: &App,
    caller: &Caller,
    number: TrackingNumber,
) -> Result<ResidentPage, ServiceError> {
    let proof = caller.resident()?.clone();
    app.read(move |conn, rules, now| {
        let case = resident_case_by(conn, rules, &number, &proof, now)?;
        let local_now = now.with_timezone(&rules.tz).naive_local();
        let reception = super::reception::for_case(conn, rules.catalog, &number, local_now)?;
        Ok(ResidentPage { case, reception })
    })
    .await
}

/// A case as a signed-in resident or anyone else looks it up.
#[derive(Debug, Clone)]
pub enum LookedUp {
    /// Their own case, in full.
    Own(Box<ResidentCase>),
    Public(PublicCase),
}

/// The signed-in resident's own case in full, anyone else's (or anyone's) public view.
pub async fn look_up(
    app: &App,
    account: Option<ResidentAccount>,
    number: TrackingNumber,
) -> Result<LookedUp, ServiceError> {
    app.read(move |conn, rules, now| {
        if let Some(account) = account {
            match super::residents::account_case(conn, rules, &number, &account, now) {
                Ok(case) => return Ok(LookedUp::Own(Box::new(case))),
                Err(ServiceError::Forbidden { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        public_case(conn, rules.catalog, &number).map(LookedUp::Public)
    })
    .await
}

/// The resident's view of a case; `Forbidden` when the proof does not hold.
pub async fn for_resident(
    app: &App,
    caller: &Caller,
    number: TrackingNumber,
) -> Result<ResidentCase, ServiceError> {
    let proof = caller.resident()?.clone();
    app.read(move |conn, rules, now| resident_case_by(conn, rules, &number, &proof, now))
        .await
}

/// The resident's view; `Forbidden` when the token is not this case's.
pub fn resident_case(
    conn: &mut DbConn,
    rules: Rules<'_>,
    number: &TrackingNumber,
    token: &str,
    now: DateTime<Utc>,
) -> Result<ResidentCase, ServiceError> {
    let record = find(conn, number)?;
    if !token_matches(token, &record.access_token_hash) {
        return Err(ServiceError::Forbidden {
            key: "error.bad_token",
        });
    }
    resident_view(conn, rules, record, now)
}

pub use super::caller::ResidentProof;

/// Whether the resident's proof holds for the case (`Forbidden` when not), without
/// reading the case for them.
pub fn check_proof(
    conn: &mut DbConn,
    number: &TrackingNumber,
    proof: &ResidentProof,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    proven_record(conn, number, proof, now).map(drop)
}

/// The case's record when the resident's proof holds for it, else `Forbidden`.
fn proven_record(
    conn: &mut DbConn,
    number: &TrackingNumber,
    proof: &ResidentProof,
    now: DateTime<Utc>,
) -> Result<CaseRecord, ServiceError> {
    let record = find(conn, number)?;
    let holds = match proof {
        ResidentProof::Token(token) => token_matches(token, &record.access_token_hash),
        ResidentProof::MailLink { link, .. } => {
            if link.number == record.tracking_number && !link.opens(&record.tracking_number, now) {
                return Err(ServiceError::Forbidden {
                    key: "error.mail_link_expired",
                });
            }
            link.opens(&record.tracking_number, now)
        }
        ResidentProof::Account(account) => {
            if !super::residents::holds(conn, account, &record)? {
                return Err(ServiceError::Forbidden {
                    key: "error.not_your_account_case",
                });
            }
            true
        }
    };
    if holds {
        Ok(record)
    } else {
        Err(ServiceError::Forbidden {
            key: "error.bad_token",
        })
    }
}

/// The resident's view by any proof; `Forbidden` when it does not hold.
pub fn resident_case_by(
    conn: &mut DbConn,
    rules: Rules<'_>,
    number: &TrackingNumber,
    proof: &ResidentProof,
    now: DateTime<Utc>,
) -> Result<ResidentCase, ServiceError> {
    match proof {
        ResidentProof::Account(account) => super::residents::account_case(conn, rules, number, account, now),
        proof => {
            let record = proven_record(conn, number, proof, now)?;
            resident_view(conn, rules, record, now)
        }
    }
}

/// The resident's view of a case already known to be theirs.
pub fn resident_view(
    conn: &mut DbConn,
    rules: Rules<'_>,
    record: CaseRecord,
    now: DateTime<Utc>,
) -> Result<ResidentCase, ServiceError> {
    let events = events_of(conn, record.id)?;
    let facts = super::workflow::facts_of(&record, &events)?;
    let context = rules.context(&record.category_code, now);
    let available = available(&Actor::Resident, &facts, &context);
    let window_end = matches!(
        facts.status.state,
        CaseState::Answered | CaseState::ReviewAnswered
    )
    .then_some(facts.status.due_at)
    .flatten();
    let timeline = entries(events, Visibility::shown_to_resident);
    Ok(ResidentCase {
        public: PublicCase {
            supports: super::residents::support_count(conn, record.id)?,
            ..public_of(&record)?
        },
        channel: Channel::parse(&record.channel).ok_or_else(|| corrupt("channel", &record.channel))?,
        locale: Locale::from_tag(&record.locale).unwrap_or_default(),
        area_code: record.area_code,
        title: record.title,
        description: record.description,
        address: record.address,
        location: record.latitude.zip(record.longitude),
        resident_name: record.resident_name,
        resident_phone: record.resident_phone,
        resident_email: record.resident_email,
        confidential: record.confidential,
        publish_consent: record.publish_consent,
        timeline,
        available,
        window_end,
        due_at: facts.status.due_at,
        attachments: super::attachments::list(conn, record.id)?,
        identity_removed_at: record.identity_removed_at.map(utc),
    })
}

/// Stored events as timeline entries, keeping those whose visibility `show` accepts.
pub fn entries(events: Vec<EventRecord>, show: impl Fn(Visibility) -> bool) -> Vec<TimelineEntry> {
    events
        .into_iter()
        .filter_map(|e| {
            let visibility = Visibility::parse(&e.visibility)?;
            show(visibility).then(|| TimelineEntry {
                seq: e.seq,
                at: utc(e.created_at),
                data: serde_json::from_str(&e.payload).ok(),
                kind: e.kind,
                visibility,
                actor_kind: ActorKind::parse(&e.actor_kind).unwrap_or(ActorKind::System),
                actor_id: e.actor_id,
            })
        })
        .collect()
}
