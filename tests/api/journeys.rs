//! Journeys with no dead ends: a resident's mail opens their case on what it is about,
//! errors on action forms are summarised at the top, the resident's timeline speaks to
//! them.

use chrono::Duration as Days;

use crate::appeals::answered;
use crate::both_backends;
use crate::helpers::{Backend, complaint};
use crate::mail::app_with_sink;
use crate::pages::csrf_of;
use crate::staff_pages::{page, signed_in};

const RESIDENT: &str = "zhang.san@example.cn";

/// The case link in a mail's text (the one with a sealed token).
pub fn case_link(text: &str) -> String {
    text.split_whitespace()
        .find(|w| w.contains("?token=m."))
        .unwrap_or_else(|| panic!("a case link in {text}"))
        .to_string()
}

/// The value of `token=` in a link, decoded.
fn token_of(link: &str) -> String {
    let raw = link.split("token=").nth(1).unwrap().split('#').next().unwrap();
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .unwrap()
        .to_string()
}

both_backends!(the_answer_mail_opens_the_case_on_its_answer_and_leads_to_a_review);

async fn the_answer_mail_opens_the_case_on_its_answer_and_leads_to_a_review(backend: Backend) {
    let (app, sink) = app_with_sink(backend).await;
    let (number, _token) = answered(&app).await;
    let other = app.file(&complaint()).await["tracking_number"]
        .as_str()
        .unwrap()
        .to_string();
    app.run_jobs().await;
    let mails = sink.to(RESIDENT);
    let answer_mail = mails
        .iter()
        .find(|m| m.subject().contains("书面答复"))
        .expect("the answer mail");
    let link = case_link(&answer_mail.text()).replace("http://portal.test", &app.address);
    assert!(link.ends_with("#answer"), "{link}");
    assert!(
        !link.contains("/track"),
        "the mail no longer leads only to /track"
    );
    // Every mail about the case (not only the receipt) opens the private page.
    let accepted = mails
        .iter()
        .find(|m| m.subject().contains("受理"))
        .expect("acceptance");
    assert!(accepted.text().contains("?token=m."), "{}", accepted.text());

    let browser = app.browser("zh-CN");
    let page = browser.get(&link).send().await.unwrap().text().await.unwrap();
    // The answer leads: its text and basis come before the public facts and the timeline.
    let at = |needle: &str| page.find(needle).unwrap_or_else(|| panic!("{needle} in {page}"));
    assert!(at("id=\"answer\"") < at("class=\"facts\""));
    assert!(at("施工单位持有夜间施工许可") < at("id=\"timeline\""));
    assert!(at("id=\"resident-actions\"") < at("id=\"timeline\""));
    assert!(page.contains("噪声污染防治法"));
    assert!(page.contains("申请复查"), "what a review is and until when");
    assert!(
        page.contains("id=\"action-evaluation\" open"),
        "the evaluation form is open"
    );
    assert!(!page.contains("分办规则"), "no routing jargon for the resident");

    // The link opens that case only.
    let elsewhere = link.replace(&number, &other);
    let page = browser
        .get(&elsewhere)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("专属链接无效"), "{page}");
    assert!(!page.contains("id=\"details\""));

    // A wrong evaluation: the error is summarised at the top, linked to its field.
    let sealed = token_of(&link);
    let response = browser
        .post(app.url(&format!("/cases/{number}/act/evaluation")))
        .form(&[
            ("csrf", csrf_of(&page)),
            ("token", sealed.clone()),
            ("comment", "回复不解决问题".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let page = response.text().await.unwrap();
    let summary = page.find("class=\"error-summary\"").expect("an error summary");
    assert!(
        summary < page.find("id=\"answer\"").unwrap(),
        "the summary comes first"
    );
    assert!(page.contains("href=\"#evaluation-rating\""), "{page}");
    assert!(page.contains("id=\"evaluation-rating\""));
    assert!(page.contains("回复不解决问题"), "what was typed is kept");

    // Unsatisfied, then a review request, both by the mail's link.
    for (action, field, value) in [
        ("evaluation", "rating", "unsatisfied"),
        ("review-request", "reason", "夜间施工仍在继续，噪声没有降低。"),
    ] {
        let response = browser
            .post(app.url(&format!("/cases/{number}/act/{action}")))
            .form(&[
                ("csrf", csrf_of(&page)),
                ("token", sealed.clone()),
                (field, value.into()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 303, "{action}");
        let next = response.headers()["location"].to_str().unwrap().to_string();
        let shown = browser
            .get(app.url(&next))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(shown.contains("id=\"done\""), "{action}: {shown}");
    }
    let page = browser.get(&link).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"review-status\""), "{page}");
    assert!(page.contains("前决定是否受理"));
    assert!(
        page.contains("您评价了答复：不满意"),
        "the timeline speaks to the resident"
    );
    assert!(page.contains("您申请了复查"));
    app.run_jobs().await;
    let confirmation = sink
        .to(RESIDENT)
        .into_iter()
        .find(|m| m.subject().contains("复查申请"))
        .expect("a mail confirms the review request");
    assert!(
        confirmation.text().contains("前将决定是否受理"),
        "{}",
        confirmation.text()
    );

    // Once its life is over, the link says so and shows only the public facts.
    app.advance(Days::days(61));
    let page = browser.get(&link).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("邮件中的链接已过有效期"), "{page}");
    assert!(!page.contains("id=\"details\""));
}

both_backends!(staff_forms_summarise_errors_and_heads_decide_extensions_at_the_top);

async fn staff_forms_summarise_errors_and_heads_decide_extensions_at_the_top(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    let number = app.file(&complaint()).await["tracking_number"]
        .as_str()
        .unwrap()
        .to_string();
    let env = app.token_for("env").await;
    let (status, _) = app.act(&env, &number, "accept", serde_json::json!({})).await;
    assert_eq!(status, 200);

    // An answer sent without its text: the summary at the top links to the empty box.
    let officer = signed_in(&app, "env").await;
    let (_, case) = page(&officer, app.url(&format!("/staff/cases/{number}"))).await;
    let response = officer
        .post(app.url(&format!("/staff/cases/{number}/act/answer")))
        .form(&[
            ("csrf", csrf_of(&case)),
            ("outcome", "supported".into()),
            ("legal_basis", "《噪声污染防治法》第四十三条".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let shown = response.text().await.unwrap();
    let summary = shown.find("class=\"error-summary\"").expect("a summary");
    assert!(summary < shown.find("id=\"actions\"").unwrap());
    assert!(shown.contains("href=\"#answer-text\""), "{shown}");
    assert!(
        shown.contains("《噪声污染防治法》第四十三条"),
        "what was typed is kept"
    );

    // The head sees the extension request first, with its days, reason and buttons.
    let (status, _) = app
        .act(
            &env,
            &number,
            "extension",
            serde_json::json!({"days": 10, "reason": "需要等待第三方噪声检测报告"}),
        )
        .await;
    assert_eq!(status, 200);
    let head = signed_in(&app, "env-head").await;
    let (_, case) = page(&head, app.url(&format!("/staff/cases/{number}"))).await;
    let pending = case
        .find("id=\"pending-extension\"")
        .expect("the pending extension");
    assert!(pending < case.find("class=\"facts\"").unwrap(), "at the top");
    assert!(case.contains("申请延期10日"), "{case}");
    assert!(case.contains("需要等待第三方噪声检测报告"));
    assert!(case.contains("id=\"approve-extension\""));
    let response = head
        .post(app.url(&format!("/staff/cases/{number}/act/extension/approve")))
        .form(&[("csrf", csrf_of(&case))])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let (_, case) = page(
        &head,
        app.url(&format!("/staff/cases/{number}?done=extension/approve")),
    )
    .await;
    assert!(!case.contains("id=\"pending-extension\""), "decided");
    // The officer, who may not decide, is not offered the buttons.
    let (_, theirs) = page(&officer, app.url(&format!("/staff/cases/{number}"))).await;
    assert!(!theirs.contains("id=\"approve-extension\""));
}

both_backends!(an_urgent_category_says_what_to_do_in_danger_and_a_receipt_without_mail_says_keep_it);

async fn an_urgent_category_says_what_to_do_in_danger_and_a_receipt_without_mail_says_keep_it(
    backend: Backend,
) {
    let app = crate::helpers::spawn_app(backend).await;
    let browser = app.browser("zh-CN");
    let form = browser
        .get(app.url("/cases/new"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The banner is a sentence with numbers to tap; the guidance waits for an urgent choice.
    assert!(
        form.contains("遇到危险或紧急情况，请不要在这里提交，立即拨打："),
        "{form}"
    );
    assert!(form.contains("href=\"tel:110\""));
    assert!(form.contains("value=\"safety-hazard\" data-urgent"));
    assert!(form.contains("class=\"urgent-guidance\" id=\"urgent-guidance\""));
    assert!(form.contains("value=\"official-misconduct\" data-report"));
    assert!(
        form.contains("class=\"field concerned\""),
        "the department concerned waits too"
    );
    assert!(
        form.contains("至少 10 个字"),
        "the minimum length is said up front"
    );

    // An urgent case without an email address.
    let mut fields = crate::pages::form(&csrf_of(&form));
    for (name, value) in fields.iter_mut() {
        if *name == "category" {
            *value = "safety-hazard".into();
        }
    }
    fields.push(("checked_similar", "1".into()));
    let response = browser
        .post(app.url("/cases/new"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let receipt = response.headers()["location"].to_str().unwrap().to_string();
    let receipt = browser
        .get(app.url(&receipt))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(receipt.contains("id=\"not-mailed\""), "{receipt}");
    assert!(receipt.contains("不会发给您"));
    assert!(receipt.contains("data-copy=\"private-link\""));
    assert!(receipt.contains("id=\"urgent-receipt\""));
    assert!(receipt.contains("href=\"tel:120\""));

    // A wrong form with an urgent category keeps its guidance in view.
    fields.retain(|(name, _)| *name != "description");
    let response = browser
        .post(app.url("/cases/new"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let again = response.text().await.unwrap();
    assert!(again.contains("class=\"urgent-guidance chosen\""));
}

both_backends!(errors_in_the_workspace_keep_its_header_and_the_review_ranks_only_busy_departments);

async fn errors_in_the_workspace_keep_its_header_and_the_review_ranks_only_busy_departments(
    backend: Backend,
) {
    let app = crate::helpers::spawn_app(backend).await;
    let number = app.file(&complaint()).await["tracking_number"]
        .as_str()
        .unwrap()
        .to_string();
    // The transport bureau's officer may not open the environment bureau's case.
    let officer = signed_in(&app, "transport").await;
    let (status, shown) = page(&officer, app.url(&format!("/staff/cases/{number}"))).await;
    assert_eq!(status, 403);
    assert!(shown.contains("id=\"back-to-workspace\""), "{shown}");
    assert!(shown.contains("href=\"/staff\""));
    assert!(shown.contains("class=\"who\""), "the workspace header: {shown}");

    let leader = signed_in(&app, "leader").await;
    let (_, review) = page(&leader, app.url("/reports/monthly")).await;
    let idle = review
        .find("id=\"idle-departments\"")
        .expect("the idle departments listed");
    assert!(review[idle..].contains("交通运输局"), "{review}");
    let ranking = &review[..idle];
    assert!(
        ranking.contains("生态环境局"),
        "the department with a case is ranked"
    );
    assert!(!ranking.contains("<span class=\"rank\">1</span> 临江市交通运输局"));
}

both_backends!(the_public_pages_a_government_site_has_exist_in_both_languages);

async fn the_public_pages_a_government_site_has_exist_in_both_languages(backend: Backend) {
    let app = crate::helpers::spawn_app_with(backend, |s| {
        s.site_operator = Some("临江市人民政府信访局".into());
        s.site_records = Some("浙ICP备00000000号; 浙公网安备 00000000000000号".into());
    })
    .await;
    for (lang, expected) in [
        ("zh-CN", ["如何反映问题", "隐私说明", "联系我们", "无障碍声明"]),
        (
            "en",
            [
                "How to file",
                "Privacy notice",
                "Contact",
                "Accessibility statement",
            ],
        ),
    ] {
        let browser = app.browser(lang);
        for (path, heading) in ["/help", "/privacy", "/contact", "/accessibility"]
            .iter()
            .zip(expected)
        {
            let response = browser.get(app.url(path)).send().await.unwrap();
            assert_eq!(response.status().as_u16(), 200, "{path}");
            let page = response.text().await.unwrap();
            assert!(page.contains(&format!("<h1>{heading}")), "{lang} {path}: {page}");
            assert!(!page.contains("about."), "no raw message key on {path}");
            assert!(page.contains("href=\"/privacy\""), "the footer links the pages");
        }
    }
    let browser = app.browser("zh-CN");
    let privacy = browser
        .get(app.url("/privacy"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        privacy.contains("办结满 3 年后"),
        "the retention the settings say"
    );
    let contact = browser
        .get(app.url("/contact"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The intake office's address, phone and hours come from the catalogue.
    assert!(contact.contains("临江市信访局"), "{contact}");
    assert!(contact.contains("市民中心二楼"));
    assert!(contact.contains("href=\"tel:0571-12345\""));
    assert!(contact.contains("工作日 8:30"));
    // The footer names who runs the site and its record numbers.
    assert!(contact.contains("主办单位：临江市人民政府信访局"));
    assert!(contact.contains("浙ICP备00000000号"));
}
