//! The journeys of issue 13 in headless Chromium: a mail's link to what it is about, the
//! similar-cases step, the clerk on the phone, each role's home, a transfer's
//! confirmation and the monthly review on a phone. Skipped like `browser` without Chromium.

use fantoccini::{Client, Locator};
use serde_json::json;

use crate::browser::{available, both_widths, fill, sign_in, start_browser, wait_for_text};
use crate::helpers::{Backend, complaint, spawn_app, spawn_demo_app};

type Flow<T> = Result<T, fantoccini::error::CmdError>;

const RESIDENT: &str = "zhang.san@example.cn";

async fn path_of(client: &Client) -> Flow<String> {
    Ok(client.current_url().await?.path().to_string())
}

/// The answer mail's link opens the answer with the evaluation form; a wrong evaluation
/// says so at the top; then unsatisfied and a review request. The booking mail's link opens
/// the booking, and its button cancels it.
#[actix_web::test]
async fn a_resident_follows_the_answer_mail_to_a_review_and_the_booking_mail_to_cancelling() {
    if !available() {
        return;
    }
    let (app, sink) = crate::mail::app_with_sink(Backend::Sqlite).await;
    let (number, token) = crate::appeals::answered(&app).await;
    let leader = app.token_for("leader").await;
    let day: serde_json::Value = app
        .api
        .post(app.url("/api/v1/reception-days"))
        .bearer_auth(&leader)
        .json(&json!({"date": "2026-12-17", "starts_at": "09:00", "ends_at": "11:30", "place": "市民中心三楼接待室", "capacity": 10}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let booked = app
        .api
        .post(app.url(&format!("/api/v1/reception-days/{}/bookings", day["id"])))
        .bearer_auth(&token)
        .json(&json!({ "tracking_number": number }))
        .send()
        .await
        .unwrap();
    assert_eq!(booked.status(), 201);
    app.run_jobs().await;
    let mails = sink.to(RESIDENT);
    let link_in = |about: &str| {
        let mail = mails
            .iter()
            .find(|m| m.subject().contains(about))
            .unwrap_or_else(|| panic!("a mail about {about}"));
        crate::journeys::case_link(&mail.text()).replace("http://portal.test", &app.address)
    };
    let (answer_link, booking_link) = (link_in("书面答复"), link_in("接待"));
    assert!(answer_link.ends_with("#answer") && booking_link.ends_with("#reception"));

    let (_driver, client) = start_browser("zh-CN").await;
    let result = async {
        client.goto(&answer_link).await?;
        let answer = wait_for_text(&client, Locator::Id("answer"), "施工单位持有夜间施工许可").await?;
        assert!(answer.contains("噪声污染防治法"), "{answer}");
        let evaluation = client.find(Locator::Id("action-evaluation")).await?;
        assert_eq!(evaluation.attr("open").await?.as_deref(), Some("true"));
        both_widths(&client, "mail-answer").await?;

        // Nothing chosen: the summary at the top has the focus and links to the field.
        client
            .find(Locator::Id("submit-evaluation"))
            .await?
            .click()
            .await?;
        wait_for_text(&client, Locator::Id("form-error"), "满意").await?;
        let focused = client.active_element().await?.attr("id").await?;
        assert_eq!(focused.as_deref(), Some("form-error"));
        let top: f64 = serde_json::from_value(
            client
                .execute(
                    "return document.getElementById('form-error').getBoundingClientRect().top",
                    vec![],
                )
                .await?,
        )
        .unwrap();
        assert!(top < 400.0, "the summary is on the first screen: {top}");
        let field = client
            .find(Locator::Css("#form-error a[href='#evaluation-rating']"))
            .await?;
        both_widths(&client, "evaluation-error").await?;
        field.click().await?;

        client
            .find(Locator::Css("#action-evaluation input[value=unsatisfied]"))
            .await?
            .click()
            .await?;
        client
            .find(Locator::Id("submit-evaluation"))
            .await?
            .click()
            .await?;
        wait_for_text(&client, Locator::Id("done"), "评价答复").await?;
        client
            .find(Locator::Css("#action-review-request summary"))
            .await?
            .click()
            .await?;
        fill(
            &client,
            "review-request-reason",
            "夜间施工仍在继续，噪声没有降低。",
        )
        .await;
        client
            .find(Locator::Id("submit-review-request"))
            .await?
            .click()
            .await?;
        wait_for_text(&client, Locator::Id("done"), "申请复查").await?;
        wait_for_text(&client, Locator::Id("review-status"), "前决定是否受理").await?;
        both_widths(&client, "review-requested").await?;

        client.goto(&booking_link).await?;
        wait_for_text(&client, Locator::Id("my-booking"), "2026年12月17日").await?;
        both_widths(&client, "mail-booking").await?;
        client.find(Locator::Id("cancel-booking")).await?.click().await?;
        wait_for_text(&client, Locator::Id("reception"), "预约").await?;
        assert!(client.find(Locator::Id("my-booking")).await.is_err(), "cancelled");
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    client.close().await.ok();
    result.expect("browser flow");
    let (_, case) = app.get_with(&token, &format!("/api/v1/cases/{number}")).await;
    let kinds: Vec<&str> = case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"review_requested") && kinds.contains(&"reception_cancelled"),
        "{kinds:?}"
    );
}

/// "Is this the same problem?" is a page of its own; "file mine" files what was typed.
#[actix_web::test]
async fn the_similar_cases_step_is_a_page_of_its_own() {
    if !available() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    let mut earlier = complaint();
    earlier["category"] = json!("sanitation");
    earlier["area"] = json!("LJ-QS-TX");
    earlier["title"] = json!("村口垃圾堆放多日无人清运");
    earlier["description"] = json!("桃溪村村口的垃圾已经堆了一个多星期，天热发臭，希望尽快清运。");
    let published = app.file(&earlier).await["tracking_number"]
        .as_str()
        .unwrap()
        .to_string();

    let (_driver, client) = start_browser("zh-CN").await;
    let result = async {
        // On a phone the first field is on the first screen.
        client.set_window_size(390, 844).await?;
        client.goto(&app.url("/cases/new")).await?;
        let at: serde_json::Value = client
            .execute(
                "const r = document.getElementById('category').getBoundingClientRect();
                 return [r.top, r.bottom, window.innerHeight];",
                vec![],
            )
            .await?;
        eprintln!("first field on a phone (top, bottom, viewport): {at}");
        assert!(at[1].as_f64().unwrap() < at[2].as_f64().unwrap(), "{at}");
        both_widths(&client, "form-first-screen").await?;
        client
            .find(Locator::Id("category"))
            .await?
            .select_by_value("sanitation")
            .await?;
        client
            .find(Locator::Id("area"))
            .await?
            .select_by_value("LJ-QS-TX")
            .await?;
        fill(&client, "title", "村口垃圾多日没人清运").await;
        fill(
            &client,
            "description",
            "桃溪村村口的垃圾堆了好几天，没有人来清运，天热发臭。",
        )
        .await;
        fill(&client, "resident_name", "王五").await;
        fill(&client, "resident_phone", "13700137000").await;
        client
            .find(Locator::Css("button.primary[type=submit]"))
            .await?
            .click()
            .await?;
        wait_for_text(&client, Locator::Id("similar-heading"), "这是同一个问题吗？").await?;
        let listed = client.find(Locator::Id("similar")).await?.text().await?;
        assert!(listed.contains(&published), "{listed}");
        assert!(
            client.find(Locator::Id("description")).await.is_err(),
            "not the form again"
        );
        both_widths(&client, "similar-step").await?;
        client.find(Locator::Id("file-mine")).await?.click().await?;
        wait_for_text(&client, Locator::Id("receipt"), "您的诉求已提交").await?;
        client.find(Locator::Id("tracking-number")).await?.text().await
    }
    .await;
    client.close().await.ok();
    let number = result.expect("browser flow");
    assert_ne!(number, published);
    let (status, _) = app.get_json(&format!("/api/v1/cases/{number}")).await;
    assert_eq!(status, 200);
}

/// Signing in lands each role on its own home; the intake office records a call and
/// reads out the number and the access code.
#[actix_web::test]
async fn each_role_lands_on_its_home_and_intake_records_a_call() {
    if !available() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    let (_driver, client) = start_browser("zh-CN").await;
    let login = app.url("/staff/login");
    let result = async {
        for (username, home, heading) in [
            ("env", "/staff", "市生态环境局的诉求"),
            ("env-head", "/staff", "市生态环境局的诉求"),
            ("leader", "/leader", "接待日与包案"),
            ("admin", "/admin", "系统管理"),
            ("intake", "/staff", "临江市信访局的诉求"),
        ] {
            client.delete_all_cookies().await?;
            sign_in(&client, &login, username).await?;
            wait_for_text(&client, Locator::Css("h1"), heading).await?;
            assert_eq!(path_of(&client).await?, home, "{username}");
            both_widths(&client, &format!("home-{username}")).await?;
        }

        client.goto(&app.url("/staff/record")).await?;
        client
            .find(Locator::Css("input[name=channel][value=phone]"))
            .await?
            .click()
            .await?;
        // The date-time picker's keys differ by locale: the value is set as a picker would.
        client
            .execute(
                "document.getElementById('contacted_at').value = '2026-11-25T09:30'",
                vec![],
            )
            .await?;
        client
            .find(Locator::Id("category"))
            .await?
            .select_by_value("wage-arrears")
            .await?;
        client
            .find(Locator::Id("area"))
            .await?
            .select_by_value("LJ-BS-XH")
            .await?;
        fill(&client, "title", "工地拖欠三个月工资").await;
        fill(
            &client,
            "description",
            "来电人反映新华村附近工地拖欠十二名工人三个月工资。",
        )
        .await;
        fill(&client, "resident_name", "赵六").await;
        fill(&client, "resident_phone", "13600136000").await;
        client.execute("window.scrollTo(0, 0)", vec![]).await?;
        both_widths(&client, "record-call").await?;
        client
            .find(Locator::Css("button.primary[type=submit]"))
            .await?
            .click()
            .await?;
        wait_for_text(&client, Locator::Css("h1"), "请把编号读给对方").await?;
        let number = client.find(Locator::Id("tracking-number")).await?.text().await?;
        let code = client.find(Locator::Id("phone-code")).await?.text().await?;
        assert_eq!(code.chars().filter(char::is_ascii_digit).count(), 8, "{code}");
        both_widths(&client, "recorded-call").await?;
        client
            .find(Locator::Id("back-to-workspace"))
            .await?
            .click()
            .await?;
        wait_for_text(&client, Locator::Css("h1"), "临江市信访局的诉求").await?;
        Ok::<_, fantoccini::error::CmdError>(number)
    }
    .await;
    client.close().await.ok();
    let number = result.expect("browser flow");
    let token = app.token_for("intake").await;
    let (_, case) = app.get_with(&token, &format!("/api/v1/cases/{number}")).await;
    assert_eq!(case["channel"], "phone");
}

/// A member of staff who sends a case elsewhere lands on a confirmation, not on a 403.
#[actix_web::test]
async fn a_transfer_lands_on_its_confirmation() {
    if !available() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    let number = app.file(&complaint()).await["tracking_number"]
        .as_str()
        .unwrap()
        .to_string();
    let (_driver, client) = start_browser("zh-CN").await;
    let result = async {
        sign_in(&client, &app.url("/staff/login"), "env").await?;
        wait_for_text(&client, Locator::Id("queue"), &number).await?;
        client.goto(&app.url(&format!("/staff/cases/{number}"))).await?;
        client
            .find(Locator::Css("#action-transfer summary"))
            .await?
            .click()
            .await?;
        client
            .find(Locator::Id("transfer-department"))
            .await?
            .select_by_value("housing")
            .await?;
        fill(
            &client,
            "transfer-reason",
            "噪声来自小区物业管理的设备，属住建部门职责。",
        )
        .await;
        client.find(Locator::Id("submit-transfer")).await?.click().await?;
        let said = wait_for_text(&client, Locator::Id("handed-on"), "已转办至").await?;
        assert!(said.contains(&number), "{said}");
        assert_eq!(path_of(&client).await?, "/staff");
        both_widths(&client, "transferred").await?;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    client.close().await.ok();
    result.expect("browser flow");
}

/// At 390 px the monthly review scrolls sideways with the department column held, and
/// the column names stay in view.
#[actix_web::test]
async fn the_monthly_review_keeps_its_column_names_on_a_phone() {
    if !available() {
        return;
    }
    let app = spawn_demo_app(Backend::Sqlite).await;
    let (_driver, client) = start_browser("zh-CN").await;
    let result = async {
        sign_in(&client, &app.url("/staff/login"), "leader").await?;
        wait_for_text(&client, Locator::Css("h1"), "接待日与包案").await?;
        client.set_window_size(390, 844).await?;
        client.goto(&app.url("/reports/monthly")).await?;
        let width: f64 =
            serde_json::from_value(client.execute("return window.innerWidth", vec![]).await?).unwrap();
        assert!(width <= 400.0, "a phone's width: {width}");
        let ranking = client.find(Locator::Css("#ranking table")).await?;
        let names: Vec<String> = {
            let mut names = Vec::new();
            for th in ranking.find_all(Locator::Css("thead th")).await? {
                names.push(th.text().await?);
            }
            names
        };
        assert!(
            names.len() >= 10 && names.iter().all(|n| !n.trim().is_empty()),
            "{names:?}"
        );
        // On a phone the table itself scrolls: scrolled to its last column, the
        // department column is still where it was.
        let held: serde_json::Value = client
            .execute(
                "const box = document.querySelector('#ranking table');
                 const first = () => box.querySelector('tbody th').getBoundingClientRect().left;
                 const before = first();
                 box.scrollLeft = box.scrollWidth;
                 const last = box.querySelector('thead th:last-child').getBoundingClientRect();
                 return [before, first(), box.scrollLeft, last.right <= window.innerWidth + 1];",
                vec![],
            )
            .await?;
        assert!(
            held[2].as_f64().unwrap() > 0.0,
            "the table scrolls sideways: {held}"
        );
        assert_eq!(held[0], held[1], "the first column is held: {held}");
        assert_eq!(
            held[3],
            json!(true),
            "the last column name comes into view: {held}"
        );
        both_widths(&client, "monthly-review").await?;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    client.close().await.ok();
    result.expect("browser flow");
}

/// A liaison on a phone (390 px): from the desk to a visit with two problems, one added
/// with a button, and back to the desk with both numbers; nothing wider than the screen.
#[actix_web::test]
async fn a_liaison_records_a_visit_on_a_phone() {
    if !available() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    let (_driver, client) = start_browser("zh-CN").await;
    let fits = "return [document.documentElement.scrollWidth, window.innerWidth];";
    let result = async {
        sign_in(&client, &app.url("/staff/login"), "liaison").await?;
        wait_for_text(&client, Locator::Css("main h1"), "联络员工作台").await?;
        client.set_window_size(390, 844).await?;
        assert_eq!(path_of(&client).await?, "/liaison");
        client.find(Locator::Id("visit-LJ-QS")).await?.click().await?;
        wait_for_text(&client, Locator::Css("main h1"), "记录走访").await?;
        let width: serde_json::Value = client.execute(fits, vec![]).await?;
        assert!(width[0].as_f64() <= width[1].as_f64(), "the form fits: {width}");
        client
            .find(Locator::Id("area"))
            .await?
            .select_by_value("LJ-QS-TX")
            .await?;
        fill(&client, "met", "村民代表五人、网格员一人").await;
        fill(&client, "notes", "走访桃溪村，群众反映两件事。").await;
        client
            .find(Locator::Id("cases-0-category"))
            .await?
            .select_by_value("noise")
            .await?;
        fill(&client, "cases-0-title", "搅拌站夜间施工噪音扰民").await;
        fill(
            &client,
            "cases-0-description",
            "村口搅拌站每晚十一点后仍在作业，噪音很大，村民无法休息。",
        )
        .await;
        fill(&client, "cases-0-resident-name", "王五").await;
        fill(&client, "cases-0-resident-phone", "13700137000").await;
        both_widths(&client, "liaison-visit").await?;
        client.find(Locator::Id("add-problem")).await?.click().await?;
        wait_for_text(&client, Locator::Id("problem-1"), "问题 2").await?;
        let kept = client
            .find(Locator::Id("cases-0-title"))
            .await?
            .prop("value")
            .await?;
        assert_eq!(
            kept.as_deref(),
            Some("搅拌站夜间施工噪音扰民"),
            "nothing typed is lost"
        );
        client
            .find(Locator::Id("cases-1-category"))
            .await?
            .select_by_value("roads-transit")
            .await?;
        fill(&client, "cases-1-title", "通村公路塌方需要修复").await;
        fill(
            &client,
            "cases-1-description",
            "桃溪村通村公路在三号桥附近塌方约五米，车辆无法通行。",
        )
        .await;
        fill(&client, "cases-1-resident-name", "赵六").await;
        fill(&client, "cases-1-resident-phone", "13600136000").await;
        client.find(Locator::Id("save-visit")).await?.click().await?;
        let notice = wait_for_text(&client, Locator::Id("recorded"), "形成诉求 2 件").await?;
        let width: serde_json::Value = client.execute(fits, vec![]).await?;
        assert!(width[0].as_f64() <= width[1].as_f64(), "the desk fits: {width}");
        both_widths(&client, "liaison-recorded").await?;
        Ok::<_, fantoccini::error::CmdError>(notice)
    }
    .await;
    client.close().await.ok();
    let notice = result.expect("browser flow");
    let token = app.token_for("liaison").await;
    let (_, ledger) = app.get_with(&token, "/api/v1/ledger?area=LJ-QS-TX&month=").await;
    let recorded = ledger["recorded"].as_array().expect("recorded cases");
    assert_eq!(recorded.len(), 2, "{ledger}");
    for case in recorded {
        let number = case["tracking_number"].as_str().unwrap();
        assert!(notice.contains(number), "{number} in {notice}");
    }
}
