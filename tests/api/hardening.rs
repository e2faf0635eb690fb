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
    let metrics = app
        .api
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
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
    let before = app.state.passwords.verifications();
    let burst = (0..40).map(|i| {
        let app = &app;
        async move { sign_in_from(app, "198.51.100.9", "leader", &format!("guess-{i}")).await }
    });
    let statuses = futures_util::future::join_all(burst).await;
    let checks = app.state.passwords.verifications() - before;
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
    let before = app.state.passwords.verifications();
    let spread = (0..40).map(|i| {
        let app = &app;
        async move { sign_in_from(app, &format!("203.0.113.{i}"), "admin", "guess").await }
    });
    let statuses = futures_util::future::join_all(spread).await;
    assert!(app.state.passwords.verifications() - before <= 5, "{statuses:?}");
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
