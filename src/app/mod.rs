//! The application core: what every use case needs and nothing of HTTP. It holds the
//! database, the settings, the clock, the keys, the reference data in force (catalogue,
//! calendar, deadline policies) and the bounded resources (password checks, upload
//! slots, per-client limits). The web layer and the background jobs both work through it.

pub mod limit;
pub mod passwords;
mod rules;
pub mod suggester;

pub use rules::Rules;

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::clock::Clock;
use crate::config::Settings;
use crate::db::{Db, DbConn, DbError};
use crate::domain::calendar::Calendar;
use crate::domain::catalog::Catalog;
use crate::domain::timeline::ChainKey;
use crate::domain::workflow::Policies;
use crate::notify::seal::Sealer;
use passwords::PasswordPool;

use limit::Limiter;

#[derive(Clone)]
pub struct App {
    pub db: Db,
    /// A read replica for pages that may lag a moment behind (reports, the register, the
    /// board): `DATABASE_READ_URL`; `None` reads them from `db`.
    pub replica: Option<Db>,
    pub settings: Arc<Settings>,
    pub tz: Tz,
    pub clock: Arc<dyn Clock>,
    pub metrics: PrometheusHandle,
    /// Seals secrets that must wait in the outbox (the receipt's private link).
    pub sealer: Sealer,
    /// Keys the timeline's hash chain.
    pub chain_key: Arc<ChainKey>,
    /// Filings per client address.
    pub filing_limit: Arc<Limiter>,
    /// Password checks and hashes, a few at a time.
    pub passwords: Arc<PasswordPool>,
    /// Uploads received and processed at once.
    pub uploads: Arc<tokio::sync::Semaphore>,
    /// Mails to addresses never written to before, per client address.
    pub new_address_mails: Arc<Limiter>,
    /// Public look-ups by number, per client address.
    pub lookups: Arc<Limiter>,
    /// The routing suggestion model in force.
    pub suggester: Arc<suggester::Suggester>,
    calendar: Arc<RwLock<Arc<Calendar>>>,
    policies: Arc<RwLock<Arc<Policies>>>,
    catalog: Arc<RwLock<Arc<Catalog>>>,
    /// Open311 filings per API key.
    pub key_filings: Arc<crate::service::api_keys::KeyLimits>,
    /// The catalogue version loaded, and when the database was last asked.
    pub catalog_watch: Arc<CatalogWatch>,
}

/// Which catalogue version this instance holds and when it last checked.
#[derive(Default)]
pub struct CatalogWatch {
    pub version: std::sync::atomic::AtomicI64,
    pub checked: std::sync::Mutex<Option<std::time::Instant>>,
}

impl CatalogWatch {
    /// Whether the database should be asked again, `every` after the last time; marks the
    /// check as done now so concurrent requests do not all ask.
    pub fn due(&self, every: std::time::Duration) -> bool {
        let mut checked = self.checked.lock().unwrap_or_else(|p| p.into_inner());
        match *checked {
            Some(at) if at.elapsed() < every => false,
            _ => {
                *checked = Some(std::time::Instant::now());
                true
            }
        }
    }
}

/// The rules in force, owned so they can move into a database closure.
#[derive(Clone)]
pub struct OwnedRules {
    pub catalog: Arc<Catalog>,
    pub calendar: Arc<Calendar>,
    pub policies: Arc<Policies>,
    pub tz: Tz,
    pub chain_key: Arc<ChainKey>,
}

impl OwnedRules {
    pub fn rules(&self) -> Rules<'_> {
        Rules {
            catalog: &self.catalog,
            calendar: &self.calendar,
            policies: &self.policies,
            tz: self.tz,
            chain_key: &self.chain_key,
        }
    }
}

/// The secrets the portal works with, both kept outside the database.
pub struct Keys {
    pub sealer: Sealer,
    pub chain_key: ChainKey,
}

impl App {
    pub fn new(
        db: Db,
        settings: Settings,
        tz: Tz,
        clock: Arc<dyn Clock>,
        metrics: PrometheusHandle,
        Keys { sealer, chain_key }: Keys,
        catalog: Catalog,
    ) -> Self {
        App {
            chain_key: Arc::new(chain_key),
            db,
            replica: None,
            filing_limit: Arc::new(Limiter::per_hour(settings.filing_limit_per_hour)),
            passwords: Arc::new(PasswordPool::for_this_machine()),
            uploads: Arc::new(tokio::sync::Semaphore::new(settings.upload_slots.max(1))),
            new_address_mails: Arc::new(Limiter::per_hour(settings.new_address_mails_per_hour)),
            lookups: Arc::new(Limiter::per_hour(settings.lookup_limit_per_hour)),
            suggester: Arc::default(),
            settings: Arc::new(settings),
            tz,
            clock,
            metrics,
            sealer,
            calendar: Arc::new(RwLock::new(Arc::new(crate::domain::calendar::official()))),
            policies: Arc::new(RwLock::new(Arc::new(Policies::default()))),
            catalog: Arc::new(RwLock::new(Arc::new(catalog))),
            catalog_watch: Arc::default(),
            key_filings: Arc::default(),
        }
    }

    pub fn rules(&self) -> OwnedRules {
        OwnedRules {
            catalog: self.catalog(),
            calendar: self.calendar(),
            policies: self.policies(),
            tz: self.tz,
            chain_key: self.chain_key.clone(),
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

    /// The holiday calendar in force.
    pub fn calendar(&self) -> Arc<Calendar> {
        self.calendar.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn replace_calendar(&self, calendar: Calendar) {
        *self.calendar.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(calendar);
    }

    /// The deadline policies in force.
    pub fn policies(&self) -> Arc<Policies> {
        self.policies.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn replace_policies(&self, policies: Policies) {
        *self.policies.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(policies);
    }

    /// Runs read-only work on a pooled connection, off the async threads, with the rules
    /// in force and the time it started.
    pub async fn read<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn, Rules<'_>, DateTime<Utc>) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let (rules, now) = (self.rules(), self.now());
        self.db.run(move |conn| work(conn, rules.rules(), now)).await
    }

    /// [`App::read`] on the read replica when there is one: for pages that may show what
    /// was written a moment ago a moment later (reports, the register, the public board),
    /// never for a page that follows its own write.
    pub async fn read_replica<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn, Rules<'_>, DateTime<Utc>) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let (rules, now) = (self.rules(), self.now());
        self.replica
            .as_ref()
            .unwrap_or(&self.db)
            .run(move |conn| work(conn, rules.rules(), now))
            .await
    }

    /// Runs `work` as one write transaction (committed if it returns `Ok`, rolled back
    /// otherwise), with the rules in force and the time it started.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn, Rules<'_>, DateTime<Utc>) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let (rules, now) = (self.rules(), self.now());
        self.db.write(move |conn| work(conn, rules.rules(), now)).await
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}
