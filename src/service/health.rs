//! Whether the portal can do its work: alive (the database answers) and ready (also its
//! schema is this binary's and the mail is not backed up).

use super::ServiceError;
use crate::app::App;

/// `Ok` when the database answers a query.
pub async fn check(app: &App) -> Result<(), ServiceError> {
    app.read(|conn, _, _| Ok(crate::db::ping(conn)?)).await
}

/// Whether this instance should be sent traffic, and why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    pub database: bool,
    /// Migrations this binary carries that the database lacks.
    pub pending_migrations: Vec<String>,
    /// Mails waiting past their time.
    pub mail_due: Option<i64>,
    /// Above this many due mails the instance says it is not ready.
    pub mail_due_limit: i64,
}

impl Readiness {
    pub fn ready(&self) -> bool {
        self.database
            && self.pending_migrations.is_empty()
            && self.mail_due.is_some_and(|due| due <= self.mail_due_limit)
    }
}

pub async fn readiness(app: &App) -> Readiness {
    let checked = app
        .read(|conn, _, now| {
            crate::db::ping(conn)?;
            let pending = crate::db::conn::pending_migrations(conn)?;
            let backlog = crate::db::outbox::backlog(conn, now.naive_utc())?;
            Ok::<_, ServiceError>((pending, backlog.due))
        })
        .await;
    let mail_due_limit = app.settings.ready_mail_backlog;
    match checked {
        Ok((pending_migrations, due)) => Readiness {
            database: true,
            pending_migrations,
            mail_due: Some(due),
            mail_due_limit,
        },
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            Readiness {
                database: false,
                pending_migrations: Vec::new(),
                mail_due: None,
                mail_due_limit,
            }
        }
    }
}
