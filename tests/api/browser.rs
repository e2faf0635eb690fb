//! Headless Chromium through the real pages. Skipped when Chromium or ChromeDriver is
//! missing, unless HUIYING_REQUIRE_BROWSER=1 (CI sets it), which turns that into a failure.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::helpers::{Backend, spawn_app};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// ChromeDriver on a free loopback port; killed on drop (after the session is closed).
pub struct Driver {
    child: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn available() -> bool {
    let present = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !present && std::env::var("HUIYING_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
        panic!("HUIYING_REQUIRE_BROWSER=1 but {CHROMIUM} or {CHROMEDRIVER} is missing");
    }
    if !present {
        eprintln!("Chromium or ChromeDriver not installed: skipping the browser test");
    }
    present
}

pub async fn start_browser(lang: &str) -> (Driver, Client) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let profile = tempfile::tempdir().unwrap();
    let driver = Driver {
        child,
        port,
        _profile: profile,
    };
    // Up to 20 s: on a loaded 2-core CI machine chromedriver once took longer than 5.
    for _ in 0..400 {
        if std::net::TcpStream::connect(("127.0.0.1", driver.port)).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-quic", "--window-size=1000,1400",
                format!("--lang={lang}"),
                format!("--user-data-dir={}", driver._profile.path().display()),
            ],
            "prefs": { "intl.accept_languages": lang },
        }),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("webdriver session");
    (driver, client)
}

/// Waits until the element has text containing `needle` (the page may still be the one
/// before a navigation, or be replaced under us).
pub async fn wait_for_text(
    client: &Client,
    locator: Locator<'_>,
    needle: &str,
) -> Result<String, fantoccini::error::CmdError> {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(element) = client.find(locator).await
            && let Ok(text) = element.text().await
        {
            if text.contains(needle) {
                return Ok(text);
            }
            last = text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never saw {needle:?}; last text was {last:?}");
}

pub async fn fill(client: &Client, id: &str, text: &str) {
    client
        .find(Locator::Id(id))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

/// Signs in on the staff login page as one of the demo accounts.
pub async fn sign_in(client: &Client, url: &str, username: &str) -> Result<(), fantoccini::error::CmdError> {
    client.goto(url).await?;
    fill(client, "username", username).await;
    fill(client, "password", "huiying-demo").await;
    client
        .find(Locator::Css("button[type=submit]"))
        .await?
        .click()
        .await?;
    Ok(())
}

/// With HUIYING_SCREENSHOTS=DIR, the page as a desktop (1280 px) and a phone (390 px)
/// show it, as `NAME-1280.png` and `NAME-390.png`.
pub async fn both_widths(client: &Client, name: &str) -> Result<(), fantoccini::error::CmdError> {
    let Ok(dir) = std::env::var("HUIYING_SCREENSHOTS") else {
        return Ok(());
    };
    for (width, height) in [(1280, 900), (390, 844)] {
        client.set_window_size(width, height).await?;
        // A resize keeps the scroll offset, not the anchor the page was opened on.
        client
            .execute(
                "if (location.hash) { document.querySelector(location.hash)?.scrollIntoView(); }",
                vec![],
            )
            .await?;
        let png = client.screenshot().await?;
        std::fs::write(Path::new(&dir).join(format!("{name}-{width}.png")), png).unwrap();
    }
    client.set_window_size(1000, 1400).await?;
    Ok(())
}

#[actix_web::test]
async fn a_resident_files_a_complaint_through_the_form_and_reads_the_receipt() {
    if !available() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    let (_driver, client) = start_browser("zh-CN").await;

    let result = async {
        client.goto(&app.url("/cases/new")).await?;
        assert!(
            client
                .find(Locator::Css("h1"))
                .await?
                .text()
                .await?
                .contains("提交诉求")
        );
        // First an incomplete submission: the page comes back with the message and the text.
        fill(&client, "title", "路灯不亮已经两周").await;
        client
            .find(Locator::Css("button[type=submit]"))
            .await?
            .click()
            .await?;
        wait_for_text(&client, Locator::Id("form-error"), "处需要修改").await?;
        let kept = client.find(Locator::Id("title")).await?.prop("value").await?;
        assert_eq!(kept.as_deref(), Some("路灯不亮已经两周"));

        client
            .find(Locator::Id("category"))
            .await?
            .select_by_value("roads-transit")
            .await?;
        client
            .find(Locator::Id("area"))
            .await?
            .select_by_value("LJ-QS-SK")
            .await?;
        fill(
            &client,
            "description",
            "石口村村委会门前的路灯已经两个星期不亮，晚上出行很不安全。",
        )
        .await;
        fill(&client, "resident_name", "王五").await;
        fill(&client, "resident_phone", "13700137000").await;
        client
            .find(Locator::Css("button[type=submit]"))
            .await?
            .click()
            .await?;

        wait_for_text(&client, Locator::Id("receipt"), "您的诉求已提交").await?;
        let number = client.find(Locator::Id("tracking-number")).await?.text().await?;
        let department = client.find(Locator::Id("department")).await?.text().await?;
        let due = client.find(Locator::Id("acceptance-due")).await?.text().await?;
        assert_eq!(department, "青山镇人民政府");
        assert_eq!(due, "2026年12月11日");
        if let Ok(dir) = std::env::var("HUIYING_SCREENSHOTS") {
            let png = client.screenshot().await?;
            std::fs::write(Path::new(&dir).join("receipt.png"), png).unwrap();
        }

        client.find(Locator::Id("private-link")).await?.click().await?;
        wait_for_text(&client, Locator::Id("timeline"), "您提交了诉求（网上提交）").await?;
        Ok::<_, fantoccini::error::CmdError>(number)
    }
    .await;
    client.close().await.ok();
    let number = result.expect("browser flow");

    let (status, case) = app.get_json(&format!("/api/v1/cases/{number}")).await;
    assert_eq!(status, 200);
    assert_eq!(case["department"]["code"], "qingshan");
}

#[actix_web::test]
async fn staff_answer_in_the_browser_and_the_resident_evaluates_and_asks_for_review() {
    if !available() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    let filed = app.file(&crate::helpers::complaint()).await;
    let number = filed["tracking_number"].as_str().unwrap().to_string();
    let private = app.url(&format!(
        "/cases/{number}?token={}",
        filed["access_token"].as_str().unwrap()
    ));
    let (_driver, client) = start_browser("zh-CN").await;
    let shots = std::env::var("HUIYING_SCREENSHOTS").ok();
    let shot = |name: &'static str| {
        let client = client.clone();
        let shots = shots.clone();
        async move {
            if let Some(dir) = shots {
                let png = client.screenshot().await?;
                std::fs::write(Path::new(&dir).join(name), png).unwrap();
            }
            Ok::<_, fantoccini::error::CmdError>(())
        }
    };

    let result = async {
        client.goto(&app.url("/staff/login")).await?;
        fill(&client, "username", "env").await;
        fill(&client, "password", "huiying-demo").await;
        client
            .find(Locator::Css("button[type=submit]"))
            .await?
            .click()
            .await?;
        wait_for_text(&client, Locator::Id("queue"), &number).await?;
        shot("staff-queue.png").await?;

        client
            .find(Locator::Css(&format!("a[href='/staff/cases/{number}']")))
            .await?
            .click()
            .await?;
        client
            .wait()
            .for_element(Locator::Id("action-accept"))
            .await?
            .click()
            .await?;
        client.find(Locator::Id("submit-accept")).await?.click().await?;
        wait_for_text(&client, Locator::Id("done"), "受理").await?;

        client
            .find(Locator::Css("#action-answer summary"))
            .await?
            .click()
            .await?;
        client
            .find(Locator::Css("#action-answer input[value=explained]"))
            .await?
            .click()
            .await?;
        fill(
            &client,
            "answer-text",
            "经现场核查，施工单位已调整作业时间，夜间不再施工。",
        )
        .await;
        fill(
            &client,
            "answer-basis",
            "《中华人民共和国噪声污染防治法》第四十三条",
        )
        .await;
        shot("staff-answer.png").await?;
        client.find(Locator::Id("submit-answer")).await?.click().await?;
        wait_for_text(&client, Locator::Id("done"), "书面答复").await?;
        assert_eq!(client.find(Locator::Id("state")).await?.text().await?, "已答复");
        shot("staff-case.png").await?;

        // The resident opens the private link.
        client.goto(&private).await?;
        // The answer leads the page, the evaluation form open below it.
        let text = wait_for_text(&client, Locator::Id("answer"), "书面答复").await?;
        assert!(text.contains("施工单位已调整作业时间"), "{text}");
        shot("resident-answer.png").await?;

        // Unsatisfied: the resident says so, then asks for a review with reasons.
        client
            .find(Locator::Css("#action-evaluation input[value=unsatisfied]"))
            .await?
            .click()
            .await?;
        fill(&client, "evaluation-comment", "晚上十点以后仍能听到机器声。").await;
        client
            .find(Locator::Id("submit-evaluation"))
            .await?
            .click()
            .await?;
        wait_for_text(&client, Locator::Id("done"), "评价答复").await?;
        wait_for_text(&client, Locator::Id("timeline"), "您评价了答复：不满意").await?;

        client
            .find(Locator::Css("#action-review-request summary"))
            .await?
            .click()
            .await?;
        // Submitting without a reason keeps the page and says what is missing.
        client
            .find(Locator::Id("submit-review-request"))
            .await?
            .click()
            .await?;
        wait_for_text(&client, Locator::Id("action-review-request"), "此项为必填项").await?;
        fill(
            &client,
            "review-request-reason",
            "答复与实际情况不符，请上级机关复查。",
        )
        .await;
        shot("resident-review.png").await?;
        client
            .find(Locator::Id("submit-review-request"))
            .await?
            .click()
            .await?;
        wait_for_text(&client, Locator::Id("done"), "申请复查").await?;
        let text = wait_for_text(&client, Locator::Id("timeline"), "您申请了复查").await?;
        assert!(text.contains("请上级机关复查"), "{text}");
        assert!(text.contains("市信访局"), "the reviewing body is named: {text}");
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    client.close().await.ok();
    result.expect("browser flow");
}

#[actix_web::test]
async fn a_leader_reviews_a_days_queue_records_a_meeting_and_takes_charge() {
    if !available() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    // A day with two bookings: a plain case booked first, then one past its deadline.
    let leader_token = app.token_for("leader").await;
    let day: serde_json::Value = app
        .api
        .post(app.url("/api/v1/reception-days"))
        .bearer_auth(&leader_token)
        .json(&json!({"date": "2026-12-17", "starts_at": "09:00", "ends_at": "11:30", "place": "市民中心三楼接待室", "capacity": 10}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let day_id = day["id"].as_i64().unwrap();
    let mut numbers = Vec::new();
    for (who, title) in [("a", "小区门口路灯不亮"), ("b", "夜间施工噪音扰民")] {
        let mut body = crate::helpers::complaint();
        body["title"] = json!(title);
        body["resident"] = json!({"name": who, "phone": "13700000009", "email": format!("{who}@example.cn")});
        body["resident"]["phone"] = json!(format!("1370000000{}", numbers.len()));
        let filed = app.file(&body).await;
        numbers.push((
            filed["tracking_number"].as_str().unwrap().to_string(),
            filed["access_token"].as_str().unwrap().to_string(),
        ));
    }
    let env = app.token_for("env").await;
    let (status, _) = app.act(&env, &numbers[0].0, "accept", json!({})).await;
    assert_eq!(status, 200);
    // The second is never accepted: sixteen days on it is overdue.
    app.advance(chrono::Duration::days(16));
    for (number, token) in &numbers {
        let response = app
            .api
            .post(app.url(&format!("/api/v1/reception-days/{day_id}/bookings")))
            .bearer_auth(token)
            .json(&json!({ "tracking_number": number }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        app.advance(chrono::Duration::minutes(5));
    }
    let (plain, late) = (numbers[0].0.clone(), numbers[1].0.clone());
    // The day itself (17 Dec, 10:10 in Shanghai): meetings can be recorded.
    app.advance(chrono::Duration::days(5));

    let (_driver, client) = start_browser("zh-CN").await;
    let result = async {
        client.goto(&app.url("/staff/login")).await?;
        fill(&client, "username", "leader").await;
        fill(&client, "password", "huiying-demo").await;
        client
            .find(Locator::Css("button[type=submit]"))
            .await?
            .click()
            .await?;
        wait_for_text(&client, Locator::Css("header"), "接待日").await?;
        client.goto(&app.url("/leader?month=2026-12")).await?;
        client
            .find(Locator::Id(&format!("day-{day_id}")))
            .await?
            .click()
            .await?;
        let queue = wait_for_text(&client, Locator::Id("reception-queue"), &late).await?;
        // The overdue case comes first although it was booked later.
        let first = queue.find(&late).expect("late listed");
        let second = queue.find(&plain).expect("plain listed");
        assert!(first < second, "{queue}");
        assert!(queue.contains("超期"));

        // The leader opens the first case's details, records the meeting, takes charge.
        let card = client
            .find(Locator::Css("#reception-queue li:first-child"))
            .await?;
        card.find(Locator::Css("details summary")).await?.click().await?;
        let details = card.find(Locator::Css("details")).await?.text().await?;
        assert!(details.contains("收到诉求"), "{details}");
        let textarea = card.find(Locator::Css("textarea")).await?;
        textarea
            .send_keys("当面听取意见，责成生态环境局三日内受理。")
            .await?;
        card.find(Locator::Css("button[id^=record-]"))
            .await?
            .click()
            .await?;
        wait_for_text(&client, Locator::Css("#reception-queue li:first-child"), "已接待").await?;
        client
            .find(Locator::Css(
                "#reception-queue li:first-child button[id^=supervise-]",
            ))
            .await?
            .click()
            .await?;
        wait_for_text(&client, Locator::Css("#reception-queue li:first-child"), "已包案").await?;
        if let Ok(dir) = std::env::var("HUIYING_SCREENSHOTS") {
            let png = client.screenshot().await?;
            std::fs::write(Path::new(&dir).join("leader-day.png"), png).unwrap();
        }
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    client.close().await.ok();
    result.expect("browser flow");

    let token = &numbers[1].1;
    let (_, case) = app.get_with(token, &format!("/api/v1/cases/{late}")).await;
    let kinds: Vec<&str> = case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.ends_with(&["reception_booked", "reception_held", "supervised"]),
        "{kinds:?}"
    );
}

/// With script, the form suggests categories as the resident types; they choose one and
/// the case goes where that category is routed.
#[actix_web::test]
async fn the_form_suggests_categories_live_as_the_resident_types() {
    if !available() {
        return;
    }
    let app = crate::suggestions::trained_app(Backend::Sqlite).await;
    let (_driver, client) = start_browser("zh-CN").await;
    let result = async {
        client.goto(&app.url("/cases/new")).await?;
        fill(&client, "title", "夜里吵得睡不着").await;
        fill(
            &client,
            "description",
            "楼下工地夜间施工，噪音扰民，已经一个月了。",
        )
        .await;
        wait_for_text(&client, Locator::Id("category-suggestions"), "噪声扰民").await?;
        let first = client
            .find(Locator::Css("#category optgroup:first-of-type"))
            .await?
            .attr("label")
            .await?;
        assert_eq!(first.as_deref(), Some("根据描述推荐"));
        client
            .find(Locator::Css("#suggested-group option[value=noise]"))
            .await?
            .click()
            .await?;
        let chosen = client.find(Locator::Id("category")).await?.prop("value").await?;
        assert_eq!(chosen.as_deref(), Some("noise"));
        client
            .find(Locator::Id("area"))
            .await?
            .select_by_value("LJ-CG-DM")
            .await?;
        fill(&client, "resident_name", "王五").await;
        fill(&client, "resident_phone", "13700137000").await;
        if let Ok(dir) = std::env::var("HUIYING_SCREENSHOTS") {
            client
                .execute("document.getElementById('category').scrollIntoView()", vec![])
                .await?;
            let png = client.screenshot().await?;
            std::fs::write(Path::new(&dir).join("suggested-categories.png"), png).unwrap();
        }
        client
            .find(Locator::Css("button.primary[type=submit]"))
            .await?
            .click()
            .await?;
        wait_for_text(&client, Locator::Id("receipt"), "您的诉求已提交").await?;
        client.find(Locator::Id("department")).await?.text().await
    }
    .await;
    client.close().await.ok();
    assert_eq!(result.expect("browser flow"), "市生态环境局");
}

/// Choosing an urgent category brings what to do in danger before the rest of the form,
/// by the stylesheet alone; a report category brings the department concerned.
#[actix_web::test]
async fn an_urgent_category_shows_the_emergency_numbers_at_once() {
    if !available() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    let (_driver, client) = start_browser("zh-CN").await;
    let result = async {
        client.goto(&app.url("/cases/new")).await?;
        let guidance = client.find(Locator::Id("urgent-guidance")).await?;
        assert!(!guidance.is_displayed().await?, "hidden until an urgent choice");
        let concerned = client.find(Locator::Id("concerned-field")).await?;
        assert!(!concerned.is_displayed().await?);
        client
            .find(Locator::Id("category"))
            .await?
            .select_by_value("safety-hazard")
            .await?;
        assert!(guidance.is_displayed().await?, "shown for an urgent category");
        let call = client
            .find(Locator::Css("#urgent-guidance a[href='tel:110']"))
            .await?;
        assert!(call.is_displayed().await?);
        if let Ok(dir) = std::env::var("HUIYING_SCREENSHOTS") {
            let png = client.screenshot().await?;
            std::fs::write(Path::new(&dir).join("urgent-guidance.png"), png).unwrap();
        }
        client
            .find(Locator::Id("category"))
            .await?
            .select_by_value("official-misconduct")
            .await?;
        assert!(!guidance.is_displayed().await?);
        assert!(
            concerned.is_displayed().await?,
            "the department concerned for a report"
        );
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    client.close().await.ok();
    result.expect("browser flow");
}
