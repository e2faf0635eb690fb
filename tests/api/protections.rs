//! What protects residents and the portal: the filing limit per address and the trap
//! field.

use serde_json::json;

use crate::helpers::{Backend, TestApp, complaint, spawn_app_with};
use crate::pages::{form, open_form};

async fn stored_cases(app: &TestApp) -> i64 {
    let db = app.state.db.clone();
    tokio::task::spawn_blocking(move || huiying::db::cases::count_cases(&mut db.get().unwrap()).unwrap())
        .await
        .unwrap()
}

#[actix_web::test]
async fn the_api_refuses_filings_past_the_limit_with_429_and_when_to_retry() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.filing_limit_per_hour = 3).await;
    // Mistakes do not count against the resident.
    for _ in 0..5 {
        let response = app.post_case(&json!({"title": "?"})).await;
        assert_eq!(response.status(), 422);
    }
    for _ in 0..3 {
        app.file(&complaint()).await;
    }
    let refused = app
        .api
        .post(app.url("/api/v1/cases"))
        // An address the client claims is not believed unless a proxy is configured.
        .header("X-Forwarded-For", "203.0.113.7")
        .json(&complaint())
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 429);
    // Three an hour: the next one is free twenty minutes after the first.
    assert_eq!(refused.headers()["retry-after"], "1200");
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_requests");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("20 分钟"),
        "{body}"
    );
    assert_eq!(stored_cases(&app).await, 3, "nothing stored for the refused one");

    app.advance(chrono::Duration::minutes(20));
    assert_eq!(app.post_case(&complaint()).await.status(), 201);
    assert_eq!(app.post_case(&complaint()).await.status(), 429);
}

#[actix_web::test]
async fn behind_a_configured_proxy_the_forwarded_address_is_counted() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.filing_limit_per_hour = 1;
        s.trust_forwarded_for = true;
    })
    .await;
    let from = |chain: &'static str| {
        app.api
            .post(app.url("/api/v1/cases"))
            .header("X-Forwarded-For", chain)
            .json(&complaint())
            .send()
    };
    // The proxy appends the real address last; what the client put first is ignored.
    assert_eq!(from("10.9.9.9, 198.51.100.1").await.unwrap().status(), 201);
    assert_eq!(from("10.8.8.8, 198.51.100.1").await.unwrap().status(), 429);
    assert_eq!(from("198.51.100.2").await.unwrap().status(), 201);
}

#[actix_web::test]
async fn the_form_past_the_limit_says_when_and_keeps_everything_typed() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.filing_limit_per_hour = 1).await;
    let browser = app.browser("zh-CN");
    let csrf = open_form(&app, &browser).await;
    let first = browser
        .post(app.url("/cases/new"))
        .form(&form(&csrf))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 303);

    let csrf = open_form(&app, &browser).await;
    let second = browser
        .post(app.url("/cases/new"))
        .form(&form(&csrf))
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), 429);
    assert_eq!(second.headers()["retry-after"], "3600");
    let html = second.text().await.unwrap();
    assert!(html.contains("请在 60 分钟后再提交"), "{html}");
    assert!(html.contains("value=\"村口垃圾堆放多日无人清运\""), "title kept");
    assert!(
        html.contains("桃溪村村口的垃圾已经堆了一个多星期"),
        "description kept"
    );
    assert_eq!(stored_cases(&app).await, 1);
}

#[actix_web::test]
async fn a_filled_in_trap_field_stores_nothing_and_says_why() {
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await;
    let browser = app.browser("en");
    let csrf = open_form(&app, &browser).await;
    let html = browser
        .get(app.url("/cases/new"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("class=\"trap\" aria-hidden=\"true\"") && html.contains("tabindex=\"-1\""),
        "out of sight and out of the tab order"
    );
    let mut fields = form(&csrf);
    fields.push(("website", "http://spam.example".into()));
    let response = browser
        .post(app.url("/cases/new"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains("A hidden field that must stay empty"), "{html}");
    assert!(html.contains("value=\"村口垃圾堆放多日无人清运\""), "kept");
    assert_eq!(stored_cases(&app).await, 0);
}
