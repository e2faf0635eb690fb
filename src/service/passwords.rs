//! Password checks and hashes, through a small bounded pool. Argon2 is slow and takes
//! about 19 MiB per run on purpose; run without a bound, a burst of sign-ins grows the
//! process by that much per request. Here at most one runs per core, a few more callers
//! wait, and the rest are told at once that the portal is busy.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use tokio::sync::Semaphore;

use super::ServiceError;
use super::auth::NewPassword;

/// How long a caller turned away is asked to wait.
const BUSY_RETRY_SECS: u64 = 2;

#[derive(Debug)]
pub struct PasswordPool {
    permits: Arc<Semaphore>,
    /// Callers running or waiting.
    admitted: Arc<AtomicUsize>,
    /// Most callers running or waiting at once.
    limit: usize,
    verifications: AtomicU64,
}

/// Gives back an admission when the work is over (or was never started).
struct Admission(Arc<AtomicUsize>);

impl Drop for Admission {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl PasswordPool {
    /// `workers` checks at once, `queue` more waiting.
    pub fn new(workers: usize, queue: usize) -> PasswordPool {
        let workers = workers.max(1);
        PasswordPool {
            permits: Arc::new(Semaphore::new(workers)),
            admitted: Arc::new(AtomicUsize::new(0)),
            limit: workers + queue,
            verifications: AtomicU64::new(0),
        }
    }

    /// One check per core, four per core waiting.
    pub fn for_this_machine() -> PasswordPool {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        PasswordPool::new(cores, 4 * cores)
    }

    /// Runs `work` on a blocking thread once a worker is free, or refuses at once when
    /// the queue is full. The worker and the admission are held until `work` ends, even
    /// if the caller gives up waiting.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ServiceError> {
        if self.admitted.fetch_add(1, Ordering::SeqCst) >= self.limit {
            self.admitted.fetch_sub(1, Ordering::SeqCst);
            metrics::counter!("password_checks_refused_total").increment(1);
            return Err(ServiceError::Busy {
                retry_after_secs: BUSY_RETRY_SECS,
            });
        }
        let admission = Admission(self.admitted.clone());
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let _held = (permit, admission);
            work()
        })
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn past_the_queue_callers_are_refused_at_once_and_the_rest_run() {
        let pool = Arc::new(PasswordPool::new(1, 1));
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let blocked = {
            let pool = pool.clone();
            tokio::spawn(async move { pool.run(move || wait.recv().is_ok()).await })
        };
        while pool.admitted.load(Ordering::SeqCst) < 1 {
            tokio::task::yield_now().await;
        }
        let queued = {
            let pool = pool.clone();
            tokio::spawn(async move { pool.run(|| 2).await })
        };
        while pool.admitted.load(Ordering::SeqCst) < 2 {
            tokio::task::yield_now().await;
        }
        assert!(matches!(pool.run(|| 3).await, Err(ServiceError::Busy { .. })));
        release.send(()).unwrap();
        assert!(blocked.await.unwrap().unwrap());
        assert_eq!(queued.await.unwrap().unwrap(), 2);
        assert_eq!(pool.run(|| 4).await.unwrap(), 4, "room again");
        assert_eq!(pool.admitted.load(Ordering::SeqCst), 0);
    }
}
