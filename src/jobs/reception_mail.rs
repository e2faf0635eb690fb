//! The day before a reception day: from 08:00 a reminder to each resident booked, from
//! the hour bookings close the list to the leader. Each day on its own, each mail once.

use chrono::{DateTime, Duration, Timelike, Utc};

use super::pager::{Outcome, handle_isolated};
use crate::app::App;
use crate::service::ServiceError;
use crate::service::scan;

pub const RECEPTION_MAIL: &str = "reception_mail";

/// Residents are reminded from this hour the day before.
const REMINDER_HOUR: u32 = 8;
/// The leader's list goes out when bookings for the day close.
const LIST_HOUR: u32 = crate::domain::reception::BOOKINGS_CLOSE_HOUR;

pub async fn run(app: &App, now: DateTime<Utc>) -> Result<Outcome, ServiceError> {
    let local = now.with_timezone(&app.tz);
    if local.hour() < REMINDER_HOUR {
        return Ok(Outcome::default());
    }
    let tomorrow = local.date_naive() + Duration::days(1);
    let evening = local.hour() >= LIST_HOUR;
    let mut outcome = Outcome::default();
    for day in scan::reception_days_on(app, tomorrow).await? {
        let mut handle = |days: Vec<i32>| async move {
            let mut written = 0;
            for day in days {
                written += scan::reception_mail(app, day, evening, now).await?;
            }
            Ok(written)
        };
        outcome.add(handle_isolated(RECEPTION_MAIL, vec![day], &mut handle).await);
    }
    Ok(outcome)
}
