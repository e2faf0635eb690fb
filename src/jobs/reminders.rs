//! Reminders before a deadline (to the department's desk) and escalations after it (to
//! its heads and leaders), for every step awaiting a department.

use chrono::{DateTime, Duration, Utc};

use super::pager::{Outcome, each_page};
use crate::app::App;
use crate::service::ServiceError;
use crate::service::scan::{self, Window};

pub const REMINDERS: &str = "reminders";
pub const ESCALATIONS: &str = "escalations";

/// Steps due within the next `reminder_days`.
pub async fn remind(app: &App, now: DateTime<Utc>) -> Result<Outcome, ServiceError> {
    let horizon = now + Duration::days(i64::from(app.settings.reminder_days));
    let window = Window::Coming { now, horizon };
    each_page(
        REMINDERS,
        |after| scan::steps(app, window, after),
        |steps| scan::remind(app, steps, now),
    )
    .await
}

/// Steps past their deadline.
pub async fn escalate(app: &App, now: DateTime<Utc>) -> Result<Outcome, ServiceError> {
    each_page(
        ESCALATIONS,
        |after| scan::steps(app, Window::Passed { now }, after),
        |steps| scan::escalate(app, steps, now),
    )
    .await
}
