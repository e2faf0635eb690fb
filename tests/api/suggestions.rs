//! Routing suggestions learned from the routed history: the API, the labels staff
//! corrections give, confidential text kept out, the switch, a second instance.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, encode, spawn_app_with};

both_backends!(
    the_model_learns_from_routed_cases_and_suggests_through_the_api,
    a_correction_by_staff_becomes_the_label,
    confidential_cases_and_reports_about_officials_are_never_learned,
    switched_off_it_suggests_nothing_and_another_instance_follows,
    the_form_offers_the_likely_categories_first_without_script,
    a_department_is_warned_and_the_intake_office_places_it_in_one_click,
    administrators_see_the_figures_and_switch_suggestions,
);

/// Three invented topics, each with its own words, in the demo city's categories.
const TOPICS: [(&str, &str, &[&str]); 3] = [
    ("noise", "env", &["噪音", "施工", "夜间", "工地", "扰民"]),
    (
        "roads-transit",
        "transport",
        &["路面", "坑洼", "公交", "站台", "红绿灯"],
    ),
    (
        "housing-property",
        "housing",
        &["物业", "电梯", "漏水", "维修基金", "业主"],
    ),
];

fn text(words: &[&str], i: usize) -> (String, String) {
    let title = format!("{}{}问题", words[i % 5], words[(i + 1) % 5]);
    let description = format!(
        "我们这里{}和{}的问题已经很久了，{}也没有人管，希望尽快处理。第{}次反映。",
        words[(i + 2) % 5],
        words[(i + 3) % 5],
        words[(i + 4) % 5],
        i + 1
    );
    (title, description)
}

fn body(category: &str, title: &str, description: &str, confidential: bool) -> Value {
    json!({
        "category": category,
        "area": "LJ-CG-DM",
        "title": title,
        "description": description,
        "resident": { "name": "张三", "phone": "138 0013 8000" },
        "confidential": confidential,
        "publish_consent": false
    })
}

/// Files a case and returns its number.
async fn file_as(
    app: &TestApp,
    category: &str,
    title: &str,
    description: &str,
    confidential: bool,
) -> String {
    let filed = app.file(&body(category, title, description, confidential)).await;
    filed["tracking_number"].as_str().unwrap().to_string()
}

async fn file_and_accept(
    app: &TestApp,
    category: &str,
    staff: &str,
    title: &str,
    description: &str,
) -> String {
    let number = file_as(app, category, title, description, false).await;
    let token = app.token_for(staff).await;
    let (status, reply) = app.act(&token, &number, "accept", json!({})).await;
    assert_eq!(status, 200, "{reply}");
    number
}

async fn history(app: &TestApp, per_topic: usize) {
    for i in 0..per_topic {
        for (category, staff, words) in TOPICS {
            let (title, description) = text(words, i);
            file_and_accept(app, category, staff, &title, &description).await;
        }
    }
}

async fn small_model_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |s| s.suggest_min_cases = 15).await
}

async fn suggest(app: &TestApp, text: &str) -> Value {
    let (status, body) = app
        .get_json(&format!("/api/v1/routing/suggest?text={}", encode(text)))
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn train(app: &TestApp) -> huiying::service::suggest::Trained {
    huiying::service::suggest::train(&app.state)
        .await
        .expect("training runs")
}

async fn the_model_learns_from_routed_cases_and_suggests_through_the_api(backend: Backend) {
    let app = small_model_app(backend).await;
    let empty = suggest(&app, "工地夜间施工噪音").await;
    assert_eq!(
        empty,
        json!({"categories": [], "departments": [], "terms": []}),
        "no model, no guess"
    );

    history(&app, 4).await;
    assert!(
        matches!(
            train(&app).await,
            huiying::service::suggest::Trained::NotEnough(_)
        ),
        "12 cases are fewer than the 15 asked for"
    );
    assert_eq!(suggest(&app, "工地夜间施工噪音").await["categories"], json!([]));

    history(&app, 4).await;
    let huiying::service::suggest::Trained::Model { figures, .. } = train(&app).await else {
        panic!("24 cases are enough");
    };
    assert_eq!(figures.trained_on + figures.held_back, 24);

    let s = suggest(&app, "工地每天夜间施工，噪音扰民").await;
    assert_eq!(s["categories"][0]["code"], "noise", "{s}");
    assert_eq!(s["categories"][0]["name"], "噪声扰民", "{s}");
    assert_eq!(s["departments"][0]["code"], "environment", "{s}");
    let score = s["categories"][0]["score"].as_f64().unwrap();
    assert!(score > 0.5 && score <= 1.0, "{s}");
    assert!(!s["terms"].as_array().unwrap().is_empty(), "{s}");

    let s = suggest(&app, "小区物业不管电梯维修").await;
    assert_eq!(s["categories"][0]["code"], "housing-property", "{s}");
    assert_eq!(s["departments"][0]["code"], "housing", "{s}");

    // English names for an English reader; nothing known, nothing suggested.
    let en = app
        .api
        .get(app.url(&format!(
            "/api/v1/routing/suggest?text={}",
            encode("公交站台路面坑洼")
        )))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(en["categories"][0]["code"], "roads-transit", "{en}");
    assert_eq!(en["departments"][0]["name"], "Transport Bureau", "{en}");
    assert_eq!(suggest(&app, "").await["categories"], json!([]));
    assert_eq!(suggest(&app, "qqq zzz").await["categories"], json!([]));
}

async fn a_correction_by_staff_becomes_the_label(backend: Backend) {
    let app = small_model_app(backend).await;
    // Filed as roads, it is about the property company: transport objects, the intake
    // office places it with housing, which accepts.
    let number = file_as(
        &app,
        "roads-transit",
        "小区道路归物业管",
        "小区里的路坏了，物业说归交通局，交通局说归物业。",
        false,
    )
    .await;
    let transport = app.token_for("transport").await;
    let (status, reply) = app
        .act(
            &transport,
            &number,
            "object",
            json!({"reason": "小区内道路属物业管理"}),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    let intake = app.token_for("intake").await;
    let (status, reply) = app
        .act(
            &intake,
            &number,
            "reroute",
            json!({"department": "housing", "reason": "属物业管理", "category": "housing-property"}),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    let housing = app.token_for("housing").await;
    let (status, reply) = app.act(&housing, &number, "accept", json!({})).await;
    assert_eq!(status, 200, "{reply}");
    // One still at intake's objection stage teaches nothing yet.
    let pending = file_as(
        &app,
        "roads-transit",
        "路面坑洼",
        "东门路的路面坑洼很多，请尽快维修。谢谢！",
        false,
    )
    .await;
    let (status, _) = app
        .act(&transport, &pending, "object", json!({"reason": "不属本部门"}))
        .await;
    assert_eq!(status, 200);

    let examples = app
        .state
        .read(|conn, rules, _| huiying::service::suggest::history(conn, rules.catalog))
        .await
        .unwrap();
    assert_eq!(examples.len(), 1, "{examples:?}");
    assert_eq!(examples[0].department, "housing");
    assert_eq!(
        examples[0].category, "housing-property",
        "the corrected category is the label"
    );
    assert!(examples[0].text.starts_with("小区道路归物业管\n"));
}

async fn confidential_cases_and_reports_about_officials_are_never_learned(backend: Backend) {
    let app = small_model_app(backend).await;
    history(&app, 6).await;
    for i in 0..3 {
        let number = file_as(
            &app,
            "noise",
            "秘密噪音独角兽",
            &format!("独角兽工厂夜间噪音，请为我保密身份。第{i}次。"),
            true,
        )
        .await;
        let env = app.token_for("env").await;
        assert_eq!(app.act(&env, &number, "accept", json!({})).await.0, 200);
    }
    // A report about an official, accepted by the discipline commission.
    app.add_account("jiwei", "staff", Some("discipline")).await;
    let jiwei = app.token_for("jiwei").await;
    for i in 0..3 {
        let mut report = body(
            "official-misconduct",
            "举报独角兽科长",
            &format!("某科长收受独角兽公司的礼金，请调查。第{i}次。"),
            false,
        );
        report["concerned_department"] = json!("transport");
        let number = app.file(&report).await["tracking_number"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(app.act(&jiwei, &number, "accept", json!({})).await.0, 200);
    }
    let examples = app
        .state
        .read(|conn, rules, _| huiying::service::suggest::history(conn, rules.catalog))
        .await
        .unwrap();
    assert_eq!(examples.len(), 18);
    assert!(examples.iter().all(|e| !e.text.contains("独角兽")));
    train(&app).await;
    let model = huiying::service::suggest::model(&app.state)
        .await
        .unwrap()
        .expect("a model");
    for v in [&model.category.vectorizer, &model.department.vectorizer] {
        assert!(
            v.terms.iter().all(|t| !t.contains("独角") && !t.contains("角兽")),
            "confidential text learned"
        );
    }
    let s = suggest(&app, "独角兽").await;
    assert!(
        s["terms"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| !t.as_str().unwrap().contains("角"))
    );
}

async fn switched_off_it_suggests_nothing_and_another_instance_follows(backend: Backend) {
    let app = small_model_app(backend).await;
    history(&app, 6).await;
    let other = crate::helpers::second_instance(&app).await;
    assert_eq!(suggest(&other, "夜间施工噪音").await["categories"], json!([]));
    train(&app).await;
    // The other instance checks the version at most every few seconds.
    other.state.suggester.forget_check();
    assert_eq!(
        suggest(&other, "夜间施工噪音").await["categories"][0]["code"],
        "noise"
    );

    let admin = crate::helpers::staff_caller(&app, "admin").await;
    let env = crate::helpers::staff_caller(&app, "env").await;
    assert!(
        huiying::service::suggest::switch(&app.state, &env, false)
            .await
            .is_err(),
        "admins only"
    );
    huiying::service::suggest::switch(&app.state, &admin, false)
        .await
        .unwrap();
    assert_eq!(suggest(&app, "夜间施工噪音").await["categories"], json!([]));
    other.state.suggester.forget_check();
    assert_eq!(suggest(&other, "夜间施工噪音").await["categories"], json!([]));
    let status = huiying::service::suggest::status(&app.state, &admin)
        .await
        .unwrap();
    assert!(!status.on);
    assert_eq!(status.cases, 18);
    huiying::service::suggest::switch(&app.state, &admin, true)
        .await
        .unwrap();
    assert_eq!(
        suggest(&app, "夜间施工噪音").await["categories"][0]["code"],
        "noise"
    );

    // A stored model nobody can read suggests nothing; the pages that use it still work.
    app.state
        .db
        .write(|conn| {
            use diesel::prelude::*;
            diesel::sql_query("UPDATE routing_models SET model = '{\"broken\": true}'").execute(conn)?;
            Ok::<_, huiying::db::DbError>(())
        })
        .await
        .unwrap();
    other.state.suggester.forget_check();
    let kept = huiying::service::suggest::model(&other.state).await.unwrap();
    assert!(
        kept.is_some(),
        "an instance keeps the model it has while the version stands"
    );
    let fresh = crate::helpers::second_instance(&app).await;
    assert_eq!(suggest(&fresh, "夜间施工噪音").await["categories"], json!([]));
    let filed = file_as(
        &fresh,
        "noise",
        "夜间施工噪音",
        "工地夜间施工，噪音扰民，请尽快处理。",
        false,
    )
    .await;
    let env = crate::staff_pages::signed_in(&fresh, "env").await;
    let (status, _) = crate::staff_pages::page(&env, fresh.url(&format!("/staff/cases/{filed}"))).await;
    assert_eq!(status, 200, "the case page works without a model");
}

pub async fn trained_app(backend: Backend) -> TestApp {
    let app = small_model_app(backend).await;
    history(&app, 6).await;
    assert!(matches!(
        train(&app).await,
        huiying::service::suggest::Trained::Model { .. }
    ));
    app
}

async fn the_form_offers_the_likely_categories_first_without_script(backend: Backend) {
    let app = trained_app(backend).await;
    let browser = app.browser("zh-CN");
    let csrf = crate::pages::open_form(&app, &browser).await;
    let mut fields = vec![
        ("csrf", csrf.clone()),
        ("category", String::new()),
        ("area", "LJ-CG-DM".into()),
        ("title", "夜里吵得睡不着".into()),
        ("description", "楼下工地夜间施工，噪音扰民，已经一个月了。".into()),
        ("resident_name", "王五".into()),
        ("resident_phone", "13700137000".into()),
        ("step", "suggest".into()),
    ];
    let response = browser
        .post(app.url("/cases/new"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "a step, not a filing");
    let html = response.text().await.unwrap();
    let group = html
        .find("id=\"suggested-group\"")
        .expect("a group of suggestions");
    let noise = html[group..]
        .find("<option value=\"noise\">噪声扰民（")
        .expect("noise suggested");
    let first_own_group = html.find("<optgroup label=\"城乡建设\"").expect("the full list");
    assert!(
        group + noise < first_own_group,
        "offered first, before the full list"
    );
    assert!(
        html.contains("<option value=\"schools\">"),
        "the full list is still there"
    );
    assert!(
        html.contains("最可能的类别已排在类别列表最前（仍可任选）：噪声扰民"),
        "{html}"
    );
    assert!(
        html.contains("楼下工地夜间施工，噪音扰民，已经一个月了。"),
        "nothing typed is lost"
    );
    assert!(html.contains("value=\"王五\""));
    assert!(
        html.find("name=\"step\" value=\"suggest\"").unwrap()
            > html.find("class=\"button primary\"").unwrap(),
        "Enter in a field still files: the suggest button comes after the submit button"
    );
    assert_eq!(
        app.state.db.run(huiying::db::cases::count_cases).await.unwrap(),
        18,
        "nothing filed"
    );

    // Filing then works as ever, with the category the resident chose.
    fields.pop();
    fields[1].1 = "noise".into();
    let response = browser
        .post(app.url("/cases/new"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        app.state.db.run(huiying::db::cases::count_cases).await.unwrap(),
        19
    );
}

async fn a_department_is_warned_and_the_intake_office_places_it_in_one_click(backend: Backend) {
    let app = trained_app(backend).await;
    // Filed as roads, it reads like noise: transport holds it.
    let number = file_as(
        &app,
        "roads-transit",
        "工地夜间施工噪音",
        "路边工地每天夜间施工，噪音扰民，请管一管。",
        false,
    )
    .await;
    let transport = crate::staff_pages::signed_in(&app, "transport").await;
    let (status, html) =
        crate::staff_pages::page(&transport, app.url(&format!("/staff/cases/{number}"))).await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"routing-hint\""), "{html}");
    assert!(html.contains("更像是市生态环境局的职责"), "warned early");
    assert!(html.contains("href=\"#action-object\""));

    let token = app.token_for("transport").await;
    assert_eq!(
        app.act(&token, &number, "object", json!({"reason": "属噪声问题"}))
            .await
            .0,
        200
    );

    let intake = crate::staff_pages::signed_in(&app, "intake").await;
    let (_, queue) = crate::staff_pages::page(&intake, app.url("/staff")).await;
    assert!(queue.contains("建议分办：市生态环境局"), "{queue}");
    let (_, html) = crate::staff_pages::page(&intake, app.url(&format!("/staff/cases/{number}"))).await;
    assert!(html.contains("最可能由市生态环境局办理"), "{html}");
    assert!(html.contains("id=\"hint-terms\">起作用最大的词语："), "explained");
    assert!(
        html.contains("分办至市生态环境局，类别更正为“噪声扰民”"),
        "{html}"
    );
    assert!(html.contains("<input type=\"hidden\" name=\"category\" value=\"noise\">"));
    let csrf = crate::pages::csrf_of(&html);
    let response = intake
        .post(app.url(&format!("/staff/cases/{number}/act/reroute")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("department", "environment"),
            ("reason", "按诉求文本建议分办"),
            ("category", "noise"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let env = app.token_for("env").await;
    let (_, case) = app.get_with(&env, &format!("/api/v1/cases/{number}")).await;
    assert_eq!(case["department"], "environment", "{case}");
    assert_eq!(case["category"], "noise", "{case}");
    let timeline = case["timeline"].to_string();
    assert!(
        timeline.contains("类别更正为“噪声扰民”：按诉求文本建议分办"),
        "{timeline}"
    );

    // The environment bureau holds it now: no hint that it is someone else's.
    let env_browser = crate::staff_pages::signed_in(&app, "env").await;
    let (_, html) = crate::staff_pages::page(&env_browser, app.url(&format!("/staff/cases/{number}"))).await;
    assert!(!html.contains("id=\"routing-hint\""));
}

async fn administrators_see_the_figures_and_switch_suggestions(backend: Backend) {
    let app = trained_app(backend).await;
    let env = crate::staff_pages::signed_in(&app, "env").await;
    assert_eq!(
        crate::staff_pages::page(&env, app.url("/admin/routing")).await.0,
        403
    );

    let admin = crate::staff_pages::signed_in(&app, "admin").await;
    let (status, html) = crate::staff_pages::page(&admin, app.url("/admin/routing")).await;
    assert_eq!(status, 200);
    assert!(html.contains("依据 18 件已分办诉求"), "{html}");
    assert!(html.contains("id=\"confusion\""));
    assert!(html.contains("类别：首选命中"));
    let csrf = crate::pages::csrf_of(&html);
    for what in ["off", "train"] {
        let response = admin
            .post(app.url("/admin/routing"))
            .form(&[("csrf", csrf.as_str()), ("what", what)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "{what}");
    }
    let (_, html) = crate::staff_pages::page(&admin, app.url("/admin/routing")).await;
    assert!(html.contains("建议已关闭"));
    assert!(html.contains("id=\"training-requested\""));
    assert_eq!(suggest(&app, "夜间施工噪音").await["categories"], json!([]));
    assert!(
        huiying::service::suggest::training_due(&app.state, app.state.now(), Some(app.state.now()))
            .await
            .unwrap()
    );
    let response = admin
        .post(app.url("/admin/routing"))
        .form(&[("csrf", "stale"), ("what", "on")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403, "a stale form changes nothing");
}
