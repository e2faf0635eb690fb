//! Notifications through a real SMTP server: what each change sends, in whose language,
//! retries, reminders and escalations exactly once, and many workers delivering one
//! outbox without losing or doubling a notice.

use std::collections::{HashMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::Duration as Days;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{Backend, TestApp, complaint, spawn_app_with};
use crate::smtp::SmtpSink;

pub async fn app_with_sink(backend: Backend) -> (TestApp, SmtpSink) {
    let sink = SmtpSink::start();
    let url = sink.url();
    let app = spawn_app_with(backend, move |s| s.smtp_url = Some(url)).await;
    (app, sink)
}

const ENVIRONMENT: &str = "shengtai@linjiang.example";
const HEAD: &str = "env-head@staff.linjiang.example";
const LEADER: &str = "leader@staff.linjiang.example";

both_backends!(
    filing_mails_the_receipt_with_the_private_link_and_tells_the_department,
    each_public_step_reaches_the_resident_in_their_language,
    reminders_and_escalations_go_out_once_however_often_the_scan_runs,
);

async fn filing_mails_the_receipt_with_the_private_link_and_tells_the_department(backend: Backend) {
    let (app, sink) = app_with_sink(backend).await;
    let filed = app.file(&complaint()).await;
    let number = filed["tracking_number"].as_str().unwrap().to_string();
    let token = filed["access_token"].as_str().unwrap().to_string();

    // The token waits in the outbox sealed, never in plain.
    let db = app.state.db.clone();
    let payloads: Vec<String> = tokio::task::spawn_blocking(move || {
        use diesel::prelude::*;
        use huiying::db::schema::outbox;
        outbox::table
            .select(outbox::payload)
            .load(&mut db.get().unwrap())
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(payloads.len(), 2);
    assert!(
        payloads.iter().all(|p| !p.contains(&token)),
        "the access token is sealed"
    );

    let (_, delivered) = app.run_jobs().await;
    assert_eq!(delivered.sent, 2);
    let receipt = sink.to("zhang.san@example.cn");
    assert_eq!(receipt.len(), 1);
    let receipt = &receipt[0];
    assert_eq!(receipt.from, "noreply@huiying.localhost");
    assert_eq!(receipt.subject(), format!("诉求已收到（编号 {number}）"));
    let text = receipt.text();
    assert!(text.contains("已转交市生态环境局办理"), "{text}");
    let link = format!("http://portal.test/cases/{number}?token={token}");
    assert!(text.contains(&link), "the private link is in the mail: {text}");
    assert!(
        receipt.message_id().starts_with("<outbox-") && receipt.message_id().ends_with("@huiying.localhost>")
    );

    let assignment = sink.to(ENVIRONMENT);
    assert_eq!(assignment.len(), 1);
    assert!(assignment[0].subject().contains("新交办诉求"));
    assert!(
        assignment[0]
            .text()
            .contains(&format!("http://portal.test/staff/cases/{number}"))
    );
    assert!(
        !assignment[0].text().contains("张三"),
        "no identity in the department's mail"
    );

    // Nothing is sent twice.
    let (_, again) = app.run_jobs().await;
    assert_eq!(again.sent, 0);
    assert_eq!(sink.received().len(), 2);
}

async fn each_public_step_reaches_the_resident_in_their_language(backend: Backend) {
    let (app, sink) = app_with_sink(backend).await;
    let mut body = complaint();
    body["resident"]["email"] = json!("jane@example.org");
    let filed: serde_json::Value = app
        .api
        .post(app.url("/api/v1/cases"))
        .header("Accept-Language", "en")
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let number = filed["tracking_number"].as_str().unwrap().to_string();
    let env = app.token_for("env").await;
    let head = app.token_for("env-head").await;
    for (token, action, body) in [
        (&env, "accept", json!({})),
        (
            &env,
            "extension",
            json!({"days": 10, "reason": "Waiting for an independent noise survey"}),
        ),
        (&head, "extension/approve", json!({})),
        (
            &env,
            "answer",
            json!({"outcome": "supported", "text": "The site must stop work at night from today.", "legal_basis": "Noise Pollution Prevention Law, art. 43"}),
        ),
    ] {
        let (status, reply) = app.act(token, &number, action, body).await;
        assert_eq!(status, 200, "{action}: {reply}");
    }
    app.run_jobs().await;

    let mine = sink.to("jane@example.org");
    let subjects: Vec<String> = mine.iter().map(|m| m.subject()).collect();
    assert_eq!(
        subjects,
        vec![
            format!("Complaint received (number {number})"),
            format!("Complaint accepted (number {number})"),
            format!("Deadline extended (number {number})"),
            format!("Written answer to your complaint (number {number})"),
        ]
    );
    let answer = mine[3].text();
    assert!(
        answer.contains("The site must stop work at night from today."),
        "{answer}"
    );
    assert!(answer.contains("Noise Pollution Prevention Law, art. 43"));
    assert!(
        mine[2].text().contains("Waiting for an independent noise survey"),
        "the reason for the extension"
    );
    let heads = sink.to(HEAD);
    assert_eq!(heads.len(), 1, "the head hears of the extension request");
    assert!(
        heads[0].subject().starts_with("延期申请待审批"),
        "staff read Chinese"
    );
}

async fn reminders_and_escalations_go_out_once_however_often_the_scan_runs(backend: Backend) {
    let (app, sink) = app_with_sink(backend).await;
    app.file(&complaint()).await;
    app.run_jobs().await;
    let before = sink.received().len();

    // Due on 11 Dec; thirteen days on, within three days of it: one reminder.
    app.advance(Days::days(13));
    for _ in 0..3 {
        app.run_jobs().await;
    }
    let reminders = sink
        .to(ENVIRONMENT)
        .into_iter()
        .filter(|m| m.subject().starts_with("期限提醒"))
        .count();
    assert_eq!(reminders, 1);
    assert_eq!(sink.received().len(), before + 1);

    // Thirty days after filing, still not accepted: the head and the supervising leader
    // hear of it once, whoever runs the scan and however often.
    app.advance(Days::days(17));
    let now = app.state.now().to_rfc3339();
    for _ in 0..3 {
        let output = Command::new(env!("CARGO_BIN_EXE_huiying"))
            .args(["jobs", "run-once", "--now", &now])
            .env("DATABASE_URL", &app.db_url)
            .env("HUIYING_DATA_DIR", &app.data_dir)
            .env("HUIYING_SMTP_URL", sink.url())
            .env("RUST_LOG", "warn")
            .output()
            .expect("runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    app.run_jobs().await;
    for address in [HEAD, LEADER] {
        let escalations: Vec<_> = sink
            .to(address)
            .into_iter()
            .filter(|m| m.subject().starts_with("超期督办"))
            .collect();
        assert_eq!(escalations.len(), 1, "{address}");
    }
}

#[actix_web::test]
async fn failed_mail_is_retried_with_backoff_then_given_up_and_an_administrator_can_requeue_it() {
    let sink = SmtpSink::start();
    let url = sink.url();
    let app = spawn_app_with(Backend::Sqlite, move |s| {
        // Nothing listens here, yet.
        s.smtp_url = Some("smtp://127.0.0.1:9".into());
        s.mail_max_attempts = 2;
        let _ = url;
    })
    .await;
    app.file(&complaint()).await;

    let (_, first) = app.run_jobs().await;
    assert_eq!((first.sent, first.failed), (0, 2));
    let (_, soon) = app.run_jobs().await;
    assert_eq!(soon.failed + soon.dead, 0, "not before the pause is over");
    app.advance(Days::minutes(1));
    let (_, second) = app.run_jobs().await;
    assert_eq!(second.dead, 2, "given up after two attempts");

    // The administrator sees them and sends one again through a working relay.
    let browser = app.browser("zh-CN");
    let login = browser
        .get(app.url("/staff/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = login
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    browser
        .post(app.url("/staff/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "admin"),
            ("password", "huiying-demo"),
            ("next", "/admin/mail"),
        ])
        .send()
        .await
        .unwrap();
    let page = browser
        .get(app.url("/admin/mail"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("已放弃"), "dead mail is listed");
    // Signing in renewed the CSRF token: the forms after it carry the new one.
    let csrf = crate::pages::csrf_of(&page);
    let id = page
        .split("action=\"/admin/mail/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let retried = browser
        .post(app.url(&format!("/admin/mail/{id}/retry")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(retried.status(), 303);

    let working = crate::helpers::TestApp::jobs_with_smtp(&app, &sink.url());
    let now = app.state.now();
    let delivered = working.deliver(|| now).await.unwrap();
    assert_eq!(delivered.sent, 1);
    assert_eq!(sink.received().len(), 1);
}

#[actix_web::test]
async fn a_refused_recipient_is_given_up_at_once() {
    let (app, sink) = app_with_sink(Backend::Sqlite).await;
    sink.refuse("zhang.san");
    app.file(&complaint()).await;
    let (_, delivered) = app.run_jobs().await;
    assert_eq!(
        (delivered.sent, delivered.dead),
        (1, 1),
        "550 is permanent; the department's mail still goes"
    );
}

/// Notices for a batch of distinct recipients, written straight to the outbox.
pub async fn queue_notices(app: &TestApp, count: usize) {
    let now = app.state.now();
    let notices: Vec<_> = (0..count)
        .map(|i| {
            let data = huiying::notify::mail::MailData::Reminder {
                number: format!("26112600{i:05}0"),
                department: "environment".into(),
                state: huiying::domain::case::CaseState::Routed,
                title: format!("测试提醒 {i}"),
                due: now,
            };
            huiying::notify::notices::notice(
                &data,
                &format!("n{i}@example.cn"),
                huiying::domain::locale::Locale::ZhCn,
                None,
                None,
                now,
            )
        })
        .collect();
    app.state
        .db
        .write(move |conn| huiying::db::outbox::insert_notices(conn, &notices))
        .await
        .unwrap();
}

fn worker(app: &TestApp, sink: &SmtpSink, lease_secs: u64) -> Child {
    Command::new(env!("CARGO_BIN_EXE_huiying"))
        .arg("worker")
        .env("DATABASE_URL", &app.db_url)
        .env("HUIYING_DATA_DIR", &app.data_dir)
        .env("HUIYING_SMTP_URL", sink.url())
        .env("HUIYING_MAIL_LEASE_SECS", lease_secs.to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("worker starts")
}

both_backends!(
    two_workers_deliver_five_hundred_notices_each_exactly_once,
    a_worker_killed_mid_batch_and_restarted_loses_nothing
);

async fn two_workers_deliver_five_hundred_notices_each_exactly_once(backend: Backend) {
    let (app, sink) = app_with_sink(backend).await;
    queue_notices(&app, 500).await;
    let mut workers = [worker(&app, &sink, 300), worker(&app, &sink, 300)];

    let waiting = sink.clone();
    let got = tokio::task::spawn_blocking(move || waiting.wait_for(500, Duration::from_secs(90)))
        .await
        .unwrap();
    // Give a duplicate, if any, time to arrive.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for w in &mut workers {
        let _ = w.kill();
        let _ = w.wait();
    }
    let all = sink.received();
    assert_eq!(got.len().min(500), 500, "all 500 arrived");
    let ids: HashSet<String> = all.iter().map(|m| m.message_id()).collect();
    assert_eq!(ids.len(), 500);
    assert_eq!(all.len(), 500, "none twice");
    let recipients: HashSet<String> = all.iter().flat_map(|m| m.to.clone()).collect();
    assert_eq!(recipients.len(), 500);
}

async fn a_worker_killed_mid_batch_and_restarted_loses_nothing(backend: Backend) {
    let (app, sink) = app_with_sink(backend).await;
    sink.delay(Duration::from_millis(5));
    queue_notices(&app, 500).await;
    let mut first = worker(&app, &sink, 2);
    let waiting = sink.clone();
    tokio::task::spawn_blocking(move || waiting.wait_for(100, Duration::from_secs(60)))
        .await
        .unwrap();
    first.kill().unwrap();
    first.wait().unwrap();
    let at_kill = sink.received().len();
    assert!(at_kill < 500, "killed mid-batch ({at_kill} delivered)");

    let mut second = worker(&app, &sink, 2);
    let waiting = sink.clone();
    let done = tokio::task::spawn_blocking(move || {
        let sink = waiting;
        let start = std::time::Instant::now();
        loop {
            let ids: HashSet<String> = sink.received().iter().map(|m| m.message_id()).collect();
            if ids.len() >= 500 || start.elapsed() > Duration::from_secs(90) {
                return ids.len();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    })
    .await
    .unwrap();
    let _ = second.kill();
    let _ = second.wait();
    assert_eq!(done, 500, "every notice arrived");
    // A notice in flight when the worker died may arrive twice, always as the same message.
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for m in sink.received() {
        *by_id.entry(m.message_id()).or_default() += 1;
    }
    let repeated: usize = by_id.values().filter(|n| **n > 1).count();
    assert!(repeated <= 20, "at most the claimed batch repeats ({repeated})");
}

#[actix_web::test]
async fn leaders_get_last_months_figures_on_the_first_of_the_month_once() {
    let (app, sink) = app_with_sink(Backend::Sqlite).await;
    app.file(&complaint()).await;
    let env = app.token_for("env").await;
    let mut other = complaint();
    other["category"] = json!("roads-transit");
    app.file(&other).await;
    let first = app.file(&complaint()).await["tracking_number"]
        .as_str()
        .unwrap()
        .to_string();
    app.act(&env, &first, "accept", json!({})).await;
    app.act(
        &env,
        &first,
        "answer",
        json!({"outcome": "explained", "text": "经核查，施工许可手续齐全。", "legal_basis": "《建筑法》"}),
    )
    .await;
    // 1 December 2026, 09:00 in Shanghai.
    app.clock.set(
        chrono::DateTime::parse_from_rfc3339("2026-12-01T09:00:00+08:00")
            .unwrap()
            .to_utc(),
    );
    app.run_jobs().await;
    app.run_jobs().await;
    let digests: Vec<_> = sink
        .to(LEADER)
        .into_iter()
        .filter(|m| m.subject().contains("月报"))
        .collect();
    assert_eq!(digests.len(), 1, "once, however often the scan runs");
    assert_eq!(
        digests[0].subject(),
        "2026-11 信访工作月报",
        "raw: {:?}",
        digests[0].header("Subject")
    );
    let text = digests[0].text();
    assert!(text.contains("市生态环境局：收件 2，答复 1"), "{text}");
    assert!(text.contains("市交通运输局：收件 1，答复 0"), "{text}");
}

#[actix_web::test]
async fn without_a_relay_mail_is_written_to_files_under_the_data_dir() {
    let app = crate::helpers::spawn_app(Backend::Sqlite).await;
    app.file(&complaint()).await;
    let (_, delivered) = app.run_jobs().await;
    assert_eq!(delivered.sent, 2);
    let dir = app.data_dir.join("outbox-mail");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(files.len(), 2);
    let text = std::fs::read_to_string(files.iter().find(|f| f.ends_with("1.eml")).unwrap()).unwrap();
    assert!(
        text.contains("Message-ID: <outbox-1@huiying.localhost>"),
        "{text}"
    );
}
