//! Who hears of what the clock brings: a deadline coming (the department's desk), one
//! passed (the department's heads, its leader, a leader in personal charge), the month's
//! figures (every leader), tomorrow's reception day (each resident booked, and the
//! leader who receives them). Called inside the transaction that writes the notices.

use chrono::{DateTime, Utc};

use super::mail::{DigestLine, MailData, ReceptionLine};
use super::notices::notice;
use crate::db::cases::CaseRecord;
use crate::db::outbox::NewNotice;
use crate::db::reception::{BookingRecord, DayRecord};
use crate::db::scan::DueRow;
use crate::db::users::{email_of, email_of_id, emails_of, leaders};
use crate::db::{DbConn, DbError};
use crate::domain::case::CaseState;
use crate::domain::catalog::Catalog;
use crate::domain::locale::Locale;

fn locale_of(tag: &str) -> Locale {
    Locale::from_tag(tag).unwrap_or_default()
}

/// The reminder of a deadline coming, to the department's desk (its shared address);
/// `None` when the department has none or the step is not one to remind of.
pub fn reminder(catalog: &Catalog, step: &DueRow, now: DateTime<Utc>) -> Option<NewNotice> {
    let address = catalog.department(&step.department_code)?.email.clone()?;
    let due = step.due_at?.and_utc();
    let data = MailData::Reminder {
        number: step.tracking_number.clone(),
        department: step.department_code.clone(),
        state: CaseState::parse(&step.state)?,
        title: step.title.clone(),
        due,
    };
    let key = format!("reminder:{}:{}:{}", step.id, step.state, due.timestamp_micros());
    Some(notice(
        &data,
        &address,
        Locale::ZhCn,
        Some(step.id),
        Some(key),
        now,
    ))
}

/// The escalation of a deadline passed: to the department's heads, the leader over the
/// department, and a leader who took the case into personal charge; once each.
pub fn escalation(
    conn: &mut DbConn,
    catalog: &Catalog,
    step: &DueRow,
    now: DateTime<Utc>,
) -> Result<Vec<NewNotice>, DbError> {
    let (Some(due), Some(state)) = (step.due_at, CaseState::parse(&step.state)) else {
        return Ok(Vec::new());
    };
    let due = due.and_utc();
    let mut recipients = emails_of(conn, &step.department_code, "head")?;
    if let Some(leader) = catalog
        .department(&step.department_code)
        .and_then(|d| d.leader.clone())
    {
        recipients.extend(email_of(conn, &leader)?);
    }
    if let Some(supervisor) = step.supervisor_id {
        recipients.extend(email_of_id(conn, supervisor)?);
    }
    recipients.sort();
    recipients.dedup();
    let data = MailData::Escalation {
        number: step.tracking_number.clone(),
        department: step.department_code.clone(),
        state,
        title: step.title.clone(),
        due,
    };
    Ok(recipients
        .into_iter()
        .map(|(email, locale)| {
            let key = format!(
                "escalation:{}:{}:{}:{}",
                step.id,
                step.state,
                due.timestamp_micros(),
                email
            );
            notice(&data, &email, locale_of(&locale), Some(step.id), Some(key), now)
        })
        .collect())
}

/// Last month's figures, to every leader, once a month each.
pub fn digest(
    conn: &mut DbConn,
    month: &str,
    lines: Vec<DigestLine>,
    now: DateTime<Utc>,
) -> Result<Vec<NewNotice>, DbError> {
    let data = MailData::Digest {
        month: month.to_string(),
        lines,
    };
    Ok(leaders(conn)?
        .into_iter()
        .map(|(username, email, locale)| {
            let key = format!("digest:{month}:{username}");
            notice(&data, &email, locale_of(&locale), None, Some(key), now)
        })
        .collect())
}

/// The day before: a reminder to the resident booked (when they gave an address).
pub fn reception_reminder(
    booking: &BookingRecord,
    day: &DayRecord,
    leader: &str,
    case: &CaseRecord,
    now: DateTime<Utc>,
) -> Option<NewNotice> {
    let email = case.resident_email.as_ref()?;
    let data = MailData::Reception {
        number: case.tracking_number.clone(),
        date: day.day,
        starts_at: day.starts_at.clone(),
        place: day.place.clone(),
        leader: leader.to_string(),
        reminder: true,
    };
    let key = format!("reception-reminder:{}", booking.id);
    Some(notice(
        &data,
        email,
        locale_of(&case.locale),
        Some(case.id),
        Some(key),
        now,
    ))
}

/// The evening before: the day's list to the leader who receives.
pub fn reception_list(
    conn: &mut DbConn,
    day: &DayRecord,
    lines: Vec<ReceptionLine>,
    now: DateTime<Utc>,
) -> Result<Option<NewNotice>, DbError> {
    let Some((email, locale)) = email_of_id(conn, day.leader_id)? else {
        return Ok(None);
    };
    let data = MailData::ReceptionList {
        date: day.day,
        starts_at: day.starts_at.clone(),
        place: day.place.clone(),
        lines,
    };
    let key = format!("reception-list:{}", day.id);
    Ok(Some(notice(
        &data,
        &email,
        locale_of(&locale),
        None,
        Some(key),
        now,
    )))
}
