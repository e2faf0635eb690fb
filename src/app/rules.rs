//! The rules in force, as one borrowable bundle: reference data, calendar, deadline
//! policies, time zone and the key of the timeline's chain.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::calendar::Calendar;
use crate::domain::catalog::Catalog;
use crate::domain::timeline::ChainKey;
use crate::domain::workflow::{Context, Policies};

/// The rules in force: reference data, calendar, deadline policies, time zone.
#[derive(Clone, Copy)]
pub struct Rules<'a> {
    pub catalog: &'a Catalog,
    pub calendar: &'a Calendar,
    pub policies: &'a Policies,
    pub tz: Tz,
    /// Keys the hash chain of every event written under these rules.
    pub chain_key: &'a ChainKey,
}

impl<'a> Rules<'a> {
    /// The world a decision on a case of `category` is made in.
    pub fn context(&self, category: &str, now: DateTime<Utc>) -> Context<'a> {
        Context {
            now,
            tz: self.tz,
            calendar: self.calendar,
            policy: self.policies.for_category(self.catalog, category),
            catalog: self.catalog,
        }
    }
}
