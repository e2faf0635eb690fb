//! The staff workspace through its pages, without JavaScript.

use serde_json::json;

use crate::both_backends;
use crate::helpers::{Backend, TestApp, complaint, spawn_app};

fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a CSRF field") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

pub async fn page(client: &reqwest::Client, url: String) -> (u16, String) {
    let response = client.get(url).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// A browser signed in as `username` (demo password).
pub async fn signed_in(app: &TestApp, username: &str) -> reqwest::Client {
    let browser = app.browser("zh-CN");
    let (_, form) = page(&browser, app.url("/staff/login")).await;
    let response = browser
        .post(app.url("/staff/login"))
        .form(&[
            ("csrf", csrf_of(&form)),
            ("username", username.into()),
            ("password", "huiying-demo".into()),
            ("next", "/staff".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "{username} signs in");
    browser
}

pub async fn post_form(
    client: &reqwest::Client,
    url: String,
    fields: &[(&str, &str)],
) -> (u16, String, Option<String>) {
    let response = client.post(url).form(fields).send().await.unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    (status, response.text().await.unwrap(), location)
}

both_backends!(
    staff_accept_and_answer_through_the_forms,
    after_sending_a_case_away_staff_land_on_a_confirmation_not_a_403,
    signing_in_lands_each_role_on_its_own_home,
);

async fn staff_accept_and_answer_through_the_forms(backend: Backend) {
    let app = spawn_app(backend).await;
    let filed = app.file(&complaint()).await;
    let number = filed["tracking_number"].as_str().unwrap().to_string();
    let staff = signed_in(&app, "env").await;

    let (status, queue) = page(&staff, app.url("/staff")).await;
    assert_eq!(status, 200);
    assert!(queue.contains("市生态环境局的诉求"));
    assert!(queue.contains(&format!("/staff/cases/{number}")));

    let case_url = app.url(&format!("/staff/cases/{number}"));
    let (_, case) = page(&staff, case_url.clone()).await;
    assert!(case.contains("夜间施工噪音扰民"));
    assert!(!case.contains("张三"), "the identity needs a deliberate click");
    assert!(case.contains("id=\"action-accept\""));
    assert!(
        !case.contains("id=\"action-answer\""),
        "no answering before acceptance"
    );
    let csrf = csrf_of(&case);

    let (status, _, location) = post_form(&staff, format!("{case_url}/act/accept"), &[("csrf", &csrf)]).await;
    assert_eq!(status, 303);
    assert_eq!(
        location.as_deref(),
        Some(format!("/staff/cases/{number}?done=accept").as_str())
    );
    let (_, case) = page(&staff, app.url(&location.unwrap())).await;
    assert!(case.contains("已完成：受理。"));
    assert!(case.contains("id=\"action-answer\""));

    // An incomplete answer comes back with messages and the text kept.
    let (status, html, _) = post_form(
        &staff,
        format!("{case_url}/act/answer"),
        &[
            ("csrf", &csrf),
            ("outcome", "supported"),
            ("text", "太短"),
            ("legal_basis", ""),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("<details class=\"action\" id=\"action-answer\" open>"));
    assert!(html.contains("至少需要 10 个字。"));
    assert!(html.contains(">太短</textarea>"));
    assert!(html.contains("value=\"supported\" checked"));

    let (status, _, _) = post_form(
        &staff,
        format!("{case_url}/act/answer"),
        &[
            ("csrf", &csrf),
            ("outcome", "supported"),
            ("text", "经现场核查，已责令施工单位停止夜间施工。"),
            ("legal_basis", "《中华人民共和国噪声污染防治法》第四十三条"),
        ],
    )
    .await;
    assert_eq!(status, 303);

    // The resident's page shows the answer in full.
    let resident = app.browser("zh-CN");
    let (_, mine) = page(
        &resident,
        app.url(&format!(
            "/cases/{number}?token={}",
            filed["access_token"].as_str().unwrap()
        )),
    )
    .await;
    assert!(mine.contains("已答复"));
    assert!(mine.contains("书面答复（支持）"));
    assert!(mine.contains("经现场核查，已责令施工单位停止夜间施工。"));
    assert!(mine.contains("依据：《中华人民共和国噪声污染防治法》第四十三条"));
}

#[actix_web::test]
async fn wrong_passwords_and_forged_forms_are_refused_with_a_message() {
    let app = spawn_app(Backend::Sqlite).await;
    let browser = app.browser("zh-CN");
    let (status, _) = page(&browser, app.url("/staff")).await;
    assert_eq!(status, 303, "the workspace needs a sign-in");
    let (_, form) = page(&browser, app.url("/staff/login")).await;
    let csrf = csrf_of(&form);
    let (status, html, _) = post_form(
        &browser,
        app.url("/staff/login"),
        &[
            ("csrf", &csrf),
            ("username", "env"),
            ("password", "not it"),
            ("next", "/staff"),
        ],
    )
    .await;
    assert_eq!(status, 401);
    assert!(html.contains("用户名或密码不正确。"));
    assert!(html.contains("value=\"env\""), "the username stays");
    let (status, _, _) = post_form(
        &browser,
        app.url("/staff/login"),
        &[
            ("csrf", "forged"),
            ("username", "env"),
            ("password", "huiying-demo"),
            ("next", "/staff"),
        ],
    )
    .await;
    assert_eq!(status, 403);
    let (status, _, location) = post_form(
        &browser,
        app.url("/staff/login"),
        &[
            ("csrf", &csrf),
            ("username", "env"),
            ("password", "huiying-demo"),
            ("next", "https://evil.example/"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(
        location.as_deref(),
        Some("/staff"),
        "never redirected off the site"
    );
}

#[actix_web::test]
async fn confidential_identities_stay_with_the_intake_office_and_each_look_is_recorded() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut body = complaint();
    body["confidential"] = json!(true);
    let number = app.file(&body).await["tracking_number"]
        .as_str()
        .unwrap()
        .to_string();
    let case_url = app.url(&format!("/staff/cases/{number}"));

    let staff = signed_in(&app, "env").await;
    let (_, html) = page(&staff, case_url.clone()).await;
    assert!(html.contains("诉求人要求身份保密"));
    assert!(!html.contains("id=\"show-identity\""));
    let (status, _, _) = post_form(
        &staff,
        format!("{case_url}/identity"),
        &[("csrf", &csrf_of(&html))],
    )
    .await;
    assert_eq!(status, 403);

    let intake = signed_in(&app, "intake").await;
    let (_, html) = page(&intake, case_url.clone()).await;
    let (status, html, _) = post_form(
        &intake,
        format!("{case_url}/identity"),
        &[("csrf", &csrf_of(&html))],
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"resident-name\">张三"));
    assert!(html.contains("本次查看已记录在案"));
}

#[actix_web::test]
async fn administrators_manage_accounts_and_others_may_not() {
    let app = spawn_app(Backend::Sqlite).await;
    let staff = signed_in(&app, "env").await;
    let (status, _) = page(&staff, app.url("/admin/users")).await;
    assert_eq!(status, 403);

    let admin = signed_in(&app, "admin").await;
    let (_, form) = page(&admin, app.url("/admin/users/new")).await;
    let csrf = csrf_of(&form);
    let (status, html, _) = post_form(
        &admin,
        app.url("/admin/users/new"),
        &[
            ("csrf", &csrf),
            ("username", "Bad Name"),
            ("display_name", ""),
            ("role", "staff"),
            ("department", ""),
            ("password", "short"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("用户名为3至32个小写字母"));
    assert!(html.contains("工作人员和部门负责人须属于一个部门"));
    assert!(html.contains("至少需要 10 个字"));
    let (status, _, location) = post_form(
        &admin,
        app.url("/admin/users/new"),
        &[
            ("csrf", &csrf),
            ("username", "wang.fang"),
            ("display_name", "王芳"),
            ("role", "head"),
            ("department", "transport"),
            ("email", "wang.fang@staff.example"),
            ("locale", "zh-CN"),
            ("password", "a long enough password"),
            ("active", "on"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(location.as_deref(), Some("/admin/users?saved=1"));
    let (_, list) = page(&admin, app.url("/admin/users")).await;
    assert!(list.contains("wang.fang") && list.contains("王芳") && list.contains("部门负责人"));

    // The new head can sign in and sees the transport queue.
    let browser = app.browser("zh-CN");
    let (_, login) = page(&browser, app.url("/staff/login")).await;
    let (status, _, _) = post_form(
        &browser,
        app.url("/staff/login"),
        &[
            ("csrf", &csrf_of(&login)),
            ("username", "wang.fang"),
            ("password", "a long enough password"),
            ("next", "/staff"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, queue) = page(&browser, app.url("/staff")).await;
    assert!(queue.contains("市交通运输局的诉求"));
}

#[actix_web::test]
async fn a_password_change_ends_every_other_session() {
    let app = spawn_app(Backend::Sqlite).await;
    let here = signed_in(&app, "env").await;
    let elsewhere = signed_in(&app, "env").await;
    let (_, form) = page(&here, app.url("/staff/password")).await;
    let csrf = csrf_of(&form);
    let (status, html, _) = post_form(
        &here,
        app.url("/staff/password"),
        &[
            ("csrf", &csrf),
            ("current_password", "huiying-demo"),
            ("new_password", "a brand new secret"),
            ("repeat_password", "a different one"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("两次输入的新密码不一致"));
    let (status, html, _) = post_form(
        &here,
        app.url("/staff/password"),
        &[
            ("csrf", &csrf),
            ("current_password", "huiying-demo"),
            ("new_password", "a brand new secret"),
            ("repeat_password", "a brand new secret"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("密码已修改"));
    let (status, _) = page(&here, app.url("/staff")).await;
    assert_eq!(status, 200, "this session carries on");
    let (status, _) = page(&elsewhere, app.url("/staff")).await;
    assert_eq!(status, 303, "the other session ended");
}

#[actix_web::test]
async fn the_intake_office_records_a_letter_on_a_residents_behalf() {
    let app = spawn_app(Backend::Sqlite).await;
    let intake = signed_in(&app, "intake").await;
    let (status, form) = page(&intake, app.url("/staff/record")).await;
    assert_eq!(status, 200);
    assert!(form.contains("name=\"channel\" value=\"letter\""));
    // The form speaks to the clerk, offers none of the clerk's own details, and has no
    // banner meant for residents.
    assert!(form.contains("记录来电、来信或来访"), "{form}");
    assert!(form.contains("来电人（来信人、来访人）姓名"));
    assert!(form.contains(
        "id=\"resident_name\" name=\"resident_name\" value=\"\" maxlength=\"50\" autocomplete=\"off\""
    ));
    assert!(!form.contains("id=\"emergency-banner\""));
    assert!(
        form.contains("记下反映人所说的时间、地点、经过和诉求"),
        "the hint speaks to the clerk"
    );
    assert!(
        !form.contains("您的诉求送达对口部门"),
        "no residents' promise in the workspace footer"
    );
    let fields = [
        ("csrf", csrf_of(&form)),
        ("channel", "letter".to_string()),
        ("category", "wage-arrears".to_string()),
        ("area", "LJ-BS-XH".to_string()),
        ("title", "工地拖欠三个月工资".to_string()),
        (
            "description",
            "新华村附近工地拖欠十二名工人三个月工资，多次讨要未果。".to_string(),
        ),
        ("resident_name", "赵六".to_string()),
        ("resident_phone", "13600136000".to_string()),
    ];
    // A letter cannot have come tomorrow: refused at the field, nothing typed is lost.
    let mut tomorrow = fields.to_vec();
    tomorrow.push(("contacted_at", "2026-11-27T09:00".to_string()));
    let refused = intake
        .post(app.url("/staff/record"))
        .form(&tomorrow)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let refused = refused.text().await.unwrap();
    assert!(refused.contains("id=\"contacted_at-error\""), "{refused}");
    assert!(refused.contains("来电、来信或来访的时间不能晚于现在"));
    assert!(refused.contains("工地拖欠三个月工资") && refused.contains("value=\"2026-11-27T09:00\""));
    let mut fields = fields.to_vec();
    fields.push(("contacted_at", "2026-11-25T16:30".to_string()));
    let response = intake
        .post(app.url("/staff/record"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let receipt = response.headers()["location"].to_str().unwrap().to_string();
    assert!(receipt.starts_with("/staff/record/"), "{receipt}");
    let (_, html) = page(&intake, app.url(&receipt)).await;
    // The clerk's receipt: the number to read out, and the ways on.
    assert!(html.contains("已记录，请把编号读给对方"), "{html}");
    assert!(html.contains("id=\"record-another\"") && html.contains("id=\"back-to-workspace\""));
    let number = receipt
        .trim_start_matches("/staff/record/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    assert!(html.contains(&format!("id=\"tracking-number\">{number}<")));
    // The resident reached by letter opens the whole case with the number and the code.
    let code_at = html.find("id=\"phone-code\">").expect("the code to read out") + "id=\"phone-code\">".len();
    let code: String = html[code_at..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    assert_eq!(code.len(), 8);
    let resident = app.browser("zh-CN");
    let (_, track) = page(&resident, app.url("/track")).await;
    let open = |code: String| {
        resident
            .post(app.url("/track/open"))
            .form(&[
                ("csrf", csrf_of(&track)),
                ("number", number.clone()),
                ("code", code),
            ])
            .send()
    };
    let wrong = open("12345678".into()).await.unwrap();
    assert_eq!(wrong.status(), 403);
    let wrong = wrong.text().await.unwrap();
    assert!(wrong.contains("编号和查询码不相符"), "{wrong}");
    let opened = open(code.clone()).await.unwrap();
    assert_eq!(opened.status(), 303);
    let private = opened.headers()["location"].to_str().unwrap().to_string();
    let (_, theirs) = page(&resident, app.url(&private)).await;
    assert!(
        theirs.contains("id=\"details\"") && theirs.contains("赵六"),
        "{theirs}"
    );

    // Someone else's token opens no clerk's receipt.
    let (status, _) = page(&intake, app.url(&format!("/staff/record/{number}?token=wrong"))).await;
    assert_eq!(status, 403);
    let token = app.token_for("intake").await;
    let (_, case) = app.get_with(&token, &format!("/api/v1/cases/{number}")).await;
    assert_eq!(case["channel"], "letter");
    // When the letter came in is on the timeline, in local time.
    let (_, staff_page) = page(&intake, app.url(&format!("/staff/cases/{number}"))).await;
    assert!(staff_page.contains("群众于2026"), "{staff_page}");
    assert!(staff_page.contains("16:30"));
    assert_eq!(case["timeline"][0]["actor"], "staff");
    assert!(
        case["timeline"][0]["actor_id"].is_number(),
        "who recorded it is on the timeline"
    );

    let staff = signed_in(&app, "env").await;
    let (status, _) = page(&staff, app.url("/staff/record")).await;
    assert_eq!(
        status, 403,
        "only the intake office records on a resident's behalf"
    );
}

#[actix_web::test]
async fn heads_keep_answer_templates_which_fill_the_answer_form() {
    let app = spawn_app(Backend::Sqlite).await;
    let head = signed_in(&app, "env-head").await;
    let (_, list) = page(&head, app.url("/staff/templates")).await;
    assert!(
        list.contains("夜间施工噪声：已责令整改"),
        "the demo template is listed"
    );
    let (status, _, _) = post_form(
        &head,
        app.url("/staff/templates"),
        &[
            ("csrf", &csrf_of(&list)),
            ("category", "noise"),
            ("title", "社会生活噪声：告知公安途径"),
            ("outcome", "explained"),
            (
                "text",
                "您反映的噪声属于社会生活噪声，依法由公安机关处理，已将线索移送辖区派出所。",
            ),
            ("legal_basis", "《中华人民共和国噪声污染防治法》第六十八条"),
        ],
    )
    .await;
    assert_eq!(status, 303);

    let staff = signed_in(&app, "env").await;
    let (_, templates) = page(&staff, app.url("/staff/templates")).await;
    assert!(templates.contains("社会生活噪声：告知公安途径"));
    assert!(
        !templates.contains("name=\"title\""),
        "staff use templates but do not keep them"
    );

    let number = app.file(&complaint()).await["tracking_number"]
        .as_str()
        .unwrap()
        .to_string();
    let token = app.token_for("env").await;
    app.act(&token, &number, "accept", json!({})).await;
    let list_html = templates.clone();
    let id_marker = "id=\"template-";
    let ids: Vec<&str> = list_html
        .match_indices(id_marker)
        .map(|(i, _)| list_html[i + id_marker.len()..].split('"').next().unwrap())
        .collect();
    let (_, case) = page(
        &staff,
        app.url(&format!("/staff/cases/{number}?template={}", ids[0])),
    )
    .await;
    assert!(case.contains("<details class=\"action\" id=\"action-answer\" open>"));
    assert!(
        case.contains("已责令施工单位立即停止夜间"),
        "the template's text is in the form"
    );
}

/// A transfer or an objection takes the case out of the department's sight: the page
/// after it says where it went instead of refusing the case just sent.
async fn after_sending_a_case_away_staff_land_on_a_confirmation_not_a_403(backend: Backend) {
    let app = spawn_app(backend).await;
    let staff = signed_in(&app, "env").await;
    for (action, fields, to, says) in [
        (
            "transfer",
            vec![("department", "transport"), ("reason", "属道路施工管理")],
            "transport",
            "已转办至市交通运输局",
        ),
        ("object", vec![("reason", "不属本部门职责")], "intake", "已退回"),
    ] {
        let number = app.file(&complaint()).await["tracking_number"]
            .as_str()
            .unwrap()
            .to_string();
        let (_, case_page) = page(&staff, app.url(&format!("/staff/cases/{number}"))).await;
        let csrf = csrf_of(&case_page);
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend(fields);
        let (status, _, location) = post_form(
            &staff,
            app.url(&format!("/staff/cases/{number}/act/{action}")),
            &form,
        )
        .await;
        assert_eq!(status, 303, "{action}");
        let location = location.unwrap();
        assert!(
            location.starts_with(&format!("/staff?handed={number}&to={to}")),
            "{location}"
        );
        let (status, queue) = page(&staff, app.url(&location)).await;
        assert_eq!(status, 200, "{action}");
        assert!(queue.contains("id=\"handed-on\""), "{queue}");
        assert!(queue.contains(says), "{action}: {queue}");
        assert!(queue.contains(&number));
    }
    // Nothing made up is repeated back.
    let (status, queue) = page(&staff, app.url("/staff?handed=%3Cscript%3E&to=transport")).await;
    assert_eq!(status, 200);
    assert!(!queue.contains("id=\"handed-on\""));
}

async fn signing_in_lands_each_role_on_its_own_home(backend: Backend) {
    let app = spawn_app(backend).await;
    for (username, home) in [
        ("env", "/staff"),
        ("env-head", "/staff"),
        ("intake", "/staff"),
        ("leader", "/leader"),
        ("admin", "/admin"),
    ] {
        let browser = app.browser("zh-CN");
        let (_, form) = page(&browser, app.url("/staff/login")).await;
        let (status, _, location) = post_form(
            &browser,
            app.url("/staff/login"),
            &[
                ("csrf", &csrf_of(&form)),
                ("username", username),
                ("password", "huiying-demo"),
                ("next", ""),
            ],
        )
        .await;
        assert_eq!(status, 303, "{username}");
        assert_eq!(location.as_deref(), Some(home), "{username}");
        let (status, _) = page(&browser, app.url(home)).await;
        assert_eq!(status, 200, "{username}'s home opens");
    }
    let admin = signed_in(&app, "admin").await;
    let (_, overview) = page(&admin, app.url("/admin")).await;
    for link in [
        "/admin/users",
        "/admin/deadlines",
        "/admin/calendar",
        "/admin/mail",
        "/admin/routing",
    ] {
        assert!(overview.contains(&format!("href=\"{link}\"")), "{link}");
    }
    assert!(overview.contains("个账户在用"), "{overview}");
    assert!(overview.contains("尚无模型"));
    let staff = signed_in(&app, "env").await;
    assert_eq!(page(&staff, app.url("/admin")).await.0, 403);
}
