//! Password checks and hashes, through a small bounded pool (the checks themselves are
//! `service::auth`'s). Argon2 is slow and takes
//! about 19 MiB per run on purpose; run without a bound, a burst of sign-ins grows the
//! process by that much per request. Here one runs per core, on threads of their own (so
//! the memory the allocator keeps after a run is kept by those few threads only, not by
//! every thread of the blocking pool), a few more callers wait, and the rest are told at
//! once that the portal is busy.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};

/// The pool is at capacity: the caller should try again after this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("busy: try again in {retry_after_secs} s")]
pub struct Busy {
    pub retry_after_secs: u64,
}

/// How long a caller turned away is asked to wait.
const BUSY_RETRY_SECS: u64 = 2;

type Job = Box<dyn FnOnce() + Send>;

#[derive(Debug)]
pub struct PasswordPool {
    /// Jobs waiting for a worker; bounded, so a full queue refuses at once.
    jobs: SyncSender<Job>,
    runs: AtomicU64,
}

impl PasswordPool {
    /// `workers` checks at once, `queue` more waiting. The workers end when the pool is
    /// dropped.
    pub fn new(workers: usize, queue: usize) -> PasswordPool {
        let (jobs, waiting) = sync_channel::<Job>(queue);
        let waiting = Arc::new(Mutex::new(waiting));
        for n in 0..workers.max(1) {
            let waiting = waiting.clone();
            let started = std::thread::Builder::new()
                .name(format!("passwords-{n}"))
                .spawn(move || work(&waiting));
            if let Err(e) = started {
                tracing::error!(error = %e, "could not start a password worker");
            }
        }
        PasswordPool {
            jobs,
            runs: AtomicU64::new(0),
        }
    }

    /// One check per core, four per core waiting.
    pub fn for_this_machine() -> PasswordPool {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        PasswordPool::new(cores, 4 * cores)
    }

    /// Runs `work` once a worker is free, or refuses at once when the queue is full.
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, Busy> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let span = tracing::Span::current();
        let job: Job = Box::new(move || {
            let _entered = span.enter();
            let _ = reply.send(work());
        });
        let busy = Busy {
            retry_after_secs: BUSY_RETRY_SECS,
        };
        match self.jobs.try_send(job) {
            Ok(()) => self.runs.fetch_add(1, Ordering::SeqCst),
            Err(TrySendError::Full(_)) => {
                metrics::counter!("password_checks_refused_total").increment(1);
                return Err(busy);
            }
            // The workers are gone only while the process shuts down.
            Err(TrySendError::Disconnected(_)) => return Err(busy),
        };
        answer.await.map_err(|_| busy)
    }

    /// How many pieces of work were accepted (for tests and the attack benchmark).
    pub fn runs(&self) -> u64 {
        self.runs.load(Ordering::SeqCst)
    }
}

/// A worker: runs jobs until the pool is gone.
fn work(waiting: &Mutex<Receiver<Job>>) {
    loop {
        let next = waiting.lock().unwrap_or_else(|p| p.into_inner()).recv();
        match next {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn past_the_queue_callers_are_refused_at_once_and_the_rest_run() {
        let pool = PasswordPool::new(1, 1);
        // The worker is kept busy and the one place in the queue taken, directly, so the
        // order is certain.
        let (started, running) = std::sync::mpsc::channel::<()>();
        let (release, wait) = std::sync::mpsc::channel::<()>();
        pool.jobs
            .try_send(Box::new(move || {
                let _ = started.send(());
                let _ = wait.recv();
            }))
            .unwrap();
        running.recv().unwrap();
        let (queued_reply, queued) = std::sync::mpsc::channel::<u8>();
        pool.jobs
            .try_send(Box::new(move || {
                let _ = queued_reply.send(2);
            }))
            .unwrap();
        assert!(
            matches!(pool.run(|| 3).await, Err(Busy { .. })),
            "a full queue refuses"
        );
        release.send(()).unwrap();
        assert_eq!(queued.recv().unwrap(), 2);
        assert_eq!(pool.run(|| 4).await.unwrap(), 4, "room again");
    }
}
