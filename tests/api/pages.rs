//! The pages, driven like a browser without JavaScript: forms, errors, language, tracking.

use crate::both_backends;
use crate::helpers::{Backend, TestApp, spawn_app};

/// The value of the hidden CSRF field in a page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

pub fn form(csrf: &str) -> Vec<(&'static str, String)> {
    vec![
        ("csrf", csrf.to_string()),
        ("category", "sanitation".into()),
        ("area", "LJ-QS-TX".into()),
        ("title", "村口垃圾堆放多日无人清运".into()),
        (
            "description",
            "桃溪村村口的垃圾已经堆了一个多星期，天热发臭，希望尽快清运。".into(),
        ),
        ("address", "桃溪村村口".into()),
        ("resident_name", "李四".into()),
        ("resident_phone", "13900139000".into()),
        ("resident_email", "".into()),
        ("confidential", "on".into()),
    ]
}

async fn get_text(client: &reqwest::Client, url: String) -> (u16, String) {
    let response = client.get(url).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

pub async fn open_form(app: &TestApp, client: &reqwest::Client) -> String {
    let (status, html) = get_text(client, app.url("/cases/new")).await;
    assert_eq!(status, 200);
    csrf_of(&html)
}

both_backends!(filing_through_the_form_leads_to_a_receipt_and_the_private_page);

async fn filing_through_the_form_leads_to_a_receipt_and_the_private_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let browser = app.browser("zh-CN,zh;q=0.9");
    let csrf = open_form(&app, &browser).await;

    let response = browser
        .post(app.url("/cases/new"))
        .form(&form(&csrf))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 303);
    let receipt_path = response.headers()["location"].to_str().unwrap().to_string();
    assert!(receipt_path.contains("/receipt?token="), "{receipt_path}");
    let (status, receipt) = get_text(&browser, app.url(&receipt_path)).await;
    assert_eq!(status, 200);
    assert!(receipt.contains("您的诉求已提交"));
    assert!(receipt.contains("青山镇人民政府"), "routed by the town rule");
    assert!(receipt.contains("2026年12月11日"), "acceptance decision date");
    let link_start =
        receipt.find("id=\"private-link\" href=\"").unwrap() + "id=\"private-link\" href=\"".len();
    let private_link = receipt[link_start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    assert!(private_link.starts_with(&app.address));

    let (status, page) = get_text(&browser, private_link).await;
    assert_eq!(status, 200);
    assert!(page.contains("村口垃圾堆放多日无人清运"));
    assert!(page.contains("李四"));
    assert!(page.contains("您提交了诉求（网上提交）"));
    assert!(page.contains("您的诉求已转交青山镇人民政府办理"));
    assert!(!page.contains("分办规则"));
}

#[actix_web::test]
async fn wrong_input_comes_back_with_messages_and_everything_typed() {
    let app = spawn_app(Backend::Sqlite).await;
    let browser = app.browser("zh-CN");
    let csrf = open_form(&app, &browser).await;
    let mut fields = form(&csrf);
    fields.retain(|(k, _)| *k != "resident_phone");
    fields.push(("resident_phone", "".into()));
    fields.retain(|(k, _)| *k != "title");
    fields.push(("title", "垃圾".into()));
    fields.push(("publish_consent", "on".into()));

    let response = browser
        .post(app.url("/cases/new"))
        .form(&fields)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains("有 2 处需要修改"), "summary");
    assert!(
        html.contains("id=\"title-error\">至少需要 4 个字。"),
        "title message next to its field"
    );
    assert!(html.contains("id=\"resident_phone-error\">电话和电子邮箱请至少填写一项。"));
    assert!(html.contains("value=\"垃圾\""), "title kept");
    assert!(
        html.contains("桃溪村的垃圾已经堆了") || html.contains("桃溪村村口的垃圾已经堆了一个多星期"),
        "description kept"
    );
    assert!(html.contains("value=\"李四\""), "name kept");
    assert!(html.contains("<option value=\"LJ-QS-TX\" selected>"), "area kept");
    assert!(
        html.contains("<option value=\"sanitation\" selected>"),
        "category kept"
    );
    assert!(
        html.contains("id=\"confidential\" name=\"confidential\" value=\"on\" checked"),
        "checkbox kept"
    );
    assert!(html.contains("id=\"publish_consent\" name=\"publish_consent\" value=\"on\" checked"));
    let db = app.state.db.clone();
    let stored =
        tokio::task::spawn_blocking(move || huiying::db::cases::count_cases(&mut db.get().unwrap()).unwrap())
            .await
            .unwrap();
    assert_eq!(stored, 0, "nothing stored");
}

#[actix_web::test]
async fn english_readers_get_english_messages() {
    let app = spawn_app(Backend::Sqlite).await;
    let browser = app.browser("en-US,en;q=0.9");
    let csrf = open_form(&app, &browser).await;
    let mut fields = form(&csrf);
    fields.retain(|(k, _)| *k != "resident_email");
    fields.push(("resident_email", "nobody@".into()));

    let html = browser
        .post(app.url("/cases/new"))
        .form(&fields)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("Enter a valid email address."));
    assert!(html.contains("value=\"nobody@\""));
}

#[actix_web::test]
async fn an_expired_session_keeps_what_was_typed_and_asks_again() {
    let app = spawn_app(Backend::Sqlite).await;
    let browser = app.browser("zh-CN");
    open_form(&app, &browser).await;
    let fresh = app.browser("zh-CN");

    let response = fresh
        .post(app.url("/cases/new"))
        .form(&form("forged"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 403);
    let html = response.text().await.unwrap();
    assert!(html.contains("页面已过期"));
    assert!(html.contains("value=\"村口垃圾堆放多日无人清运\""));
    let new_token = csrf_of(&html);
    let retry = fresh
        .post(app.url("/cases/new"))
        .form(&form(&new_token))
        .send()
        .await
        .unwrap();
    assert_eq!(
        retry.status(),
        303,
        "submitting again from the re-rendered form works"
    );
}

#[actix_web::test]
async fn the_language_switch_remembers_the_choice() {
    let app = spawn_app(Backend::Sqlite).await;
    let browser = app.browser("zh-CN");
    let (_, zh) = get_text(&browser, app.url("/track")).await;
    assert!(zh.contains("按编号查询办理进度"));
    assert!(
        zh.contains("href=\"/lang?to=en&#38;next=%2Ftrack\""),
        "switch link comes back here"
    );

    let switch = browser
        .get(app.url("/lang?to=en&next=%2Ftrack"))
        .send()
        .await
        .unwrap();
    assert_eq!(switch.status(), 303);
    assert_eq!(switch.headers()["location"], "/track");
    let (_, en) = get_text(&browser, app.url("/track")).await;
    assert!(en.contains("Track a case by its number"));

    let evil = browser
        .get(app.url("/lang?to=en&next=https://evil.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(evil.headers()["location"], "/");
}

#[actix_web::test]
async fn tracking_by_number_shows_public_facts_only() {
    let app = spawn_app(Backend::Sqlite).await;
    let filed = app.file(&crate::helpers::complaint()).await;
    let number = filed["tracking_number"].as_str().unwrap();
    let browser = app.browser("zh-CN");

    let (status, html) = get_text(&browser, app.url(&format!("/track?number={number}"))).await;
    assert_eq!(status, 200);
    assert!(html.contains("已转交承办部门"));
    assert!(html.contains("市生态环境局"));
    assert!(
        !html.contains("张三") && !html.contains("夜间施工"),
        "nothing personal"
    );

    let spaced = format!("{}-{} {}", &number[..6], &number[6..12], &number[12..]);
    let (status, _) = get_text(
        &browser,
        app.url(&format!("/track?number={}", huiying::web::pages::encode(&spaced))),
    )
    .await;
    assert_eq!(status, 200, "typed with separators still works");

    let (status, html) = get_text(&browser, app.url("/track?number=123")).await;
    assert_eq!(status, 404);
    assert!(html.contains("应为13至20位数字"));
    assert!(
        html.contains("value=\"123\""),
        "the typed number stays in the box"
    );

    let (status, html) = get_text(&browser, app.url(&format!("/cases/{number}?token=wrong"))).await;
    assert_eq!(status, 200);
    assert!(html.contains("专属链接无效"));
    assert!(!html.contains("张三"));
}

#[actix_web::test]
async fn html_typed_by_a_resident_is_shown_as_text() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut body = crate::helpers::complaint();
    body["title"] = serde_json::json!("<script>alert(1)</script>");
    let filed = app.file(&body).await;
    let url = app.url(&format!(
        "/cases/{}?token={}",
        filed["tracking_number"].as_str().unwrap(),
        filed["access_token"].as_str().unwrap()
    ));

    let (_, html) = get_text(&app.browser("zh-CN"), url).await;

    assert!(!html.contains("<script>alert(1)"));
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") || html.contains("&#60;script&#62;"),
        "escaped"
    );
}

#[actix_web::test]
async fn pages_carry_security_headers_and_unknown_pages_are_404() {
    let app = spawn_app(Backend::Sqlite).await;
    let browser = app.browser("zh-CN");
    let home = browser.get(app.url("/")).send().await.unwrap();
    assert_eq!(home.headers()["referrer-policy"], "no-referrer");
    assert!(
        home.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    assert!(
        home.text().await.unwrap().contains("110"),
        "emergency numbers on the front page"
    );

    let (status, html) = get_text(&browser, app.url("/no/such/page")).await;
    assert_eq!(status, 404);
    assert!(html.contains("找不到该页面或记录"));
}

/// One problem is "1 field", two are "2 fields"; Chinese says 处 either way.
#[actix_web::test]
async fn the_error_summary_counts_in_words_that_agree() {
    let app = spawn_app(Backend::Sqlite).await;
    let browser = app.browser("en");
    let csrf = open_form(&app, &browser).await;
    let mut fields = form(&csrf);
    fields.retain(|(k, _)| *k != "title");
    fields.push(("title", "".into()));
    let html = browser
        .post(app.url("/cases/new"))
        .form(&fields)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("1 field needs attention; see the note under it."),
        "{html}"
    );
    fields.retain(|(k, _)| *k != "area");
    fields.push(("area", "".into()));
    let html = browser
        .post(app.url("/cases/new"))
        .form(&fields)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("2 fields need attention"), "{html}");
}

/// Every page names its icon, and `/favicon.ico` leads there rather than to a 404.
#[actix_web::test]
async fn the_portal_has_an_icon() {
    let app = spawn_app(Backend::Sqlite).await;
    let (_, home) = get_text(&app.api, app.url("/")).await;
    assert!(home.contains("<link rel=\"icon\" type=\"image/svg+xml\" href=\"/static/favicon.svg?v="));
    let response = app.api.get(app.url("/favicon.ico")).send().await.unwrap();
    assert_eq!(response.status(), 308);
    let to = response.headers()["location"].to_str().unwrap().to_string();
    let icon = app.api.get(app.url(&to)).send().await.unwrap();
    assert_eq!(icon.status(), 200);
    assert_eq!(icon.headers()["content-type"], "image/svg+xml");
    assert!(icon.text().await.unwrap().starts_with("<svg"));
}
