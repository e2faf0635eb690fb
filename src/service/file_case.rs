//! Filing a complaint: route it, give it a number and a private link, store it with the
//! first events of its timeline, all in one transaction.

use chrono::{DateTime, Utc};

use super::ServiceError;
use super::token::new_token;
use super::workflow::Rules;
use crate::db::DbConn;
use crate::db::cases::{CaseIds, NewCaseRow, insert_case_with_timeline};
use crate::domain::case::{ActorKind, CaseState, Visibility};
use crate::domain::catalog::Department;
use crate::domain::deadline::local_date;
use crate::domain::new_case::NewCase;
use crate::domain::routing::RoutingDecision;
use crate::domain::timeline::{EventData, GENESIS, NewEvent, chain};
use crate::domain::tracking::TrackingNumber;
use crate::notify::notices::{About, for_filing};
use crate::notify::seal::Sealer;

/// Files a complaint now: routed, stored with its timeline, its first mail and its
/// place in the review's kept figures, in one transaction.
pub async fn file(
    app: &crate::app::App,
    case: NewCase,
    options: FilingOptions,
) -> Result<FiledCase, ServiceError> {
    let (rules, sealer, now, db) = (app.rules(), app.sealer.clone(), app.now(), app.db.clone());
    if !rules.catalog.is_set_up() {
        return Err(ServiceError::Conflict {
            key: "file.setting_up",
        });
    }
    // One transaction: on PostgreSQL the case, its mails and kept figures go in as one
    // statement, but a filing to be confirmed writes its link beside it.
    let filing =
        move |conn: &mut DbConn| file_case(conn, db.case_ids(), rules.rules(), &sealer, &case, &options, now);
    app.db.write(filing).await
}

/// Refuses a member of staff who does not record cases on residents' behalf.
pub fn may_record(app: &crate::app::App, user: &super::auth::StaffUser) -> Result<(), ServiceError> {
    let catalog = app.catalog();
    if crate::domain::permissions::records_on_behalf(
        user.role,
        user.department.as_deref(),
        &catalog.intake().code,
    ) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden { key: "deny.role" })
    }
}

/// A phone call, letter or visit recorded as a case by the intake office, for the
/// resident (who gets the private link from the receipt).
pub async fn record_for_resident(
    app: &crate::app::App,
    user: &super::auth::StaffUser,
    mut case: NewCase,
) -> Result<FiledCase, ServiceError> {
    may_record(app, user)?;
    case.recorded_by = Some(user.id);
    file(app, case, FilingOptions::default()).await
}

/// What the resident is told after filing. The access token exists only here.
#[derive(Debug, Clone)]
pub struct FiledCase {
    pub id: i64,
    pub tracking_number: TrackingNumber,
    pub access_token: String,
    pub state: CaseState,
    pub department: Department,
    pub routing: RoutingDecision,
    pub acceptance_due_at: DateTime<Utc>,
}

/// What a filing needs besides the complaint.
#[derive(Debug, Clone, Default)]
pub struct FilingOptions {
    /// Hold the case until the resident follows a link mailed to them.
    pub confirm_by_email: bool,
    /// The signed-in resident's account, which will hold the case.
    pub account: Option<i32>,
}

impl FilingOptions {
    /// What the options ask of the complaint: confirming by email needs an address.
    pub fn check(&self, case: &NewCase) -> Result<(), crate::domain::field_error::FieldErrors> {
        if self.confirm_by_email && case.resident.email.is_none() {
            return Err(crate::domain::field_error::FieldErrors::single(
                "resident.email",
                crate::domain::field_error::FieldError::new("err.email_to_confirm"),
            ));
        }
        Ok(())
    }
}

/// Routes and stores `case`; call inside a write transaction.
#[tracing::instrument(name = "file case", skip_all, fields(category = %case.category, area = %case.area))]
pub fn file_case(
    conn: &mut DbConn,
    ids: &CaseIds,
    rules: Rules<'_>,
    sealer: &Sealer,
    case: &NewCase,
    options: &FilingOptions,
    now: DateTime<Utc>,
) -> Result<FiledCase, ServiceError> {
    let (catalog, tz) = (rules.catalog, rules.tz);
    let path = catalog
        .area_path(&case.area)
        .ok_or_else(|| ServiceError::Internal(format!("area {} vanished from the catalogue", case.area)))?;
    let routing = catalog.route_case(&case.category, &path, case.concerned_department.as_deref());
    let department = catalog
        .department(&routing.department_code)
        .ok_or_else(|| {
            ServiceError::Internal(format!(
                "rule names unknown department {}",
                routing.department_code
            ))
        })?
        .clone();

    let context = rules.context(&case.category, now);
    let acceptance_due_at = context.due(now, context.policy.acceptance_days);
    let (access_token, token_hash) = new_token();
    let confirm_to = case
        .resident
        .email
        .as_ref()
        .filter(|_| options.confirm_by_email)
        .map(|e| e.as_str().to_string());
    let state = if confirm_to.is_some() {
        CaseState::Unconfirmed
    } else {
        CaseState::Routed
    };

    let id = ids.next(conn)?;
    let tracking_number = TrackingNumber::new(local_date(now, tz), id);
    let actor_kind = match case.channel {
        crate::domain::case::Channel::Web | crate::domain::case::Channel::Api => ActorKind::Resident,
        _ => ActorKind::Staff,
    };
    let events = chain(
        rules.chain_key,
        id,
        0,
        GENESIS,
        vec![
            NewEvent {
                data: EventData::Received {
                    channel: case.channel,
                    contacted_at: case.contacted_at,
                    via: case.via.clone(),
                },
                visibility: Visibility::Public,
                actor_kind,
                actor_id: case.recorded_by,
                at: now,
            },
            NewEvent {
                data: EventData::Routed {
                    department: department.code.clone(),
                    reason: routing.reason.clone(),
                },
                visibility: Visibility::Public,
                actor_kind: ActorKind::System,
                actor_id: None,
                at: now,
            },
        ],
    );
    let last = events
        .last()
        .ok_or_else(|| ServiceError::Internal("no events".into()))?;

    let row = NewCaseRow {
        id,
        tracking_number: tracking_number.as_str(),
        state: state.as_str(),
        channel: case.channel.as_str(),
        category_code: &case.category,
        area_code: &case.area,
        department_code: &department.code,
        routing_rule_id: routing.rule_id(),
        title: case.title.as_str(),
        description: case.description.as_str(),
        address: case.address.as_ref().map(|a| a.as_str()),
        latitude: case.location.map(|p| p.lat),
        longitude: case.location.map(|p| p.long),
        resident_name: case.resident.name.as_str(),
        resident_phone: case.resident.phone.as_ref().map(|p| p.as_str()),
        resident_email: case.resident.email.as_ref().map(|e| e.as_str()),
        locale: case.locale.as_str(),
        confidential: case.confidential,
        publish_consent: case.publish_consent,
        access_token_hash: &token_hash,
        submitted_at: now.naive_utc(),
        updated_at: now.naive_utc(),
        acceptance_due_at: confirm_to.is_none().then(|| acceptance_due_at.naive_utc()),
        // An unconfirmed case has no deadline running until it is confirmed.
        due_at: confirm_to.is_none().then(|| acceptance_due_at.naive_utc()),
        last_event_seq: last.seq,
        last_event_hash: &last.hash,
        concerned_department: case.concerned_department.as_deref(),
    };
    let about = About {
        id,
        number: row.tracking_number,
        category: row.category_code,
        area: row.area_code,
        title: row.title,
        department: row.department_code,
        resident_email: row.resident_email,
        locale: row.locale,
    };
    let notices = match confirm_to {
        None => for_filing(catalog, sealer, about, &access_token, acceptance_due_at, now),
        Some(_) => Vec::new(),
    };
    // Figures count a case from when it reaches a department: an unconfirmed one has not.
    let figures = confirm_to.is_none().then(|| {
        let facts = crate::domain::metrics::CaseFacts::from_timeline(
            row.department_code,
            row.category_code,
            row.area_code,
            row.concerned_department,
            now,
            Some(acceptance_due_at),
            None,
            &[],
        );
        super::figures::of_filing(tz, id, &facts)
    });
    insert_case_with_timeline(conn, &row, &events, &notices, figures.as_ref())?;
    if let Some(email) = &confirm_to {
        super::residents::send_filing_confirmation(
            conn,
            sealer,
            id,
            tracking_number.as_str(),
            email,
            &access_token,
            case.locale,
            now,
        )?;
    }
    if let Some(account) = options.account {
        crate::db::residents::link_case(conn, account, id, now.naive_utc())?;
    }
    tracing::info!(tracking_number = %tracking_number, department = %department.code, "case filed");

    Ok(FiledCase {
        id,
        tracking_number,
        access_token,
        state,
        department,
        routing,
        acceptance_due_at,
    })
}
