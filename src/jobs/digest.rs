//! The leaders' monthly digest: on the first day of a month, last month's figures.

use chrono::{DateTime, Utc};

use super::pager::Outcome;
use crate::app::App;
use crate::service::ServiceError;
use crate::service::scan;

pub const DIGEST: &str = "digest";

pub async fn run(app: &App, now: DateTime<Utc>) -> Result<Outcome, ServiceError> {
    Ok(Outcome {
        done: scan::digest(app, now).await?,
        failed: 0,
    })
}
