//! Training the routing suggestion model: nightly, and at the next round after an
//! administrator asked for it.

use chrono::{DateTime, Utc};

use super::pager::Outcome;
use crate::app::App;
use crate::service::ServiceError;
use crate::service::suggest::{self, Trained};

pub const TRAINING: &str = "routing_training";

/// Trains if due; `last_attempt` is this worker's memory of its own last try.
pub async fn run(
    app: &App,
    now: DateTime<Utc>,
    last_attempt: &mut Option<DateTime<Utc>>,
) -> Result<Outcome, ServiceError> {
    if !suggest::training_due(app, now, *last_attempt).await? {
        return Ok(Outcome::default());
    }
    *last_attempt = Some(now);
    Ok(match suggest::train(app).await? {
        Trained::Model { .. } => Outcome { done: 1, failed: 0 },
        Trained::NotEnough(_) => Outcome::default(),
    })
}
