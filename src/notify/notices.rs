//! Who hears of what. Called inside the transaction of the change, so a notice exists if
//! and only if the change does.

use chrono::{DateTime, Utc};

use super::mail::{MailData, Stage};
use super::seal::Sealer;
use crate::db::cases::CaseRecord;
use crate::db::outbox::NewNotice;
use crate::db::users::emails_of;
use crate::db::{DbConn, DbError};
use crate::domain::case::Rating;
use crate::domain::catalog::Catalog;
use crate::domain::locale::Locale;
use crate::domain::timeline::CloseReason;
use crate::domain::timeline::EventData;
use crate::domain::workflow::Status;

/// A notice to `recipient`, due at once.
pub fn notice(
    data: &MailData,
    recipient: &str,
    locale: Locale,
    case_id: Option<i64>,
    dedupe_key: Option<String>,
    now: DateTime<Utc>,
) -> NewNotice {
    NewNotice {
        kind: data.mail().to_string(),
        case_id,
        recipient: recipient.to_string(),
        locale: locale.as_str().to_string(),
        payload: serde_json::to_string(data).unwrap_or_default(),
        dedupe_key,
        state: "pending".into(),
        attempts: 0,
        next_attempt_at: now.naive_utc(),
        created_at: now.naive_utc(),
    }
}

/// What a notice needs to know of its case.
#[derive(Debug, Clone, Copy)]
pub struct About<'a> {
    pub id: i64,
    pub number: &'a str,
    pub category: &'a str,
    pub area: &'a str,
    pub title: &'a str,
    pub department: &'a str,
    pub resident_email: Option<&'a str>,
    pub locale: &'a str,
}

impl<'a> From<&'a CaseRecord> for About<'a> {
    fn from(r: &'a CaseRecord) -> Self {
        About {
            id: r.id,
            number: &r.tracking_number,
            category: &r.category_code,
            area: &r.area_code,
            title: &r.title,
            department: &r.department_code,
            resident_email: r.resident_email.as_deref(),
            locale: &r.locale,
        }
    }
}

/// Departments write and read in the deployment's first language.
const DEPARTMENT_LOCALE: Locale = Locale::ZhCn;

fn department_address<'a>(catalog: &'a Catalog, code: &str) -> Option<&'a str> {
    catalog.department(code).and_then(|d| d.email.as_deref())
}

/// A case's new department hears that it has it.
pub fn assignment(
    catalog: &Catalog,
    case: About<'_>,
    department: &str,
    due: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<NewNotice> {
    let address = department_address(catalog, department)?;
    let data = MailData::Assignment {
        number: case.number.to_string(),
        department: department.to_string(),
        category: case.category.to_string(),
        area: case.area.to_string(),
        title: case.title.to_string(),
        due,
    };
    Some(notice(
        &data,
        address,
        DEPARTMENT_LOCALE,
        Some(case.id),
        None,
        now,
    ))
}

/// The receipt to the resident (who gave an address) and the assignment to the department.
pub fn for_filing(
    catalog: &Catalog,
    sealer: &Sealer,
    case: About<'_>,
    access_token: &str,
    acceptance_due: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<NewNotice> {
    let mut notices = Vec::new();
    if let Some(email) = case.resident_email {
        let data = MailData::Receipt {
            number: case.number.to_string(),
            sealed_token: sealer.seal(access_token),
            department: case.department.to_string(),
            acceptance_due,
        };
        notices.push(notice(
            &data,
            email,
            resident_locale(case),
            Some(case.id),
            None,
            now,
        ));
    }
    notices.extend(assignment(
        catalog,
        case,
        case.department,
        Some(acceptance_due),
        now,
    ));
    notices
}

fn resident_locale(case: About<'_>) -> Locale {
    Locale::from_tag(case.locale).unwrap_or_default()
}

/// A major matter, to the intake office and the leader over the department holding it:
/// at once, and once each (the key holds the moment it was marked).
fn major_matter(
    conn: &mut DbConn,
    catalog: &Catalog,
    case: About<'_>,
    department: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Vec<NewNotice>, DbError> {
    let data = MailData::MajorMatter {
        number: case.number.to_string(),
        department: department.to_string(),
        title: case.title.to_string(),
        reason: reason.to_string(),
    };
    let mut recipients: Vec<(String, Locale)> = Vec::new();
    if let Some(address) = department_address(catalog, &catalog.intake().code) {
        recipients.push((address.to_string(), DEPARTMENT_LOCALE));
    }
    if let Some(leader) = catalog.department(department).and_then(|d| d.leader.as_deref())
        && let Some((email, locale)) = crate::db::users::email_of(conn, leader)?
    {
        recipients.push((email, Locale::from_tag(&locale).unwrap_or_default()));
    }
    recipients.dedup_by(|a, b| a.0 == b.0);
    Ok(recipients
        .into_iter()
        .map(|(email, locale)| {
            let key = format!("major:{}:{}:{email}", case.id, now.timestamp_micros());
            notice(&data, &email, locale, Some(case.id), Some(key), now)
        })
        .collect())
}

/// The notices an action's events cause.
pub fn for_events(
    conn: &mut DbConn,
    catalog: &Catalog,
    case: About<'_>,
    status: &Status,
    events: &[EventData],
    now: DateTime<Utc>,
) -> Result<Vec<NewNotice>, DbError> {
    let mut notices = Vec::new();
    let number = case.number.to_string();
    let to_resident = |data: MailData| {
        case.resident_email
            .map(|email| notice(&data, email, resident_locale(case), Some(case.id), None, now))
    };
    for event in events {
        match event {
            EventData::Accepted { answer_due } => notices.extend(to_resident(MailData::Accepted {
                number: number.clone(),
                department: status.department.clone(),
                answer_due: *answer_due,
            })),
            EventData::NotAccepted { reason, channel } => {
                notices.extend(to_resident(MailData::NotAccepted {
                    number: number.clone(),
                    department: case.department.to_string(),
                    reason: reason.clone(),
                    channel: channel.clone(),
                }))
            }
            EventData::Transferred {
                department,
                reason,
                acceptance_due,
                ..
            } => {
                notices.extend(to_resident(MailData::Transferred {
                    number: number.clone(),
                    department: department.clone(),
                    reason: reason.clone(),
                }));
                notices.extend(assignment(catalog, case, department, Some(*acceptance_due), now));
            }
            EventData::Rerouted {
                department, reason, ..
            } => {
                notices.extend(to_resident(MailData::Transferred {
                    number: number.clone(),
                    department: department.clone(),
                    reason: reason.clone(),
                }));
                notices.extend(assignment(catalog, case, department, status.due_at, now));
            }
            EventData::AssignmentConfirmed { department, .. } => {
                notices.extend(assignment(catalog, case, department, status.due_at, now));
            }
            EventData::Objected { .. } => {
                notices.extend(assignment(catalog, case, &status.department, status.due_at, now));
            }
            EventData::MarkedMajor { reason } => {
                notices.extend(major_matter(
                    conn,
                    catalog,
                    case,
                    &status.department,
                    reason,
                    now,
                )?);
            }
            EventData::ExtensionRequested { days, reason } => {
                for (email, locale) in emails_of(conn, case.department, "head")? {
                    let data = MailData::ExtensionRequested {
                        number: number.clone(),
                        department: case.department.to_string(),
                        days: *days,
                        reason: reason.clone(),
                    };
                    let locale = Locale::from_tag(&locale).unwrap_or_default();
                    notices.push(notice(&data, &email, locale, Some(case.id), None, now));
                }
            }
            EventData::ExtensionApproved {
                days,
                reason,
                answer_due,
            } => notices.extend(to_resident(MailData::ExtensionApproved {
                number: number.clone(),
                days: *days,
                reason: reason.clone(),
                answer_due: *answer_due,
            })),
            EventData::Answered {
                outcome,
                text,
                legal_basis,
            } => notices.extend(to_resident(MailData::Answered {
                number: number.clone(),
                department: case.department.to_string(),
                outcome: *outcome,
                text: text.clone(),
                legal_basis: legal_basis.clone(),
                window_end: status.due_at,
            })),
            EventData::ReviewRequested { department, .. }
            | EventData::ReReviewRequested { department, .. } => {
                let stage = if matches!(event, EventData::ReviewRequested { .. }) {
                    Stage::Review
                } else {
                    Stage::ReReview
                };
                notices.extend(to_resident(MailData::ReviewRequested {
                    number: number.clone(),
                    department: department.clone(),
                    stage,
                    due: status.due_at,
                }));
                notices.extend(assignment(catalog, case, department, status.due_at, now));
            }
            EventData::ReviewAccepted { answer_due } | EventData::ReReviewAccepted { answer_due } => {
                let stage = if matches!(event, EventData::ReviewAccepted { .. }) {
                    Stage::Review
                } else {
                    Stage::ReReview
                };
                notices.extend(to_resident(MailData::ReviewAccepted {
                    number: number.clone(),
                    department: status.department.clone(),
                    stage,
                    answer_due: *answer_due,
                }));
            }
            EventData::ReviewAnswered {
                outcome,
                text,
                legal_basis,
            }
            | EventData::ReReviewAnswered {
                outcome,
                text,
                legal_basis,
            } => {
                let stage = if matches!(event, EventData::ReviewAnswered { .. }) {
                    Stage::Review
                } else {
                    Stage::ReReview
                };
                notices.extend(to_resident(MailData::ReviewDecided {
                    number: number.clone(),
                    department: status.department.clone(),
                    stage,
                    outcome: *outcome,
                    text: text.clone(),
                    legal_basis: legal_basis.clone(),
                    window_end: status.due_at,
                }));
            }
            // A lapsed filing was never confirmed: its address may not even be the filer's.
            EventData::Closed {
                after: CloseReason::NotConfirmed,
            } => {}
            EventData::Closed { after } => notices.extend(to_resident(MailData::Closed {
                number: number.clone(),
                satisfied: *after == CloseReason::Satisfied,
            })),
            EventData::Withdrawn => {
                if let Some(address) = department_address(catalog, case.department) {
                    let data = MailData::Withdrawn {
                        number: number.clone(),
                        department: case.department.to_string(),
                        title: case.title.to_string(),
                    };
                    notices.push(notice(
                        &data,
                        address,
                        DEPARTMENT_LOCALE,
                        Some(case.id),
                        None,
                        now,
                    ));
                }
            }
            EventData::Evaluated {
                rating: Rating::Unsatisfied,
                comment,
            } => {
                if let Some(address) = department_address(catalog, case.department) {
                    let data = MailData::Unsatisfied {
                        number: number.clone(),
                        department: case.department.to_string(),
                        comment: comment.clone(),
                    };
                    notices.push(notice(
                        &data,
                        address,
                        DEPARTMENT_LOCALE,
                        Some(case.id),
                        None,
                        now,
                    ));
                }
            }
            EventData::ReceptionBooked {
                date,
                starts_at,
                place,
                leader,
            } => notices.extend(to_resident(MailData::Reception {
                number: number.clone(),
                date: *date,
                starts_at: starts_at.clone(),
                place: place.clone(),
                leader: leader.clone(),
                reminder: false,
            })),
            EventData::ReceptionDayCancelled { date, reason } => {
                notices.extend(to_resident(MailData::ReceptionDayCancelled {
                    number: number.clone(),
                    date: *date,
                    reason: reason.clone(),
                }))
            }
            EventData::Supervised { leader } => notices.extend(to_resident(MailData::Supervised {
                number: number.clone(),
                leader: leader.clone(),
            })),
            // A confirmed filing reaches its department only now.
            EventData::Confirmed => {
                notices.extend(assignment(catalog, case, &status.department, status.due_at, now))
            }
            _ => {}
        }
    }
    let news: Vec<&EventData> = events.iter().filter(|e| is_news(e)).collect();
    if !news.is_empty() {
        for (support, email, locale) in crate::db::residents::supporters(conn, case.id)? {
            let locale = Locale::from_tag(&locale).unwrap_or_default();
            for event in &news {
                let data = MailData::PublicUpdate {
                    number: number.clone(),
                    event: (*event).clone(),
                    support: Some(support),
                };
                notices.push(notice(&data, &email, locale, Some(case.id), None, now));
            }
        }
    }
    Ok(notices)
}

/// The public steps supporters hear of.
fn is_news(event: &EventData) -> bool {
    matches!(
        event,
        EventData::Accepted { .. }
            | EventData::NotAccepted { .. }
            | EventData::Transferred { .. }
            | EventData::ExtensionApproved { .. }
            | EventData::Answered { .. }
            | EventData::ReviewAnswered { .. }
            | EventData::ReReviewAnswered { .. }
            | EventData::Closed { .. }
            | EventData::Withdrawn
    )
}
