//! What every handler can reach.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Db;
use crate::domain::catalog::Catalog;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub tz: Tz,
    pub clock: Arc<dyn Clock>,
    pub metrics: PrometheusHandle,
    catalog: Arc<RwLock<Arc<Catalog>>>,
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
            catalog: Arc::new(RwLock::new(Arc::new(catalog))),
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
