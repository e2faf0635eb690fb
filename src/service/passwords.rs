//! Password checks and hashes, through a small bounded pool. Argon2 is slow and takes
//! about 19 MiB per run on purpose; run without a bound, a burst of sign-ins grows the
//! process by that much per request. Here one runs per core, on threads of their own (so
//! the memory the allocator keeps after a run is kept by those few threads only, not by
//! every thread of the blocking pool), a few more callers wait, and the rest are told at
//! once that the portal is busy.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};

use super::ServiceError;
use super::auth::NewPassword;

/// How long a caller turned away is asked to wait.
const BUSY_RETRY_SECS: u64 = 2;

type Job = Box<dyn FnOnce() + Send>;

#[derive(Debug)]
pub struct PasswordPool {
    /// Jobs waiting for a worker; bounded, so a full queue refuses at once.
    jobs: SyncSender<Job>,
    verifications: AtomicU64,
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
            verifications: AtomicU64::new(0),
        }
    }

    /// One check per core, four per core waiting.
    pub fn for_this_machine() -> PasswordPool {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        PasswordPool::new(cores, 4 * cores)
    }

    /// Runs `work` once a worker is free, or refuses at once when the queue is full.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ServiceError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let span = tracing::Span::current();
        let job: Job = Box::new(move || {
            let _entered = span.enter();
            let _ = reply.send(work());
        });
        match self.jobs.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                metrics::counter!("password_checks_refused_total").increment(1);
                return Err(ServiceError::Busy {
                    retry_after_secs: BUSY_RETRY_SECS,
                });
            }
            Err(TrySendError::Disconnected(_)) => {
                return Err(ServiceError::Internal("the password workers stopped".into()));
            }
        }
        answer
            .await
            .map_err(|_| ServiceError::Internal("a password check was abandoned".into()))
    }

    /// Whether `password` matches `hash`; with no hash (an unknown user) a decoy is
    /// checked, so that takes as long as a wrong password.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, ServiceError> {
        // No password we accept is longer; hashing megabytes would only cost time.
        if password.len() > 4 * NewPassword::MAX_CHARS {
            return Ok(false);
        }
        self.verifications.fetch_add(1, Ordering::SeqCst);
        metrics::counter!("password_checks_total").increment(1);
        self.run(move || {
            super::auth::verify_password(
                &password,
                hash.as_deref().unwrap_or_else(|| super::auth::decoy_hash()),
            )
        })
        .await
    }

    /// The argon2id hash of a new password.
    pub async fn hash(&self, password: NewPassword) -> Result<String, ServiceError> {
        self.run(move || password.hash()).await?
    }

    /// How many password checks were started (for tests and the attack benchmark).
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::SeqCst)
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
            matches!(pool.run(|| 3).await, Err(ServiceError::Busy { .. })),
            "a full queue refuses"
        );
        release.send(()).unwrap();
        assert_eq!(queued.recv().unwrap(), 2);
        assert_eq!(pool.run(|| 4).await.unwrap(), 4, "room again");
    }
}
