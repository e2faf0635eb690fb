//! The outbox as operators see it: what waits to be delivered (for `/metrics`), and for
//! administrators every notice not yet sent, with "send again" for those that failed.

use chrono::{DateTime, Utc};

use super::auth::StaffUser;
use super::{ServiceError, require};
use crate::app::App;
use crate::db::outbox as store;
use crate::domain::mail::MailState;
use crate::domain::permissions::Duty;

/// What waits to be delivered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Backlog {
    /// Not sent and not given up.
    pub waiting: i64,
    /// Of those, due now.
    pub due: i64,
    /// Since when the longest-waiting due notice has been due.
    pub oldest_due: Option<DateTime<Utc>>,
}

/// One notice on the administrators' list.
#[derive(Debug, Clone)]
pub struct OutboxLine {
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    pub state: MailState,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
}

impl OutboxLine {
    /// Whether an administrator may send it again.
    pub fn retryable(&self) -> bool {
        matches!(self.state, MailState::Failed | MailState::Dead)
    }
}

#[derive(Debug, Clone)]
pub struct Outbox {
    pub counts: Vec<(MailState, i64)>,
    pub lines: Vec<OutboxLine>,
    pub backlog: Backlog,
}

/// The backlog now (public: it tells nothing about anyone).
pub async fn backlog(app: &App) -> Result<Backlog, ServiceError> {
    app.read(|conn, _, now| {
        let b = store::backlog(conn, now.naive_utc())?;
        Ok(Backlog {
            waiting: b.waiting,
            due: b.due,
            oldest_due: b.oldest_due.map(|t| t.and_utc()),
        })
    })
    .await
}

/// Every notice not yet sent (the newest 200), the counts per state, the backlog.
pub async fn overview(app: &App, user: &StaffUser) -> Result<Outbox, ServiceError> {
    require(user, Duty::Administer)?;
    let backlog = backlog(app).await?;
    app.read(move |conn, _, _| {
        let counts = store::counts(conn)?
            .into_iter()
            .filter_map(|(state, n)| Some((MailState::parse(&state)?, n)))
            .collect();
        let unsent: Vec<&str> = MailState::ALL
            .iter()
            .filter(|s| **s != MailState::Sent)
            .map(|s| s.as_str())
            .collect();
        let lines = store::list(conn, &unsent, 200)?
            .into_iter()
            .map(|l| {
                Ok(OutboxLine {
                    state: MailState::parse(&l.state)
                        .ok_or_else(|| ServiceError::Internal(format!("stored mail state {:?}", l.state)))?,
                    id: l.id,
                    kind: l.kind,
                    recipient: l.recipient,
                    attempts: l.attempts,
                    next_attempt_at: l.next_attempt_at.and_utc(),
                    last_error: l.last_error,
                })
            })
            .collect::<Result<_, ServiceError>>()?;
        Ok(Outbox {
            counts,
            lines,
            backlog,
        })
    })
    .await
}

/// Sends a failed or given-up notice again, now.
pub async fn retry(app: &App, user: &StaffUser, id: i64) -> Result<(), ServiceError> {
    require(user, Duty::Administer)?;
    let retried = app
        .write(move |conn, _, now| store::retry(conn, id, now.naive_utc()))
        .await?;
    if retried {
        tracing::info!(outbox = id, user = user.id, "mail sent again by an administrator");
        Ok(())
    } else {
        Err(ServiceError::NotFound)
    }
}
