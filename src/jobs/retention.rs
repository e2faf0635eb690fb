//! Removing residents' identities once the retention period after their case ended has
//! passed (`HUIYING_RETAIN_IDENTITY_YEARS`); each case on its own.

use chrono::{DateTime, Utc};

use super::pager::{Outcome, each_page};
use crate::app::App;
use crate::service::ServiceError;
use crate::service::scan::{self, Lapsed};

pub const RETENTION: &str = "identity_retention";

async fn forget_each(app: &App, cases: Vec<Lapsed>, now: DateTime<Utc>) -> Result<usize, ServiceError> {
    let mut forgotten = 0;
    for case in cases {
        if scan::forget_identity(app, case, now).await? {
            forgotten += 1;
        }
    }
    Ok(forgotten)
}

pub async fn run(app: &App, now: DateTime<Utc>) -> Result<Outcome, ServiceError> {
    each_page(
        RETENTION,
        |after| scan::identity_kept(app, now, after),
        |cases| forget_each(app, cases, now),
    )
    .await
}
