//! Group commit for SQLite. SQLite has one writer at a time, and every committed
//! transaction appends each page it touched to the WAL; a filing touches about seven
//! (the case row, its two indexes, two timeline rows, their index, the rowid sequence).
//! One thread owns the write connection: it takes every write waiting at that moment and
//! commits them in one `BEGIN IMMEDIATE` transaction, each inside its own savepoint, so a
//! failing write is rolled back alone and callers hear of success only after the commit.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, Sender, channel};

use diesel::connection::{AnsiTransactionManager, Connection, TransactionManager};

use super::conn::{DbConn, DbError, DbTarget};

/// Writes taken into one transaction at most.
const MAX_BATCH: usize = 128;

/// Tells a caller how its write ended once the batch's fate is known.
pub(crate) type Completion = Box<dyn FnOnce(Result<(), String>) + Send>;
/// A write: runs on the writer's connection (or learns why it could not) and returns
/// what to do once the batch commits or fails.
pub(crate) type Job = Box<dyn FnOnce(Result<&mut DbConn, String>) -> Completion + Send>;

pub(crate) struct GroupWriter {
    jobs: Sender<Job>,
}

impl GroupWriter {
    pub(crate) fn start(target: DbTarget) -> Result<GroupWriter, DbError> {
        let (jobs, queue) = channel::<Job>();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || run(target, queue))
            .map_err(|e| DbError::Task(format!("cannot start the SQLite writer: {e}")))?;
        Ok(GroupWriter { jobs })
    }

    pub(crate) fn submit(&self, job: Job) -> Result<(), DbError> {
        self.jobs
            .send(job)
            .map_err(|_| DbError::Task("the SQLite writer has stopped".into()))
    }
}

fn run(target: DbTarget, queue: Receiver<Job>) {
    let mut conn: Option<DbConn> = None;
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let _span = tracing::debug_span!("sqlite write batch", size = batch.len()).entered();
        let mut current = match conn.take().map(Ok).unwrap_or_else(|| target.connect()) {
            Ok(c) => c,
            Err(e) => {
                fail_all(batch, &e.to_string());
                continue;
            }
        };
        if let DbConn::Sqlite(c) = &mut current
            && let Err(e) = AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
        {
            fail_all(batch, &e.to_string());
            conn = Some(current);
            continue;
        }
        let mut completions = Vec::with_capacity(batch.len());
        let mut panicked = false;
        for job in batch {
            if panicked {
                completions.push(job(Err("an earlier write in the batch failed".into())));
                continue;
            }
            match catch_unwind(AssertUnwindSafe(|| job(Ok(&mut current)))) {
                Ok(completion) => completions.push(completion),
                Err(_) => {
                    tracing::error!("a database write panicked; its batch is rolled back");
                    panicked = true;
                }
            }
        }
        let outcome = if panicked {
            // Dropping the connection rolls back whatever the batch wrote.
            drop(current);
            Err("a write in the same batch failed; nothing was saved".to_string())
        } else {
            let committed = <DbConn as Connection>::TransactionManager::commit_transaction(&mut current);
            let result = committed.map_err(|e| {
                let _ = <DbConn as Connection>::TransactionManager::rollback_transaction(&mut current);
                e.to_string()
            });
            conn = Some(current);
            result
        };
        if let Err(e) = &outcome {
            tracing::error!(error = %e, "SQLite write batch failed");
        }
        for completion in completions {
            completion(outcome.clone());
        }
    }
}

fn fail_all(batch: Vec<Job>, error: &str) {
    tracing::error!(error, "SQLite write batch could not start");
    for job in batch {
        job(Err(error.to_string()))(Err(error.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::channel;
    use std::thread;
    use std::time::Duration;

    use diesel::prelude::*;

    use crate::db::schema::departments;
    use crate::db::{Db, DbConn, DbError};

    fn open() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Db::open(&format!("sqlite://{}", dir.path().join("w.db").display()), 2).expect("open");
        (dir, db)
    }

    fn insert(conn: &mut DbConn, code: &str) -> Result<(), DbError> {
        diesel::insert_into(departments::table)
            .values((
                departments::code.eq(code),
                departments::name_zh.eq(code),
                departments::name_en.eq(code),
                departments::is_intake.eq(false),
                departments::position.eq(0),
            ))
            .execute(conn)?;
        Ok(())
    }

    fn codes(db: &Db) -> Vec<String> {
        departments::table
            .select(departments::code)
            .order(departments::code)
            .load(&mut db.get().expect("conn"))
            .expect("load")
    }

    /// Holds the writer inside a first write until `release` fires, so everything
    /// submitted meanwhile lands in the next batch together.
    fn hold_writer(db: &Db) -> (std::sync::mpsc::Sender<()>, thread::JoinHandle<()>) {
        let (release, wait) = channel::<()>();
        let (started, is_started) = channel::<()>();
        let db = db.clone();
        let holder = thread::spawn(move || {
            db.write_blocking(move |conn| {
                let _ = started.send(());
                let _ = wait.recv();
                insert(conn, "holder")
            })
            .expect("holder write");
        });
        is_started.recv().expect("writer busy");
        (release, holder)
    }

    type TestWrite = Box<dyn FnOnce(&mut DbConn) -> Result<(), DbError> + Send>;

    fn submit_all(db: &Db, jobs: Vec<TestWrite>) -> Vec<thread::JoinHandle<Result<(), DbError>>> {
        let handles = jobs
            .into_iter()
            .map(|job| {
                let db = db.clone();
                thread::spawn(move || db.write_blocking(job))
            })
            .collect();
        // Let every thread reach the queue before the writer is released.
        thread::sleep(Duration::from_millis(200));
        handles
    }

    #[test]
    fn a_failing_write_is_rolled_back_alone_within_its_batch() {
        let (_dir, db) = open();
        let (release, holder) = hold_writer(&db);
        let handles = submit_all(
            &db,
            vec![
                Box::new(|c| insert(c, "a")),
                Box::new(|c| {
                    insert(c, "b")?;
                    Err(DbError::Task("changed my mind".into()))
                }),
                Box::new(|c| insert(c, "a")), // duplicate code: unique violation
                Box::new(|c| insert(c, "c")),
            ],
        );
        release.send(()).expect("release");
        holder.join().expect("holder");
        let results: Vec<bool> = handles
            .into_iter()
            .map(|h| h.join().expect("thread").is_ok())
            .collect();

        assert_eq!(results.iter().filter(|ok| **ok).count(), 2, "{results:?}");
        assert_eq!(codes(&db), vec!["a", "c", "holder"]);
    }

    #[test]
    fn a_panicking_write_fails_its_batch_and_the_writer_carries_on() {
        let (_dir, db) = open();
        let (release, holder) = hold_writer(&db);
        let handles = submit_all(
            &db,
            vec![
                Box::new(|c| insert(c, "x")),
                Box::new(|_| panic!("a bug in a write")),
                Box::new(|c| insert(c, "y")),
            ],
        );
        release.send(()).expect("release");
        holder.join().expect("holder");
        let results: Vec<Result<(), DbError>> =
            handles.into_iter().map(|h| h.join().expect("thread")).collect();

        assert!(
            results.iter().all(Result::is_err),
            "the whole batch failed: {results:?}"
        );
        assert_eq!(
            codes(&db),
            vec!["holder"],
            "nothing of the failed batch was saved"
        );
        db.write_blocking(|c| insert(c, "after"))
            .expect("the writer still works");
        assert_eq!(codes(&db), vec!["after", "holder"]);
    }

    #[test]
    fn many_concurrent_writers_all_commit() {
        let (_dir, db) = open();
        let handles: Vec<_> = (0..200)
            .map(|i| {
                let db = db.clone();
                thread::spawn(move || db.write_blocking(move |c| insert(c, &format!("d{i:03}"))))
            })
            .collect();
        for h in handles {
            h.join().expect("thread").expect("committed");
        }
        assert_eq!(codes(&db).len(), 200);
    }
}
