//! Photos and PDFs: type from the content, location metadata gone, the limits, stored
//! under the data directory and handed only to those who may see the case.

use huiying::domain::upload::fixtures::{jpeg_with_location, png_with_text};
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::both_backends;
use crate::helpers::{Backend, TestApp, complaint, spawn_app};
use crate::pages::csrf_of;

fn form_with(files: &[(&str, Vec<u8>)]) -> Form {
    files.iter().fold(Form::new(), |form, (name, bytes)| {
        form.part("file", Part::bytes(bytes.clone()).file_name(name.to_string()))
    })
}

pub async fn upload(app: &TestApp, number: &str, token: &str, files: &[(&str, Vec<u8>)]) -> (u16, Value) {
    let response = app
        .api
        .post(app.url(&format!("/api/v1/cases/{number}/attachments")))
        .bearer_auth(token)
        .multipart(form_with(files))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn access_reads(app: &TestApp) -> i64 {
    let db = app.state.db.clone();
    tokio::task::spawn_blocking(move || {
        use diesel::prelude::*;
        use huiying::db::schema::access_log;
        access_log::table
            .filter(access_log::what.eq("attachment"))
            .count()
            .get_result::<i64>(&mut db.get().unwrap())
            .unwrap()
    })
    .await
    .unwrap()
}

both_backends!(files_are_checked_cleaned_limited_and_shown_only_to_who_may_see_the_case);

async fn files_are_checked_cleaned_limited_and_shown_only_to_who_may_see_the_case(backend: Backend) {
    let app = spawn_app(backend).await;
    let filed = app.file(&complaint()).await;
    let number = filed["tracking_number"].as_str().unwrap().to_string();
    let token = filed["access_token"].as_str().unwrap().to_string();

    let (status, body) = upload(
        &app,
        &number,
        &token,
        &[
            ("工地夜间施工.JPG", jpeg_with_location()),
            ("现场.png", png_with_text()),
        ],
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let files = body["attachments"].as_array().unwrap().clone();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["name"], "工地夜间施工.jpg");
    assert_eq!(files[0]["content_type"], "image/jpeg");
    assert_eq!(files[1]["content_type"], "image/png");

    // What is served has no location left, and cannot run anything.
    let url = files[0]["url"].as_str().unwrap().to_string();
    let response = app
        .api
        .get(app.url(&url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    assert!(
        response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("sandbox")
    );
    let bytes = response.bytes().await.unwrap();
    assert!(!contains(&bytes, b"GPS") && contains(&bytes, b"JFIF"));
    let png = app
        .api
        .get(app.url(files[1]["url"].as_str().unwrap()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(!contains(&png, b"Taoxi"));

    // Stored under the data directory, never where static files are served.
    let dir = app.data_dir.join("attachments");
    let stored: Vec<_> = walk(&dir);
    assert_eq!(stored.len(), 2, "{stored:?}");
    assert!(
        stored
            .iter()
            .all(|p| !contains(&std::fs::read(p).unwrap(), b"GPS"))
    );
    // Pages link the stylesheet by its digest, which may be kept a year; any other address
    // of it only briefly.
    let home = app
        .api
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let css = home
        .split("href=\"")
        .find(|s| s.starts_with("/static/app.css?v="))
        .and_then(|s| s.split('"').next())
        .expect("versioned stylesheet")
        .to_string();
    let response = app.api.get(app.url(&css)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let stale = app.api.get(app.url("/static/app.css?v=0")).send().await.unwrap();
    assert_eq!(stale.headers()["cache-control"], "public, max-age=300");

    // Refusals: too large, not what it claims, too many — and nothing kept of them.
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(10 * 1024 * 1024 + 1, b' ');
    let (status, body) = upload(&app, &number, &token, &[("扫描件.pdf", big)]).await;
    assert_eq!(status, 413, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("扫描件.pdf"));
    let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0 This program cannot be run in DOS mode".to_vec();
    let (status, body) = upload(&app, &number, &token, &[("photo.jpg", exe)]).await;
    assert_eq!(status, 415, "{body}");
    assert_eq!(body["error"]["code"], "upload_refused");
    let pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF".to_vec();
    let four: Vec<(&str, Vec<u8>)> = (0..4).map(|_| ("证明.pdf", pdf.clone())).collect();
    let (status, body) = upload(&app, &number, &token, &four).await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = upload(&app, &number, &token, &four[..3]).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["attachments"].as_array().unwrap().len(), 5);
    let (status, _) = upload(&app, &number, &token, &four[..1]).await;
    assert_eq!(status, 409, "the case is full");
    assert_eq!(walk(&dir).len(), 5, "refused files leave nothing behind");

    // Who may see them: the resident, the department holding the case (recorded); not
    // another department, nor anyone without a proof; staff do not upload evidence.
    let (status, _) = app.get_with("not-the-token", &url).await;
    assert_eq!(status, 403);
    assert_eq!(app.api.get(app.url(&url)).send().await.unwrap().status(), 401);
    let env = app.token_for("env").await;
    let response = app.api.get(app.url(&url)).bearer_auth(&env).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(access_reads(&app).await, 1);
    let transport = app.token_for("transport").await;
    let response = app
        .api
        .get(app.url(&url))
        .bearer_auth(&transport)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let (status, _) = upload(&app, &number, &env, &[("a.png", png_with_text())]).await;
    assert_eq!(status, 403);
    let (_, staff_view) = app.get_with(&env, &format!("/api/v1/cases/{number}")).await;
    assert_eq!(staff_view["attachments"].as_array().unwrap().len(), 5);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// The private page's upload form, without JavaScript.
#[actix_web::test]
async fn the_private_page_uploads_and_lists_files() {
    let app = spawn_app(Backend::Sqlite).await;
    let filed = app.file(&complaint()).await;
    let number = filed["tracking_number"].as_str().unwrap().to_string();
    let token = filed["access_token"].as_str().unwrap().to_string();
    let browser = app.browser("zh-CN");
    let page_url = app.url(&format!("/cases/{number}?token={token}"));
    let page = browser.get(&page_url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("enctype=\"multipart/form-data\"") && page.contains("还没有上传照片或材料"));
    let csrf = csrf_of(&page);
    // The form's address carries the proof, so it is checked before the body is read.
    let action = page
        .split("action=\"")
        .find(|s| s.starts_with(&format!("/cases/{number}/attachments?")))
        .and_then(|s| s.split('"').next())
        .unwrap()
        .replace("&amp;", "&");
    assert!(action.contains(&format!("token={token}")), "{action}");

    let form = Form::new()
        .text("csrf", csrf.clone())
        .part("file", Part::bytes(b"MZ\x90\0".to_vec()).file_name("照片.jpg"));
    let response = browser
        .post(app.url(&action))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("id=\"upload-error\"") && html.contains("“照片.jpg”不是"),
        "{html}"
    );

    let form = Form::new()
        .text("csrf", csrf)
        .part("file", Part::bytes(jpeg_with_location()).file_name("现场.jpg"));
    let response = browser
        .post(app.url(&action))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let html = browser
        .get(app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("材料已上传") && html.contains("现场.jpg"), "{html}");
    let link = html
        .split("href=\"")
        .find(|s| s.starts_with(&format!("/cases/{number}/attachments/")))
        .and_then(|s| s.split('"').next())
        .unwrap()
        .replace("&amp;", "&");
    let response = browser.get(app.url(&link)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
}
