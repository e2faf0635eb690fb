//! Open311 GeoReport v2 through HTTP, in both formats: the XML is read with a real
//! parser and checked for the element names the specification gives.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, complaint, spawn_app, spawn_app_with};

async fn get(app: &TestApp, path: &str) -> (u16, String, String) {
    let response = app.api.get(app.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    let kind = response.headers()["content-type"].to_str().unwrap().to_string();
    (status, kind, response.text().await.unwrap())
}

async fn json_of(app: &TestApp, path: &str) -> (u16, Value) {
    let (status, kind, body) = get(app, path).await;
    assert!(kind.starts_with("application/json"), "{kind}");
    (status, serde_json::from_str(&body).unwrap())
}

/// The texts of `child` under each `item` of the document's root.
fn texts(xml: &str, item: &str, child: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
    doc.root_element()
        .children()
        .filter(|n| n.has_tag_name(item))
        .map(|n| {
            n.children()
                .find(|c| c.has_tag_name(child))
                .and_then(|c| c.text())
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

fn root_name(xml: &str) -> String {
    roxmltree::Document::parse(xml)
        .unwrap()
        .root_element()
        .tag_name()
        .name()
        .to_string()
}

both_backends!(
    discovery_services_and_definitions_follow_the_spec_in_both_formats,
    requests_show_only_what_the_public_may_see,
);

async fn discovery_services_and_definitions_follow_the_spec_in_both_formats(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, kind, xml) = get(&app, "/open311/v2/discovery.xml").await;
    assert_eq!((status, kind.starts_with("text/xml")), (200, true), "{kind}");
    assert_eq!(root_name(&xml), "discovery");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let endpoint = doc
        .descendants()
        .find(|n| n.has_tag_name("endpoint"))
        .expect("an endpoint");
    let field = |name: &str| {
        endpoint
            .children()
            .find(|c| c.has_tag_name(name))
            .and_then(|c| c.text())
            .map(str::to_string)
    };
    assert_eq!(
        field("specification").as_deref(),
        Some("http://wiki.open311.org/GeoReport_v2")
    );
    assert_eq!(field("type").as_deref(), Some("production"));
    assert_eq!(field("url").as_deref(), Some("http://portal.test/open311/v2"));
    let formats: Vec<&str> = endpoint
        .descendants()
        .filter(|n| n.has_tag_name("format"))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(formats, ["text/xml", "application/json"]);
    for name in ["changeset", "contact", "key_service"] {
        assert!(
            doc.root_element().children().any(|c| c.has_tag_name(name)),
            "{name}"
        );
    }
    let (_, discovery) = json_of(&app, "/open311/v2/discovery.json").await;
    assert_eq!(
        discovery["endpoints"][0]["formats"],
        json!(["text/xml", "application/json"])
    );

    // One service per category in use, in the language asked for.
    let (_, categories) = app.get_json("/api/v1/categories").await;
    let (status, _, xml) = get(&app, "/open311/v2/services.xml?locale=en").await;
    assert_eq!(status, 200);
    assert_eq!(root_name(&xml), "services");
    let codes = texts(&xml, "service", "service_code");
    assert_eq!(codes.len(), categories.as_array().unwrap().len());
    let names = texts(&xml, "service", "service_name");
    assert!(
        names.contains(&"Noise nuisance".to_string()),
        "in English: {names:?}"
    );
    for field in ["description", "metadata", "type", "keywords", "group"] {
        assert_eq!(texts(&xml, "service", field).len(), codes.len(), "{field}");
    }
    assert_eq!(texts(&xml, "service", "type")[0], "realtime");
    let (_, services) = json_of(&app, "/open311/v2/services.json").await;
    let noise = services
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service_code"] == "noise")
        .unwrap()
        .clone();
    assert_eq!(noise["metadata"], true);

    // A service's definition: the area, a single-value list of area codes.
    let (status, _, xml) = get(&app, "/open311/v2/services/noise.xml").await;
    assert_eq!(status, 200, "{xml}");
    assert_eq!(root_name(&xml), "service_definition");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let attribute = doc.descendants().find(|n| n.has_tag_name("attribute")).unwrap();
    for name in [
        "variable",
        "code",
        "datatype",
        "required",
        "datatype_description",
        "order",
        "description",
        "values",
    ] {
        assert!(attribute.children().any(|c| c.has_tag_name(name)), "{name}");
    }
    let keys: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("value"))
        .filter_map(|v| {
            v.children()
                .find(|c| c.has_tag_name("key"))
                .and_then(|k| k.text())
        })
        .collect();
    assert!(keys.contains(&"LJ-QS-SK"), "{keys:?}");
    let (_, definition) = json_of(&app, "/open311/v2/services/noise.json").await;
    assert_eq!(definition["attributes"][0]["datatype"], "singlevaluelist");

    // Errors: the spec's list, in the format asked for.
    let (status, _, xml) = get(&app, "/open311/v2/services/nothing.xml").await;
    assert_eq!(status, 404);
    assert_eq!(root_name(&xml), "errors");
    assert_eq!(texts(&xml, "error", "code"), ["404"]);
    let (status, body) = json_of(&app, "/open311/v2/services/nothing.json").await;
    assert_eq!(status, 404);
    assert_eq!(body[0]["code"], 404);
    assert!(body[0]["description"].as_str().unwrap().contains("nothing"));
    let (status, body) = json_of(&app, "/open311/v2/services.html").await;
    assert_eq!((status, body[0]["code"].as_u64()), (404, Some(404)));
}

async fn requests_show_only_what_the_public_may_see(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.open311_jurisdiction = Some("linjiang.example".into())
    })
    .await;
    let published = app.file(&complaint()).await["tracking_number"]
        .as_str()
        .unwrap()
        .to_string();
    let mut private = complaint();
    private["publish_consent"] = json!(false);
    private["address"] = json!("东门路 20 号 3 单元");
    let private = app.file(&private).await["tracking_number"]
        .as_str()
        .unwrap()
        .to_string();
    let mut report = complaint();
    report["category"] = json!("official-misconduct");
    report["concerned_department"] = json!("environment");
    let report = app.post_case(&report).await;
    assert_eq!(report.status(), 201);
    let report: Value = report.json().await.unwrap();
    let report = report["tracking_number"].as_str().unwrap().to_string();

    let (status, listed) = json_of(&app, "/open311/v2/requests.json").await;
    assert_eq!(status, 200, "{listed}");
    let numbers: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["service_request_id"].as_str().unwrap())
        .collect();
    assert!(
        numbers.contains(&published.as_str()) && numbers.contains(&private.as_str()),
        "{numbers:?}"
    );
    assert!(
        !numbers.contains(&report.as_str()),
        "reports about officials are never listed"
    );
    let shown = |n: &str| {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["service_request_id"] == n)
            .unwrap()
            .clone()
    };
    let public = shown(&published);
    assert_eq!(public["status"], "open");
    assert_eq!(public["service_code"], "noise");
    assert_eq!(public["agency_responsible"], "市生态环境局");
    assert!(public["description"].as_str().unwrap().contains("工地"));
    assert!(
        public["requested_datetime"].as_str().unwrap().ends_with("+08:00"),
        "{public}"
    );
    let hidden = shown(&private);
    assert_eq!(hidden["description"], "");
    assert_eq!(hidden["address"], "");
    assert!(!listed.to_string().contains("张三"), "never an identity");
    assert!(!listed.to_string().contains("138"), "never a phone number");

    // The same in XML, and one by its number.
    let (_, _, xml) = get(&app, "/open311/v2/requests.xml?status=open&service_code=noise").await;
    assert_eq!(root_name(&xml), "service_requests");
    let ids = texts(&xml, "request", "service_request_id");
    assert!(ids.contains(&published), "{xml}");
    for field in [
        "status",
        "status_notes",
        "service_name",
        "description",
        "agency_responsible",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
    ] {
        assert_eq!(texts(&xml, "request", field).len(), ids.len(), "{field}");
    }
    let (status, _, xml) = get(&app, &format!("/open311/v2/requests/{published}.xml")).await;
    assert_eq!(status, 200);
    assert_eq!(
        texts(&xml, "request", "service_request_id"),
        vec![published.to_string()]
    );
    let (status, one) = json_of(&app, &format!("/open311/v2/requests/{report}.json")).await;
    assert_eq!(status, 404, "{one}");
    let (_, closed) = json_of(&app, "/open311/v2/requests.json?status=closed").await;
    assert_eq!(closed, json!([]));
    let (_, by_id) = json_of(
        &app,
        &format!("/open311/v2/requests.json?service_request_id={private},{report}"),
    )
    .await;
    assert_eq!(by_id.as_array().unwrap().len(), 1);

    let (_, updates) = json_of(&app, "/open311/v2/servicerequestupdates.json").await;
    assert!(updates.to_string().contains(&published), "{updates}");
    assert!(
        !updates.to_string().contains(&report),
        "reports about officials never appear"
    );

    // Bad parameters are the spec's errors.
    for bad in [
        "start_date=2026-01-01T00:00:00%2B08:00&end_date=2026-11-01T00:00:00%2B08:00",
        "start_date=yesterday",
        "status=pending",
        "page_size=5000",
    ] {
        let (status, body) = json_of(&app, &format!("/open311/v2/requests.json?{bad}")).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body[0]["code"], 400);
    }
    let (status, _) = json_of(
        &app,
        "/open311/v2/requests.json?jurisdiction_id=elsewhere.example",
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = json_of(&app, "/open311/v2/requests.json?jurisdiction_id=linjiang.example").await;
    assert_eq!(status, 200);
}

both_backends!(an_open311_client_files_with_its_key_and_the_case_reaches_the_queue);

async fn issue_key(app: &TestApp, name: &str, per_hour: i32) -> (i32, String) {
    let (name, now) = (name.to_string(), app.state.now());
    app.state
        .db
        .write(move |conn| huiying::service::api_keys::issue_in(conn, &name, per_hour, now))
        .await
        .unwrap()
}

async fn post_form(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let response = app.api.post(app.url(path)).form(fields).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// An Open311 filing of the usual noise complaint, with `key`.
fn filing(key: &str) -> Vec<(&'static str, &str)> {
    vec![
        ("api_key", key),
        ("service_code", "noise"),
        ("attribute[area]", "LJ-CG-DM"),
        ("first_name", "五"),
        ("last_name", "王"),
        ("phone", "13700137000"),
        (
            "description",
            "东门社区旁的工地每天夜里十一点以后仍在施工，严重影响居民休息。",
        ),
    ]
}

async fn an_open311_client_files_with_its_key_and_the_case_reaches_the_queue(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, key) = issue_key(&app, "12345 热线对接", 2).await;
    let key = key.as_str();

    // No key, a wrong key: 403, as the spec's error list.
    let (status, body) = post_form(&app, "/open311/v2/requests.json", &filing("")).await;
    assert_eq!(status, 403, "{body}");
    let (status, xml) = post_form(&app, "/open311/v2/requests.xml", &filing("o311_wrong")).await;
    assert_eq!(status, 403);
    assert_eq!(texts(&xml, "error", "code"), ["403"]);

    let (status, xml) = post_form(&app, "/open311/v2/requests.xml", &filing(key)).await;
    assert_eq!(status, 200, "{xml}");
    assert_eq!(root_name(&xml), "service_requests");
    let number = texts(&xml, "request", "service_request_id").pop().unwrap();
    assert!(
        texts(&xml, "request", "service_notice")[0].contains("市生态环境局"),
        "{xml}"
    );

    // It is in the department's queue, filed through the API by the key's client.
    let env = app.token_for("env").await;
    let (_, queue) = app.get_with(&env, "/api/v1/queue").await;
    assert!(queue.to_string().contains(&number), "{queue}");
    let (_, case) = app.get_with(&env, &format!("/api/v1/cases/{number}")).await;
    assert_eq!(case["channel"], "api");
    // Staff accept it: FixMyStreet-style clients see the step among the updates.
    let (status, _) = app.act(&env, &number, "accept", json!({})).await;
    assert_eq!(status, 200);
    let (status, _, xml) = get(&app, "/open311/v2/servicerequestupdates.xml").await;
    assert_eq!(status, 200, "{xml}");
    assert_eq!(root_name(&xml), "service_request_updates");
    let ids = texts(&xml, "request_update", "service_request_id");
    let statuses = texts(&xml, "request_update", "status");
    let steps: Vec<(&str, &str)> = ids
        .iter()
        .zip(&statuses)
        .filter(|(id, _)| **id == number)
        .map(|(id, s)| (id.as_str(), s.as_str()))
        .collect();
    assert_eq!(
        steps,
        [(number.as_str(), "open"), (number.as_str(), "action_scheduled")],
        "{xml}"
    );
    for field in ["update_id", "updated_datetime", "description", "media_url"] {
        assert_eq!(texts(&xml, "request_update", field).len(), ids.len(), "{field}");
    }
    let (status, _) = json_of(
        &app,
        "/open311/v2/servicerequestupdates.json?start_date=2026-01-01T00:00:00%2B08:00&end_date=2026-11-26T00:00:00%2B08:00",
    )
    .await;
    assert_eq!(status, 400, "more than 90 days");
    let (status, tokens) = json_of(&app, &format!("/open311/v2/tokens/{number}.json")).await;
    assert_eq!(status, 200);
    assert_eq!(tokens, json!([{"service_request_id": number, "token": number}]));

    // JSON bodies too, with the attributes as an object.
    let response = app
        .api
        .post(app.url("/open311/v2/requests.json"))
        .json(&json!({
            "api_key": key, "service_code": "noise", "attribute": {"area": "LJ-QS-SK"},
            "first_name": "Li", "last_name": "Ming", "email": "li.ming@example.cn",
            "description": "Loud music from the shop on the corner every night after 23:00."
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert!(answer[0]["service_request_id"].is_string(), "{answer}");

    // Its limit reached (2 an hour), the key waits; another key does not.
    let (status, body) = post_form(&app, "/open311/v2/requests.json", &filing(key)).await;
    assert_eq!(status, 429, "{body}");
    let (other_id, other) = issue_key(&app, "第二个客户端", 100).await;
    let other = other.as_str();
    let mut no_place = filing(other);
    no_place.retain(|(k, _)| *k != "attribute[area]");
    no_place.push(("lat", "30.25"));
    no_place.push(("long", "120.16"));
    let (status, body) = post_form(&app, "/open311/v2/requests.json", &no_place).await;
    assert_eq!(status, 400);
    assert!(body.contains("attribute[area]"), "{body}");
    let mut unknown = filing(other);
    unknown[1] = ("service_code", "nothing");
    let (status, _) = post_form(&app, "/open311/v2/requests.json", &unknown).await;
    assert_eq!(status, 400);
    let long = "长".repeat(4001);
    let mut too_long = filing(other);
    too_long[6] = ("description", &long);
    let (status, body) = post_form(&app, "/open311/v2/requests.json", &too_long).await;
    assert_eq!(status, 400, "{body}");

    // Administrators see each key's last use and revoke it.
    let admin = crate::staff_pages::signed_in(&app, "admin").await;
    let (status, page) = crate::staff_pages::page(&admin, app.url("/admin/apikeys")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("12345 热线对接") && !page.contains(key),
        "the key itself is never shown again"
    );
    let staff = crate::staff_pages::signed_in(&app, "env").await;
    let (status, _) = crate::staff_pages::page(&staff, app.url("/admin/apikeys")).await;
    assert_eq!(status, 403);
    let response = admin
        .post(app.url(&format!("/admin/apikeys/{other_id}/revoke")))
        .form(&[("csrf", crate::pages::csrf_of(&page))])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let (status, _) = post_form(&app, "/open311/v2/requests.json", &filing(other)).await;
    assert_eq!(status, 403, "a revoked key files nothing");
}

both_backends!(the_board_shows_published_cases_with_answers_and_finds_chinese_words);

async fn the_board_shows_published_cases_with_answers_and_finds_chinese_words(backend: Backend) {
    let app = spawn_app(backend).await;
    let (answered, _) = crate::appeals::answered(&app).await;
    let mut garbage = complaint();
    garbage["category"] = json!("sanitation");
    garbage["area"] = json!("LJ-QS-TX");
    garbage["title"] = json!("村口垃圾堆放多日无人清运 13912345678");
    garbage["description"] = json!("桃溪村村口的垃圾已经堆了一个多星期，天热发臭，希望尽快清运。");
    let found = app.file(&garbage).await["tracking_number"]
        .as_str()
        .unwrap()
        .to_string();
    let mut private = garbage.clone();
    private["publish_consent"] = json!(false);
    let private = app.file(&private).await["tracking_number"]
        .as_str()
        .unwrap()
        .to_string();
    let mut secret = garbage.clone();
    secret["confidential"] = json!(true);
    let secret = app.file(&secret).await["tracking_number"]
        .as_str()
        .unwrap()
        .to_string();

    let (status, board) = app.get_json("/api/v1/board").await;
    assert_eq!(status, 200, "{board}");
    let numbers: Vec<&str> = board["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["tracking_number"].as_str().unwrap())
        .collect();
    assert_eq!(
        numbers,
        [found.as_str(), answered.as_str()],
        "newest first, only the published"
    );
    assert!(!numbers.contains(&private.as_str()) && !numbers.contains(&secret.as_str()));
    let first = &board["items"][0];
    assert_eq!(first["title"], "村口垃圾堆放多日无人清运 ***", "redacted");
    assert!(!board.to_string().contains("张三"), "never an identity");
    let with_answer = &board["items"][1];
    assert!(
        with_answer["answer"]["text"]
            .as_str()
            .unwrap()
            .contains("施工单位"),
        "{with_answer}"
    );

    // The search reads its index, which the jobs fill with what has settled (a minute).
    let search = |q: &str| format!("/api/v1/board?q={}", crate::helpers::encode(q));
    let (_, early) = app.get_json(&search("垃圾")).await;
    assert_eq!(early["items"], json!([]), "not indexed yet");
    app.advance(chrono::Duration::minutes(2));
    let (scanned, _) = app.run_jobs().await;
    assert_eq!(
        scanned.board_indexed, 2,
        "the two published cases, not the private or the confidential"
    );
    let (scanned, _) = app.run_jobs().await;
    assert_eq!(scanned.board_indexed, 0, "indexed once");

    // Two Chinese characters find their case; filters narrow.
    let (_, searched) = app
        .get_json(&format!("/api/v1/board?q={}", crate::helpers::encode("垃圾")))
        .await;
    let hits: Vec<&str> = searched["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["tracking_number"].as_str().unwrap())
        .collect();
    assert_eq!(hits, [found.as_str()]);
    let (_, none) = app.get_json(&search("路灯")).await;
    assert_eq!(none["items"], json!([]));
    let (_, both) = app.get_json(&search("垃圾 清运")).await;
    assert_eq!(
        both["items"].as_array().unwrap().len(),
        1,
        "every word must be there"
    );
    let (_, one) = app.get_json(&search("臭")).await;
    assert_eq!(
        one["items"][0]["tracking_number"],
        found.as_str(),
        "one character: read, not indexed"
    );
    let (_, phone) = app.get_json(&search("13912345678")).await;
    assert_eq!(
        phone["items"],
        json!([]),
        "what the board redacts cannot be searched for"
    );
    let (_, phone) = app.get_json(&search("臭 5678")).await;
    assert_eq!(phone["items"], json!([]), "not even a part of it");
    let (_, by_area) = app.get_json("/api/v1/board?area=LJ-QS").await;
    assert_eq!(
        by_area["items"].as_array().unwrap().len(),
        1,
        "a town includes its villages"
    );
    let (_, by_state) = app.get_json("/api/v1/board?state=answered").await;
    assert_eq!(by_state["items"][0]["tracking_number"], answered.as_str());
    let (status, _) = app.get_json("/api/v1/board?category=nothing").await;
    assert_eq!(status, 422);

    let browser = app.browser("zh-CN");
    let (status, page) = crate::staff_pages::page(
        &browser,
        app.url(&format!("/board?q={}", crate::helpers::encode("垃圾"))),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("id=\"case-{found}\"")) && !page.contains(&format!("id=\"case-{answered}\"")),
        "{page}"
    );
    let (status, kind, atom) = get(&app, "/board.atom?category=noise").await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("application/atom+xml"), "{kind}");
    let doc = roxmltree::Document::parse(&atom).unwrap();
    assert_eq!(doc.root_element().tag_name().name(), "feed");
    let entries: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("entry")).collect();
    assert_eq!(entries.len(), 1, "{atom}");
}
