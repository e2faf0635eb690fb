//! Closing what ran out: answers the resident neither evaluated nor asked to review in
//! time, and filings never confirmed by email within their days (the unconfirmed lapse).
//! Each case is closed in its own transaction.

use chrono::{DateTime, Utc};

use super::pager::{Outcome, each_page};
use crate::app::App;
use crate::service::ServiceError;
use crate::service::scan::{self, Lapsed};

pub const EVALUATION_OVER: &str = "evaluation_over";
pub const UNCONFIRMED: &str = "unconfirmed_lapse";

async fn close_each(app: &App, cases: Vec<Lapsed>, now: DateTime<Utc>) -> Result<usize, ServiceError> {
    let mut closed = 0;
    for case in cases {
        if scan::close(app, case, now).await? {
            closed += 1;
        }
    }
    Ok(closed)
}

pub async fn evaluation_over(app: &App, now: DateTime<Utc>) -> Result<Outcome, ServiceError> {
    each_page(
        EVALUATION_OVER,
        |after| scan::evaluation_over(app, now, after),
        |steps| close_each(app, steps.into_iter().map(scan::DueStep::lapsed).collect(), now),
    )
    .await
}

pub async fn unconfirmed(app: &App, now: DateTime<Utc>) -> Result<Outcome, ServiceError> {
    each_page(
        UNCONFIRMED,
        |after| scan::unconfirmed(app, now, after),
        |cases| close_each(app, cases, now),
    )
    .await
}
