//! The catalogue a county enters itself, through the admin API: entries created, changed
//! and retired (never deleted), rules in force at once on every instance, bulk moves, the
//! history, whole files imported atomically, and the public routing explanation.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, complaint, second_instance, spawn_app};

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    token: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = app.api.request(method.clone(), app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    crate::contract::check(method.as_str(), path, status, &body);
    (status, body)
}

async fn import(app: &TestApp, token: &str, query: &str, text: &str) -> (u16, Value) {
    let response = app
        .api
        .post(app.url(&format!("/api/v1/admin/catalog{query}")))
        .bearer_auth(token)
        .header("content-type", "application/toml")
        .body(text.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    crate::contract::check("POST", "/api/v1/admin/catalog", status, &body);
    (status, body)
}

fn department(code: &str, zh: &str) -> Value {
    json!({"code": code, "zh": zh, "en": format!("{code} bureau"), "email": format!("{code}@linjiang.example"), "leader": "leader"})
}

both_backends!(
    administrators_manage_entries_that_are_retired_never_deleted,
    a_rule_added_at_run_time_routes_the_next_filing_on_every_instance,
    a_department_with_open_cases_is_retired_only_after_a_bulk_move,
    a_generated_county_imports_atomically_and_again_changes_nothing,
);

async fn administrators_manage_entries_that_are_retired_never_deleted(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.token_for("admin").await;
    let staff = app.token_for("env").await;
    use reqwest::Method as M;

    // Only administrators, and only with a token.
    let (status, _) = send(&app, M::GET, &staff, "/api/v1/admin/departments", None).await;
    assert_eq!(status, 403);
    let status = app
        .api
        .get(app.url("/api/v1/admin/departments"))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 401);
    let (status, _) = send(
        &app,
        M::POST,
        &staff,
        "/api/v1/admin/departments",
        Some(department("water", "市水利局")),
    )
    .await;
    assert_eq!(status, 403);

    let (status, body) = send(
        &app,
        M::POST,
        &admin,
        "/api/v1/admin/departments",
        Some(department("water", "市水利局")),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["applied"]["changes"][0]["action"], "create");
    // Codes are unique and permanent; bad input is refused with what is wrong.
    let (status, body) = send(
        &app,
        M::POST,
        &admin,
        "/api/v1/admin/departments",
        Some(department("water", "又一个")),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = send(
        &app,
        M::PUT,
        &admin,
        "/api/v1/admin/departments/water",
        Some(department("water2", "市水利局")),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = send(
        &app,
        M::POST,
        &admin,
        "/api/v1/admin/departments",
        Some(department("水利", "市水利局")),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (status, _) = send(
        &app,
        M::POST,
        &admin,
        "/api/v1/admin/departments",
        Some(json!({"code": "x"})),
    )
    .await;
    assert_eq!(status, 400, "missing names");
    let mut bad = department("roads2", "道路局");
    bad["reviewer"] = json!("nobody");
    let (status, body) = send(&app, M::POST, &admin, "/api/v1/admin/departments", Some(bad)).await;
    assert_eq!(status, 422);
    assert!(body.to_string().contains("nobody"), "{body}");

    // The intake office cannot be unmarked: without one nothing could be filed.
    let (_, listed) = send(&app, M::GET, &admin, "/api/v1/admin/departments", None).await;
    let mut intake = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "intake")
        .unwrap()
        .clone();
    intake["intake"] = json!(false);
    let (status, body) = send(
        &app,
        M::PUT,
        &admin,
        "/api/v1/admin/departments/intake",
        Some(intake),
    )
    .await;
    assert_eq!(status, 422, "{body}");

    // Renamed, then retired: kept, marked, no longer offered to the public.
    let mut renamed = department("water", "市水利局（河长办）");
    let (status, _) = send(
        &app,
        M::PUT,
        &admin,
        "/api/v1/admin/departments/water",
        Some(renamed.clone()),
    )
    .await;
    assert_eq!(status, 200);
    renamed["active"] = json!(false);
    let (status, body) = send(
        &app,
        M::PUT,
        &admin,
        "/api/v1/admin/departments/water",
        Some(renamed),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["applied"]["changes"][0]["action"], "retire");
    let (_, listed) = send(&app, M::GET, &admin, "/api/v1/admin/departments", None).await;
    let water = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "water")
        .expect("kept");
    assert_eq!(water["active"], false);
    assert_eq!(water["zh"], "市水利局（河长办）");

    // A category with its channel and group, a village under a town, a liaison card.
    let (status, body) = send(&app, M::POST, &admin, "/api/v1/admin/channels", Some(json!({
        "code": "water-court", "zh": "海事法院", "en": "Maritime court",
        "description_zh": "航运纠纷", "description_en": "Shipping disputes", "reach_zh": "临江市滨江路 8 号"
    }))).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = send(&app, M::POST, &admin, "/api/v1/admin/categories", Some(json!({
        "code": "river", "group": "urban-rural", "zh": "河道保洁", "en": "River cleaning", "channels": ["water-court"]
    }))).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = send(
        &app,
        M::POST,
        &admin,
        "/api/v1/admin/areas",
        Some(json!({
            "code": "LJ-QS-NEW", "parent": "LJ-QS", "zh": "新村", "en": "New Village"
        })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (_, areas) = app.get_json("/api/v1/areas").await;
    let village = areas
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == "LJ-QS-NEW")
        .expect("listed");
    assert_eq!(village["level"], 3);
    let (status, body) = send(&app, M::POST, &admin, "/api/v1/admin/liaisons", Some(json!({
        "area": "LJ-QS-NEW", "name": "陈红", "title": "镇党委委员", "office": "青山镇党政办", "phone": "0571-8888 1234",
        "duties": "走访群众，收集问题，引导依法反映诉求"
    }))).await;
    assert_eq!(status, 201, "{body}");

    let (status, history) = send(&app, M::GET, &admin, "/api/v1/admin/history", None).await;
    assert_eq!(status, 200);
    let rows = history.as_array().unwrap();
    let newest = &rows[0];
    assert_eq!(
        (newest["entity"].as_str(), newest["actor"].as_str()),
        (Some("liaison"), Some("admin"))
    );
    let retire = rows
        .iter()
        .find(|r| r["action"] == "retire")
        .expect("the retirement");
    assert_eq!(retire["before"]["zh"], "市水利局（河长办）");
    assert_eq!(retire["after"]["active"], false);
}

async fn a_rule_added_at_run_time_routes_the_next_filing_on_every_instance(backend: Backend) {
    let app = spawn_app(backend).await;
    let other = second_instance(&app).await;
    let admin = app.token_for("admin").await;
    use reqwest::Method as M;

    // The published responsibility: noise is the environment bureau's, city-wide.
    let (status, explained) = app
        .get_json("/api/v1/routing/explain?category=noise&area=LJ-CG-DM")
        .await;
    assert_eq!(status, 200, "{explained}");
    assert_eq!(explained["department"]["code"], "environment");
    assert_eq!(explained["rule"], json!({"category": "noise", "area": null}));
    assert_eq!(explained["path"], json!(["LJ-CG-DM", "LJ-CG", "LJ"]));
    let (status, _) = app
        .get_json("/api/v1/routing/explain?category=nothing&area=LJ")
        .await;
    assert_eq!(status, 422);

    // Noise in Dongmen now goes to the town: on this instance and the other, at once.
    let (status, body) = send(
        &app,
        M::POST,
        &admin,
        "/api/v1/admin/rules",
        Some(json!({
            "category": "noise", "area": "LJ-CG", "department": "qingshan"
        })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (_, explained) = other
        .get_json("/api/v1/routing/explain?category=noise&area=LJ-CG-DM")
        .await;
    assert_eq!(explained["department"]["code"], "qingshan", "{explained}");
    assert_eq!(explained["path"], json!(["LJ-CG-DM", "LJ-CG"]));
    let filed = other.file(&complaint()).await;
    assert_eq!(filed["department"]["code"], "qingshan", "{filed}");
    let (_, rules) = send(&app, M::GET, &admin, "/api/v1/admin/rules", None).await;
    assert!(
        rules
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["area"] == "LJ-CG" && r["department"] == "qingshan")
    );

    // Retired, the rule routes no more; the case it routed keeps it.
    let (status, body) = send(
        &app,
        M::DELETE,
        &admin,
        "/api/v1/admin/rules?category=noise&area=LJ-CG",
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["changes"][0]["action"], "retire");
    let filed_again = other.file(&complaint()).await;
    assert_eq!(filed_again["department"]["code"], "environment");
    let (status, _) = send(
        &app,
        M::DELETE,
        &admin,
        "/api/v1/admin/rules?category=noise&area=LJ-CG",
        None,
    )
    .await;
    assert_eq!(status, 404);
    // The same scope can have a rule again.
    let (status, _) = send(
        &app,
        M::POST,
        &admin,
        "/api/v1/admin/rules",
        Some(json!({
            "category": "noise", "area": "LJ-CG", "department": "environment"
        })),
    )
    .await;
    assert_eq!(status, 201);
    let number = filed["tracking_number"].as_str().unwrap();
    let token = filed["access_token"].as_str().unwrap();
    let (status, case) = app.get_with(token, &format!("/api/v1/cases/{number}")).await;
    assert_eq!(status, 200);
    assert_eq!(case["department"]["code"], "qingshan");
}

async fn a_department_with_open_cases_is_retired_only_after_a_bulk_move(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.token_for("admin").await;
    use reqwest::Method as M;
    let mut numbers = Vec::new();
    for _ in 0..3 {
        numbers.push(
            app.file(&complaint()).await["tracking_number"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let retire = json!({"code": "environment", "zh": "市生态环境局", "en": "Ecology and Environment Bureau",
        "email": "shengtai@linjiang.example", "leader": "leader", "active": false});
    let (status, body) = send(
        &app,
        M::PUT,
        &admin,
        "/api/v1/admin/departments/environment",
        Some(retire.clone()),
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.to_string().contains("3"), "{body}");
    let (status, body) = send(
        &app,
        M::POST,
        &admin,
        "/api/v1/admin/moves",
        Some(json!({
            "from": "environment", "to": "nowhere", "reason": "机构改革"
        })),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = send(
        &app,
        M::POST,
        &admin,
        "/api/v1/admin/moves",
        Some(json!({
            "from": "environment", "to": "urban", "area": "LJ-CG", "reason": "机构改革，职责划入城管局"
        })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["moved"], 3);
    let env = app.token_for("env").await;
    let intake = app.token_for("intake").await;
    let (_, case) = app
        .get_with(&intake, &format!("/api/v1/cases/{}", numbers[0]))
        .await;
    assert_eq!(case["department"], "urban");
    let last = case["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "transferred", "{case}");
    let (status, _) = app.get_with(&env, &format!("/api/v1/cases/{}", numbers[0])).await;
    assert_eq!(status, 403, "no longer the environment bureau's");

    // Still the city-wide noise rule points at it.
    let (status, body) = send(
        &app,
        M::PUT,
        &admin,
        "/api/v1/admin/departments/environment",
        Some(retire.clone()),
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.to_string().contains("noise"), "{body}");
    let (_, rules) = send(&app, M::GET, &admin, "/api/v1/admin/rules", None).await;
    for rule in rules
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["department"] == "environment")
    {
        let query = format!(
            "/api/v1/admin/rules?category={}&area={}",
            rule["category"].as_str().unwrap_or(""),
            rule["area"].as_str().unwrap_or("")
        );
        let (status, body) = send(&app, M::DELETE, &admin, &query, None).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = send(
        &app,
        M::PUT,
        &admin,
        "/api/v1/admin/departments/environment",
        Some(retire),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, offered) = app.get_json("/api/v1/departments").await;
    assert!(
        !offered
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "environment")
    );
    // Its old cases still show its name.
    let (_, case) = app
        .get_with(&intake, &format!("/api/v1/cases/{}", numbers[1]))
        .await;
    assert!(case.to_string().contains("市生态环境局"), "{case}");
}

/// A county of 12-digit division codes: one county, 12 towns, 30 villages each; its
/// petitions bureau takes over the intake office's code.
fn county() -> String {
    let mut text = String::from(
        "[[department]]\ncode = \"intake\"\nzh = \"县信访局\"\nen = \"County Petitions Bureau\"\nintake = true\n\n\
         [[department]]\ncode = \"jtj\"\nzh = \"县交通运输局\"\nen = \"County Transport Bureau\"\n\n\
         [[group]]\ncode = \"roads\"\nzh = \"交通\"\nen = \"Roads\"\n\n\
         [[category]]\ncode = \"potholes\"\ngroup = \"roads\"\nzh = \"道路坑洼\"\nen = \"Potholes\"\n\n\
         [[rule]]\ncategory = \"potholes\"\ndepartment = \"jtj\"\n\n\
         [[area]]\ncode = \"330122000000\"\nzh = \"桐溪县\"\nen = \"Tongxi County\"\n\n",
    );
    for town in 1..=12 {
        let town_code = format!("330122{town:03}000");
        text.push_str(&format!(
            "[[area]]\ncode = \"{town_code}\"\nparent = \"330122000000\"\nzh = \"第{town}镇\"\nen = \"Town {town}\"\n\n"
        ));
        for village in 1..=30 {
            text.push_str(&format!(
                "[[area]]\ncode = \"330122{town:03}{village:03}\"\nparent = \"{town_code}\"\nzh = \"{town}镇{village}村\"\nen = \"Village {town}-{village}\"\n\n"
            ));
        }
    }
    text
}

async fn a_generated_county_imports_atomically_and_again_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.token_for("admin").await;
    let file = county();

    let (status, dry) = import(&app, &admin, "?dry_run=true", &file).await;
    assert_eq!(status, 200, "{dry}");
    let created = dry["changes"].as_array().unwrap().len();
    assert_eq!(created, 2 + 1 + 1 + 1 + 1 + 12 + 12 * 30, "{dry}");
    let (_, areas) = app.get_json("/api/v1/areas").await;
    assert!(!areas.to_string().contains("330122"), "a dry run changes nothing");
    // What the file leaves out of the demo catalogue is listed, not retired.
    assert!(
        dry["missing"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["code"] == "environment")
    );

    // One bad row: refused with its line, and nothing at all changes.
    let broken = file.replace(
        "parent = \"330122005000\"\nzh = \"5镇7村\"",
        "parent = \"330122099000\"\nzh = \"5镇7村\"",
    );
    let (status, body) = import(&app, &admin, "", &broken).await;
    assert_eq!(status, 422, "{body}");
    let message = body.to_string();
    assert!(
        message.contains("330122005007") && message.contains("line "),
        "{message}"
    );
    let (_, areas) = app.get_json("/api/v1/areas").await;
    assert!(!areas.to_string().contains("330122"));

    let (status, applied) = import(&app, &admin, "", &file).await;
    assert_eq!(status, 200, "{applied}");
    assert_eq!(applied["changes"].as_array().unwrap().len(), created);
    let (_, areas) = app.get_json("/api/v1/areas").await;
    let villages = areas
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["level"] == 3 && a["code"].as_str().unwrap().starts_with("330122"))
        .count();
    assert_eq!(villages, 360);
    let (status, again) = import(&app, &admin, "", &file).await;
    assert_eq!(status, 200);
    assert_eq!(again["changes"], json!([]), "re-importing changes nothing");

    // A renamed village keeps its code (and its cases).
    let mut body = complaint();
    body["category"] = json!("potholes");
    body["area"] = json!("330122003004");
    let filed = app.file(&body).await;
    assert_eq!(filed["department"]["code"], "jtj");
    let renamed = file.replace("zh = \"3镇4村\"", "zh = \"3镇幸福村\"");
    let (_, applied) = import(&app, &admin, "", &renamed).await;
    assert_eq!(
        applied["changes"],
        json!([{"entity": "area", "code": "330122003004", "action": "update"}])
    );
    let number = filed["tracking_number"].as_str().unwrap();
    let (_, case) = app
        .get_with(
            filed["access_token"].as_str().unwrap(),
            &format!("/api/v1/cases/{number}"),
        )
        .await;
    assert!(case.to_string().contains("3镇幸福村"), "{case}");

    // The export reads back as the same catalogue.
    let exported = app
        .api
        .get(app.url("/api/v1/admin/catalog"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(exported.starts_with("# Huiying catalogue"));
    let (_, again) = import(&app, &admin, "", &exported).await;
    assert_eq!(again["changes"], json!([]), "{again}");
}

both_backends!(the_directory_shows_who_answers_for_a_village_and_its_card);

async fn the_directory_shows_who_answers_for_a_village_and_its_card(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.token_for("admin").await;
    use reqwest::Method as M;
    let (status, body) = send(&app, M::POST, &admin, "/api/v1/admin/liaisons", Some(json!({
        "area": "LJ-QS-SK", "name": "李梅", "title": "驻村干部", "office": "青山镇农业农村办", "phone": "0571-8801 2102",
        "duties": "每月两次走访，收集问题，引导依法反映"
    }))).await;
    assert_eq!(status, 201, "{body}");

    let (status, found) = app.get_json("/api/v1/directory?area=LJ-QS-SK").await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["name"], "临江市 › 青山镇 › 石口村");
    // The village's own liaisons first, then the town's.
    assert_eq!(found["liaisons"][0]["area"], "LJ-QS-SK");
    let village: Vec<&str> = found["liaisons"][0]["liaisons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert!(
        village.contains(&"李梅") && village.contains(&"王建国"),
        "{village:?}"
    );
    assert_eq!(found["liaisons"][1]["area"], "LJ-QS");
    let noise = found["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["category"] == "noise")
        .unwrap();
    assert_eq!(noise["department_name"], "市生态环境局");
    assert!(found["channels"].as_array().unwrap().len() > 1);
    let (status, _) = app.get_json("/api/v1/directory?area=NOPE").await;
    assert_eq!(status, 404);

    let browser = app.browser("zh-CN");
    let (status, page) = crate::staff_pages::page(&browser, app.url("/directory?area=LJ-QS-SK")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("李梅") && page.contains("href=\"tel:0571-8801 2102\""),
        "{page}"
    );
    assert!(page.contains("href=\"/cases/new?area=LJ-QS-SK\""));
    let (status, card) = crate::staff_pages::page(&browser, app.url("/directory/LJ-QS-SK/card")).await;
    assert_eq!(status, 200);
    assert!(
        card.contains("<svg") && card.contains("李梅") && card.contains("110"),
        "{card}"
    );
    assert!(card.contains("http://portal.test/cases/new?area=LJ-QS-SK"));
    // The QR code's link pre-selects the village.
    let (_, form) = crate::staff_pages::page(&browser, app.url("/cases/new?area=LJ-QS-SK")).await;
    assert!(
        form.contains("<option value=\"LJ-QS-SK\" selected>"),
        "the village is chosen"
    );
    let (status, _) = crate::staff_pages::page(&browser, app.url("/directory/NOPE/card")).await;
    assert_eq!(status, 404);

    // The lawful channels, with how to reach them, for everyone.
    let (status, listed) = crate::staff_pages::page(&browser, app.url("/channels")).await;
    assert_eq!(status, 200);
    assert!(
        listed.contains("id=\"channel-court\"") && listed.contains("id=\"channel-labour-arbitration\""),
        "{listed}"
    );

    // The catalogue's pages are the administrators' alone.
    let staff = crate::staff_pages::signed_in(&app, "env").await;
    for path in [
        "/admin/catalog",
        "/admin/catalog/departments",
        "/admin/catalog/export",
    ] {
        let (status, _) = crate::staff_pages::page(&staff, app.url(path)).await;
        assert_eq!(status, 403, "{path}");
    }
    let admin_pages = crate::staff_pages::signed_in(&app, "admin").await;
    let (status, html) = crate::staff_pages::page(&admin_pages, app.url("/admin/catalog/liaisons")).await;
    assert_eq!(status, 200);
    assert!(html.contains("李梅"), "{html}");
}

/// Printed from Chromium, the card fills exactly one page.
#[actix_web::test]
async fn the_liaison_card_prints_on_one_page() {
    if !crate::browser::available() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("card.pdf");
    let url = app.url("/directory/LJ-QS-SK/card");
    let (profile, target) = (dir.path().join("profile"), pdf.clone());
    // Off the test's thread: the server answering Chromium runs on it.
    let status = tokio::task::spawn_blocking(move || {
        std::process::Command::new("/usr/bin/chromium")
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--no-pdf-header-footer",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--print-to-pdf={}", target.display()))
            .arg(&url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
    })
    .await
    .unwrap()
    .unwrap();
    assert!(status.success());
    let bytes = std::fs::read(&pdf).unwrap();
    // Each page object is `/Type /Page` (the page tree is `/Type /Pages`).
    let text = String::from_utf8_lossy(&bytes);
    let pages = text.matches("/Type /Page").count() - text.matches("/Type /Pages").count();
    assert_eq!(pages, 1, "the card prints on one page");
}

/// An administrator, in Chromium: uploads the official codes of a town's villages, adds a
/// department and a rule for them; a resident files for one of the villages and the case
/// goes there.
#[actix_web::test]
async fn an_administrator_sets_up_a_town_in_the_browser_and_a_filing_follows_it() {
    use crate::browser::{available, both_widths, fill, sign_in, start_browser, wait_for_text};
    use fantoccini::Locator;
    if !available() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("areas.csv");
    std::fs::write(
        &csv,
        "\u{feff}code,name,parent_code\n330122000000,桐溪镇,LJ\n330122000001,上溪村,330122000000\n330122000002,下溪村,330122000000\n",
    )
    .unwrap();
    let (_driver, client) = start_browser("zh-CN").await;
    let result = async {
        sign_in(&client, &app.url("/staff/login"), "admin").await?;
        wait_for_text(&client, Locator::Css("h1"), "系统管理").await?;
        client.goto(&app.url("/admin/catalog")).await?;
        both_widths(&client, "admin-catalog").await?;
        client
            .find(Locator::Id("areas-file"))
            .await?
            .send_keys(&csv.display().to_string())
            .await?;
        client.find(Locator::Id("areas-dry-run")).await?.click().await?;
        client
            .find(Locator::Id("import-areas-submit"))
            .await?
            .click()
            .await?;
        let said = wait_for_text(&client, Locator::Id("import-result"), "3").await?;
        assert!(said.contains("3"), "{said}");

        client.goto(&app.url("/admin/catalog/departments")).await?;
        fill(&client, "f-code", "tongxi").await;
        fill(&client, "f-zh", "桐溪镇人民政府").await;
        fill(&client, "f-en", "Tongxi Town Government").await;
        fill(&client, "f-email", "tongxi@linjiang.example").await;
        both_widths(&client, "admin-departments").await?;
        client.find(Locator::Id("save-entry")).await?.click().await?;
        wait_for_text(&client, Locator::Id("saved"), "已保存").await?;
        assert!(client.find(Locator::Id("edit-tongxi")).await.is_ok());

        client.goto(&app.url("/admin/catalog")).await?;
        // Competence by subject beats place: the rule names the category too.
        fill(&client, "rule-category", "roads-transit").await;
        fill(&client, "rule-area", "330122000000").await;
        fill(&client, "rule-department", "tongxi").await;
        client.find(Locator::Id("rule-save")).await?.click().await?;
        wait_for_text(&client, Locator::Id("rules"), "桐溪镇人民政府").await?;
        fill(&client, "try-category", "roads-transit").await;
        fill(&client, "try-area", "330122000002").await;
        client.find(Locator::Id("try")).await?.click().await?;
        wait_for_text(&client, Locator::Id("tried"), "桐溪镇人民政府").await?;
        both_widths(&client, "admin-rules").await?;

        // The resident: the new village is offered, and the case goes to the town.
        client.delete_all_cookies().await?;
        client.goto(&app.url("/cases/new?area=330122000001")).await?;
        let chosen = client.find(Locator::Id("area")).await?.prop("value").await?;
        assert_eq!(chosen.as_deref(), Some("330122000001"));
        client
            .find(Locator::Id("category"))
            .await?
            .select_by_value("roads-transit")
            .await?;
        fill(&client, "title", "村口道路坑洼积水").await;
        fill(
            &client,
            "description",
            "上溪村村口的道路坑洼严重，下雨后积水，行人车辆通行困难。",
        )
        .await;
        fill(&client, "resident_name", "王五").await;
        fill(&client, "resident_phone", "13700137000").await;
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
    assert_eq!(result.expect("browser flow"), "桐溪镇人民政府");
}
