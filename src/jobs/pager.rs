//! The one way a job walks what it works through: in key order, a page at a time (so a
//! scan of millions holds one page), each page handled in one go and, if that fails,
//! item by item, so one bad case is logged, counted and skipped while the rest go on.

use std::future::Future;

use crate::service::ServiceError;
use crate::service::scan::{DueStep, Lapsed};

/// What a job's run did: items handled (what they wrote) and items skipped on an error.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub done: usize,
    pub failed: usize,
}

impl Outcome {
    pub fn add(&mut self, other: Outcome) {
        self.done += other.done;
        self.failed += other.failed;
    }
}

/// Something a job pages through, by the key the next page starts after (the order of
/// the index the page is read from, so that a page costs what it holds).
pub trait Keyed: Clone {
    /// `Default` is the start of the walk.
    type Key: Copy + Default;
    fn key(&self) -> Self::Key;
    /// The item, as a log of one that failed names it.
    fn id(&self) -> i64;
}

impl Keyed for DueStep {
    type Key = Option<crate::service::scan::DueKey>;
    fn key(&self) -> Self::Key {
        Some(self.due_key())
    }
    fn id(&self) -> i64 {
        DueStep::id(self)
    }
}

impl Keyed for Lapsed {
    type Key = Option<crate::service::scan::DueKey>;
    fn key(&self) -> Self::Key {
        Some(self.key)
    }
    fn id(&self) -> i64 {
        Lapsed::id(self)
    }
}

impl Keyed for i32 {
    type Key = i64;
    fn key(&self) -> i64 {
        i64::from(*self)
    }
    fn id(&self) -> i64 {
        i64::from(*self)
    }
}

/// Logs and counts one item a job could not handle.
pub fn skipped(job: &'static str, key: i64, error: &ServiceError) {
    tracing::error!(job, item = key, error = %crate::telemetry::cause_chain(error), "job item failed; skipped");
    metrics::counter!("job_items_failed_total", "job" => job).increment(1);
}

/// Walks the pages `load(after)` gives until one is empty, handing each to `handle`; a
/// page that fails is retried one item at a time. A page that cannot be loaded ends
/// the run with its error (nothing after it can be reached).
pub async fn each_page<T, L, LF, H, HF>(
    job: &'static str,
    mut load: L,
    mut handle: H,
) -> Result<Outcome, ServiceError>
where
    T: Keyed,
    L: FnMut(T::Key) -> LF,
    LF: Future<Output = Result<Vec<T>, ServiceError>>,
    H: FnMut(Vec<T>) -> HF,
    HF: Future<Output = Result<usize, ServiceError>>,
{
    let mut outcome = Outcome::default();
    let mut after = T::Key::default();
    loop {
        let page = load(after).await?;
        let Some(last) = page.last().map(Keyed::key) else {
            return Ok(outcome);
        };
        after = last;
        outcome.add(handle_isolated(job, page, &mut handle).await);
    }
}

/// Handles a list of items in one go, or one by one when that fails.
pub async fn handle_isolated<T, H, HF>(job: &'static str, items: Vec<T>, handle: &mut H) -> Outcome
where
    T: Keyed,
    H: FnMut(Vec<T>) -> HF,
    HF: Future<Output = Result<usize, ServiceError>>,
{
    let mut outcome = Outcome::default();
    if items.len() > 1 {
        match handle(items.clone()).await {
            Ok(done) => {
                outcome.done += done;
                return outcome;
            }
            Err(e) => tracing::warn!(job, error = %e, "a page failed; trying its items one by one"),
        }
    }
    for item in items {
        let key = item.id();
        match handle(vec![item]).await {
            Ok(done) => outcome.done += done,
            Err(e) => {
                skipped(job, key, &e);
                outcome.failed += 1;
            }
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_bad_item_is_skipped_and_the_rest_go_on() {
        // Pages of ids 1..=7, three at a time; id 5 always fails.
        let load = |after: i64| async move {
            Ok::<_, ServiceError>(
                ((after + 1)..=(after + 3).min(7))
                    .map(|i| i as i32)
                    .collect::<Vec<i32>>(),
            )
        };
        let mut seen = Vec::new();
        let handle = |items: Vec<i32>| {
            let fails = items.contains(&5);
            seen.push(items.clone());
            async move {
                if fails {
                    Err(ServiceError::Internal("case 5 is broken".into()))
                } else {
                    Ok(items.len())
                }
            }
        };
        let outcome = each_page("test", load, handle).await.unwrap();
        assert_eq!(outcome, Outcome { done: 6, failed: 1 });
        assert_eq!(
            seen,
            vec![vec![1, 2, 3], vec![4, 5, 6], vec![4], vec![5], vec![6], vec![7]]
        );
    }

    #[tokio::test]
    async fn a_page_that_cannot_be_loaded_ends_the_run() {
        let load = |_| async { Err::<Vec<i32>, _>(ServiceError::Internal("no database".into())) };
        let handle = |items: Vec<i32>| async move { Ok(items.len()) };
        assert!(each_page("test", load, handle).await.is_err());
    }
}
