//! A resident's place at a reception day: the days a case could book, booking and
//! cancelling (the proof checked before anything is looked up).

use super::*;
use crate::app::App;
use crate::db::DbConn;
use crate::db::cases::find_by_tracking_number;
use crate::db::reception::{self as store};
use crate::domain::case::{CaseState, Visibility};
use crate::domain::catalog::Catalog;
use crate::domain::deadline::local_date;
use crate::domain::reception::{Applicant, Refusal};
use crate::domain::timeline::EventData;
use crate::domain::tracking::TrackingNumber;
use crate::domain::workflow::Actor;
use crate::service::ServiceError;
use crate::service::caller::Caller;
use crate::service::cases::{ResidentProof, resident_case_by};
use crate::service::workflow::{Rules, record_events};
use chrono::{DateTime, NaiveDateTime, Utc};

/// A case's live booking (its day), and the days it could book instead.
#[derive(Debug, Clone, Default)]
pub struct CaseReception {
    pub booked: Option<DayView>,
    pub bookable: Vec<DayView>,
}

/// Books the case the resident proves is theirs onto a reception day; returns the
/// booking's id and the day.
pub async fn book_day(
    app: &App,
    caller: &Caller,
    number: TrackingNumber,
    day_id: i32,
) -> Result<(i32, DayView), ServiceError> {
    let proof = caller.resident()?.clone();
    app.write(move |conn, rules, now| {
        let id = book(conn, rules, &number, &proof, day_id, now)?;
        let day = store::summary_of(conn, day_id)?.ok_or(ServiceError::NotFound)?;
        Ok((id, day.into()))
    })
    .await
}

/// Cancels the live booking of the case the resident proves is theirs.
pub async fn cancel_booking(app: &App, caller: &Caller, number: TrackingNumber) -> Result<(), ServiceError> {
    let proof = caller.resident()?.clone();
    app.write(move |conn, rules, now| cancel(conn, rules, &number, &proof, now))
        .await
}

/// For a case already known to be the asker's: its live booking, and the days it could
/// book when it has none.
pub fn for_case(
    conn: &mut DbConn,
    catalog: &Catalog,
    number: &TrackingNumber,
    now: NaiveDateTime,
) -> Result<CaseReception, ServiceError> {
    let case = find_by_tracking_number(conn, number.as_str())?.ok_or(ServiceError::NotFound)?;
    match booking_of(conn, case.id)? {
        Some((_, day)) => Ok(CaseReception {
            booked: Some(day.into()),
            bookable: Vec::new(),
        }),
        None => Ok(CaseReception {
            booked: None,
            bookable: bookable_days(conn, catalog, &case, now)?
                .into_iter()
                .map(DayView::from)
                .collect(),
        }),
    }
}

fn refused(refusal: Refusal) -> ServiceError {
    ServiceError::Conflict { key: refusal.key() }
}

/// Books a slot on `day_id` for the case the resident proves is theirs.
pub fn book(
    conn: &mut DbConn,
    rules: Rules<'_>,
    number: &TrackingNumber,
    proof: &ResidentProof,
    day_id: i32,
    now: DateTime<Utc>,
) -> Result<i32, ServiceError> {
    resident_case_by(conn, rules, number, proof, now)?;
    let case = find_by_tracking_number(conn, number.as_str())?.ok_or(ServiceError::NotFound)?;
    let day = store::summary_of(conn, day_id)?.ok_or(ServiceError::NotFound)?;
    let path = rules.catalog.area_path(&case.area_code).unwrap_or_default();
    let applicant = Applicant {
        state: CaseState::parse(&case.state).unwrap_or(CaseState::Closed),
        category: &case.category_code,
        area_path: &path,
        has_booking: store::live_booking(conn, case.id)?.is_some(),
    };
    let local_now = now.with_timezone(&rules.tz).naive_local();
    rule_of(&day.day)
        .check(
            &applicant,
            u32::try_from(day.booked).unwrap_or(u32::MAX),
            local_now,
        )
        .map_err(refused)?;
    // The unique index on live bookings settles a race between two requests.
    let id = store::insert_booking(conn, day_id, case.id, now.naive_utc()).map_err(|e| {
        if e.is_unique_violation() {
            refused(Refusal::AlreadyBooked)
        } else {
            e.into()
        }
    })?;
    record_events(
        conn,
        rules,
        &case,
        vec![(
            EventData::ReceptionBooked {
                date: day.day.day,
                starts_at: day.day.starts_at.clone(),
                place: day.day.place.clone(),
                leader: day.leader.clone(),
            },
            Visibility::Public,
        )],
        &Actor::Resident,
        now,
    )?;
    Ok(id)
}

/// Cancels the case's live booking on `day_id`. The proof is checked before anything is
/// looked up, so a wrong token gets the same answer whatever day the case is booked on.
pub fn cancel_on(
    conn: &mut DbConn,
    rules: Rules<'_>,
    number: &TrackingNumber,
    proof: &ResidentProof,
    day_id: i32,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    resident_case_by(conn, rules, number, proof, now)?;
    let case = find_by_tracking_number(conn, number.as_str())?.ok_or(ServiceError::NotFound)?;
    match store::live_booking(conn, case.id)? {
        Some((_, day)) if day.id == day_id => cancel(conn, rules, number, proof, now),
        _ => Err(ServiceError::NotFound),
    }
}

/// Cancels the case's live booking.
pub fn cancel(
    conn: &mut DbConn,
    rules: Rules<'_>,
    number: &TrackingNumber,
    proof: &ResidentProof,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    resident_case_by(conn, rules, number, proof, now)?;
    let case = find_by_tracking_number(conn, number.as_str())?.ok_or(ServiceError::NotFound)?;
    let (booking, day) = store::live_booking(conn, case.id)?.ok_or(ServiceError::Conflict {
        key: "reception.refused.none",
    })?;
    // Until the day itself: the leader's list may be out, but the live queue is not.
    if day.day <= local_date(now, rules.tz) {
        return Err(ServiceError::Conflict {
            key: "reception.cancel_closed",
        });
    }
    store::cancel_booking(conn, booking.id, now.naive_utc())?;
    record_events(
        conn,
        rules,
        &case,
        vec![(
            EventData::ReceptionCancelled { date: day.day },
            Visibility::Public,
        )],
        &Actor::Resident,
        now,
    )
}

/// Cancels the resident's booking on that day (the proof checked first, so a wrong one
/// learns nothing of which day the case is booked on).
pub async fn cancel_on_day(
    app: &App,
    caller: &Caller,
    number: TrackingNumber,
    day_id: i32,
) -> Result<(), ServiceError> {
    let proof = caller.resident()?.clone();
    app.write(move |conn, rules, now| cancel_on(conn, rules, &number, &proof, day_id, now))
        .await
}
