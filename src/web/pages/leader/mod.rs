//! The leader's pages: the public list of reception days, the month's days and the form
//! to publish one, a day's queue with meetings and personal charge, the cases in personal
//! charge, the monthly review and the register downloads.

mod desk;
mod one_day;
pub mod review;

pub use desk::{create_day, dashboard, public_days, supervise};
pub use one_day::{cancel_day, day, meeting};
pub use review::{monthly, register};

use serde::Deserialize;

use crate::domain::catalog::Catalog;
use crate::domain::deadline::local_date;
use crate::format::{area_path_name, category_name, local_day};
use crate::i18n::Tr;
use crate::service::reception::DayView;
use crate::service::reports::Month;
use crate::web::App;

/// A reception day as lists show it.
pub struct DayLine {
    pub id: i32,
    pub date: String,
    pub iso: String,
    pub time: String,
    pub leader: String,
    pub place: String,
    pub capacity: i32,
    pub booked: i64,
    pub remaining: i64,
    pub scope: String,
}

impl DayLine {
    pub fn new(catalog: &Catalog, tr: Tr, d: &DayView) -> Self {
        let locale = tr.locale();
        let mut scope: Vec<String> = d
            .categories
            .iter()
            .map(|c| category_name(catalog, locale, c))
            .collect();
        scope.extend(d.areas.iter().map(|a| area_path_name(catalog, locale, a)));
        DayLine {
            id: d.id,
            date: local_day(locale, d.day),
            iso: d.day.to_string(),
            time: format!("{}–{}", d.starts_at, d.ends_at),
            leader: d.leader.clone(),
            place: d.place.clone(),
            capacity: d.capacity,
            booked: d.booked,
            remaining: (i64::from(d.capacity) - d.booked).max(0),
            scope: if scope.is_empty() {
                tr.t("reception.any_scope").to_string()
            } else {
                tr.list(&scope)
            },
        }
    }
}

fn month_or_now(state: &App, text: Option<&str>) -> Month {
    text.and_then(Month::parse)
        .unwrap_or_else(|| Month::of(local_date(state.now(), state.tz)))
}

#[derive(Deserialize)]
pub struct MonthQuery {
    pub(super) month: Option<String>,
    pub(super) done: Option<String>,
}
