//! What every handler can reach.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Db;
use crate::domain::calendar::Calendar;
use crate::domain::catalog::Catalog;
use crate::domain::workflow::Policy;
use crate::service::workflow::Rules;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub tz: Tz,
    pub clock: Arc<dyn Clock>,
    pub metrics: PrometheusHandle,
    pub calendar: Arc<Calendar>,
    pub policy: Arc<Policy>,
    catalog: Arc<RwLock<Arc<Catalog>>>,
}

/// The rules in force, owned so they can move into a database closure.
#[derive(Clone)]
pub struct OwnedRules {
    pub catalog: Arc<Catalog>,
    pub calendar: Arc<Calendar>,
    pub policy: Arc<Policy>,
    pub tz: Tz,
}

impl OwnedRules {
    pub fn rules(&self) -> Rules<'_> {
        Rules {
            catalog: &self.catalog,
            calendar: &self.calendar,
            policy: &self.policy,
            tz: self.tz,
        }
    }
}

impl AppState {
    pub fn new(
        db: Db,
        settings: Settings,
        tz: Tz,
        clock: Arc<dyn Clock>,
        metrics: PrometheusHandle,
        catalog: Catalog,
    ) -> Self {
        AppState {
            db,
            settings: Arc::new(settings),
            tz,
            clock,
            metrics,
            calendar: Arc::new(crate::domain::calendar::official()),
            policy: Arc::new(Policy::default()),
            catalog: Arc::new(RwLock::new(Arc::new(catalog))),
        }
    }

    pub fn rules(&self) -> OwnedRules {
        OwnedRules {
            catalog: self.catalog(),
            calendar: self.calendar.clone(),
            policy: self.policy.clone(),
            tz: self.tz,
        }
    }

    /// The reference data as of now; cheap to call on every request.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Swaps in freshly loaded reference data.
    pub fn replace_catalog(&self, catalog: Catalog) {
        *self.catalog.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(catalog);
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}
