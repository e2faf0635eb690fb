//! What the clock brings, as use cases the background jobs call: finding the steps due
//! (a page at a time, in the order of the index read) and writing what they cause (a page or one case at a
//! time, each in its own transaction, so one bad case is only itself). Who is told is
//! decided in `notify::scheduled`. Every notice has a unique key, so running any of this
//! twice, or on two instances at once, writes it once.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use super::ServiceError;
use crate::app::App;
use crate::db::scan::{DueRow, due_between, month_figures, unconfirmed_since};
use crate::domain::case::CaseState;
use crate::domain::deadline::{end_of_day, local_date};
use crate::domain::tracking::TrackingNumber;
use crate::domain::workflow::{Action, Actor};
use crate::notify::mail::{DigestLine, ReceptionLine};
use crate::notify::scheduled;

/// Rows a page of the scan holds.
pub const PAGE: i64 = 500;

/// A step of a case with a deadline, as the scan found it.
#[derive(Debug, Clone)]
pub struct DueStep(DueRow);

/// A step's place in the scan's order: its deadline, then its case.
pub type DueKey = (chrono::NaiveDateTime, i64);

impl DueStep {
    pub fn id(&self) -> i64 {
        self.0.id
    }

    /// Where the page after this step starts (the rows read all have a deadline).
    pub fn due_key(&self) -> DueKey {
        (self.0.due_at.unwrap_or(chrono::NaiveDateTime::MAX), self.0.id)
    }

    /// The step as a case to close.
    pub fn lapsed(self) -> Lapsed {
        Lapsed {
            key: self.due_key(),
            number: self.0.tracking_number,
        }
    }
}

/// A case the scan closes or forgets, by its number, and its place in the walk: the
/// time the walk is ordered by (filed, last changed), then its id.
#[derive(Debug, Clone)]
pub struct Lapsed {
    pub key: DueKey,
    pub number: String,
}

impl Lapsed {
    pub fn id(&self) -> i64 {
        self.key.1
    }
}

/// Which steps a page is of.
#[derive(Debug, Clone, Copy)]
pub enum Window {
    /// Awaiting the department and due between now and the horizon.
    Coming {
        now: DateTime<Utc>,
        horizon: DateTime<Utc>,
    },
    /// Awaiting the department and past due.
    Passed { now: DateTime<Utc> },
    /// Answered, and the resident's time to evaluate or ask for a review has run out.
    EvaluationOver { now: DateTime<Utc> },
}

fn awaiting_department() -> Vec<&'static str> {
    CaseState::ALL
        .iter()
        .filter(|s| s.awaits_department())
        .map(|s| s.as_str())
        .collect()
}

/// The next page of steps in `window` after `after`, soonest deadline first.
pub async fn steps(app: &App, window: Window, after: Option<DueKey>) -> Result<Vec<DueStep>, ServiceError> {
    let rows = app
        .read(move |conn, _, _| {
            let rows = match window {
                Window::Coming { now, horizon } => due_between(
                    conn,
                    &awaiting_department(),
                    Some(now.naive_utc()),
                    horizon.naive_utc(),
                    after,
                    PAGE,
                )?,
                Window::Passed { now } => {
                    due_between(conn, &awaiting_department(), None, now.naive_utc(), after, PAGE)?
                }
                Window::EvaluationOver { now } => {
                    let states = [CaseState::Answered.as_str(), CaseState::ReviewAnswered.as_str()];
                    due_between(conn, &states, None, now.naive_utc(), after, PAGE)?
                }
            };
            Ok::<_, ServiceError>(rows)
        })
        .await?;
    Ok(rows.into_iter().map(DueStep).collect())
}

/// Reminds each step's department of its deadline; returns the reminders written.
pub async fn remind(app: &App, steps: Vec<DueStep>, now: DateTime<Utc>) -> Result<usize, ServiceError> {
    app.write(move |conn, rules, _| {
        let notices: Vec<_> = steps
            .iter()
            .filter_map(|s| scheduled::reminder(rules.catalog, &s.0, now))
            .collect();
        Ok(crate::db::outbox::insert_notices(conn, &notices)?)
    })
    .await
}

/// Escalates each step past its deadline; returns the escalations written.
pub async fn escalate(app: &App, steps: Vec<DueStep>, now: DateTime<Utc>) -> Result<usize, ServiceError> {
    app.write(move |conn, rules, _| {
        let mut notices = Vec::new();
        for step in &steps {
            notices.extend(scheduled::escalation(conn, rules.catalog, &step.0, now)?);
        }
        Ok(crate::db::outbox::insert_notices(conn, &notices)?)
    })
    .await
}

/// The next page of answered cases whose evaluation time is over (to close).
pub async fn evaluation_over(
    app: &App,
    now: DateTime<Utc>,
    after: Option<DueKey>,
) -> Result<Vec<DueStep>, ServiceError> {
    Ok(steps(app, Window::EvaluationOver { now }, after)
        .await?
        .into_iter()
        .filter(|s| s.0.due_at.is_some_and(|d| d.and_utc() < now))
        .collect())
}

/// The next page of filings never confirmed by email within their days.
pub async fn unconfirmed(
    app: &App,
    now: DateTime<Utc>,
    after: Option<DueKey>,
) -> Result<Vec<Lapsed>, ServiceError> {
    let filed_by = (now - Duration::days(crate::domain::workflow::CONFIRM_DAYS)).naive_utc();
    let page = app
        .read(move |conn, _, _| Ok::<_, ServiceError>(unconfirmed_since(conn, filed_by, after, PAGE)?))
        .await?;
    Ok(page
        .into_iter()
        .map(|(at, id, number)| Lapsed {
            key: (at, id),
            number,
        })
        .collect())
}

/// Closes a case whose time ran out, as the system; `false` when another instance or
/// the resident got there first.
pub async fn close(app: &App, case: Lapsed, now: DateTime<Utc>) -> Result<bool, ServiceError> {
    let number = TrackingNumber::parse(&case.number)
        .map_err(|_| ServiceError::Internal(format!("case {} has number {:?}", case.id(), case.number)))?;
    let closed = app
        .write(move |conn, rules, _| {
            super::workflow::act(conn, rules, &Actor::System, &number, &Action::CloseExpired, now)
        })
        .await;
    match closed {
        Ok(_) => Ok(true),
        Err(ServiceError::Conflict { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The next page of ended cases whose resident's identity has been kept for the
/// retention period (none when it is 0: kept for ever).
pub async fn identity_kept(
    app: &App,
    now: DateTime<Utc>,
    after: Option<DueKey>,
) -> Result<Vec<Lapsed>, ServiceError> {
    let years = app.settings.retain_identity_years;
    if years == 0 {
        return Ok(Vec::new());
    }
    let ended_before = crate::domain::retention::identity_kept_until(now, years).naive_utc();
    let page = app
        .read(move |conn, _, _| {
            Ok::<_, ServiceError>(crate::db::scan::identity_kept_since(
                conn,
                ended_before,
                after,
                PAGE,
            )?)
        })
        .await?;
    Ok(page
        .into_iter()
        .map(|(at, id, number)| Lapsed {
            key: (at, id),
            number,
        })
        .collect())
}

/// Removes who filed the case and their files, and says so on its timeline; `false`
/// when it was already done.
pub async fn forget_identity(app: &App, case: Lapsed, now: DateTime<Utc>) -> Result<bool, ServiceError> {
    let years = app.settings.retain_identity_years;
    let id = case.id();
    let files = app
        .write(move |conn, rules, _| {
            let Some(files) = crate::db::scan::remove_identity(conn, id, now.naive_utc())? else {
                return Ok::<_, ServiceError>(None);
            };
            let record = crate::db::cases::find_by_id(conn, id)?.ok_or(ServiceError::NotFound)?;
            super::workflow::record_events(
                conn,
                rules,
                &record,
                vec![(
                    crate::domain::timeline::EventData::IdentityRemoved { years },
                    crate::domain::case::Visibility::Public,
                )],
                &Actor::System,
                now,
            )?;
            Ok(Some(files))
        })
        .await?;
    let Some(files) = files else {
        return Ok(false);
    };
    // After the commit: a file whose row is gone is deleted (if this fails, the row is
    // gone anyway and nothing serves the file; the log says which to delete by hand).
    let dir = super::attachments::case_dir(&app.settings.data_dir, id);
    for name in files {
        if let Err(e) = std::fs::remove_file(dir.join(&name)) {
            tracing::warn!(case = id, file = %name, error = %e, "could not delete a file past retention");
        }
    }
    let _ = std::fs::remove_dir(&dir);
    tracing::info!(
        case = id,
        years,
        "resident's identity removed after the retention period"
    );
    Ok(true)
}

fn first_of_previous_month(first_of_this: NaiveDate) -> NaiveDate {
    let last_of_previous = first_of_this.pred_opt().unwrap_or(first_of_this);
    last_of_previous.with_day(1).unwrap_or(last_of_previous)
}

fn start_of_day(day: NaiveDate, tz: chrono_tz::Tz) -> chrono::NaiveDateTime {
    (end_of_day(day.pred_opt().unwrap_or(day), tz) + Duration::microseconds(1)).naive_utc()
}

/// On the first day of a month, last month's figures to every leader; returns the
/// digests written.
pub async fn digest(app: &App, now: DateTime<Utc>) -> Result<usize, ServiceError> {
    app.write(move |conn, rules, _| {
        let today = local_date(now, rules.tz);
        if today.day() != 1 {
            return Ok(0);
        }
        let first_of_last = first_of_previous_month(today);
        let month = first_of_last.format("%Y-%m").to_string();
        let (from, until) = (
            start_of_day(first_of_last, rules.tz),
            start_of_day(today, rules.tz),
        );
        let lines = month_figures(conn, from, until, &awaiting_department(), now.naive_utc())?
            .into_iter()
            .map(|(department, received, answered, overdue)| DigestLine {
                department,
                received,
                answered,
                overdue,
            })
            .collect();
        let notices = scheduled::digest(conn, &month, lines, now)?;
        Ok(crate::db::outbox::insert_notices(conn, &notices)?)
    })
    .await
}

/// The reception days held on `day` that have bookings, by id.
pub async fn reception_days_on(app: &App, day: NaiveDate) -> Result<Vec<i32>, ServiceError> {
    app.read(move |conn, _, _| {
        let mut ids: Vec<i32> = crate::db::reception::bookings_on(conn, day)?
            .into_iter()
            .map(|(_, day, _)| day.id)
            .collect();
        ids.dedup();
        Ok(ids)
    })
    .await
}

/// The day before one reception day: the reminder to each resident booked and, in the
/// evening, the list to its leader. Returns the notices written.
pub async fn reception_mail(
    app: &App,
    day_id: i32,
    evening: bool,
    now: DateTime<Utc>,
) -> Result<usize, ServiceError> {
    app.write(move |conn, _, _| {
        let Some(summary) = crate::db::reception::summary_of(conn, day_id)? else {
            return Ok(0);
        };
        let booked: Vec<_> = crate::db::reception::bookings_on(conn, summary.day.day)?
            .into_iter()
            .filter(|(_, day, _)| day.id == day_id)
            .collect();
        let mut notices = Vec::new();
        let mut lines = Vec::new();
        for (booking, day, case) in &booked {
            notices.extend(scheduled::reception_reminder(
                booking,
                day,
                &summary.leader,
                case,
                now,
            ));
            lines.push(ReceptionLine {
                number: case.tracking_number.clone(),
                title: case.title.clone(),
            });
        }
        if evening && !lines.is_empty() {
            notices.extend(scheduled::reception_list(conn, &summary.day, lines, now)?);
        }
        Ok(crate::db::outbox::insert_notices(conn, &notices)?)
    })
    .await
}

/// What a housekeeping round did.
#[derive(Debug, Default)]
pub struct Housekept {
    pub attempts: usize,
    pub sessions: usize,
    /// Month partitions of the timeline made ahead (PostgreSQL, once partitioned).
    pub partitions: Vec<String>,
}

/// Forgets what no longer counts (sign-in attempts past their window, sessions a day
/// past their end) and, on a partitioned timeline, makes the coming months' partitions.
pub async fn housekeeping(app: &App, now: DateTime<Utc>) -> Result<Housekept, ServiceError> {
    let (attempts, sessions) = app
        .write(move |conn, _, _| {
            let attempts = crate::db::users::prune_sign_in_records(
                conn,
                (now - Duration::days(1)).naive_utc(),
                (now - Duration::days(crate::domain::sign_in::KNOWN_DAYS)).naive_utc(),
            )?;
            let sessions = super::sessions::forget_old(conn, now)?;
            crate::db::plan::refresh_statistics(conn, false)?;
            Ok::<_, ServiceError>((attempts, sessions))
        })
        .await?;
    // Apart from the forgetting: should a month's partition be refused (its events already
    // in the default partition), the forgetting still goes on.
    let partitions = app
        .write(move |conn, _, _| {
            Ok::<_, ServiceError>(crate::db::partition::keep_months_ahead(
                conn,
                now.naive_utc(),
                super::partition::MONTHS_AHEAD,
            )?)
        })
        .await?;
    Ok(Housekept {
        attempts,
        sessions,
        partitions,
    })
}

/// Picks up reference data, policies and the calendar another instance changed.
pub async fn reload_rules(app: &App) -> Result<(), ServiceError> {
    let (catalog, (policies, calendar)) = app
        .read(|conn, _, _| {
            let catalog =
                crate::db::catalog::load(conn).map_err(|e| ServiceError::Internal(e.to_string()))?;
            Ok::<_, ServiceError>((catalog, super::deadlines::load(conn)?))
        })
        .await?;
    app.replace_catalog(catalog);
    app.replace_policies(policies);
    app.replace_calendar(calendar);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_month_is_found_across_a_year() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("valid");
        assert_eq!(first_of_previous_month(d(2027, 1, 1)), d(2026, 12, 1));
        assert_eq!(first_of_previous_month(d(2026, 3, 1)), d(2026, 2, 1));
    }

    #[test]
    fn a_local_day_starts_at_local_midnight() {
        let start = start_of_day(
            NaiveDate::from_ymd_opt(2026, 12, 1).expect("valid"),
            chrono_tz::Asia::Shanghai,
        );
        assert_eq!(start.to_string(), "2026-11-30 16:00:00");
    }
}
