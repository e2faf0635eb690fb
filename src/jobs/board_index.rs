//! Indexing the cases filed since the last run for the public board's search.

use chrono::{DateTime, Utc};

use super::pager::Outcome;
use crate::app::App;
use crate::service::ServiceError;

pub const BOARD_INDEX: &str = "board_index";

pub async fn run(app: &App, now: DateTime<Utc>) -> Result<Outcome, ServiceError> {
    let done = crate::service::board::index_new(app, now).await?;
    Ok(Outcome { done, failed: 0 })
}
