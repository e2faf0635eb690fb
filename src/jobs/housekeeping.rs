//! Forgetting what no longer counts (old sign-in attempts and ended sessions) and making
//! the timeline's coming month partitions.

use chrono::{DateTime, Utc};

use super::pager::Outcome;
use crate::app::App;
use crate::service::ServiceError;
use crate::service::scan;

pub const HOUSEKEEPING: &str = "housekeeping";

pub async fn run(app: &App, now: DateTime<Utc>) -> Result<Outcome, ServiceError> {
    let kept = scan::housekeeping(app, now).await?;
    if kept.attempts + kept.sessions > 0 {
        tracing::info!(
            attempts = kept.attempts,
            sessions = kept.sessions,
            "forgot old sign-in attempts and sessions"
        );
    }
    for partition in &kept.partitions {
        tracing::info!(partition, "made a month partition of the timeline");
    }
    Ok(Outcome {
        done: kept.attempts + kept.sessions + kept.partitions.len(),
        failed: 0,
    })
}
