//! What an operator runs: configuration checks, readiness, and migrations that several
//! instances may start at once.

use crate::both_backends;
use crate::helpers::{Backend, TestDb, spawn_app_with};

fn huiying(args: &[&str], env: &[(&str, &str)], data_dir: &std::path::Path) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_huiying"));
    command
        .args(args)
        .env_remove("DATABASE_URL")
        .env("HUIYING_DATA_DIR", data_dir)
        .env("RUST_LOG", "error");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("runs")
}

both_backends!(
    migrate_check_says_what_would_run_and_applies_nothing,
    ready_means_the_schema_is_current_and_mail_is_not_backed_up,
    a_residents_identity_is_removed_after_the_retention_period_and_the_case_stays,
    a_database_of_the_previous_release_upgrades_with_its_data,
);

/// A database of the previous release (every migration but this release's newest: the
/// newest is taken back by its `down.sql` after the data is in), with a case filed in it,
/// takes the new migration at start and keeps the case whole.
async fn a_database_of_the_previous_release_upgrades_with_its_data(backend: Backend) {
    use diesel_migrations::MigrationHarness;
    use huiying::db::conn::{DbTarget, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
    let (_db, url, data_dir) = TestDb::create(backend);
    let mut conn = DbTarget::parse(&url).connect().unwrap();
    // The data: the demo city, and (below) a case filed as a release files it.
    huiying::db::conn::run_migrations(&mut conn).unwrap();
    huiying::service::demo::seed_demo(&mut conn).unwrap();
    let catalog = huiying::db::catalog::load(&mut conn).unwrap();
    let (calendar, policies) = (
        huiying::domain::calendar::official(),
        huiying::domain::workflow::Policies::default(),
    );
    let key = huiying::domain::timeline::ChainKey::new(vec![7; 32]);
    let rules = huiying::app::Rules {
        catalog: &catalog,
        calendar: &calendar,
        policies: &policies,
        tz: chrono_tz::Asia::Shanghai,
        chain_key: &key,
    };
    let input: huiying::domain::new_case::CaseInput =
        serde_json::from_value(crate::helpers::complaint()).unwrap();
    let case = huiying::domain::new_case::NewCase::parse(
        &input,
        &catalog,
        huiying::domain::locale::Locale::ZhCn,
        huiying::domain::case::Channel::Web,
    )
    .unwrap();
    let filed = huiying::service::file_case::file_case(
        &mut conn,
        &huiying::db::cases::CaseIds::default(),
        rules,
        &huiying::notify::seal::Sealer::generate(),
        &case,
        &Default::default(),
        chrono::Utc::now(),
    )
    .unwrap();
    // The previous release's database: the newest migration taken back, with its data.
    match &mut conn {
        huiying::db::DbConn::Sqlite(c) => {
            c.revert_last_migration(SQLITE_MIGRATIONS).unwrap();
        }
        huiying::db::DbConn::Postgresql(c) => {
            c.revert_last_migration(POSTGRES_MIGRATIONS).unwrap();
        }
    }
    assert_eq!(huiying::db::conn::pending_migrations(&mut conn).unwrap().len(), 1);
    drop(conn);

    // The new release starts on it: migrates, and the case is there as it was.
    let upgraded = huiying::db::Db::open(&url, 2).unwrap();
    let mut conn = upgraded.get().unwrap();
    assert!(
        huiying::db::conn::pending_migrations(&mut conn)
            .unwrap()
            .is_empty()
    );
    let record = huiying::db::cases::find_by_tracking_number(&mut conn, filed.tracking_number.as_str())
        .unwrap()
        .expect("the case survived");
    assert_eq!(record.title, case.title.as_str());
    assert_eq!(record.identity_removed_at, None);
    let (checked, breaks) = huiying::service::audit::verify(&mut conn, &key, None).unwrap();
    assert_eq!((checked, breaks.len()), (1, 0));
    let check = huiying(
        &["migrate", "--check"],
        &[("DATABASE_URL", url.as_str())],
        &data_dir,
    );
    assert!(check.status.success());
}

/// Three years after a case ended, the scan removes who filed it and their files; the
/// case, its timeline (still verifiable) and the resident's page stay, and say so.
async fn a_residents_identity_is_removed_after_the_retention_period_and_the_case_stays(backend: Backend) {
    use serde_json::json;
    let app = crate::helpers::spawn_app(backend).await;
    let filed = app.file(&crate::helpers::complaint()).await;
    let (number, token) = (
        filed["tracking_number"].as_str().unwrap().to_string(),
        filed["access_token"].as_str().unwrap().to_string(),
    );
    let photo = huiying::domain::upload::fixtures::jpeg_with_location();
    let (status, _) = crate::attachments::upload(&app, &number, &token, &[("现场.jpg", photo)]).await;
    assert_eq!(status, 201);
    let (status, _) = app.act(&token, &number, "withdraw", json!({})).await;
    assert_eq!(status, 200);
    // A case that ended later keeps its identity for now.
    let later = app.file(&crate::helpers::complaint()).await;
    let (later_number, later_token) = (
        later["tracking_number"].as_str().unwrap().to_string(),
        later["access_token"].as_str().unwrap().to_string(),
    );
    app.advance(chrono::Duration::days(365));
    let (status, _) = app.act(&later_token, &later_number, "withdraw", json!({})).await;
    assert_eq!(status, 200);

    let view = |number: String, token: String| {
        let app = &app;
        async move { app.get_with(&token, &format!("/api/v1/cases/{number}")).await.1 }
    };
    let file_dir = app.data_dir.join("attachments");
    assert!(std::fs::read_dir(&file_dir).unwrap().count() > 0);

    app.advance(chrono::Duration::days(2 * 365 + 2));
    let (scanned, _) = app.run_jobs().await;
    assert_eq!(scanned.identities_removed, 1, "{scanned:?}");
    let case = view(number.clone(), token.clone()).await;
    assert_eq!(case["resident"]["name"], "");
    assert_eq!(case["resident"]["phone"], serde_json::Value::Null);
    assert_eq!(case["resident"]["email"], serde_json::Value::Null);
    assert_eq!(case["address"], serde_json::Value::Null);
    assert_eq!(case["attachments"], json!([]));
    assert!(case["identity_removed_at"].is_string(), "{case}");
    assert_eq!(case["state"], "withdrawn");
    assert_eq!(
        case["timeline"].as_array().unwrap().last().unwrap()["kind"],
        "identity_removed"
    );
    assert!(
        std::fs::read_dir(&file_dir)
            .unwrap()
            .all(|e| std::fs::read_dir(e.unwrap().path()).unwrap().count() == 0)
    );
    let kept = view(later_number, later_token).await;
    assert_ne!(kept["resident"]["name"], "");
    assert!(kept["identity_removed_at"].is_null());

    // The chain still holds; a second scan changes nothing.
    let (db, key) = (app.state.db.clone(), app.state.chain_key.clone());
    let (_, breaks) = tokio::task::spawn_blocking(move || {
        huiying::service::audit::verify(&mut db.get().unwrap(), &key, None).unwrap()
    })
    .await
    .unwrap();
    assert!(breaks.is_empty(), "{breaks:?}");
    let (again, _) = app.run_jobs().await;
    assert_eq!(again.identities_removed, 0);

    // The resident's page says what happened, in their language.
    let page = app
        .api
        .get(app.url(&format!("/cases/{number}?token={token}")))
        .header("Accept-Language", "zh-CN")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"identity-removed\""), "{page}");
    assert!(page.contains("删除您的姓名"));
}

#[test]
fn check_config_names_what_production_lacks_and_serve_refuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let ok = huiying(&["check-config"], &[], dir.path());
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stdout));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("configuration OK"));

    let production = [("HUIYING_ENV", "production")];
    let refused = huiying(&["check-config"], &production, dir.path());
    let said = String::from_utf8_lossy(&refused.stdout);
    assert_eq!(refused.status.code(), Some(1), "{said}");
    for setting in ["HUIYING_SMTP_URL", "HUIYING_PUBLIC_URL", "HUIYING_SECURE_COOKIES"] {
        assert!(
            said.contains(&format!("error: {setting}:")),
            "{setting} in {said}"
        );
    }
    let serve = huiying(&["serve", "--bind", "127.0.0.1:0"], &production, dir.path());
    assert!(!serve.status.success());
    let told = String::from_utf8_lossy(&serve.stderr);
    assert!(
        told.contains("not fit for production") && told.contains("HUIYING_SMTP_URL"),
        "{told}"
    );

    let ready = [
        ("HUIYING_ENV", "production"),
        (
            "HUIYING_SMTP_URL",
            "smtps://portal:secret@mail.example.gov.cn:465",
        ),
        ("HUIYING_PUBLIC_URL", "https://huiying.example.gov.cn"),
        ("HUIYING_SECURE_COOKIES", "true"),
    ];
    let fine = huiying(&["check-config"], &ready, dir.path());
    assert!(fine.status.success(), "{}", String::from_utf8_lossy(&fine.stdout));

    let broken = huiying(&["check-config"], &[("HUIYING_TIMEZONE", "Beijing")], dir.path());
    assert_eq!(broken.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&broken.stdout).contains("error: HUIYING_TIMEZONE:"));
}

async fn migrate_check_says_what_would_run_and_applies_nothing(backend: Backend) {
    let (_db, url, data_dir) = TestDb::create(backend);
    let database = [("DATABASE_URL", url.as_str())];
    let before = huiying(&["migrate", "--check"], &database, &data_dir);
    let said = String::from_utf8_lossy(&before.stdout).to_string();
    assert_eq!(before.status.code(), Some(1), "{said}");
    assert!(
        said.contains("would apply 2026-12-01-000002_keyed_timeline"),
        "{said}"
    );
    let again = huiying(&["migrate", "--check"], &database, &data_dir);
    assert_eq!(again.status.code(), Some(1), "checking applied nothing");

    let applied = huiying(&["migrate"], &database, &data_dir);
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    let after = huiying(&["migrate", "--check"], &database, &data_dir);
    assert!(after.status.success());
    assert!(String::from_utf8_lossy(&after.stdout).contains("0 migration(s) pending"));
}

/// Three instances starting together against one empty PostgreSQL database: each
/// migration is applied once, and all three start.
#[test]
fn instances_starting_together_apply_each_migration_once() {
    if crate::helpers::postgres_url().is_none() {
        eprintln!("TEST_DATABASE_URL is not set: skipping the PostgreSQL run");
        return;
    }
    let (_db, url, _) = TestDb::create(Backend::Postgres);
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(3));
    let starts: Vec<_> = (0..3)
        .map(|_| {
            let (url, barrier) = (url.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                huiying::db::Db::open(&url, 2).map(|_| ())
            })
        })
        .collect();
    for start in starts {
        start.join().unwrap().expect("every instance starts");
    }
    assert!(huiying::db::Db::pending(&url).unwrap().is_empty());
    use diesel::prelude::*;
    let mut conn = diesel::PgConnection::establish(&url).unwrap();
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        distinct: i64,
    }
    let counted: Count = diesel::sql_query(
        "SELECT count(*) AS n, count(DISTINCT version) AS distinct FROM __diesel_schema_migrations",
    )
    .get_result(&mut conn)
    .unwrap();
    assert_eq!(counted.n, counted.distinct);
    assert_eq!(
        counted.n as usize,
        huiying::db::conn::migration_names(huiying::db::Backend::Postgres).len(),
        "each migration once"
    );
}

async fn ready_means_the_schema_is_current_and_mail_is_not_backed_up(backend: Backend) {
    // Ready while no more than 0 mails are due.
    let app = spawn_app_with(backend, |s| s.ready_mail_backlog = 0).await;
    let ready = app.api.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["pending_migrations"], serde_json::json!([]));

    // Mail backed up: alive, but not ready.
    crate::mail::queue_notices(&app, 1).await;
    let backed_up = app.api.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(backed_up.status(), 503);
    let body: serde_json::Value = backed_up.json().await.unwrap();
    assert_eq!(
        (body["status"].as_str(), body["mail_due"].as_i64()),
        (Some("not_ready"), Some(1))
    );
    let alive = app.api.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(alive.status(), 200);
}

/// A backup taken while cases are being filed restores to a data directory that serves
/// the same cases, timelines (the audit passes), attachments and sessions; a damaged
/// archive is refused.
#[actix_web::test]
async fn a_backup_taken_during_filings_restores_whole_and_a_damaged_one_is_refused() {
    let app = crate::helpers::spawn_app(Backend::Sqlite).await;
    let first = app.file(&crate::helpers::complaint()).await;
    let (number, token) = (
        first["tracking_number"].as_str().unwrap().to_string(),
        first["access_token"].as_str().unwrap().to_string(),
    );
    let photo = huiying::domain::upload::fixtures::jpeg_with_location();
    let (status, _) = crate::attachments::upload(&app, &number, &token, &[("现场.jpg", photo)]).await;
    assert_eq!(status, 201);
    let _staff = crate::staff_pages::signed_in(&app, "env").await;

    // Filings go on while the backup is taken.
    let filing = {
        let (client, url) = (app.api.clone(), app.url("/api/v1/cases"));
        tokio::spawn(async move {
            for _ in 0..40 {
                let r = client
                    .post(&url)
                    .json(&crate::helpers::complaint())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201);
            }
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("huiying-backup.tar");
    let (db_url, data_dir, to) = (app.db_url.clone(), app.data_dir.clone(), archive.clone());
    let taken = tokio::task::spawn_blocking(move || {
        huiying(
            &["backup", "--to", to.to_str().unwrap()],
            &[("DATABASE_URL", db_url.as_str())],
            &data_dir,
        )
    })
    .await
    .unwrap();
    assert!(
        taken.status.success(),
        "{}",
        String::from_utf8_lossy(&taken.stderr)
    );
    assert!(String::from_utf8_lossy(&taken.stdout).contains("backup written to"));
    filing.await.unwrap();

    let restored = dir.path().join("restored");
    let unpacked = huiying(
        &[
            "restore",
            "--from",
            archive.to_str().unwrap(),
            "--data-dir",
            restored.to_str().unwrap(),
        ],
        &[],
        &restored,
    );
    assert!(
        unpacked.status.success(),
        "{}",
        String::from_utf8_lossy(&unpacked.stderr)
    );

    // The restored portal has the first case, its file, its session, and sound chains.
    let audit = huiying(&["audit", "verify"], &[], &restored);
    assert!(
        audit.status.success(),
        "{}",
        String::from_utf8_lossy(&audit.stdout)
    );
    let db =
        huiying::db::Db::open(&format!("sqlite://{}", restored.join("huiying.db").display()), 2).unwrap();
    let mut conn = db.get().unwrap();
    let case = huiying::db::cases::find_by_tracking_number(&mut conn, &number)
        .unwrap()
        .expect("the case");
    let files = huiying::db::attachments::list_for(&mut conn, case.id).unwrap();
    assert_eq!(files.len(), 1);
    let stored = huiying::service::attachments::file_path(&restored, &files[0]);
    let original = huiying::service::attachments::file_path(&app.data_dir, &files[0]);
    assert_eq!(std::fs::read(stored).unwrap(), std::fs::read(original).unwrap());
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let sessions: Count = diesel::sql_query("SELECT count(*) AS n FROM sessions")
        .get_result(&mut conn)
        .unwrap();
    assert!(sessions.n >= 1);
    let cases: Count = diesel::sql_query("SELECT count(*) AS n FROM cases")
        .get_result(&mut conn)
        .unwrap();
    assert!((1..=41).contains(&cases.n), "{} cases", cases.n);
    for (key, _) in [("session.key", ()), ("audit.key", ())] {
        assert_eq!(
            std::fs::read(restored.join(key)).unwrap(),
            std::fs::read(app.data_dir.join(key)).unwrap(),
            "{key}"
        );
    }

    // One byte changed anywhere in a file: refused, and nothing unpacked.
    let mut bytes = std::fs::read(&archive).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    let damaged = dir.path().join("damaged.tar");
    std::fs::write(&damaged, bytes).unwrap();
    let into = dir.path().join("second");
    let refused = huiying(
        &[
            "restore",
            "--from",
            damaged.to_str().unwrap(),
            "--data-dir",
            into.to_str().unwrap(),
        ],
        &[],
        &into,
    );
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("damaged"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(!into.join("huiying.db").exists());
    // Into a directory that holds data: refused.
    let occupied = huiying(
        &[
            "restore",
            "--from",
            archive.to_str().unwrap(),
            "--data-dir",
            restored.to_str().unwrap(),
        ],
        &[],
        &restored,
    );
    assert!(!occupied.status.success());
}

/// The fault run of README "Scaling out", shortened: three instances and two workers on
/// one PostgreSQL database, one of each killed with SIGKILL mid-load and restarted. It
/// must pass its own checks and print its counts.
#[test]
fn the_fault_run_loses_nothing_when_an_instance_and_a_worker_are_killed() {
    let Some(url) = crate::helpers::postgres_url() else {
        eprintln!("TEST_DATABASE_URL is not set: skipping the PostgreSQL run");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "chaos",
        "--database-url",
        &url,
        "--seconds",
        "9",
        "--cases",
        "300",
        "--clients",
        "4",
    ];
    let output = huiying(&args, &[], dir.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for line in [
        "fault: kill -9 of serve-2 (pid ",
        "filings: ",
        "staff actions: ",
        "receipts: ",
        "scan mail: reminder ",
        "audit verify: ",
        "chaos: PASS",
    ] {
        assert!(stdout.contains(line), "no {line:?} in:\n{stdout}");
    }
}
