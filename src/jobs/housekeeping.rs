//! Forgetting what no longer counts: old sign-in attempts and ended sessions.

use chrono::{DateTime, Utc};

use super::pager::Outcome;
use crate::app::App;
use crate::service::ServiceError;
use crate::service::scan;

pub const HOUSEKEEPING: &str = "housekeeping";

pub async fn run(app: &App, now: DateTime<Utc>) -> Result<Outcome, ServiceError> {
    let (attempts, sessions) = scan::housekeeping(app, now).await?;
    if attempts + sessions > 0 {
        tracing::info!(attempts, sessions, "forgot old sign-in attempts and sessions");
    }
    Ok(Outcome {
        done: attempts + sessions,
        failed: 0,
    })
}
