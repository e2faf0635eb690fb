//! The JSON API for filing and reading cases, and its errors.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, complaint, spawn_app};
use huiying::domain::tracking::TrackingNumber;

both_backends!(
    filing_returns_number_token_department_and_due_date,
    public_view_shows_state_and_dates_but_nothing_personal,
    resident_view_with_token_shows_everything_and_the_timeline,
    routing_follows_the_most_specific_rule,
);

async fn filing_returns_number_token_department_and_due_date(backend: Backend) {
    let app = spawn_app(backend).await;

    let response = app.post_case(&complaint()).await;

    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let body: Value = response.json().await.unwrap();
    let number = body["tracking_number"].as_str().unwrap();
    assert!(
        TrackingNumber::parse(number).is_ok(),
        "{number} carries a valid check digit"
    );
    assert!(
        number.starts_with("261126"),
        "filed on 26 Nov 2026 (Shanghai): {number}"
    );
    assert_eq!(location, format!("/api/v1/cases/{number}"));
    assert_eq!(body["access_token"].as_str().unwrap().len(), 43);
    assert_eq!(body["state"], "routed");
    assert_eq!(
        body["department"],
        json!({"code": "environment", "name": "市生态环境局"})
    );
    // Filed 26 Nov, 15 days not counting the filing day: end of 11 Dec in Shanghai.
    assert_eq!(body["acceptance_due_at"], "2026-12-11T15:59:59Z");
}

async fn public_view_shows_state_and_dates_but_nothing_personal(backend: Backend) {
    let app = spawn_app(backend).await;
    let filed = app.file(&complaint()).await;
    let number = filed["tracking_number"].as_str().unwrap();

    let (status, body) = app.get_json(&format!("/api/v1/cases/{number}")).await;

    assert_eq!(status, 200);
    assert_eq!(body["state"], "routed");
    assert_eq!(body["department"]["code"], "environment");
    assert_eq!(body["submitted_at"], "2026-11-26T02:00:00Z");
    // The resident consented to publication: the title is public, nothing else they wrote.
    assert_eq!(body["title"], "夜间施工噪音扰民");
    let text = body.to_string();
    for private in [
        "张三",
        "13800138000",
        "zhang.san",
        "十一点",
        "东门路",
        "timeline",
        "description",
    ] {
        assert!(!text.contains(private), "public view leaks {private}: {text}");
    }

    let mut unpublished = complaint();
    unpublished["publish_consent"] = serde_json::json!(false);
    let filed = app.file(&unpublished).await;
    let number = filed["tracking_number"].as_str().unwrap();
    let (_, body) = app.get_json(&format!("/api/v1/cases/{number}")).await;
    assert!(body["title"].is_null(), "{body}");
    assert_eq!(body["supportable"], false);
}

async fn resident_view_with_token_shows_everything_and_the_timeline(backend: Backend) {
    let app = spawn_app(backend).await;
    let filed = app.file(&complaint()).await;
    let number = filed["tracking_number"].as_str().unwrap();
    let token = filed["access_token"].as_str().unwrap();

    let by_header: Value = app
        .api
        .get(app.url(&format!("/api/v1/cases/{number}")))
        .bearer_auth(token)
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (status, by_query) = app
        .get_json(&format!("/api/v1/cases/{number}?token={token}"))
        .await;

    assert_eq!(status, 200);
    assert_eq!(by_query["title"], "夜间施工噪音扰民");
    assert_eq!(by_query["resident"]["phone"], "13800138000");
    assert_eq!(by_query["address"], "东门路18号");
    assert_eq!(by_query["area"]["name"], "临江市 › 城关街道 › 东门社区");
    let timeline = by_header["timeline"].as_array().unwrap();
    assert_eq!(timeline.len(), 2);
    assert_eq!(timeline[0]["kind"], "received");
    // The resident's own timeline speaks to them.
    assert_eq!(
        timeline[0]["message"],
        "You filed the complaint (through the API)."
    );
    assert_eq!(timeline[1]["kind"], "routed");
    assert_eq!(timeline[1]["data"]["department"], "environment");
    assert_eq!(timeline[1]["data"]["category"], "noise");
    assert_eq!(
        timeline[1]["message"],
        "Your complaint was sent to the Ecology and Environment Bureau."
    );

    let wrong = app
        .api
        .get(app.url(&format!("/api/v1/cases/{number}")))
        .bearer_auth("not-the-token")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
    let error: Value = wrong.json().await.unwrap();
    assert_eq!(error["error"]["code"], "forbidden");
}

async fn routing_follows_the_most_specific_rule(backend: Backend) {
    let app = spawn_app(backend).await;
    let file_in = |category: &str, area: &str| {
        let mut body = complaint();
        body["category"] = json!(category);
        body["area"] = json!(area);
        body
    };

    // A village rule beats the city-wide one.
    let village = app.file(&file_in("roads-transit", "LJ-QS-SK")).await;
    // A town rule applies to the town's villages.
    let town = app.file(&file_in("sanitation", "LJ-BS-HT")).await;
    // Elsewhere the city-wide rule applies.
    let city = app.file(&file_in("roads-transit", "LJ-JB-WJ")).await;
    // No rule at all: the intake office.
    let none = app.file(&file_in("other", "LJ-BS-HT")).await;

    assert_eq!(village["department"]["code"], "qingshan");
    assert_eq!(town["department"]["code"], "baisha");
    assert_eq!(city["department"]["code"], "transport");
    assert_eq!(none["department"]["code"], "intake");
    let (_, case) = app
        .get_json(&format!(
            "/api/v1/cases/{}?token={}",
            none["tracking_number"].as_str().unwrap(),
            none["access_token"].as_str().unwrap()
        ))
        .await;
    assert_eq!(case["timeline"][1]["data"]["by"], "no_rule");
    // The resident is told where it went, without the routing behind it.
    assert_eq!(case["timeline"][1]["message"], "您的诉求已转交临江市信访局办理。");
}

// Errors are answered without touching the database, so SQLite covers them.

#[actix_web::test]
async fn invalid_fields_get_422_with_a_message_per_field_in_the_callers_language() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut body = complaint();
    body["title"] = json!("路".repeat(81));
    body["resident"]["email"] = json!("not-an-email");
    body["category"] = json!("no-such-category");

    let zh: Value = app.post_case(&body).await.json().await.unwrap();
    let response = app
        .api
        .post(app.url("/api/v1/cases"))
        .header("Accept-Language", "en-GB,en;q=0.9")
        .json(&body)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 422);
    let en: Value = response.json().await.unwrap();
    assert_eq!(en["error"]["code"], "invalid");
    assert_eq!(en["error"]["fields"]["title"], "At most 80 characters (now 81).");
    assert_eq!(
        en["error"]["fields"]["resident.email"],
        "Enter a valid email address."
    );
    assert_eq!(
        en["error"]["fields"]["category"],
        "There is no such category; choose one from the list."
    );
    assert_eq!(zh["error"]["fields"]["title"], "最多 80 个字（现在 81 个）。");
    assert_eq!(zh["error"]["message"], "提交的内容有误，请按提示修改。");
}

#[actix_web::test]
async fn eighty_chinese_characters_fit_in_a_title() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut body = complaint();
    body["title"] = json!("路".repeat(80));
    let filed = app.file(&body).await;
    let (_, case) = app
        .get_json(&format!(
            "/api/v1/cases/{}?token={}",
            filed["tracking_number"].as_str().unwrap(),
            filed["access_token"].as_str().unwrap()
        ))
        .await;
    assert_eq!(case["title"].as_str().unwrap().chars().count(), 80);
}

#[actix_web::test]
async fn missing_everything_lists_every_required_field() {
    let app = spawn_app(Backend::Sqlite).await;
    let response = app.post_case(&json!({})).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    let fields: Vec<&str> = body["error"]["fields"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        fields,
        vec![
            "area",
            "category",
            "description",
            "resident.name",
            "resident.phone",
            "title"
        ]
    );
}

#[actix_web::test]
async fn malformed_json_is_400() {
    let app = spawn_app(Backend::Sqlite).await;
    let response = app
        .api
        .post(app.url("/api/v1/cases"))
        .header("Content-Type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "bad_request");

    let wrong_type = app.post_case(&json!({"title": 42})).await;
    assert_eq!(wrong_type.status(), 400);
}

#[actix_web::test]
async fn oversized_body_is_413() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut body = complaint();
    body["description"] = json!("字".repeat(30_000));
    let response = app.post_case(&body).await;
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large");
}

#[actix_web::test]
async fn a_form_body_sent_to_the_json_api_is_415() {
    let app = spawn_app(Backend::Sqlite).await;
    let response = app
        .api
        .post(app.url("/api/v1/cases"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("title=x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
}

#[actix_web::test]
async fn unknown_and_mistyped_numbers_are_404_with_the_reason() {
    let app = spawn_app(Backend::Sqlite).await;
    let filed = app.file(&complaint()).await;
    let number = filed["tracking_number"].as_str().unwrap().to_string();
    let mut typo = number.clone().into_bytes();
    typo[8] = if typo[8] == b'9' { b'0' } else { typo[8] + 1 };
    let typo = String::from_utf8(typo).unwrap();
    let unknown = TrackingNumber::new(chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(), 999_999);

    let (status, body) = app.get_json(&format!("/api/v1/cases/{typo}")).await;
    assert_eq!(status, 404);
    assert!(
        body["error"]["message"].as_str().unwrap().contains("校验位"),
        "{body}"
    );

    let (status, body) = app.get_json(&format!("/api/v1/cases/{unknown}")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));

    let (status, _) = app.get_json("/api/v1/cases/abc").await;
    assert_eq!(status, 404);
    let (status, body) = app.get_json("/api/v1/no-such-endpoint").await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));
}

#[actix_web::test]
async fn html_in_any_field_is_stored_and_returned_as_text() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut body = complaint();
    body["title"] = json!("<script>alert('x')</script>");
    body["resident"]["name"] = json!("<b>王五</b>");
    let filed = app.file(&body).await;
    let (_, case) = app
        .get_json(&format!(
            "/api/v1/cases/{}?token={}",
            filed["tracking_number"].as_str().unwrap(),
            filed["access_token"].as_str().unwrap()
        ))
        .await;
    assert_eq!(case["title"], "<script>alert('x')</script>");
    assert_eq!(case["resident"]["name"], "<b>王五</b>");
}

#[actix_web::test]
async fn reference_data_lists_categories_areas_and_departments() {
    let app = spawn_app(Backend::Sqlite).await;

    let (_, categories) = app.get_json("/api/v1/categories").await;
    let (_, areas) = app.get_json("/api/v1/areas").await;
    let (_, departments) = app.get_json("/api/v1/departments").await;

    let categories = categories.as_array().unwrap();
    assert!(categories.len() >= 15);
    let hazard = categories.iter().find(|c| c["code"] == "safety-hazard").unwrap();
    assert_eq!(hazard["urgent"], true);
    assert_eq!(hazard["group"], "安全与民生保障");
    let wages = categories.iter().find(|c| c["code"] == "wage-arrears").unwrap();
    assert_eq!(wages["channels"][0]["code"], "labour-arbitration");
    let village = areas
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == "LJ-QS-SK")
        .unwrap();
    assert_eq!(village["parent_code"], "LJ-QS");
    assert_eq!(village["level"], 3);
    assert_eq!(village["name"], "石口村");
    let departments = departments.as_array().unwrap();
    assert!(departments.len() >= 11);
    assert!(
        departments
            .iter()
            .any(|d| d["code"] == "intake" && d["intake"] == true)
    );
}

#[actix_web::test]
async fn health_and_metrics_are_served() {
    let app = spawn_app(Backend::Sqlite).await;
    app.file(&complaint()).await;

    let (status, health) = app.get_json("/healthz").await;
    let metrics = app.api.get(app.url("/metrics")).send().await.unwrap();

    assert_eq!(status, 200);
    assert_eq!(health["database"], "ok");
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.unwrap();
    assert!(text.contains("cases_filed_total"), "{text}");
    assert!(text.contains("http_requests_total"), "{text}");
}
