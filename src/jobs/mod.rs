//! Background work: the deadline scan (reminders before a deadline, escalations after it,
//! closing cases whose evaluation window ran out, the leaders' monthly digest) and mail
//! delivery. Runs inside `serve`, alone as `huiying worker`, or once as `huiying jobs
//! run-once`. Safe on many instances at once: every reminder, escalation and digest has a
//! unique key, so it exists once however often and wherever the scan runs.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};
use tokio::sync::watch;

use crate::app::App;
use crate::db::scan::{due_between, month_figures};
use crate::db::users::{email_of, emails_of, leaders};
use crate::db::{DbConn, DbError};
use crate::domain::case::CaseState;
use crate::domain::deadline::{end_of_day, local_date};
use crate::domain::locale::Locale;
use crate::domain::tracking::TrackingNumber;
use crate::domain::workflow::{Action, Actor};
use crate::notify::mail::{DigestLine, MailData, ReceptionLine};
use crate::notify::notices::notice;
use crate::notify::transport::Transport;
use crate::notify::worker::{Delivered, Mailer, deliver_due};
use crate::service::ServiceError;
use crate::service::workflow::act;

const PAGE: i64 = 500;
/// Notices claimed at a time for delivery.
const DELIVERY_BATCH: i64 = 50;

/// What a scan did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Scanned {
    pub reminders: usize,
    pub escalations: usize,
    pub closed: usize,
    pub digests: usize,
    /// Reception-day reminders to residents and lists to leaders.
    pub reception: usize,
}

pub struct Jobs {
    state: App,
    mailer: Mailer,
}

fn awaiting_department() -> Vec<&'static str> {
    CaseState::ALL
        .iter()
        .filter(|s| s.awaits_department())
        .map(|s| s.as_str())
        .collect()
}

impl Jobs {
    pub fn new(state: App) -> Result<Jobs, String> {
        let s = &state.settings;
        let transport = Transport::new(
            s.smtp_url.as_deref(),
            s.data_dir.join("outbox-mail"),
            s.mail_connections,
        )?;
        let mailer = Mailer::new(
            transport,
            &s.mail_from,
            state.sealer.clone(),
            &s.public_url(),
            s.mail_max_attempts,
            Duration::seconds(s.mail_lease_secs.max(1) as i64),
        )?;
        tracing::info!(transport = %mailer.transport.describe(), "mail delivery configured");
        Ok(Jobs { state, mailer })
    }

    /// Reminders, escalations, closings and digests due at `now`.
    #[tracing::instrument(name = "deadline scan", skip(self))]
    pub async fn scan(&self, now: DateTime<Utc>) -> Result<Scanned, ServiceError> {
        let mut scanned = Scanned::default();
        let reminder_days = i64::from(self.state.settings.reminder_days);
        let horizon = now + Duration::days(reminder_days);
        // Reminders: open steps due within the next few days.
        let mut after_id = 0;
        loop {
            let rows = self
                .state
                .db
                .run(move |conn| {
                    due_between(
                        conn,
                        &awaiting_department(),
                        Some(now.naive_utc()),
                        horizon.naive_utc(),
                        after_id,
                        PAGE,
                    )
                })
                .await?;
            let Some(last) = rows.last().map(|r| r.id) else {
                break;
            };
            after_id = last;
            let catalog = self.state.catalog();
            let notices: Vec<_> = rows
                .iter()
                .filter_map(|r| {
                    let address = catalog.department(&r.department_code)?.email.clone()?;
                    let due = r.due_at?.and_utc();
                    let data = MailData::Reminder {
                        number: r.tracking_number.clone(),
                        department: r.department_code.clone(),
                        state: CaseState::parse(&r.state)?,
                        title: r.title.clone(),
                        due,
                    };
                    let key = format!("reminder:{}:{}:{}", r.id, r.state, due.timestamp_micros());
                    Some(notice(&data, &address, Locale::ZhCn, Some(r.id), Some(key), now))
                })
                .collect();
            scanned.reminders += self
                .state
                .db
                .write(move |conn| crate::db::outbox::insert_notices(conn, &notices))
                .await?;
        }
        // Escalations: open steps past their deadline, to the heads and the supervising leader.
        let mut after_id = 0;
        loop {
            let rows = self
                .state
                .db
                .run(move |conn| {
                    due_between(
                        conn,
                        &awaiting_department(),
                        None,
                        now.naive_utc(),
                        after_id,
                        PAGE,
                    )
                })
                .await?;
            let Some(last) = rows.last().map(|r| r.id) else {
                break;
            };
            after_id = last;
            let catalog = self.state.catalog();
            scanned.escalations += self
                .state
                .db
                .write(move |conn| -> Result<usize, DbError> {
                    let mut notices = Vec::new();
                    for r in &rows {
                        let (Some(due), Some(state)) = (r.due_at, CaseState::parse(&r.state)) else {
                            continue;
                        };
                        let due = due.and_utc();
                        let mut recipients = emails_of(conn, &r.department_code, "head")?;
                        if let Some(leader) = catalog
                            .department(&r.department_code)
                            .and_then(|d| d.leader.clone())
                        {
                            recipients.extend(email_of(conn, &leader)?);
                        }
                        // A leader who took the case into personal charge hears of it too.
                        if let Some(supervisor) = r.supervisor_id {
                            recipients.extend(crate::db::users::email_of_id(conn, supervisor)?);
                        }
                        recipients.sort();
                        recipients.dedup();
                        let data = MailData::Escalation {
                            number: r.tracking_number.clone(),
                            department: r.department_code.clone(),
                            state,
                            title: r.title.clone(),
                            due,
                        };
                        for (email, locale) in recipients {
                            let key = format!(
                                "escalation:{}:{}:{}:{}",
                                r.id,
                                r.state,
                                due.timestamp_micros(),
                                email
                            );
                            let locale = Locale::from_tag(&locale).unwrap_or_default();
                            notices.push(notice(&data, &email, locale, Some(r.id), Some(key), now));
                        }
                    }
                    crate::db::outbox::insert_notices(conn, &notices)
                })
                .await?;
        }
        scanned.closed = self.close_expired(now).await?;
        scanned.digests = self.digest(now).await?;
        scanned.reception = self.reception_mail(now).await?;
        self.housekeeping(now).await;
        if scanned != Scanned::default() {
            tracing::info!(?scanned, "deadline scan");
        }
        Ok(scanned)
    }

    /// Forgets what no longer counts: sign-in attempts past their window, sessions a day
    /// past their end. A failure here is logged and waits for the next scan.
    async fn housekeeping(&self, now: DateTime<Utc>) {
        let pruned = self
            .state
            .db
            .write(move |conn| -> Result<_, ServiceError> {
                let attempts = crate::db::users::prune_sign_in_records(
                    conn,
                    (now - Duration::days(1)).naive_utc(),
                    (now - Duration::days(crate::domain::sign_in::KNOWN_DAYS)).naive_utc(),
                )?;
                let sessions = crate::service::sessions::forget_old(conn, now)?;
                Ok((attempts, sessions))
            })
            .await;
        match pruned {
            Ok((0, 0)) => {}
            Ok((attempts, sessions)) => {
                tracing::info!(attempts, sessions, "forgot old sign-in attempts and sessions")
            }
            Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
        }
    }

    /// Cases whose evaluation window ran out without a word, and filings never confirmed
    /// within their confirmation days: closed by the system.
    async fn close_expired(&self, now: DateTime<Utc>) -> Result<usize, ServiceError> {
        let mut numbers = Vec::new();
        let states = [CaseState::Answered.as_str(), CaseState::ReviewAnswered.as_str()];
        let mut after_id = 0;
        loop {
            let rows = self
                .state
                .db
                .run(move |conn| due_between(conn, &states, None, now.naive_utc(), after_id, PAGE))
                .await?;
            let Some(last) = rows.last().map(|r| r.id) else {
                break;
            };
            after_id = last;
            numbers.extend(
                rows.into_iter()
                    .filter(|r| r.due_at.is_some_and(|d| d.and_utc() < now))
                    .map(|r| r.tracking_number),
            );
        }
        let filed_by = (now - Duration::days(crate::domain::workflow::CONFIRM_DAYS)).naive_utc();
        let mut after_id = 0;
        loop {
            let page = self
                .state
                .db
                .run(move |conn| crate::db::scan::unconfirmed_since(conn, filed_by, after_id, PAGE))
                .await?;
            let Some((last, _)) = page.last() else {
                break;
            };
            after_id = *last;
            numbers.extend(page.into_iter().map(|(_, number)| number));
        }
        let mut closed = 0;
        for number in numbers {
            let Ok(number) = TrackingNumber::parse(&number) else {
                continue;
            };
            let rules = self.state.rules();
            let result = self
                .state
                .db
                .write(move |conn| {
                    act(
                        conn,
                        rules.rules(),
                        &Actor::System,
                        &number,
                        &Action::CloseExpired,
                        now,
                    )
                })
                .await;
            match result {
                Ok(_) => closed += 1,
                // Another instance closed it first, or the resident acted meanwhile.
                Err(ServiceError::Conflict { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(closed)
    }

    /// On the first day of a month, every leader gets last month's figures, once.
    async fn digest(&self, now: DateTime<Utc>) -> Result<usize, ServiceError> {
        let tz = self.state.tz;
        let today = local_date(now, tz);
        if today.day() != 1 {
            return Ok(0);
        }
        let first_of_last = first_of_previous_month(today);
        let month = first_of_last.format("%Y-%m").to_string();
        let from = start_of_day(first_of_last, tz);
        let until = start_of_day(today, tz);
        let open = awaiting_department();
        Ok(self
            .state
            .db
            .write(move |conn: &mut DbConn| -> Result<usize, DbError> {
                let lines: Vec<DigestLine> = month_figures(conn, from, until, &open, now.naive_utc())?
                    .into_iter()
                    .map(|(department, received, answered, overdue)| DigestLine {
                        department,
                        received,
                        answered,
                        overdue,
                    })
                    .collect();
                let data = MailData::Digest {
                    month: month.clone(),
                    lines,
                };
                let notices: Vec<_> = leaders(conn)?
                    .into_iter()
                    .map(|(username, email, locale)| {
                        let key = format!("digest:{month}:{username}");
                        notice(
                            &data,
                            &email,
                            Locale::from_tag(&locale).unwrap_or_default(),
                            None,
                            Some(key),
                            now,
                        )
                    })
                    .collect();
                crate::db::outbox::insert_notices(conn, &notices)
            })
            .await?)
    }

    /// The day before a reception day: from 08:00 a reminder to each resident booked, from
    /// 18:00 the list to the leader. Each once, by key.
    async fn reception_mail(&self, now: DateTime<Utc>) -> Result<usize, ServiceError> {
        let local = now.with_timezone(&self.state.tz);
        if local.hour() < REMINDER_HOUR {
            return Ok(0);
        }
        let tomorrow = local.date_naive() + Duration::days(1);
        let evening = local.hour() >= LIST_HOUR;
        Ok(self
            .state
            .db
            .write(move |conn: &mut DbConn| -> Result<usize, DbError> {
                let booked = crate::db::reception::bookings_on(conn, tomorrow)?;
                let mut notices = Vec::new();
                let mut lists: std::collections::BTreeMap<
                    i32,
                    (crate::db::reception::DayRecord, Vec<ReceptionLine>),
                > = std::collections::BTreeMap::new();
                for (booking, day, case) in booked {
                    let Some(summary) = crate::db::reception::summary_of(conn, day.id)? else {
                        continue;
                    };
                    if let Some(email) = &case.resident_email {
                        let data = MailData::Reception {
                            number: case.tracking_number.clone(),
                            date: day.day,
                            starts_at: day.starts_at.clone(),
                            place: day.place.clone(),
                            leader: summary.leader.clone(),
                            reminder: true,
                        };
                        let locale = Locale::from_tag(&case.locale).unwrap_or_default();
                        let key = format!("reception-reminder:{}", booking.id);
                        notices.push(notice(&data, email, locale, Some(case.id), Some(key), now));
                    }
                    lists
                        .entry(day.id)
                        .or_insert_with(|| (day.clone(), Vec::new()))
                        .1
                        .push(ReceptionLine {
                            number: case.tracking_number.clone(),
                            title: case.title.clone(),
                        });
                }
                if evening {
                    for (day_id, (day, lines)) in lists {
                        let Some((email, locale)) = crate::db::users::email_of_id(conn, day.leader_id)?
                        else {
                            continue;
                        };
                        let data = MailData::ReceptionList {
                            date: day.day,
                            starts_at: day.starts_at.clone(),
                            place: day.place.clone(),
                            lines,
                        };
                        let key = format!("reception-list:{day_id}");
                        let locale = Locale::from_tag(&locale).unwrap_or_default();
                        notices.push(notice(&data, &email, locale, None, Some(key), now));
                    }
                }
                crate::db::outbox::insert_notices(conn, &notices)
            })
            .await?)
    }

    /// Delivers the mail due at `now`.
    pub async fn deliver(&self, now: impl Fn() -> DateTime<Utc>) -> Result<Delivered, DbError> {
        deliver_due(
            &self.state.db,
            &self.mailer,
            &self.state.catalog(),
            self.state.tz,
            now,
            DELIVERY_BATCH,
            self.state.settings.mail_connections,
        )
        .await
    }

    /// One scan and one delivery round as of `now` (`huiying jobs run-once`, tests).
    pub async fn run_once(&self, now: DateTime<Utc>) -> Result<(Scanned, Delivered), ServiceError> {
        let scanned = self.scan(now).await?;
        let delivered = self.deliver(|| now).await?;
        Ok((scanned, delivered))
    }

    /// Picks up reference data, policies and the calendar changed by another instance.
    async fn reload(&self) -> Result<(), ServiceError> {
        let (catalog, (policies, calendar)) = self
            .state
            .db
            .run(|conn| {
                let catalog =
                    crate::db::catalog::load(conn).map_err(|e| ServiceError::Internal(e.to_string()))?;
                Ok::<_, ServiceError>((catalog, crate::service::deadlines::load(conn)?))
            })
            .await?;
        self.state.replace_catalog(catalog);
        self.state.replace_policies(policies);
        self.state.replace_calendar(calendar);
        Ok(())
    }

    /// Runs until `stop` says so: delivery every few seconds, the scan every
    /// `scan_interval_secs`.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let scan_every = StdDuration::from_secs(self.state.settings.scan_interval_secs.max(1));
        let mut last_scan: Option<tokio::time::Instant> = None;
        tracing::info!("background jobs started");
        loop {
            if last_scan.is_none_or(|t| t.elapsed() >= scan_every) {
                last_scan = Some(tokio::time::Instant::now());
                if let Err(e) = self.reload().await {
                    tracing::warn!(error = %e, "reloading the rules failed");
                }
                if let Err(e) = self.scan(self.state.now()).await {
                    tracing::error!(error = %e, "deadline scan failed");
                }
            }
            let state = self.state.clone();
            if let Err(e) = self.deliver(move || state.now()).await {
                tracing::error!(error = %e, "mail delivery failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(StdDuration::from_secs(2)) => {}
                _ = stop.changed() => {}
            }
            if *stop.borrow() {
                tracing::info!("background jobs stopped");
                return;
            }
        }
    }
}

/// Residents are reminded from this hour the day before; leaders get the list from the
/// evening's hour.
const REMINDER_HOUR: u32 = 8;
/// The leader's list goes out when bookings for the day close.
const LIST_HOUR: u32 = crate::domain::reception::BOOKINGS_CLOSE_HOUR;

fn first_of_previous_month(first_of_this: NaiveDate) -> NaiveDate {
    let last_of_previous = first_of_this.pred_opt().unwrap_or(first_of_this);
    last_of_previous.with_day(1).unwrap_or(last_of_previous)
}

fn start_of_day(day: NaiveDate, tz: chrono_tz::Tz) -> chrono::NaiveDateTime {
    (end_of_day(day.pred_opt().unwrap_or(day), tz) + Duration::microseconds(1)).naive_utc()
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
