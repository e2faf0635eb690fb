//! Liaisons at work: a visit filing several cases at once in the liaison's own areas,
//! what a liaison may see, mediation on the spot, and major matters raised at once.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, complaint, second_instance};
use crate::mail::app_with_sink;

const INTAKE: &str = "xinfang@linjiang.example";
const LEADER: &str = "leader@staff.linjiang.example";

/// A liaison for 桥市镇 (LJ-QS, with its villages), and their token.
async fn liaison(app: &TestApp) -> String {
    app.add_account_in("liu.liaison", "liaison", None, &["LJ-QS"])
        .await;
    app.token_for("liu.liaison").await
}

fn raised(title: &str) -> Value {
    let mut case = complaint();
    case["area"] = json!("LJ-QS-TX");
    case["title"] = json!(title);
    case
}

async fn visit(app: &TestApp, token: &str, body: &Value) -> (u16, Value) {
    let response = app
        .api
        .post(app.url("/api/v1/visits"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    crate::contract::check("POST", "/api/v1/visits", status, &body);
    (status, body)
}

fn three_problems() -> Value {
    let mut noise = raised("村口搅拌站夜间施工噪音扰民");
    noise["category"] = json!("noise");
    let mut road = raised("桃溪村通村公路塌方需要修复");
    road["category"] = json!("roads-transit");
    let mut report = raised("反映村干部优亲厚友问题");
    report["category"] = json!("official-misconduct");
    report["concerned_department"] = json!("housing");
    json!({
        "area": "LJ-QS-TX",
        "date": "2026-11-25",
        "met": "村民代表五人、网格员一人",
        "notes": "走访桃溪村，群众反映三件事。",
        "cases": [noise, road, report],
    })
}

both_backends!(
    a_liaison_files_three_cases_from_one_visit_and_sees_only_their_own,
    a_mediation_settles_a_case_with_its_agreement_and_the_court_notice,
    the_ledger_counts_what_was_done_as_a_hand_count_does,
);

async fn a_liaison_files_three_cases_from_one_visit_and_sees_only_their_own(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    let token = liaison(&app).await;
    let (status, body) = visit(&app, &token, &three_problems()).await;
    assert_eq!(status, 201, "{body}");
    let filed: Vec<(String, String)> = body["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["tracking_number"].as_str().unwrap().to_string(),
                c["department"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(filed.len(), 3);
    assert_eq!(filed[2].1, "discipline", "a report goes to the supervisory body");

    // The liaison reads what they recorded, came in by visit; never the report.
    let (status, noise) = app
        .get_with(&token, &format!("/api/v1/cases/{}", filed[0].0))
        .await;
    assert_eq!(status, 200, "{noise}");
    assert_eq!(noise["channel"], "visit");
    let (status, _) = app
        .get_with(&token, &format!("/api/v1/cases/{}", filed[2].0))
        .await;
    assert_eq!(status, 403, "never a report about an official");
    let (status, _) = app
        .get_with(&token, &format!("/api/v1/cases/{}/contact", filed[2].0))
        .await;
    assert_eq!(status, 403);
    // A case someone else filed in the same village is not theirs.
    let other = app.file(&raised("桃溪村路灯不亮")).await;
    let number = other["tracking_number"].as_str().unwrap();
    let (status, _) = app.get_with(&token, &format!("/api/v1/cases/{number}")).await;
    assert_eq!(status, 403);

    // Only their areas; nothing raised needs a note; one bad case stores nothing.
    let mut elsewhere = three_problems();
    elsewhere["area"] = json!("LJ-CG-DM");
    let (status, body) = visit(&app, &token, &elsewhere).await;
    assert_eq!(status, 422);
    assert!(body["error"]["fields"]["area"].is_string(), "{body}");
    let (status, body) = visit(
        &app,
        &token,
        &json!({"area": "LJ-QS-SK", "date": "2026-11-26", "met": "村两委成员", "cases": []}),
    )
    .await;
    assert_eq!(status, 422);
    assert!(body["error"]["fields"]["notes"].is_string(), "{body}");
    let (status, _) = visit(
        &app,
        &token,
        &json!({"area": "LJ-QS-SK", "date": "2026-11-26", "met": "村两委成员", "notes": "无新情况反映", "cases": []}),
    )
    .await;
    assert_eq!(status, 201, "nothing raised is a visit too");
    let mut broken = three_problems();
    broken["cases"][1]["title"] = json!("");
    let (status, body) = visit(&app, &token, &broken).await;
    assert_eq!(status, 422);
    assert!(body["error"]["fields"]["cases[1].title"].is_string(), "{body}");
    let (_, queue) = app
        .get_with(&app.token_for("intake").await, "/api/v1/queue?department=all")
        .await;
    let total: i64 = queue["counts"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_i64().unwrap())
        .sum();
    assert_eq!(
        total, 4,
        "the three of the visit and the one filed online; nothing of the refused visit"
    );

    // Others may not record visits.
    let staff = app.token_for("env").await;
    let (status, _) = visit(&app, &staff, &three_problems()).await;
    assert_eq!(status, 403);
}

async fn a_mediation_settles_a_case_with_its_agreement_and_the_court_notice(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    let token = liaison(&app).await;
    let mut body = three_problems();
    body["cases"] = json!([raised("邻里宅基地边界纠纷"), raised("邻居养狗扰民纠纷")]);
    let (_, filed) = visit(&app, &token, &body).await;
    let settled = filed["cases"][0]["tracking_number"].as_str().unwrap().to_string();
    let failed = filed["cases"][1]["tracking_number"].as_str().unwrap().to_string();

    let (status, refused) = app
        .act(
            &token,
            &settled,
            "mediation",
            json!({"facts": "双方就宅基地边界发生争执。"}),
        )
        .await;
    assert_eq!(status, 422);
    for field in [
        "parties_consent",
        "agreement",
        "performance_deadline",
        "performance",
    ] {
        assert!(
            refused["error"]["fields"][field].is_string(),
            "{field}: {refused}"
        );
    }
    let pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF".to_vec();
    let agreement = [("调解协议书.pdf", pdf)];
    let (status, _) = crate::attachments::upload(&app, &settled, &token, &agreement).await;
    assert_eq!(status, 403, "no agreement before one is recorded");
    let (status, acted) = app
        .act(
            &token,
            &settled,
            "mediation",
            json!({
                "parties_consent": true,
                "facts": "双方就宅基地边界发生争执，经村调委会现场丈量。",
                "agreement": "以村委会丈量的界桩为界，张家拆除越界围墙一米。",
                "performance_deadline": "2026-12-20",
                "performance": "张家自行拆除，村调委会现场见证",
            }),
        )
        .await;
    assert_eq!(status, 200, "{acted}");
    assert_eq!(acted["state"], "answered");
    assert_eq!(acted["events"], json!(["mediated", "answered"]));

    // The case's timeline has the agreement and the 30 days to ask the court.
    let (status, view) = app.get_with(&token, &format!("/api/v1/cases/{settled}")).await;
    assert_eq!(status, 200);
    let timeline = view["timeline"].to_string();
    assert!(
        timeline.contains("司法确认") && timeline.contains("2026-12-"),
        "{timeline}"
    );

    // The signed agreement, added by the liaison who mediated; the resident sees it.
    let (status, added) = crate::attachments::upload(&app, &settled, &token, &agreement).await;
    assert_eq!(status, 201, "{added}");
    let (_, view) = app.get_with(&token, &format!("/api/v1/cases/{settled}")).await;
    assert_eq!(view["attachments"].as_array().map(Vec::len), Some(1), "{view}");
    let (status, _) = crate::attachments::upload(&app, &failed, &token, &agreement).await;
    assert_eq!(status, 403, "no agreement without a mediation");
    let staff = app.token_for("transport").await;
    let (status, _) = crate::attachments::upload(&app, &settled, &staff, &agreement).await;
    assert_eq!(status, 403, "only whoever may mediate it");

    // A mediation that does not settle leaves an ordinary case.
    let (status, acted) = app
        .act(
            &token,
            &failed,
            "mediation",
            json!({"parties_consent": true, "outcome": "failed", "facts": "双方各执一词。", "reason": "一方不同意调解方案"}),
        )
        .await;
    assert_eq!(status, 200, "{acted}");
    assert_eq!(acted["state"], "routed");
    assert_eq!(acted["events"], json!(["mediation_failed"]));
}

#[actix_web::test]
async fn a_major_matter_is_mailed_once_to_the_intake_office_and_the_leader() {
    let (app, sink) = app_with_sink(Backend::Sqlite).await;
    let other = second_instance(&app).await;
    let token = app.token_for("env").await;
    let filed = app.file(&complaint()).await;
    let number = filed["tracking_number"].as_str().unwrap();
    let (status, _) = app.act(&token, number, "major", json!({})).await;
    assert_eq!(status, 422, "a reason is needed");
    let (status, acted) = app
        .act(
            &token,
            number,
            "major",
            json!({"reason": "工地围挡倒塌，危及三十余户居民安全"}),
        )
        .await;
    assert_eq!(status, 200, "{acted}");
    assert_eq!(acted["events"], json!(["marked_major"]));
    let (status, _) = other
        .act(&token, number, "major", json!({"reason": "再次标记同一事项"}))
        .await;
    assert_eq!(status, 409, "marked once, whichever instance is asked");
    for (who, path) in [
        ("env", "/api/v1/queue"),
        ("leader", "/api/v1/queue?department=all"),
        ("intake", "/api/v1/queue?department=all"),
    ] {
        let (_, queue) = app.get_with(&app.token_for(who).await, path).await;
        assert_eq!(
            queue["major"][0]["tracking_number"], number,
            "{who}: at the top of the queue"
        );
    }
    app.run_jobs().await;
    other.run_jobs().await;
    app.run_jobs().await;
    let major = |to: &str| {
        sink.to(to)
            .into_iter()
            .filter(|m| m.subject().contains(number) && m.subject().contains("重大"))
            .count()
    };
    assert_eq!(major(INTAKE), 1, "the intake office, once");
    assert_eq!(major(LEADER), 1, "the supervising leader, once");

    let (status, cleared) = app
        .act(
            &token,
            number,
            "major/clear",
            json!({"reason": "围挡已修复，隐患排除"}),
        )
        .await;
    assert_eq!(status, 200, "{cleared}");
    let (status, _) = app
        .act(&token, number, "major/clear", json!({"reason": "again"}))
        .await;
    assert_eq!(status, 409);
}

async fn the_ledger_counts_what_was_done_as_a_hand_count_does(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    let token = liaison(&app).await;
    // In November: a visit filing three (one a report about an official), one with
    // nothing raised; in October, one more that the November ledger leaves out.
    let (_, filed) = visit(&app, &token, &three_problems()).await;
    let number = |i: usize| filed["cases"][i]["tracking_number"].as_str().unwrap().to_string();
    let quiet = json!({"area": "LJ-QS-SK", "date": "2026-11-20", "met": "村两委成员", "notes": "无新情况反映", "cases": []});
    assert_eq!(visit(&app, &token, &quiet).await.0, 201);
    let mut october = quiet.clone();
    october["date"] = json!("2026-10-30");
    assert_eq!(visit(&app, &token, &october).await.0, 201);
    // One settled, one not; and a resident's own filing in the same village.
    let (status, _) = app
        .act(
            &token,
            &number(0),
            "mediation",
            json!({"parties_consent": true, "facts": "施工方与村民协商。", "agreement": "施工方每晚十点后停工。", "performance_deadline": "2026-12-01", "performance": "施工方自行调整作业时间"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .act(
            &token,
            &number(1),
            "mediation",
            json!({"parties_consent": true, "outcome": "failed", "facts": "各方意见不一。", "reason": "需由交通部门评估修复方案"}),
        )
        .await;
    assert_eq!(status, 200);
    app.file(&raised("桃溪村垃圾清运不及时")).await;

    let (status, ledger) = app
        .get_with(&token, "/api/v1/ledger?area=LJ-QS&month=2026-11")
        .await;
    assert_eq!(status, 200, "{ledger}");
    assert_eq!(ledger["visits"].as_array().unwrap().len(), 2, "{ledger}");
    assert_eq!(ledger["visits"][0]["cases"], 3, "newest first, with its cases");
    let recorded: Vec<&str> = ledger["recorded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["tracking_number"].as_str().unwrap())
        .collect();
    assert_eq!(
        recorded,
        [number(0), number(1)],
        "never the report about an official"
    );
    assert_eq!(
        (
            ledger["mediations_agreed"].as_i64(),
            ledger["mediations_failed"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(
        ledger["open"].as_array().unwrap().len(),
        3,
        "the two of the visit and the resident's own"
    );
    assert!(
        !ledger.to_string().contains("张三") && !ledger.to_string().contains("138"),
        "no identity"
    );

    // The same as a download, for the liaison's areas only.
    let csv = app
        .api
        .get(app.url("/reports/ledger.csv?area=LJ-QS&month=2026-11"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.unwrap();
    assert_eq!(text.lines().count(), 1 + 2 + 2 + 2 + 3, "{text}");
    assert!(
        text.contains("走访") && text.contains("调解成功") && text.contains("调解未成"),
        "{text}"
    );
    assert!(!text.contains("张三"));
    let xlsx = app
        .api
        .get(app.url("/reports/ledger.xlsx?area=LJ-QS&month=2026-11"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    let bytes = xlsx.bytes().await.unwrap();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = calamine::Reader::worksheet_range(&mut book, "台账").unwrap();
    assert_eq!(sheet.height(), 10);
    let (status, _) = app
        .get_with(&token, "/api/v1/ledger?area=LJ-CG&month=2026-11")
        .await;
    assert_eq!(status, 403, "not their area");
    let staff = app.token_for("env").await;
    let (status, _) = app
        .get_with(&staff, "/api/v1/ledger?area=LJ-QS&month=2026-11")
        .await;
    assert_eq!(status, 403);
    let leader = app.token_for("leader").await;
    let (status, _) = app
        .get_with(&leader, "/api/v1/ledger?area=LJ-QS&month=2026-11")
        .await;
    assert_eq!(status, 200, "leaders read every area's");

    // The leader's desk: each village's last visit, so none is forgotten.
    let desk = crate::staff_pages::signed_in(&app, "leader").await;
    let (status, page) = crate::staff_pages::page(&desk, app.url("/leader")).await;
    assert_eq!(status, 200);
    let row = |code: &str| {
        let start = page
            .find(&format!("id=\"coverage-{code}\""))
            .unwrap_or_else(|| panic!("{code}: {page}"));
        page[start..].split("</tr>").next().unwrap().to_string()
    };
    assert!(row("LJ-QS-TX").contains("2026-11-25"), "{}", row("LJ-QS-TX"));
    assert!(row("LJ-QS-SK").contains("2026-11-20"));
    assert!(row("LJ-CG-DM").contains("尚未走访"));
}
