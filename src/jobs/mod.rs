//! Background work, one unit per job: reminders and escalations (`reminders`), closing
//! what ran out (`closing`: evaluation over, unconfirmed lapse), the leaders' digest
//! (`digest`), reception-day mail (`reception_mail`), forgetting old records
//! (`housekeeping`), removing identities past their retention (`retention`), training
//! the routing suggestion model (`training`, in the worker loop), indexing new cases for
//! the board's search (`board_index`) and mail delivery
//! (`delivery`). Each has a name, a run step and
//! per-item error isolation through one keyset pager (`pager`): a failing case is logged,
//! counted on `/metrics` (`job_items_failed_total`) and skipped, and the rest go on; a
//! job that fails as a whole does not stop the others. Jobs call services, never the
//! database. Runs inside `serve`, alone as `huiying worker`, or once as `huiying jobs
//! run-once`; safe on many instances at once (every notice has a unique key).

mod board_index;
mod closing;
mod delivery;
mod digest;
mod housekeeping;
mod pager;
mod reception_mail;
mod reminders;
mod retention;
mod training;

use std::future::Future;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::app::App;
use crate::notify::worker::{Delivered, Mailer};
use crate::service::ServiceError;
pub use pager::Outcome;

/// What a scan did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Scanned {
    pub reminders: usize,
    pub escalations: usize,
    pub closed: usize,
    pub digests: usize,
    /// Reception-day reminders to residents and lists to leaders.
    pub reception: usize,
    /// Cases whose resident's identity was removed after the retention period.
    pub identities_removed: usize,
    /// Cases indexed for the board's search.
    pub board_indexed: usize,
    /// Items skipped on an error, across the jobs (each logged and counted).
    pub failed: usize,
}

pub struct Jobs {
    state: App,
    mailer: Mailer,
}

/// Runs one job, counting its run on `/metrics`; a job that fails as a whole is logged
/// and counts nothing, and the next job runs.
async fn run_job<F>(name: &'static str, job: F) -> Outcome
where
    F: Future<Output = Result<Outcome, ServiceError>>,
{
    use tracing::Instrument;
    match job.instrument(tracing::info_span!("job", job = name)).await {
        Ok(outcome) => {
            metrics::counter!("job_runs_total", "job" => name, "result" => "ok").increment(1);
            metrics::counter!("job_items_done_total", "job" => name).increment(outcome.done as u64);
            outcome
        }
        Err(e) => {
            metrics::counter!("job_runs_total", "job" => name, "result" => "failed").increment(1);
            tracing::error!(job = name, error = %crate::telemetry::cause_chain(&e), "job failed");
            Outcome { done: 0, failed: 1 }
        }
    }
}

impl Jobs {
    pub fn new(state: App) -> Result<Jobs, String> {
        let mailer = delivery::mailer(&state)?;
        Ok(Jobs { state, mailer })
    }

    /// Every scheduled job once, as of `now`: reminders, escalations, closings, the
    /// digest, reception-day mail and housekeeping, each on its own.
    #[tracing::instrument(name = "deadline scan", skip(self))]
    pub async fn scan(&self, now: DateTime<Utc>) -> Scanned {
        let app = &self.state;
        let reminders = run_job(reminders::REMINDERS, reminders::remind(app, now)).await;
        let escalations = run_job(reminders::ESCALATIONS, reminders::escalate(app, now)).await;
        let mut closed = run_job(closing::EVALUATION_OVER, closing::evaluation_over(app, now)).await;
        closed.add(run_job(closing::UNCONFIRMED, closing::unconfirmed(app, now)).await);
        let digests = run_job(digest::DIGEST, digest::run(app, now)).await;
        let reception = run_job(reception_mail::RECEPTION_MAIL, reception_mail::run(app, now)).await;
        let kept = run_job(housekeeping::HOUSEKEEPING, housekeeping::run(app, now)).await;
        let forgotten = run_job(retention::RETENTION, retention::run(app, now)).await;
        let indexed = run_job(board_index::BOARD_INDEX, board_index::run(app, now)).await;
        let scanned = Scanned {
            reminders: reminders.done,
            escalations: escalations.done,
            closed: closed.done,
            digests: digests.done,
            reception: reception.done,
            identities_removed: forgotten.done,
            board_indexed: indexed.done,
            failed: [
                reminders,
                escalations,
                closed,
                digests,
                reception,
                kept,
                forgotten,
                indexed,
            ]
            .iter()
            .map(|o| o.failed)
            .sum(),
        };
        if scanned != Scanned::default() {
            tracing::info!(?scanned, "deadline scan");
        }
        scanned
    }

    /// Delivers the mail due at `now`.
    pub async fn deliver(&self, now: impl Fn() -> DateTime<Utc>) -> Result<Delivered, ServiceError> {
        delivery::run(&self.state, &self.mailer, now).await
    }

    /// One scan and one delivery round as of `now` (`huiying jobs run-once`, tests).
    pub async fn run_once(&self, now: DateTime<Utc>) -> Result<(Scanned, Delivered), ServiceError> {
        let scanned = self.scan(now).await;
        let delivered = self.deliver(|| now).await?;
        Ok((scanned, delivered))
    }

    /// Runs until `stop` says so: delivery every few seconds, the scan every
    /// `scan_interval_secs`.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let scan_every = StdDuration::from_secs(self.state.settings.scan_interval_secs.max(1));
        let mut last_scan: Option<tokio::time::Instant> = None;
        let mut last_training = None;
        tracing::info!("background jobs started");
        loop {
            if last_scan.is_none_or(|t| t.elapsed() >= scan_every) {
                last_scan = Some(tokio::time::Instant::now());
                if let Err(e) = crate::service::scan::reload_rules(&self.state).await {
                    tracing::warn!(error = %e, "reloading the rules failed");
                }
                self.scan(self.state.now()).await;
                let now = self.state.now();
                run_job(
                    training::TRAINING,
                    training::run(&self.state, now, &mut last_training),
                )
                .await;
            }
            let state = self.state.clone();
            match self.deliver(move || state.now()).await {
                Ok(_) => metrics::counter!("job_runs_total", "job" => delivery::DELIVERY, "result" => "ok")
                    .increment(1),
                Err(e) => {
                    metrics::counter!("job_runs_total", "job" => delivery::DELIVERY, "result" => "failed")
                        .increment(1);
                    tracing::error!(error = %e, "mail delivery failed");
                }
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
