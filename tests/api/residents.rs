//! Residents after filing: accounts by email link, "my cases", linking a case, "me too",
//! confirming a filing by mail, and downloading one's data.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, complaint, spawn_app, spawn_app_with};
use crate::pages::csrf_of;
use crate::smtp::SmtpSink;

pub async fn app_with_sink(backend: Backend, confirm: bool) -> (TestApp, SmtpSink) {
    let sink = SmtpSink::start();
    let url = sink.url();
    let app = spawn_app_with(backend, move |s| {
        s.smtp_url = Some(url);
        s.confirm_filings = confirm;
    })
    .await;
    (app, sink)
}

/// The path and query of the link to `path` in the last mail to `to` about `what`.
pub async fn mailed_link(app: &TestApp, sink: &SmtpSink, to: &str, what: &str, path: &str) -> String {
    app.run_jobs().await;
    let mail = sink
        .to(to)
        .into_iter()
        .rev()
        .find(|m| m.subject().contains(what))
        .unwrap_or_else(|| panic!("no mail about {what} to {to}"));
    let text = mail.text();
    let start = text.find(&format!("http://portal.test{path}")).expect("a link") + "http://portal.test".len();
    text[start..].split_whitespace().next().unwrap().to_string()
}

pub fn token_in(path: &str) -> String {
    path.split("token=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string()
}

async fn text(client: &reqwest::Client, url: String) -> (u16, String) {
    let response = client.get(url).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn filed_with(app: &TestApp, body: Value) -> (String, String) {
    let filed = app.file(&body).await;
    (
        filed["tracking_number"].as_str().unwrap().to_string(),
        filed["access_token"].as_str().unwrap().to_string(),
    )
}

/// A browser signed in as a resident through the mailed link.
async fn resident_browser(app: &TestApp, sink: &SmtpSink, email: &str) -> reqwest::Client {
    let browser = app.browser("zh-CN");
    let (_, page) = text(&browser, app.url("/account")).await;
    let response = browser
        .post(app.url("/account/sign-in"))
        .form(&[("csrf", csrf_of(&page).as_str()), ("email", email)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains("登录链接已发送到"), "{page}");
    let link = mailed_link(app, sink, &email.to_lowercase(), "登录", "/account/link").await;
    let (status, page) = text(&browser, app.url(&link)).await;
    assert_eq!(status, 200, "{page}");
    let response = browser
        .post(app.url("/account/link"))
        .form(&[("csrf", csrf_of(&page)), ("token", token_in(&link))])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    browser
}

both_backends!(
    a_resident_signs_in_by_mail_and_sees_and_acts_on_their_cases,
    me_too_counts_once_confirmed_and_supporters_hear_of_public_steps,
    filings_wait_for_the_mailed_confirmation_when_the_deployment_asks,
);

async fn a_resident_signs_in_by_mail_and_sees_and_acts_on_their_cases(backend: Backend) {
    let (app, sink) = app_with_sink(backend, false).await;
    let (mine, _) = filed_with(&app, complaint()).await;
    let mut by_phone = complaint();
    by_phone["resident"]["email"] = json!(null);
    by_phone["title"] = json!("小区路灯不亮");
    let (earlier, earlier_token) = filed_with(&app, by_phone).await;
    let mut someone_else = complaint();
    someone_else["resident"] = json!({"name": "王五", "email": "wang.wu@example.cn"});
    let (theirs, _) = filed_with(&app, someone_else).await;

    // The address is matched whatever its case.
    let browser = resident_browser(&app, &sink, "Zhang.San@Example.CN").await;
    let (_, page) = text(&browser, app.url("/account")).await;
    assert!(page.contains("已登录：zhang.san@example.cn"), "{page}");
    assert!(page.contains(&mine));
    assert!(!page.contains(&earlier) && !page.contains(&theirs));

    // A case filed earlier without the address joins by its private link.
    let response = browser
        .post(app.url("/account/cases"))
        .form(&[("csrf", csrf_of(&page)), ("link", "没有链接".into())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains("没能识别这个专属链接") && html.contains("value=\"没有链接\""));
    let response = browser
        .post(app.url("/account/cases"))
        .form(&[
            ("csrf", csrf_of(&page)),
            (
                "link",
                format!("http://portal.test/cases/{earlier}?token={earlier_token}"),
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let (_, page) = text(&browser, app.url("/account?linked=1")).await;
    assert!(page.contains(&mine) && page.contains(&earlier), "{page}");
    assert!(!page.contains(&theirs));

    // The account opens its cases in full and acts on them; not anyone else's.
    let (_, case_page) = text(&browser, app.url(&format!("/cases/{mine}"))).await;
    assert!(case_page.contains("id=\"details\"") && case_page.contains("张三"));
    let response = browser
        .post(app.url(&format!("/cases/{mine}/act/withdraw")))
        .form(&[("csrf", csrf_of(&case_page)), ("token", String::new())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        format!("/cases/{mine}?done=withdraw").as_str()
    );
    let (_, other_page) = text(&browser, app.url(&format!("/cases/{theirs}"))).await;
    assert!(!other_page.contains("id=\"details\"") && !other_page.contains("王五"));
    let refused = browser
        .post(app.url(&format!("/api/v1/cases/{theirs}/withdraw")))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);

    // The API with the same session.
    let listed: Value = browser
        .get(app.url("/api/v1/account/cases"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let numbers: Vec<&str> = listed["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["tracking_number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers.len(), 2);
    assert!(numbers.contains(&mine.as_str()) && numbers.contains(&earlier.as_str()));
    let (_, case) = (
        0,
        browser
            .get(app.url(&format!("/api/v1/cases/{earlier}")))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap(),
    );
    assert_eq!(case["resident"]["name"], "张三", "the account's own case in full");

    // Everything kept about them, as a download.
    let response = browser.get(app.url("/account/data")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let data: Value = response.json().await.unwrap();
    assert_eq!(data["account"]["email"], "zhang.san@example.cn");
    assert_eq!(data["cases"].as_array().unwrap().len(), 2);
    assert!(
        data["cases"][0]["timeline"]
            .as_array()
            .is_some_and(|t| !t.is_empty())
    );
    assert!(!data.to_string().contains("王五"));

    // A used link does not work twice; signing out ends the session.
    let link = mailed_link(&app, &sink, "zhang.san@example.cn", "登录", "/account/link").await;
    let (status, page) = text(&app.browser("zh-CN"), app.url(&link)).await;
    assert_eq!(status, 410);
    assert!(page.contains("这个链接已经用过或已过期"));
    let (_, page) = text(&browser, app.url("/account")).await;
    let response = browser
        .post(app.url("/account/sign-out"))
        .form(&[("csrf", csrf_of(&page))])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let (_, page) = text(&browser, app.url("/account")).await;
    assert!(page.contains("发送登录链接"));
    assert_eq!(
        browser
            .get(app.url("/api/v1/account/cases"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );

    // Links to one address are limited, so nobody can flood a mailbox with them.
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let response = app
            .api
            .post(app.url("/api/v1/account/sign-in"))
            .json(&json!({"email": "flood@example.cn"}))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [202, 202, 202, 202, 202, 429]);
}

async fn me_too_counts_once_confirmed_and_supporters_hear_of_public_steps(backend: Backend) {
    let (app, sink) = app_with_sink(backend, false).await;
    let (number, _) = filed_with(&app, complaint()).await;
    let support = |email: &'static str, client: reqwest::Client| {
        let url = app.url(&format!("/api/v1/cases/{number}/support"));
        async move {
            let response = client
                .post(url)
                .json(&json!({ "email": email }))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap_or(Value::Null))
        }
    };

    let (status, body) = support("li.si@example.cn", app.api.clone()).await;
    assert_eq!((status, body["status"].as_str()), (202, Some("pending")));
    assert_eq!(
        app.get_json(&format!("/api/v1/cases/{number}")).await.1["supports"],
        0
    );
    let link = mailed_link(&app, &sink, "li.si@example.cn", "确认附议", "/supports/confirm").await;
    let confirmed = app
        .api
        .post(app.url("/api/v1/supports/confirm"))
        .json(&json!({ "token": token_in(&link) }))
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), 200);
    assert_eq!(confirmed.json::<Value>().await.unwrap()["supports"], 1);
    let again = app
        .api
        .post(app.url("/api/v1/supports/confirm"))
        .json(&json!({ "token": token_in(&link) }))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);

    // Once per address: asking again changes nothing and says nothing new.
    let mails_before = sink.received().len();
    let (status, _) = support("LI.SI@example.cn", app.api.clone()).await;
    assert_eq!(status, 202);
    app.run_jobs().await;
    assert_eq!(sink.received().len(), mails_before);
    assert_eq!(
        app.get_json(&format!("/api/v1/cases/{number}")).await.1["supports"],
        1
    );

    let (status, body) = support("zhang.san@example.cn", app.api.clone()).await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = support("not an address", app.api.clone()).await;
    assert_eq!(status, 422);
    assert!(body["error"]["fields"]["email"].is_string());
    let mut private = complaint();
    private["publish_consent"] = json!(false);
    let (unpublished, _) = filed_with(&app, private).await;
    let refused = app
        .api
        .post(app.url(&format!("/api/v1/cases/{unpublished}/support")))
        .json(&json!({"email": "li.si@example.cn"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 409);

    // A signed-in resident supporting with their own address counts at once.
    let signed_in = app.browser("zh-CN");
    let response = signed_in
        .post(app.url("/api/v1/account/sign-in"))
        .json(&json!({"email": "wang.wu@example.cn"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let link = mailed_link(&app, &sink, "wang.wu@example.cn", "登录", "/account/link").await;
    let session = signed_in
        .post(app.url("/api/v1/account/session"))
        .json(&json!({ "token": token_in(&link) }))
        .send()
        .await
        .unwrap();
    assert_eq!(session.status(), 200);
    let (status, body) = support("wang.wu@example.cn", signed_in.clone()).await;
    assert_eq!((status, body["supports"].as_i64()), (200, Some(2)), "{body}");

    // Supporters hear of the case's public steps, in their language.
    let env = app.token_for("env").await;
    let (status, _) = app.act(&env, &number, "accept", json!({})).await;
    assert_eq!(status, 200);
    app.run_jobs().await;
    for supporter in ["li.si@example.cn", "wang.wu@example.cn"] {
        let news: Vec<_> = sink
            .to(supporter)
            .into_iter()
            .filter(|m| m.subject().starts_with("您附议的诉求有新进展"))
            .collect();
        assert_eq!(news.len(), 1, "{supporter}");
        assert!(news[0].text().contains("已受理"), "{}", news[0].text());
        assert!(!news[0].text().contains("张三"), "nothing personal");
    }

    // The public page shows the count and takes supports without JavaScript.
    let browser = app.browser("zh-CN");
    let (_, page) = text(&browser, app.url(&format!("/cases/{number}"))).await;
    assert!(page.contains("已有 2 人附议"), "{page}");
    assert!(page.contains("夜间施工噪音扰民"), "the consented title");
    let response = browser
        .post(app.url(&format!("/cases/{number}/support")))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("email", "zhao.liu@example.cn"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("zhao.liu@example.cn"));
    let link = mailed_link(
        &app,
        &sink,
        "zhao.liu@example.cn",
        "确认附议",
        "/supports/confirm",
    )
    .await;
    let (status, page) = text(&browser, app.url(&link)).await;
    assert_eq!(status, 200);
    let response = browser
        .post(app.url("/supports/confirm"))
        .form(&[("csrf", csrf_of(&page)), ("token", token_in(&link))])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let (_, page) = text(&browser, app.url(&location)).await;
    assert!(
        page.contains("您的附议已计入") && page.contains("已有 3 人附议"),
        "{page}"
    );

    // Each news mail carries a link that stops them; opening it changes nothing (mail
    // scanners open links), the button does, and the support still counts.
    let stop = mailed_link(&app, &sink, "li.si@example.cn", "有新进展", "/supports/stop").await;
    let reader = app.browser("zh-CN");
    let (status, page) = text(&reader, app.url(&stop)).await;
    assert_eq!(status, 200);
    assert!(page.contains("停止接收"), "{page}");
    let (status, _) = text(&reader, app.url("/supports/stop?token=forged")).await;
    assert_eq!(status, 404);
    let forged = app
        .api
        .post(app.url("/api/v1/supports/stop"))
        .json(&json!({"token": "forged"}))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 404);
    let token = percent_encoding::percent_decode_str(&token_in(&stop))
        .decode_utf8()
        .unwrap()
        .to_string();
    let response = reader
        .post(app.url("/supports/stop"))
        .form(&[("csrf", csrf_of(&page)), ("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("不再收到诉求"));
    let answer = json!({"outcome": "supported", "text": "已责令施工单位夜间停工。", "legal_basis": "《噪声污染防治法》"});
    assert_eq!(app.act(&env, &number, "answer", answer).await.0, 200);
    app.run_jobs().await;
    let news = |to: &str| {
        sink.to(to)
            .into_iter()
            .filter(|m| m.subject().starts_with("您附议的诉求有新进展"))
            .count()
    };
    assert_eq!((news("li.si@example.cn"), news("wang.wu@example.cn")), (1, 2));
    assert_eq!(
        app.get_json(&format!("/api/v1/cases/{number}")).await.1["supports"],
        3
    );
}

async fn filings_wait_for_the_mailed_confirmation_when_the_deployment_asks(backend: Backend) {
    let (app, sink) = app_with_sink(backend, true).await;
    let mut phone_only = complaint();
    phone_only["resident"]["email"] = json!(null);
    let response = app.post_case(&phone_only).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert!(body["error"]["fields"]["resident.email"].is_string(), "{body}");

    let mut never = complaint();
    never["resident"]["email"] = json!("li.si@example.cn");
    let lapsing = app.file(&never).await;
    let filed = app.file(&complaint()).await;
    let number = filed["tracking_number"].as_str().unwrap().to_string();
    assert_eq!(filed["state"], "unconfirmed");
    let env = app.token_for("env").await;
    let (_, queue) = app.get_with(&env, "/api/v1/queue").await;
    assert!(!queue.to_string().contains(&number), "not yet the department's");

    let link = mailed_link(
        &app,
        &sink,
        "zhang.san@example.cn",
        "请确认您的诉求",
        "/filings/confirm",
    )
    .await;
    assert!(
        sink.to("shengtai@linjiang.example").is_empty(),
        "no assignment yet"
    );
    let mail = sink.to("zhang.san@example.cn").pop().unwrap().text();
    assert!(
        mail.contains(&format!("/cases/{number}?token=")),
        "the private link too"
    );

    // Confirmed two days later: the acceptance deadline runs from then.
    app.advance(chrono::Duration::days(2));
    let browser = app.browser("zh-CN");
    let (status, page) = text(&browser, app.url(&link)).await;
    assert_eq!(status, 200);
    let response = browser
        .post(app.url("/filings/confirm"))
        .form(&[("csrf", csrf_of(&page)), ("token", token_in(&link))])
        .send()
        .await
        .unwrap();
    let status = response.status();
    let page = response.text().await.unwrap();
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("已确认并转交承办部门"));
    let (_, public) = app.get_json(&format!("/api/v1/cases/{number}")).await;
    assert_eq!(public["state"], "routed");
    // Sat 28 Nov + 15 days = Sun 13 Dec, which moves to Mon 14 Dec.
    assert_eq!(public["acceptance_due_at"], "2026-12-14T15:59:59Z");
    app.run_jobs().await;
    assert_eq!(
        sink.to("shengtai@linjiang.example").len(),
        1,
        "now it is assigned"
    );
    let env = app.token_for("env").await;
    let (_, queue) = app.get_with(&env, "/api/v1/queue").await;
    assert!(queue.to_string().contains(&number));

    // The filing nobody confirmed lapses after 7 days, quietly: closed, nothing mailed,
    // never counted as received, and its page says why.
    let lapsed = lapsing["tracking_number"].as_str().unwrap();
    app.advance(chrono::Duration::days(5));
    app.run_jobs().await;
    assert_eq!(
        app.get_json(&format!("/api/v1/cases/{lapsed}")).await.1["state"],
        "closed"
    );
    assert_eq!(
        app.get_json(&format!("/api/v1/cases/{number}")).await.1["state"],
        "routed"
    );
    assert_eq!(sink.to("li.si@example.cn").len(), 1, "the confirmation link only");
    let token = lapsing["access_token"].as_str().unwrap();
    let (_, page) = text(&browser, app.url(&format!("/cases/{lapsed}?token={token}"))).await;
    assert!(page.contains("没有通过邮件确认"), "{page}");
    let leader = app.token_for("leader").await;
    let (_, review) = app
        .get_with(&leader, "/api/v1/reports/monthly?month=2026-11")
        .await;
    assert_eq!(review["total"]["received"], 1, "{review}");
    let register = app
        .api
        .get(app.url("/reports/register.csv?from=2026-11-01&to=2026-11-30"))
        .bearer_auth(&leader)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        register.contains(&number) && !register.contains(lapsed),
        "{register}"
    );
}

#[actix_web::test]
async fn the_private_link_downloads_the_case_data() {
    let app = spawn_app(Backend::Sqlite).await;
    let (number, token) = filed_with(&app, complaint()).await;
    let response = app
        .api
        .get(app.url(&format!("/cases/{number}/data?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-disposition"],
        format!("attachment; filename=\"huiying-{number}.json\"").as_str()
    );
    let data: Value = response.json().await.unwrap();
    assert_eq!(data["cases"][0]["resident"]["name"], "张三");
    assert!(data["account"].is_null());

    let (status, _) = app
        .get_with(&token, &format!("/api/v1/cases/{number}/data"))
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .get_with("not-the-token", &format!("/api/v1/cases/{number}/data"))
        .await;
    assert_eq!(status, 403);
    let response = app
        .api
        .get(app.url(&format!("/cases/{number}/data")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403, "neither a token nor an account");
}

both_backends!(similar_open_published_cases_are_suggested_before_filing);

async fn similar_open_published_cases_are_suggested_before_filing(backend: Backend) {
    let app = spawn_app(backend).await;
    let garbage = |title: &str, description: &str| {
        let mut body = complaint();
        body["category"] = json!("sanitation");
        body["area"] = json!("LJ-QS-TX");
        body["title"] = json!(title);
        body["description"] = json!(description);
        body
    };
    let (published, _) = filed_with(
        &app,
        garbage(
            "村口垃圾堆放多日无人清运 13912345678",
            "桃溪村村口的垃圾已经堆了一个多星期，天热发臭，希望尽快清运。",
        ),
    )
    .await;
    let mut unpublished = garbage("村口垃圾没人清运", "桃溪村村口垃圾堆了很多天，没有人来清运。");
    unpublished["publish_consent"] = json!(false);
    let (hidden, _) = filed_with(&app, unpublished).await;
    let mut confidential = garbage("村口垃圾堆积", "桃溪村村口垃圾堆积很多天无人清运，臭气熏天。");
    confidential["confidential"] = json!(true);
    let (secret, _) = filed_with(&app, confidential).await;
    let mut elsewhere = garbage("村口垃圾无人清运", "石口村村口垃圾堆放多日无人清运。");
    elsewhere["area"] = json!("LJ-QS-SK");
    let (other_area, _) = filed_with(&app, elsewhere).await;
    let (withdrawn, withdrawn_token) = filed_with(
        &app,
        garbage("村口垃圾多日未清运", "桃溪村村口垃圾多日未清运，影响环境。"),
    )
    .await;
    let (status, _) = app.act(&withdrawn_token, &withdrawn, "withdraw", json!({})).await;
    assert_eq!(status, 200);
    filed_with(
        &app,
        garbage("路灯坏了", "桃溪村主路的路灯坏了两个星期，晚上很黑。"),
    )
    .await;

    let (status, found) = app
        .get_json(&format!(
            "/api/v1/cases/similar?category=sanitation&area=LJ-QS-TX&text={}",
            crate::helpers::encode(
                "村口垃圾多日没人清运 桃溪村村口的垃圾堆了好几天，没有人来清运，天热发臭。"
            )
        ))
        .await;
    assert_eq!(status, 200, "{found}");
    let numbers: Vec<&str> = found["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["tracking_number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, [published.as_str()], "only the open, published one");
    for excluded in [&hidden, &secret, &other_area, &withdrawn] {
        assert!(!numbers.contains(&excluded.as_str()));
    }
    let first = &found["cases"][0];
    assert_eq!(first["title"], "村口垃圾堆放多日无人清运 ***", "redacted");
    assert!(!found.to_string().contains("张三") && !found.to_string().contains("天热发臭"));

    let (status, _) = app
        .get_json("/api/v1/cases/similar?category=nothing&area=LJ-QS-TX&text=x")
        .await;
    assert_eq!(status, 422);

    // The form shows them once; filing anyway takes one more press, nothing retyped.
    let browser = app.browser("zh-CN");
    let (_, page) = text(&browser, app.url("/cases/new")).await;
    let fields = crate::pages::form(&csrf_of(&page));
    let response = browser
        .post(app.url("/cases/new"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("id=\"similar\"") && page.contains(&published),
        "{page}"
    );
    // A step of its own: its heading, the match, support it or file mine.
    assert!(
        page.contains("<h1 id=\"similar-heading\">这是同一个问题吗？</h1>"),
        "{page}"
    );
    assert!(page.contains("这就是我的问题：附议"));
    assert!(page.contains(&format!("action=\"/cases/{published}/support\"")));
    assert!(!page.contains("id=\"description\""), "not the form again");
    assert!(page.contains("name=\"checked_similar\" value=\"1\""));
    assert!(page.contains("value=\"村口垃圾堆放多日无人清运\""), "kept");
    // "Go back and change it" returns the form as it was.
    let mut edit = fields.clone();
    edit.push(("step", "edit".into()));
    let back = browser
        .post(app.url("/cases/new"))
        .form(&edit)
        .send()
        .await
        .unwrap();
    let back = back.text().await.unwrap();
    assert!(back.contains("id=\"description\"") && back.contains("桃溪村村口的垃圾"));
    let before = app.get_json(&format!("/api/v1/cases/{published}")).await;
    assert_eq!(before.0, 200);
    let mut again = fields.clone();
    again.push(("checked_similar", "1".into()));
    let response = browser
        .post(app.url("/cases/new"))
        .form(&again)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
}
