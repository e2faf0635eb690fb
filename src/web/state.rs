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
use crate::domain::new_case::NewCase;
use crate::domain::timeline::ChainKey;
use crate::domain::workflow::Policies;
use crate::notify::seal::Sealer;
use crate::service::ServiceError;
use crate::service::file_case::{FiledCase, FilingOptions, file_case};
use crate::service::passwords::PasswordPool;
use crate::service::residents::NewAddressBudget;
use crate::service::workflow::Rules;

use super::limit::Limiter;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
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
    calendar: Arc<RwLock<Arc<Calendar>>>,
    policies: Arc<RwLock<Arc<Policies>>>,
    catalog: Arc<RwLock<Arc<Catalog>>>,
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

impl AppState {
    pub fn new(
        db: Db,
        settings: Settings,
        tz: Tz,
        clock: Arc<dyn Clock>,
        metrics: PrometheusHandle,
        Keys { sealer, chain_key }: Keys,
        catalog: Catalog,
    ) -> Self {
        AppState {
            chain_key: Arc::new(chain_key),
            db,
            filing_limit: Arc::new(Limiter::per_hour(settings.filing_limit_per_hour)),
            passwords: Arc::new(PasswordPool::for_this_machine()),
            uploads: Arc::new(tokio::sync::Semaphore::new(settings.upload_slots.max(1))),
            new_address_mails: Arc::new(Limiter::per_hour(settings.new_address_mails_per_hour)),
            lookups: Arc::new(Limiter::per_hour(settings.lookup_limit_per_hour)),
            settings: Arc::new(settings),
            tz,
            clock,
            metrics,
            sealer,
            calendar: Arc::new(RwLock::new(Arc::new(crate::domain::calendar::official()))),
            policies: Arc::new(RwLock::new(Arc::new(Policies::default()))),
            catalog: Arc::new(RwLock::new(Arc::new(catalog))),
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

    /// Files a complaint now: routed, stored with its timeline and its first mail, in one
    /// write (one statement on PostgreSQL).
    pub async fn file(&self, case: NewCase) -> Result<FiledCase, ServiceError> {
        self.file_with(case, FilingOptions::default()).await
    }

    /// Files a complaint from the public: held for confirmation by email when the
    /// deployment asks for it, and kept by the resident's account when signed in.
    pub async fn file_with(&self, case: NewCase, options: FilingOptions) -> Result<FiledCase, ServiceError> {
        let (rules, sealer, now, db) = (self.rules(), self.sealer.clone(), self.now(), self.db.clone());
        let single = options.is_single_statement();
        let filing = move |conn: &mut crate::db::DbConn| {
            file_case(conn, db.case_ids(), rules.rules(), &sealer, &case, &options, now)
        };
        if single {
            self.db.write_single_statement(filing).await
        } else {
            self.db.write(filing).await
        }
    }

    /// Counts a filing from the request's address against the per-hour limit.
    pub fn count_filing(&self, req: &actix_web::HttpRequest) -> Result<(), super::error::AppError> {
        self.filing_limit
            .check(super::auth::client_addr(req), self.now())
            .map_err(|wait| {
                metrics::counter!("filings_refused_total", "reason" => "rate").increment(1);
                super::error::AppError::TooManyRequests {
                    key: "error.too_many_filings",
                    retry_after_secs: wait.secs(),
                }
            })
    }

    /// The request's budget for mail to addresses the portal has never written to.
    pub fn new_address_budget(&self, req: &actix_web::HttpRequest) -> NewAddressBudget {
        let (limiter, client, now) = (
            self.new_address_mails.clone(),
            super::auth::client_addr(req),
            self.now(),
        );
        Box::new(move || {
            limiter.check(client, now).map_err(|wait| {
                metrics::counter!("mails_refused_total", "reason" => "new_address_budget").increment(1);
                ServiceError::TooManyAttempts {
                    retry_after_secs: wait.secs(),
                }
            })
        })
    }

    /// Counts a public look-up by number from the request's address.
    pub fn count_lookup(&self, req: &actix_web::HttpRequest) -> Result<(), super::error::AppError> {
        self.lookups
            .check(super::auth::client_addr(req), self.now())
            .map_err(|wait| {
                metrics::counter!("lookups_refused_total").increment(1);
                super::error::AppError::TooManyRequests {
                    key: "error.too_many_lookups",
                    retry_after_secs: wait.secs(),
                }
            })
    }

    /// How a resident's own filing is handled: confirmation per the deployment, and the
    /// signed-in account (if any) keeps it.
    pub fn filing_options(&self, session: &actix_session::Session) -> FilingOptions {
        FilingOptions {
            confirm_by_email: self.settings.confirm_filings,
            account: super::resident::signed_in(session).map(|a| a.id),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}
