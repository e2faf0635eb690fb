//! Building the application: database, reference data, HTTP server.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::cookie::Key;
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App as HttpApp, HttpServer};
use anyhow::Context;
use tracing_actix_web::TracingLogger;

use crate::app::App;
use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::db::Db;
use crate::db::catalog::{count_departments, load};
use crate::db::users::count_users;
use crate::domain::timeline::ChainKey;
use crate::service::audit::seal_with;
use crate::service::auth::NewPassword;
use crate::service::demo::{DEMO_PASSWORD, seed_demo, seed_demo_accounts, seed_demo_reception_days};
use crate::service::demo_cases::seed_demo_cases;
use crate::telemetry;
use crate::web;

/// How to build: the clock (tests move time), whether to load the demo city into an
/// empty database, and whether the demo comes with activity: a few months of cases and the
/// leader's coming reception days (tests make their own).
pub struct Options {
    pub clock: Arc<dyn Clock>,
    pub load_demo: bool,
    pub demo_activity: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            clock: Arc::new(SystemClock),
            load_demo: true,
            demo_activity: true,
        }
    }
}

/// Opens the database (migrating it) and loads the reference data.
pub async fn prepare_state(settings: Settings, options: &Options) -> anyhow::Result<App> {
    let tz = settings.tz()?;
    let url = settings.database_url();
    let pool_size = settings.pool_size;
    let pool_wait = std::time::Duration::from_secs(settings.pool_timeout_secs.max(1));
    let load_demo = options.load_demo;
    let now = options.clock.now();
    let chain_key = ChainKey::new(settings.audit_key_bytes()?);
    let sealing_key = chain_key.clone();
    let (db, catalog, policies, calendar, fresh_demo) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let db = Db::open_with(&url, pool_size, pool_wait).context("Failed to open the database")?;
        // Before anything writes an event: the chains are sealed with this key, or
        // were sealed with it before (another key is refused).
        let anchored = db
            .write_blocking(move |conn| seal_with(conn, &sealing_key, now))
            .context("Failed to check the audit key")?;
        if anchored > 0 {
            tracing::info!(cases = anchored, "sealed the timelines recorded before the audit key");
        }
        let mut conn = db.get()?;
        if load_demo && count_departments(&mut conn)? == 0 {
            let added = db
                .write_blocking(seed_demo)
                .context("Failed to load the demo data")?;
            tracing::info!(rows = added, "loaded the demo city into the empty database");
        }
        let catalog = load(&mut conn)
            .context("Failed to load the reference data (run `huiying seed-demo` for the demo city)")?;
        let fresh_demo = load_demo && count_users(&mut conn)? == 0;
        if fresh_demo {
            let hash = NewPassword::parse(DEMO_PASSWORD)
                .map_err(|e| anyhow::anyhow!("demo password: {}", e.key))?
                .hash()?;
            let demo_catalog = catalog.clone();
            let added = db.write_blocking(move |c| seed_demo_accounts(c, &demo_catalog, &hash, now))?;
            tracing::info!(
                accounts = added,
                password = DEMO_PASSWORD,
                "created the demo accounts (admin, intake, env, env-head, transport, qingshan, housing, market, leader, liaison)"
            );
        }
        if db.write_blocking(crate::service::deadlines::seed_calendar)? {
            tracing::info!("holiday calendar seeded with the official 2025 and 2026 schedules");
        }
        let (policies, calendar) = crate::service::deadlines::load(&mut conn)?;
        drop(conn);
        crate::service::figures::ensure_built(&db, tz).context("Failed to tally the review's figures")?;
        Ok((db, catalog, policies, calendar, fresh_demo))
    })
    .await??;
    let sealer = crate::notify::seal::Sealer::new(Key::try_from(settings.session_key_bytes()?.as_slice())?);
    let replica = match settings.database_read_url.clone() {
        Some(url) => Some(
            tokio::task::spawn_blocking(move || Db::open_replica(&url, pool_size, pool_wait))
                .await?
                .context("Failed to open the read replica (DATABASE_READ_URL)")?,
        ),
        None => None,
    };
    let mut state = App::new(
        db,
        settings,
        tz,
        options.clock.clone(),
        telemetry::metrics(),
        crate::app::Keys { sealer, chain_key },
        catalog,
    );
    state.replica = replica;
    state.replace_policies(policies);
    state.replace_calendar(calendar);
    if fresh_demo && options.demo_activity {
        seed_demo_activity(&state, now).await?;
    }
    Ok(state)
}

/// The demo's cases (filed and worked at their own times in the past) and the leader's
/// coming reception days, in one transaction with the mail they cause.
async fn seed_demo_activity(state: &App, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<()> {
    let (rules, sealer, db) = (state.rules(), state.sealer.clone(), state.db.clone());
    let today = crate::domain::deadline::local_date(now, state.tz);
    let (cases, days) = state
        .db
        .write(move |conn| -> Result<_, crate::service::ServiceError> {
            let rules = rules.rules();
            let cases = seed_demo_cases(conn, db.case_ids(), rules, &sealer, now)?;
            let days = seed_demo_reception_days(conn, rules.catalog, today, now)?;
            Ok((cases, days))
        })
        .await
        .context("Failed to load the demo cases")?;
    tracing::info!(
        cases,
        days,
        "filed the demo cases and published the leader's reception days"
    );
    Ok(())
}

pub struct Application {
    port: u16,
    server: Server,
    state: App,
}

impl Application {
    pub async fn build(settings: Settings, options: Options) -> anyhow::Result<Application> {
        let listener =
            TcpListener::bind(&settings.bind).with_context(|| format!("Failed to bind {}", settings.bind))?;
        let key = Key::try_from(settings.session_key_bytes()?.as_slice()).context("Invalid session key")?;
        let workers = settings.worker_count();
        let state = prepare_state(settings, &options).await?;
        let port = listener.local_addr()?.port();
        let app_state = state.clone();
        let server = HttpServer::new(move || {
            HttpApp::new()
                .wrap(web::security_headers())
                .wrap(from_fn(web::fresh_catalogue))
                .wrap(from_fn(web::record_metrics))
                .wrap(TracingLogger::default())
                .configure(web::configure(app_state.clone(), key.clone()))
        })
        .workers(workers)
        .listen(listener)?
        .run();
        Ok(Application { port, server, state })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &App {
        &self.state
    }

    /// Handle to stop the server (tests, benchmarks).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// The server future itself, for callers that drive it on their own system.
    pub fn into_server(self) -> Server {
        self.server
    }

    /// Serves until stopped; with `background_jobs` the deadline scan and mail delivery
    /// run alongside on their own thread and stop with the server.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let jobs = if self.state.settings.background_jobs {
            let jobs = crate::jobs::Jobs::new(self.state.clone()).map_err(|e| anyhow::anyhow!(e))?;
            let (stop, stopped) = tokio::sync::watch::channel(false);
            let thread = std::thread::Builder::new()
                .name("background-jobs".into())
                .spawn(
                    move || match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                        Ok(rt) => rt.block_on(jobs.run(stopped)),
                        Err(e) => tracing::error!(error = %e, "background jobs could not start"),
                    },
                )?;
            Some((stop, thread))
        } else {
            None
        };
        let served = self.server.await;
        if let Some((stop, thread)) = jobs {
            let _ = stop.send(true);
            let _ = thread.join();
        }
        Ok(served?)
    }
}
