//! Many residents at once: every filing gets its own number and nothing is lost.

use std::collections::HashSet;

use huiying::db::cases::count_cases;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{Backend, complaint, spawn_app};

both_backends!(fifty_concurrent_filings_get_unique_numbers_and_all_are_stored);

async fn fifty_concurrent_filings_get_unique_numbers_and_all_are_stored(backend: Backend) {
    let app = spawn_app(backend).await;
    let requests = (0..50).map(|i| {
        let mut body = complaint();
        body["title"] = json!(format!("并发提交的诉求第{i}件"));
        let client = app.api.clone();
        let url = app.url("/api/v1/cases");
        async move { client.post(url).json(&body).send().await }
    });

    let responses = futures_util::future::join_all(requests).await;

    let mut numbers = HashSet::new();
    for response in responses {
        let response = response.expect("sent");
        assert_eq!(response.status(), 201);
        let body: serde_json::Value = response.json().await.unwrap();
        numbers.insert(body["tracking_number"].as_str().unwrap().to_string());
    }
    assert_eq!(numbers.len(), 50, "every number is unique");
    let db = app.state.db.clone();
    let stored = tokio::task::spawn_blocking(move || count_cases(&mut db.get().unwrap()).unwrap())
        .await
        .unwrap();
    assert_eq!(stored, 50);
    for number in &numbers {
        let (status, case) = app.get_json(&format!("/api/v1/cases/{number}")).await;
        assert_eq!(status, 200);
        assert_eq!(&case["tracking_number"], number);
    }
}
