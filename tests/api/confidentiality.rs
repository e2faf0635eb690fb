//! Who may know who filed a case, and who may see a report about an official: looked for
//! in every place a leak could happen — the API, the pages, the queue and the mail.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, complaint, spawn_app_with};
use crate::smtp::SmtpSink;
use crate::staff_pages::{page, signed_in};

const NAME: &str = "欧阳明月";
const PHONE: &str = "13912345678";
const EMAIL: &str = "ouyang.mingyue@example.cn";
/// Where a confidential filer lives names them in a village as surely as their name.
const ADDRESS: &str = "桃溪村七组42号";

async fn app_with_sink(backend: Backend) -> (TestApp, SmtpSink) {
    let sink = SmtpSink::start();
    let url = sink.url();
    let app = spawn_app_with(backend, move |s| s.smtp_url = Some(url)).await;
    (app, sink)
}

fn leaks(text: &str) -> Vec<&'static str> {
    [NAME, PHONE, EMAIL, ADDRESS]
        .into_iter()
        .filter(|secret| text.contains(secret))
        .collect()
}

fn confidential_complaint() -> Value {
    let mut body = complaint();
    body["resident"] = json!({"name": NAME, "phone": PHONE, "email": EMAIL});
    body["address"] = json!(ADDRESS);
    body["confidential"] = json!(true);
    body
}

both_backends!(
    a_confidential_identity_reaches_the_intake_office_and_nobody_else,
    a_report_about_an_official_never_reaches_the_department_concerned,
);

async fn a_confidential_identity_reaches_the_intake_office_and_nobody_else(backend: Backend) {
    let (app, sink) = app_with_sink(backend).await;
    let filed = app.file(&confidential_complaint()).await;
    let number = filed["tracking_number"].as_str().unwrap().to_string();
    let env = app.token_for("env").await;
    let (status, _) = app.act(&env, &number, "accept", json!({})).await;
    assert_eq!(status, 200);

    // The API, to everyone but the intake office.
    for who in ["env", "env-head", "leader"] {
        let token = app.token_for(who).await;
        let (status, view) = app.get_with(&token, &format!("/api/v1/cases/{number}")).await;
        assert_eq!(status, 200, "{who}");
        assert_eq!(view["may_see_identity"], false, "{who}");
        assert!(leaks(&view.to_string()).is_empty(), "{who}: {view}");
        let (status, refused) = app
            .get_with(&token, &format!("/api/v1/cases/{number}/contact"))
            .await;
        assert_eq!(status, 403, "{who}");
        assert!(leaks(&refused.to_string()).is_empty());
    }
    let (_, queue) = app.get_with(&env, "/api/v1/queue").await;
    assert!(queue.to_string().contains(&number));
    assert!(leaks(&queue.to_string()).is_empty());
    let (_, public) = app.get_json(&format!("/api/v1/cases/{number}")).await;
    assert!(leaks(&public.to_string()).is_empty());

    // The pages.
    let staff = signed_in(&app, "env").await;
    for path in ["/staff".to_string(), format!("/staff/cases/{number}")] {
        let (status, html) = page(&staff, app.url(&path)).await;
        assert_eq!(status, 200, "{path}");
        assert!(leaks(&html).is_empty(), "{path}");
    }
    assert!(
        page(&staff, app.url(&format!("/staff/cases/{number}")))
            .await
            .1
            .contains("身份保密"),
        "the page says why the identity is not shown"
    );
    let (_, tracked) = page(&app.browser("zh-CN"), app.url(&format!("/track?number={number}"))).await;
    assert!(leaks(&tracked).is_empty());

    // The intake office may see it, and that read is recorded.
    let intake = app.token_for("intake").await;
    let (status, contact) = app
        .get_with(&intake, &format!("/api/v1/cases/{number}/contact"))
        .await;
    assert_eq!(status, 200, "{contact}");
    assert_eq!(contact["name"], NAME);
    assert_eq!(
        contact["address"], ADDRESS,
        "part of the identity, so shown with it"
    );
    let intake_page = signed_in(&app, "intake").await;
    let (_, html) = page(&intake_page, app.url(&format!("/staff/cases/{number}"))).await;
    assert!(leaks(&html).is_empty(), "not shown until asked for");

    // Mail: the resident's own carry nothing to hide from them; everyone else's carry
    // nothing at all.
    app.run_jobs().await;
    let mails = sink.received();
    assert!(
        mails
            .iter()
            .any(|m| m.header("To").is_some_and(|t| t.contains(EMAIL)))
    );
    for mail in mails
        .iter()
        .filter(|m| !m.header("To").is_some_and(|t| t.contains(EMAIL)))
    {
        assert!(
            leaks(&mail.text()).is_empty() && leaks(&mail.subject()).is_empty(),
            "{:?} to {:?}",
            mail.subject(),
            mail.header("To")
        );
    }
    assert!(
        mails
            .iter()
            .any(|m| m.header("To").is_some_and(|t| t.contains("shengtai@"))),
        "the department was told, without the identity"
    );
}

async fn a_report_about_an_official_never_reaches_the_department_concerned(backend: Backend) {
    let (app, sink) = app_with_sink(backend).await;
    let mut report = complaint();
    report["category"] = json!("official-misconduct");
    report["area"] = json!("LJ-QS-TX");
    report["title"] = json!("交通局工作人员收受好处费");
    report["description"] = json!("交通局某科室工作人员在办理营运证时向申请人索要好处费，有转账记录为证。");
    report["concerned_department"] = json!("transport");
    let filed = app.file(&report).await;
    let number = filed["tracking_number"].as_str().unwrap().to_string();
    assert_eq!(filed["department"]["code"], "discipline");

    // The department concerned: not in its queue, not readable, no action, no contact.
    let transport = app.token_for("transport").await;
    let (status, _) = app.get_with(&transport, &format!("/api/v1/cases/{number}")).await;
    assert_eq!(status, 403);
    let (_, queue) = app.get_with(&transport, "/api/v1/queue").await;
    assert!(!queue.to_string().contains(&number));
    let (status, _) = app
        .get_with(&transport, &format!("/api/v1/cases/{number}/contact"))
        .await;
    assert_eq!(status, 403);
    let (status, _) = app.act(&transport, &number, "accept", json!({})).await;
    assert_eq!(status, 403);
    let browser = signed_in(&app, "transport").await;
    let (status, html) = page(&browser, app.url(&format!("/staff/cases/{number}"))).await;
    assert_eq!(status, 403);
    assert!(!html.contains("好处费"));
    let (_, html) = page(&browser, app.url("/staff")).await;
    assert!(!html.contains(&number) && !html.contains("好处费"));

    // The supervisory body handles it and cannot hand it to the department concerned;
    // nor can the intake office.
    app.add_account("jiwei", "staff", Some("discipline")).await;
    let jiwei = app.token_for("jiwei").await;
    let (status, view) = app.get_with(&jiwei, &format!("/api/v1/cases/{number}")).await;
    assert_eq!(status, 200);
    assert_eq!(view["concerned_department"], "transport");
    let (status, refused) = app
        .act(
            &jiwei,
            &number,
            "transfer",
            json!({"department": "transport", "reason": "请交通局自查"}),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused["error"]["fields"]["department"].is_string());
    let (_, timeline) = app.get_with(&jiwei, &format!("/api/v1/cases/{number}")).await;
    let routed = &timeline["timeline"][1];
    assert!(
        routed["message"].as_str().unwrap().contains("检举控告事项"),
        "{routed}"
    );

    // The resident names nothing that does not exist.
    report["concerned_department"] = json!("no-such-bureau");
    let response = app.post_case(&report).await;
    assert_eq!(response.status(), 422);

    // No mail about it reaches the department concerned.
    app.run_jobs().await;
    let to_transport = sink.to("jiaotong@linjiang.example");
    assert!(
        to_transport
            .iter()
            .all(|m| !m.text().contains(&number) && !m.subject().contains(&number)),
        "{:?}",
        to_transport.iter().map(|m| m.subject()).collect::<Vec<_>>()
    );
    assert!(
        !sink.to("jiwei@linjiang.example").is_empty(),
        "the commission was told"
    );
}
