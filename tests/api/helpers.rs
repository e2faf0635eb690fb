use std::sync::Arc;

use chrono::{TimeZone, Utc};
use huiying::clock::ManualClock;
use huiying::config::Settings;
use huiying::db::admin::{create_postgres_database, drop_postgres_database};
use huiying::startup::{Application, Options};
use huiying::web::App;
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server tests may create databases on, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty())
}

/// A database that lives as long as the test.
pub enum TestDb {
    Sqlite {
        _dir: tempfile::TempDir,
    },
    Postgres {
        admin_url: String,
        name: String,
        _dir: tempfile::TempDir,
    },
}

impl TestDb {
    pub fn create(backend: Backend) -> (TestDb, String, std::path::PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let data_dir = dir.path().join("data");
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                (TestDb::Sqlite { _dir: dir }, url, data_dir)
            }
            Backend::Postgres => {
                let admin_url = postgres_url().expect("TEST_DATABASE_URL is set");
                let name = format!("huiying_test_{}", uuid_like());
                let url = create_postgres_database(&admin_url, &name).expect("create test database");
                (
                    TestDb::Postgres {
                        admin_url,
                        name,
                        _dir: dir,
                    },
                    url,
                    data_dir,
                )
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name, .. } = self {
            let _ = drop_postgres_database(admin_url, name);
        }
    }
}

fn uuid_like() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub struct TestApp {
    pub address: String,
    pub api: reqwest::Client,
    pub state: App,
    pub clock: Arc<ManualClock>,
    pub db_url: String,
    pub data_dir: std::path::PathBuf,
    handle: actix_web::dev::ServerHandle,
    /// The database, dropped with the first instance (a second instance shares it).
    _db: Option<TestDb>,
}

/// 2026-11-26 10:00 in Shanghai: a Thursday, so deadlines in tests are easy to check.
pub fn test_now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 2, 0, 0)
        .single()
        .expect("valid time")
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// A test app whose settings `adjust` may change (e.g. to send mail to an SMTP sink).
pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn(backend, adjust, false).await
}

/// A test app started as `huiying serve` starts on an empty database: with the demo's cases
/// and reception days.
pub async fn spawn_demo_app(backend: Backend) -> TestApp {
    spawn(backend, |_| {}, true).await
}

async fn spawn(backend: Backend, adjust: impl FnOnce(&mut Settings), demo_activity: bool) -> TestApp {
    let (db, db_url, data_dir) = TestDb::create(backend);
    spawn_on(Some(db), db_url, data_dir, adjust, demo_activity).await
}

/// Another instance of `app`'s portal: the same database and data directory, its own
/// process state (catalogue, model, limits), as a second server behind a load balancer.
pub async fn second_instance(app: &TestApp) -> TestApp {
    let (url, dir) = (app.db_url.clone(), app.data_dir.clone());
    let min_cases = app.state.settings.suggest_min_cases;
    spawn_on(None, url, dir, |s| s.suggest_min_cases = min_cases, false).await
}

/// Who a demo account is, as the services see a signed-in member of staff.
pub async fn staff_caller(app: &TestApp, username: &str) -> huiying::service::caller::Caller {
    let name = username.to_string();
    let user = app
        .state
        .db
        .run(move |conn| {
            let record = huiying::db::users::find_by_username(conn, &name)?.expect("demo account exists");
            huiying::service::auth::StaffUser::from_record(record)
        })
        .await
        .expect("account");
    huiying::service::caller::Caller::Staff(user)
}

async fn spawn_on(
    db: Option<TestDb>,
    db_url: String,
    data_dir: std::path::PathBuf,
    adjust: impl FnOnce(&mut Settings),
    demo_activity: bool,
) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        huiying::telemetry::init_logging();
    }
    let mut settings = Settings {
        bind: "127.0.0.1:0".into(),
        database_url: Some(db_url.clone()),
        data_dir: data_dir.clone(),
        workers: 2,
        pool_size: 4,
        // Tests run the deadline scan and delivery themselves, as of the time they choose.
        background_jobs: false,
        // Every test client is 127.0.0.1; the limits' own tests turn them on.
        filing_limit_per_hour: 0,
        lookup_limit_per_hour: 0,
        new_address_mails_per_hour: 0,
        public_url: Some("http://portal.test".into()),
        // A catalogue change on one instance is seen by the next request on another.
        catalog_recheck_ms: 0,
        ..Settings::default()
    };
    adjust(&mut settings);
    let clock = Arc::new(ManualClock::new(test_now()));
    let app = Application::build(
        settings,
        Options {
            clock: clock.clone(),
            load_demo: true,
            demo_activity,
        },
    )
    .await
    .expect("app builds");
    let port = app.port();
    let state = app.state().clone();
    let handle = app.handle();
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        api: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        state,
        clock,
        db_url,
        data_dir,
        handle,
        _db: db,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let stop = self.handle.stop(false);
        actix_web::rt::spawn(stop);
    }
}

/// A valid complaint in Chinese, routed by a city-wide rule to the environment bureau.
pub fn complaint() -> Value {
    json!({
        "category": "noise",
        "area": "LJ-CG-DM",
        "title": "夜间施工噪音扰民",
        "description": "东门社区旁的工地每天夜里十一点以后仍在施工，严重影响居民休息，请尽快处理。",
        "address": "东门路18号",
        "resident": { "name": "张三", "phone": "138 0013 8000", "email": "zhang.san@example.cn" },
        "confidential": false,
        "publish_consent": true
    })
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn post_case(&self, body: &Value) -> reqwest::Response {
        self.api
            .post(self.url("/api/v1/cases"))
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// Files a valid complaint and returns the 201 body.
    pub async fn file(&self, body: &Value) -> Value {
        let response = self.post_case(body).await;
        assert_eq!(response.status(), 201, "filing failed");
        let body = response.json().await.expect("json body");
        crate::contract::check("POST", "/api/v1/cases", 201, &body);
        body
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let response = self.api.get(self.url(path)).send().await.expect("request sent");
        let status = response.status().as_u16();
        let body = response.json().await.expect("json body");
        crate::contract::check("GET", path, status, &body);
        (status, body)
    }

    /// A browser-like client that keeps cookies.
    pub fn browser(&self, lang: &str) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::ACCEPT_LANGUAGE, lang.parse().expect("header"));
        reqwest::Client::builder()
            .cookie_store(true)
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }
}

/// Runs an async test body once per backend: always on SQLite, on PostgreSQL when
/// TEST_DATABASE_URL is set (and says so when it is skipped).
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[actix_web::test]
                async fn sqlite() {
                    super::$name($crate::helpers::Backend::Sqlite).await;
                }

                #[actix_web::test]
                async fn postgres() {
                    if $crate::helpers::postgres_url().is_none() {
                        eprintln!("TEST_DATABASE_URL is not set: skipping the PostgreSQL run");
                        return;
                    }
                    super::$name($crate::helpers::Backend::Postgres).await;
                }
            }
        )*
    };
}

impl TestApp {
    /// What `/metrics` shows now.
    pub async fn metrics(&self) -> String {
        let response = self.api.get(self.url("/metrics")).send().await.expect("sent");
        response.text().await.expect("text")
    }

    /// Overwrites the payload of event `seq` of case `number`, as someone with write access
    /// to the database could (the no-update trigger set aside for it).
    pub async fn corrupt_event(&self, backend: Backend, number: &str, seq: i32, payload: &str) {
        use diesel::connection::SimpleConnection;
        let (disable, enable) = match backend {
            Backend::Sqlite => ("DROP TRIGGER case_events_no_update;", ""),
            Backend::Postgres => (
                "ALTER TABLE case_events DISABLE TRIGGER case_events_no_update;",
                "ALTER TABLE case_events ENABLE TRIGGER case_events_no_update;",
            ),
        };
        let sql = format!(
            "{disable} UPDATE case_events SET payload = '{payload}' WHERE seq = {seq} AND case_id = \
             (SELECT id FROM cases WHERE tracking_number = '{number}'); {enable}"
        );
        let db = self.state.db.clone();
        tokio::task::spawn_blocking(move || {
            db.get()
                .expect("connection")
                .batch_execute(&sql)
                .expect("corrupted")
        })
        .await
        .expect("ran");
    }

    /// An API token for a demo account, issued directly (no password round).
    pub async fn token_for(&self, username: &str) -> String {
        let db = self.state.db.clone();
        let name = username.to_string();
        let now = self.state.now();
        db.write(move |conn| {
            let record = huiying::db::users::find_by_username(conn, &name)?.expect("demo account exists");
            let user = huiying::service::auth::StaffUser::from_record(record)?;
            Ok::<_, huiying::service::ServiceError>(huiying::service::auth::issue_token(conn, &user, now)?)
        })
        .await
        .expect("token")
    }

    /// Creates an account with the given role and department.
    pub async fn add_account(&self, username: &str, role: &str, department: Option<&str>) {
        self.add_account_in(username, role, department, &[]).await
    }

    /// Creates an account with the given role, department and areas (a liaison's).
    pub async fn add_account_in(&self, username: &str, role: &str, department: Option<&str>, areas: &[&str]) {
        let catalog = self.state.catalog();
        let input = huiying::service::users::AccountInput {
            username: username.into(),
            display_name: username.into(),
            role: role.into(),
            department: department.unwrap_or_default().into(),
            email: format!("{username}@staff.example"),
            locale: "zh-CN".into(),
            areas: areas.iter().map(|a| a.to_string()).collect(),
        };
        let account = huiying::service::users::Account::parse(&input, &catalog).expect("valid account");
        let hash = huiying::service::auth::NewPassword::parse("correct horse battery")
            .unwrap()
            .hash()
            .unwrap();
        let now = self.state.now();
        self.state
            .db
            .write(move |conn| huiying::service::users::create_account(conn, None, &account, &hash, now))
            .await
            .expect("account created");
    }

    /// `POST /api/v1/cases/{n}/{action}` with a bearer token; (status, body).
    pub async fn act(&self, token: &str, number: &str, action: &str, body: Value) -> (u16, Value) {
        let response = self
            .api
            .post(self.url(&format!("/api/v1/cases/{number}/{action}")))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("sent");
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        crate::contract::check("POST", &format!("/api/v1/cases/{number}/{action}"), status, &body);
        (status, body)
    }

    pub async fn get_with(&self, token: &str, path: &str) -> (u16, Value) {
        let response = self
            .api
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("sent");
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        crate::contract::check("GET", path, status, &body);
        (status, body)
    }

    /// One deadline scan and delivery round as of the test clock.
    pub async fn run_jobs(&self) -> (huiying::jobs::Scanned, huiying::notify::worker::Delivered) {
        let jobs = huiying::jobs::Jobs::new(self.state.clone()).expect("mail configured");
        jobs.run_once(self.state.now()).await.expect("jobs ran")
    }

    /// Background jobs that send through another SMTP relay.
    pub fn jobs_with_smtp(&self, url: &str) -> huiying::jobs::Jobs {
        let mut state = self.state.clone();
        let mut settings = (*state.settings).clone();
        settings.smtp_url = Some(url.to_string());
        state.settings = Arc::new(settings);
        huiying::jobs::Jobs::new(state).expect("mail configured")
    }

    /// Moves the test clock.
    pub fn advance(&self, by: chrono::Duration) {
        self.clock.advance(by);
    }
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    huiying::format::encode(value)
}
