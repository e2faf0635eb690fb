//! After the answer: evaluation, review (复查), re-review (复核), the final case, windows
//! that close by themselves, and withdrawal — through the API, the pages and the mail.

use chrono::Duration as Days;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, complaint, spawn_app, spawn_app_with};
use crate::smtp::SmtpSink;

const RESIDENT: &str = "zhang.san@example.cn";
const INTAKE: &str = "xinfang@linjiang.example";
const ENVIRONMENT: &str = "shengtai@linjiang.example";

/// Files the usual complaint and has the environment bureau answer it.
pub async fn answered(app: &TestApp) -> (String, String) {
    let filed = app.file(&complaint()).await;
    let number = filed["tracking_number"].as_str().unwrap().to_string();
    let token = filed["access_token"].as_str().unwrap().to_string();
    let env = app.token_for("env").await;
    for (action, body) in [
        ("accept", json!({})),
        (
            "answer",
            json!({"outcome": "explained", "text": "施工单位持有夜间施工许可，已要求其降低噪声。", "legal_basis": "《中华人民共和国噪声污染防治法》第四十三条"}),
        ),
    ] {
        let (status, reply) = app.act(&env, &number, action, body).await;
        assert_eq!(status, 200, "{action}: {reply}");
    }
    (number, token)
}

async fn resident_view(app: &TestApp, number: &str, token: &str) -> Value {
    let (status, case) = app.get_with(token, &format!("/api/v1/cases/{number}")).await;
    assert_eq!(status, 200, "{case}");
    case
}

fn kinds(case: &Value) -> Vec<String> {
    case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

fn actions(case: &Value) -> Vec<&str> {
    case["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect()
}

both_backends!(
    an_unsatisfied_resident_goes_through_review_and_re_review_to_a_final_case,
    windows_nobody_uses_close_the_case_by_the_scan,
    a_resident_withdraws_before_the_answer_but_not_after,
    one_broken_case_is_skipped_and_the_scan_goes_on,
);

/// A case the scan cannot handle (here: a timeline event it cannot read) is logged,
/// counted and skipped; the cases after it are still closed and reminded of.
async fn one_broken_case_is_skipped_and_the_scan_goes_on(backend: Backend) {
    let app = spawn_app(backend).await;
    let (broken, _) = answered(&app).await;
    let (fine, fine_token) = answered(&app).await;
    let waiting = app.file(&complaint()).await;
    app.corrupt_event(backend, &broken, 1, "not json").await;

    app.advance(Days::days(33));
    let (scanned, _) = app.run_jobs().await;
    assert_eq!(scanned.closed, 1, "{scanned:?}");
    assert_eq!(scanned.failed, 1, "{scanned:?}");
    assert!(
        scanned.escalations > 0,
        "the scan went on to the overdue filing: {scanned:?}"
    );
    assert_eq!(resident_view(&app, &fine, &fine_token).await["state"], "closed");
    let waiting_number = waiting["tracking_number"].as_str().unwrap();
    let (_, public) = app.get_json(&format!("/api/v1/cases/{waiting_number}")).await;
    assert_eq!(public["state"], "routed");
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("job_items_failed_total{job=\"evaluation_over\"}"),
        "{}",
        metrics
            .lines()
            .filter(|l| l.contains("job_"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

async fn an_unsatisfied_resident_goes_through_review_and_re_review_to_a_final_case(backend: Backend) {
    let sink = SmtpSink::start();
    let url = sink.url();
    let app = spawn_app_with(backend, move |s| s.smtp_url = Some(url)).await;
    let (number, token) = answered(&app).await;

    let case = resident_view(&app, &number, &token).await;
    assert_eq!(case["state"], "answered");
    assert_eq!(actions(&case), ["evaluation", "review-request"]);
    // Answered Thu 26 Nov; thirty days → Sat 26 Dec, which moves to Mon 28 Dec.
    assert_eq!(case["window_end"], "2026-12-28T15:59:59Z");

    // Bad input is refused with the field named, in the resident's language.
    let (status, reply) = app
        .act(&token, &number, "evaluation", json!({"rating": "so-so"}))
        .await;
    assert_eq!(status, 422, "{reply}");
    assert!(reply["error"]["fields"]["rating"].is_string(), "{reply}");
    let (status, _) = app
        .act(&token, &number, "review-request", json!({"reason": "  "}))
        .await;
    assert_eq!(status, 422);

    let (status, reply) = app
        .act(
            &token,
            &number,
            "evaluation",
            json!({"rating": "unsatisfied", "comment": "许可不等于可以整夜施工。"}),
        )
        .await;
    assert_eq!(status, 200, "{reply}");

    // Ten days later, still within the window: a review by the superior body.
    app.advance(Days::days(10));
    let (status, reply) = app
        .act(
            &token,
            &number,
            "review-request",
            json!({"reason": "答复未说明夜间施工许可的时段，噪声仍在持续。"}),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["state"], "review_requested");
    assert_eq!(reply["department"], "intake", "the reviewing body");

    // The bureau that answered has no say in its own review.
    let (intake, env) = (app.token_for("intake").await, app.token_for("env").await);
    let (status, _) = app.act(&env, &number, "review/accept", json!({})).await;
    assert_eq!(status, 403);
    let (status, reply) = app.act(&intake, &number, "review/accept", json!({})).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["state"], "under_review");
    // Accepted Sun 6 Dec; thirty days → Tue 5 Jan 2027.
    assert_eq!(reply["due_at"], "2027-01-05T15:59:59Z");

    app.advance(Days::days(20));
    let intake = app.token_for("intake").await;
    let (status, reply) = app
        .act(
            &intake,
            &number,
            "review/answer",
            json!({"outcome": "not_supported", "text": "经复查，原答复认定事实清楚，维持原答复意见。", "legal_basis": "《信访工作条例》第三十五条"}),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["state"], "review_answered");

    let case = resident_view(&app, &number, &token).await;
    assert_eq!(actions(&case), ["evaluation", "re-review-request"]);
    // A second review of the same stage is not on offer.
    let (status, _) = app
        .act(&token, &number, "review-request", json!({"reason": "再次申请"}))
        .await;
    assert_eq!(status, 409);

    app.advance(Days::days(29));
    let (status, reply) = app
        .act(
            &token,
            &number,
            "re-review-request",
            json!({"reason": "复查没有到现场核实。"}),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    let intake = app.token_for("intake").await;
    for (action, body) in [
        ("re-review/accept", json!({})),
        (
            "re-review/answer",
            json!({"outcome": "supported", "text": "经复核，责令施工单位晚十点后停止施工。", "legal_basis": "《信访工作条例》第三十五条"}),
        ),
    ] {
        let (status, reply) = app.act(&intake, &number, action, body).await;
        assert_eq!(status, 200, "{action}: {reply}");
    }

    let case = resident_view(&app, &number, &token).await;
    assert_eq!(case["state"], "final");
    assert!(actions(&case).is_empty(), "nothing more to ask for");
    assert_eq!(
        kinds(&case),
        [
            "received",
            "routed",
            "accepted",
            "answered",
            "evaluated",
            "review_requested",
            "review_accepted",
            "review_answered",
            "re_review_requested",
            "re_review_accepted",
            "re_review_answered",
        ]
    );
    let (status, _) = app
        .act(&token, &number, "evaluation", json!({"rating": "satisfied"}))
        .await;
    assert_eq!(status, 409, "a final case takes no more steps");

    // The page says it is final, and why; the public sees the state only.
    let browser = app.browser("zh-CN");
    let page = browser
        .get(app.url(&format!("/cases/{number}?token={token}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("本案已终结"), "{page}");
    assert!(!page.contains("id=\"resident-actions\""));
    let public = app.get_json(&format!("/api/v1/cases/{number}")).await.1;
    assert_eq!(public["state"], "final");
    assert!(!public.to_string().contains("复查没有到现场核实"));

    // Each step reached the resident by mail, and each request its body.
    app.run_jobs().await;
    let subjects: Vec<String> = sink.to(RESIDENT).iter().map(|m| m.subject()).collect();
    for expected in [
        "诉求已收到",
        "诉求已受理",
        "诉求已书面答复",
        "复查申请已受理",
        "复查意见",
        "复核申请已受理",
        "复核意见",
    ] {
        assert_eq!(
            subjects.iter().filter(|s| s.starts_with(expected)).count(),
            1,
            "{expected} in {subjects:?}"
        );
    }
    let decided = sink
        .to(RESIDENT)
        .into_iter()
        .find(|m| m.subject().starts_with("复核意见"))
        .unwrap();
    assert!(decided.text().contains("责令施工单位晚十点后停止施工"));
    let to_intake: Vec<String> = sink.to(INTAKE).iter().map(|m| m.subject()).collect();
    assert_eq!(
        to_intake.iter().filter(|s| s.starts_with("新交办诉求")).count(),
        2,
        "review and re-review requests reach the reviewing body: {to_intake:?}"
    );
    assert!(
        sink.to(ENVIRONMENT)
            .iter()
            .any(|m| m.subject().starts_with("群众对答复不满意")),
        "the answering bureau hears of the dissatisfaction"
    );
}

async fn windows_nobody_uses_close_the_case_by_the_scan(backend: Backend) {
    let app = spawn_app(backend).await;
    let (quiet, quiet_token) = answered(&app).await;
    let (reviewed, reviewed_token) = answered(&app).await;
    let intake = app.token_for("intake").await;
    let (status, _) = app
        .act(
            &reviewed_token,
            &reviewed,
            "review-request",
            json!({"reason": "没有解决问题"}),
        )
        .await;
    assert_eq!(status, 200);
    for (action, body) in [
        ("review/accept", json!({})),
        (
            "review/answer",
            json!({"outcome": "explained", "text": "已再次督促施工单位夜间停工并复测噪声。", "legal_basis": "《信访工作条例》第三十五条"}),
        ),
    ] {
        let (status, reply) = app.act(&intake, &reviewed, action, body).await;
        assert_eq!(status, 200, "{action}: {reply}");
    }

    // The last day of the window is still open.
    app.advance(Days::days(32));
    app.run_jobs().await;
    assert_eq!(
        resident_view(&app, &quiet, &quiet_token).await["state"],
        "answered"
    );

    // The day after it, the scan closes both cases, each once.
    app.advance(Days::days(1));
    app.run_jobs().await;
    app.run_jobs().await;
    for (number, token) in [(&quiet, &quiet_token), (&reviewed, &reviewed_token)] {
        let case = resident_view(&app, number, token).await;
        assert_eq!(case["state"], "closed", "{number}");
        assert!(actions(&case).is_empty());
        let closed: Vec<&Value> = case["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "closed")
            .collect();
        assert_eq!(closed.len(), 1);
        assert_eq!(closed[0]["data"]["after"], "window_expired");
        let (status, reply) = app
            .act(token, number, "review-request", json!({"reason": "晚了"}))
            .await;
        assert_eq!(status, 409, "{reply}");
    }
    let page = app
        .browser("en")
        .get(app.url(&format!("/cases/{quiet}?token={quiet_token}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("the time to evaluate the answer or ask for a review has passed"),
        "{page}"
    );
}

async fn a_resident_withdraws_before_the_answer_but_not_after(backend: Backend) {
    let app = spawn_app(backend).await;
    let filed = app.file(&complaint()).await;
    let number = filed["tracking_number"].as_str().unwrap();
    let token = filed["access_token"].as_str().unwrap();
    let case = resident_view(&app, number, token).await;
    assert_eq!(actions(&case), ["withdraw"]);
    assert!(case["window_end"].is_null());

    // Somebody else's token does nothing.
    let (other, other_token) = answered(&app).await;
    let (status, _) = app.act(&other_token, number, "withdraw", json!({})).await;
    assert_eq!(status, 403);

    let (status, reply) = app.act(token, number, "withdraw", json!({})).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["state"], "withdrawn");
    let (status, _) = app.act(token, number, "withdraw", json!({})).await;
    assert_eq!(status, 409);

    let (status, _) = app.act(&other_token, &other, "withdraw", json!({})).await;
    assert_eq!(status, 409, "an answered case cannot be withdrawn");

    // Satisfied closes the case at once.
    let (status, reply) = app
        .act(
            &other_token,
            &other,
            "evaluation",
            json!({"rating": "basically_satisfied"}),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["state"], "closed");
}

/// The private page's forms, without JavaScript: a mistake keeps what was typed.
#[actix_web::test]
async fn the_private_page_offers_the_next_step_and_keeps_what_was_typed() {
    let app = spawn_app(Backend::Sqlite).await;
    let (number, token) = answered(&app).await;
    let browser = app.browser("zh-CN");
    let page_url = app.url(&format!("/cases/{number}?token={token}"));
    let page = browser.get(&page_url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"resident-actions\""), "{page}");
    assert!(page.contains("2026年12月28日"), "the window's end: {page}");
    let csrf = {
        let marker = "name=\"csrf\" value=\"";
        let start = page.find(marker).unwrap() + marker.len();
        page[start..].split('"').next().unwrap().to_string()
    };

    // No reason given: the form comes back with the message and the comment kept.
    let response = browser
        .post(app.url(&format!("/cases/{number}/act/evaluation")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("token", token.as_str()),
            ("comment", "答复没有回应夜间施工的时间"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("答复没有回应夜间施工的时间"), "kept: {page}");
    assert!(page.contains("请选择"), "the rating is asked for: {page}");

    // A forged token changes nothing.
    let response = browser
        .post(app.url(&format!("/cases/{number}/act/withdraw")))
        .form(&[("csrf", csrf.as_str()), ("token", "not-the-token")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);

    let response = browser
        .post(app.url(&format!("/cases/{number}/act/evaluation")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("token", token.as_str()),
            ("rating", "unsatisfied"),
            ("comment", "答复没有回应夜间施工的时间"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let page = browser
        .get(app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("已完成"), "{page}");
    assert!(page.contains("不满意"), "the evaluation is on the timeline");
    assert!(page.contains("id=\"action-review-request\""));
    assert!(!page.contains("id=\"action-evaluation\""), "evaluated once");
}
