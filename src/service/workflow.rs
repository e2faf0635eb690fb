//! Acting on a case: read it and its timeline, let the state machine decide, append the
//! events and write the new status in one transaction. A concurrent change to the same
//! case is caught by the timeline head (`last_event_seq`) and reported as a conflict.

use chrono::{DateTime, Utc};

use super::ServiceError;
use super::caller::Caller;
use super::cases::{TimelineEntry, entries};
use crate::app::App;
use crate::db::DbConn;
use crate::db::cases::{
    CaseRecord, EventRecord, StatusChange, events_of, find_by_tracking_number, insert_events, update_status,
};
use crate::db::outbox::insert_notices;
use crate::db::users::log_access;
use crate::domain::case::{ActorKind, CaseState, Visibility};
use crate::domain::timeline::{EventData, NewEvent, chain};
use crate::domain::tracking::TrackingNumber;
use crate::domain::workflow::{
    Action, ActionKind, Actor, Extension, Facts, Status, available, decide, may_attach_agreement,
    may_see_identity, may_view,
};
use crate::notify::notices::{About, for_events};

use super::auth::StaffUser;

pub use crate::app::Rules;

fn corrupt(what: &str, value: &str) -> ServiceError {
    ServiceError::Internal(format!("stored {what} {value:?} is not valid"))
}

/// The machine's view of a stored case.
pub fn facts_of(record: &CaseRecord, events: &[EventRecord]) -> Result<Facts, ServiceError> {
    let status = Status {
        state: CaseState::parse(&record.state).ok_or_else(|| corrupt("state", &record.state))?,
        department: record.department_code.clone(),
        due_at: record.due_at.map(|t| t.and_utc()),
        answer_due_at: record.answer_due_at.map(|t| t.and_utc()),
        objection_from: record.objection_from.clone(),
        extension: match &record.extension_state {
            Some(text) => Some(Extension::parse(text).ok_or_else(|| corrupt("extension", text))?),
            None => None,
        },
    };
    // An event the machine cannot read would make it decide on wrong facts: refuse.
    let timeline = events
        .iter()
        .map(|e| {
            serde_json::from_str(&e.payload)
                .map(|data| (e.created_at.and_utc(), data))
                .map_err(|err| {
                    ServiceError::Internal(format!(
                        "event {} of case {} ({}) is unreadable: {err}",
                        e.seq, record.tracking_number, e.kind
                    ))
                })
        })
        .collect::<Result<Vec<(DateTime<Utc>, EventData)>, ServiceError>>()?;
    // Recorded by a member of staff when they filed it (a call, a letter, a visit).
    let recorded_by = events
        .first()
        .filter(|e| e.kind == "received" && e.actor_kind == ActorKind::Staff.as_str())
        .and_then(|e| e.actor_id);
    Ok(Facts {
        concerned: record.concerned_department.clone(),
        recorded_by,
        ..Facts::from_timeline(
            status,
            record.category_code.clone(),
            record.confidential,
            &timeline,
        )
    })
}

fn load(
    conn: &mut DbConn,
    number: &TrackingNumber,
) -> Result<(CaseRecord, Vec<EventRecord>, Facts), ServiceError> {
    let record = find_by_tracking_number(conn, number.as_str())?.ok_or(ServiceError::NotFound)?;
    let events = events_of(conn, record.id)?;
    let facts = facts_of(&record, &events)?;
    Ok((record, events, facts))
}

/// What an action did.
#[derive(Debug, Clone)]
pub struct Acted {
    pub case_id: i64,
    pub tracking_number: String,
    pub before: Status,
    pub status: Status,
    pub events: Vec<EventData>,
    /// The one who acted may no longer see the case (they sent it elsewhere).
    pub handed_on: bool,
}

/// The one way onto a case's timeline. Each event is keyed to the one before it; the
/// head moves only if nobody moved it since the case was read (else `Conflict`), with
/// the new status when there is one; the mail the events cause is queued. All in the
/// caller's transaction. Returns how many notices were queued.
fn append(
    conn: &mut DbConn,
    rules: Rules<'_>,
    record: &CaseRecord,
    events: &[(EventData, Visibility)],
    actor: &Actor,
    status: Option<&Status>,
    now: DateTime<Utc>,
) -> Result<usize, ServiceError> {
    let (actor_kind, actor_id) = match actor {
        Actor::Resident => (ActorKind::Resident, None),
        Actor::Staff(s) => (ActorKind::Staff, Some(s.user_id)),
        Actor::System => (ActorKind::System, None),
    };
    let chained = chain(
        rules.chain_key,
        record.id,
        record.last_event_seq,
        &record.last_event_hash,
        events
            .iter()
            .map(|(data, visibility)| NewEvent {
                data: data.clone(),
                visibility: *visibility,
                actor_kind,
                actor_id,
                at: now,
            })
            .collect(),
    );
    let head = chained
        .last()
        .ok_or_else(|| ServiceError::Internal("no events to append".into()))?;
    let moved = match status {
        Some(status) => update_status(
            conn,
            record.id,
            record.last_event_seq,
            &StatusChange {
                state: status.state.as_str(),
                department_code: &status.department,
                due_at: status.due_at.map(|t| t.naive_utc()),
                answer_due_at: status.answer_due_at.map(|t| t.naive_utc()),
                objection_from: status.objection_from.as_deref(),
                extension_state: status.extension.map(Extension::as_str),
                updated_at: now.naive_utc(),
                last_event_seq: head.seq,
                last_event_hash: &head.hash,
            },
        )?,
        None => crate::db::cases::advance_head(
            conn,
            record.id,
            record.last_event_seq,
            head.seq,
            &head.hash,
            now.naive_utc(),
        )?,
    };
    if !moved {
        return Err(ServiceError::Conflict {
            key: "error.concurrent",
        });
    }
    insert_events(conn, &chained)?;
    for (data, _) in events {
        match data {
            EventData::MarkedMajor { .. } => {
                crate::db::cases::set_major(conn, record.id, Some(now.naive_utc()))?
            }
            EventData::ClearedMajor { .. } => crate::db::cases::set_major(conn, record.id, None)?,
            _ => {}
        }
    }
    let unchanged;
    let status = match status {
        Some(status) => status,
        None => {
            unchanged = facts_of(record, &[])?.status;
            &unchanged
        }
    };
    let data: Vec<EventData> = events.iter().map(|(data, _)| data.clone()).collect();
    let notices = for_events(conn, rules.catalog, About::from(record), status, &data, now)?;
    insert_notices(conn, &notices)?;
    Ok(notices.len())
}

/// Appends events that change nothing but the timeline (a booking, a meeting, personal
/// charge) under the same check as actions, with the mail they cause.
pub fn record_events(
    conn: &mut DbConn,
    rules: Rules<'_>,
    record: &CaseRecord,
    events: Vec<(EventData, Visibility)>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    append(conn, rules, record, &events, actor, None, now)?;
    if events
        .iter()
        .any(|(data, _)| crate::domain::metrics::counted_event(data))
    {
        super::figures::refresh(conn, rules.tz, record.id)?;
    }
    Ok(())
}

/// Applies `action` by `actor` to the case. Call inside a write transaction.
#[tracing::instrument(name = "case action", skip_all, fields(case = %number, action = %action.kind()))]
pub fn act(
    conn: &mut DbConn,
    rules: Rules<'_>,
    actor: &Actor,
    number: &TrackingNumber,
    action: &Action,
    now: DateTime<Utc>,
) -> Result<Acted, ServiceError> {
    let (record, _, facts) = load(conn, number)?;
    let decision = decide(actor, action, &facts, &rules.context(&record.category_code, now))?;
    let status = &decision.status;
    let notices = append(conn, rules, &record, &decision.events, actor, Some(status), now)?;
    for (event, _) in &decision.events {
        if let EventData::Rerouted {
            category: Some(category),
            ..
        } = event
        {
            crate::db::cases::set_category(conn, record.id, category)?;
        }
    }
    super::figures::refresh(conn, rules.tz, record.id)?;
    tracing::info!(state = %status.state, department = %status.department, notices, "case updated");
    let after = Facts {
        status: decision.status.clone(),
        ..facts.clone()
    };
    let handed_on = !may_view(actor, &after, rules.catalog);
    Ok(Acted {
        handed_on,
        case_id: record.id,
        tracking_number: record.tracking_number,
        before: facts.status,
        events: decision.events.into_iter().map(|(data, _)| data).collect(),
        status: decision.status,
    })
}

/// One of the resident's own actions (evaluate, ask for a review, withdraw), their proof
/// checked in the same transaction.
pub async fn resident_acts(
    app: &App,
    caller: &Caller,
    number: TrackingNumber,
    action: Action,
) -> Result<Acted, ServiceError> {
    let proof = caller.resident()?.clone();
    app.write(move |conn, rules, now| {
        super::cases::resident_case_by(conn, rules, &number, &proof, now)?;
        act(conn, rules, &Actor::Resident, &number, &action, now)
    })
    .await
}

/// A case as staff see it: what was filed and where it stands. Who filed it is not part
/// of it at all (that is an [`Identity`], which only [`reveal_identity`] makes); for a
/// confidential case neither is where the resident lives or stands.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub tracking_number: String,
    pub state: String,
    pub channel: String,
    pub category_code: String,
    pub area_code: String,
    pub department_code: String,
    pub title: String,
    pub description: String,
    pub address: Option<String>,
    pub location: Option<(f64, f64)>,
    pub confidential: bool,
    pub concerned_department: Option<String>,
    pub submitted_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    pub acceptance_due_at: Option<DateTime<Utc>>,
    pub answer_due_at: Option<DateTime<Utc>>,
    pub objection_from: Option<String>,
    pub extension_state: Option<String>,
    pub supervisor_id: Option<i32>,
}

impl CaseView {
    fn of(r: &CaseRecord) -> CaseView {
        let place = !r.confidential;
        CaseView {
            tracking_number: r.tracking_number.clone(),
            state: r.state.clone(),
            channel: r.channel.clone(),
            category_code: r.category_code.clone(),
            area_code: r.area_code.clone(),
            department_code: r.department_code.clone(),
            title: r.title.clone(),
            description: r.description.clone(),
            address: r.address.clone().filter(|_| place),
            location: r.latitude.zip(r.longitude).filter(|_| place),
            confidential: r.confidential,
            concerned_department: r.concerned_department.clone(),
            submitted_at: r.submitted_at.and_utc(),
            due_at: r.due_at.map(|d| d.and_utc()),
            acceptance_due_at: r.acceptance_due_at.map(|d| d.and_utc()),
            answer_due_at: r.answer_due_at.map(|d| d.and_utc()),
            objection_from: r.objection_from.clone(),
            extension_state: r.extension_state.clone(),
            supervisor_id: r.supervisor_id,
        }
    }
}

#[derive(Debug, Clone)]
pub struct StaffCase {
    pub case: CaseView,
    pub facts: Facts,
    pub timeline: Vec<TimelineEntry>,
    pub available: Vec<ActionKind>,
    pub may_see_identity: bool,
    /// May add the signed mediation agreement.
    pub may_attach_agreement: bool,
    /// Display names of the staff who appear on the timeline.
    pub actors: std::collections::HashMap<i32, String>,
    pub attachments: Vec<super::attachments::AttachmentView>,
    /// What the routing model reads in the text, for whoever holds the case.
    pub hint: Option<crate::domain::suggest::hint::Hint>,
}

pub fn staff_case(
    conn: &mut DbConn,
    rules: Rules<'_>,
    user: &StaffUser,
    number: &TrackingNumber,
    now: DateTime<Utc>,
) -> Result<StaffCase, ServiceError> {
    let (record, events, facts) = load(conn, number)?;
    let actor = user.actor();
    if !may_view(&actor, &facts, rules.catalog) {
        return Err(ServiceError::Forbidden {
            key: "deny.not_your_case",
        });
    }
    let timeline = entries(events, |_| true);
    let mut ids: Vec<i32> = timeline.iter().filter_map(|e| e.actor_id).collect();
    ids.extend(record.supervisor_id);
    ids.sort_unstable();
    ids.dedup();
    Ok(StaffCase {
        available: available(&actor, &facts, &rules.context(&record.category_code, now)),
        may_see_identity: may_see_identity(&actor, &facts, rules.catalog),
        may_attach_agreement: may_attach_agreement(&actor, &facts, &rules.catalog.intake().code),
        actors: crate::db::users::names_of(conn, &ids)?.into_iter().collect(),
        attachments: super::attachments::list(conn, record.id)?,
        hint: None,
        timeline,
        case: CaseView::of(&record),
        facts,
    })
}

/// The resident's name and contact details.
#[derive(Debug, Clone, PartialEq, Eq)]
// Not `#[non_exhaustive]`: that would still let the rest of this crate build one.
#[allow(clippy::manual_non_exhaustive)]
pub struct Identity {
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// A confidential case's address is part of who filed it, shown only here.
    pub address: Option<String>,
    /// Only [`reveal_identity`], which checks and records the read, makes one.
    _revealed: (),
}

/// Reveals who filed the case to `user`, if they may know, and records that they looked.
/// Call inside a write transaction.
pub fn reveal_identity(
    conn: &mut DbConn,
    rules: Rules<'_>,
    user: &StaffUser,
    number: &TrackingNumber,
    now: DateTime<Utc>,
) -> Result<Identity, ServiceError> {
    let (record, _, facts) = load(conn, number)?;
    let actor = user.actor();
    if !may_view(&actor, &facts, rules.catalog) {
        return Err(ServiceError::Forbidden {
            key: "deny.not_your_case",
        });
    }
    if !may_see_identity(&actor, &facts, rules.catalog) {
        return Err(ServiceError::Forbidden {
            key: "deny.confidential",
        });
    }
    log_access(conn, user.id, record.id, "identity", now.naive_utc())?;
    tracing::info!(user = user.id, case = %record.tracking_number, "personal data viewed");
    Ok(Identity {
        address: record.address.filter(|_| record.confidential),
        name: record.resident_name,
        phone: record.resident_phone,
        email: record.resident_email,
        _revealed: (),
    })
}

/// The case `user` may add the signed mediation agreement to.
pub fn agreement_case(
    conn: &mut DbConn,
    rules: Rules<'_>,
    user: &StaffUser,
    number: &TrackingNumber,
) -> Result<CaseRecord, ServiceError> {
    let (record, _, facts) = load(conn, number)?;
    let actor = user.actor();
    if !may_view(&actor, &facts, rules.catalog) {
        return Err(ServiceError::Forbidden {
            key: "deny.not_your_case",
        });
    }
    if !may_attach_agreement(&actor, &facts, &rules.catalog.intake().code) {
        return Err(ServiceError::Forbidden {
            key: "deny.agreement",
        });
    }
    Ok(record)
}

// ---------------------------------------------------------------- use cases on the core

/// The case as this member of staff may see it.
pub async fn case_for_staff(
    app: &App,
    user: &StaffUser,
    number: TrackingNumber,
) -> Result<StaffCase, ServiceError> {
    let user = user.clone();
    let mut case = app
        .read(move |conn, rules, now| staff_case(conn, rules, &user, &number, now))
        .await?;
    case.hint = super::suggest::hint_for(app, &case).await?;
    Ok(case)
}

/// Who filed the case, for staff who may know (the read is recorded).
pub async fn identity(app: &App, user: &StaffUser, number: TrackingNumber) -> Result<Identity, ServiceError> {
    let user = user.clone();
    app.write(move |conn, rules, now| reveal_identity(conn, rules, &user, &number, now))
        .await
}

/// Any action on a case by whoever is asking: staff by their role, the resident by the
/// case's token or the account that holds it.
pub async fn act_as(
    app: &App,
    caller: &Caller,
    number: TrackingNumber,
    action: Action,
) -> Result<Acted, ServiceError> {
    let caller = caller.clone();
    app.write(move |conn, rules, now| {
        let actor = match &caller {
            Caller::Staff(user) => user.actor(),
            Caller::Resident(proof) => {
                super::cases::check_proof(conn, &number, proof, now)?;
                Actor::Resident
            }
            Caller::Anonymous => return Err(ServiceError::Unauthenticated),
        };
        act(conn, rules, &actor, &number, &action, now)
    })
    .await
}

/// An administrator's bulk move (see `catalogue::move_open_cases`): each open case of the
/// department in scope gets a transfer event and goes to the new department. Returns
/// how many moved.
pub fn move_all(
    conn: &mut DbConn,
    rules: Rules<'_>,
    admin: &StaffUser,
    order: &super::catalogue::Move,
    now: DateTime<Utc>,
) -> Result<usize, ServiceError> {
    let reason = crate::domain::workflow::Reason::parse(&order.reason).map_err(|e| {
        let mut errors = crate::domain::field_error::FieldErrors::new();
        errors.add("reason", e);
        ServiceError::Invalid(errors)
    })?;
    // An area includes the villages under it.
    let areas = order.area.as_deref().map(|top| rules.catalog.subtree(top));
    let numbers =
        crate::db::cases::movable_numbers(conn, &order.from, areas.as_deref(), order.category.as_deref())?;
    let actor = admin.actor();
    for number in &numbers {
        let number = TrackingNumber::parse(number)
            .map_err(|_| ServiceError::Internal(format!("bad number {number}")))?;
        let (record, _, facts) = load(conn, &number)?;
        let decision = crate::domain::workflow::moved(
            &facts,
            &order.to,
            reason.clone(),
            &rules.context(&record.category_code, now),
        )?;
        append(
            conn,
            rules,
            &record,
            &decision.events,
            &actor,
            Some(&decision.status),
            now,
        )?;
    }
    tracing::info!(from = %order.from, to = %order.to, moved = numbers.len(), "open cases moved");
    Ok(numbers.len())
}
