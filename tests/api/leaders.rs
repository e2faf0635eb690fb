//! Leaders: reception days and their queues, personal charge, the monthly review and the
//! register.

use std::io::Cursor;

use calamine::{Data, DataType, Reader, Xlsx, open_workbook_from_rs};
use chrono::Duration;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, complaint, spawn_app, spawn_app_with, spawn_demo_app};
use crate::smtp::SmtpSink;

async fn app_with_sink(backend: Backend) -> (TestApp, SmtpSink) {
    let sink = SmtpSink::start();
    let url = sink.url();
    let app = spawn_app_with(backend, move |s| s.smtp_url = Some(url)).await;
    (app, sink)
}

/// Files the usual noise complaint from a resident of its own.
async fn file_from(app: &TestApp, who: &str, phone: &str) -> (String, String) {
    let mut body = complaint();
    body["resident"] = json!({"name": who, "phone": phone, "email": format!("{who}@example.cn")});
    let filed = app.file(&body).await;
    (
        filed["tracking_number"].as_str().unwrap().to_string(),
        filed["access_token"].as_str().unwrap().to_string(),
    )
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    let response = app
        .api
        .post(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn publish(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    post(app, token, "/api/v1/reception-days", body).await
}

fn day(date: &str, capacity: u32) -> Value {
    json!({"date": date, "starts_at": "09:00", "ends_at": "11:30", "place": "市民中心三楼接待室", "capacity": capacity})
}

both_backends!(
    reception_days_take_bookings_within_their_rules_and_queue_them_in_order,
    the_monthly_review_and_the_register_count_a_known_month,
    the_demo_comes_with_worked_cases_and_coming_reception_days,
    a_day_called_off_cancels_its_bookings_and_tells_the_residents,
);

async fn a_day_called_off_cancels_its_bookings_and_tells_the_residents(backend: Backend) {
    use crate::pages::csrf_of;
    use crate::staff_pages::{page, signed_in};
    let (app, sink) = app_with_sink(backend).await;
    let leader = app.token_for("leader").await;
    let (_, created) = publish(&app, &leader, day("2026-12-10", 5)).await;
    let day_id = created["id"].as_i64().unwrap();
    let (_, other) = publish(&app, &leader, day("2026-12-17", 5)).await;
    let other_id = other["id"].as_i64().unwrap();
    let (a, a_token) = file_from(&app, "a", "13700000001").await;
    let (b, b_token) = file_from(&app, "b", "13700000002").await;
    for (number, token) in [(&a, &a_token), (&b, &b_token)] {
        let (status, body) = post(
            &app,
            token,
            &format!("/api/v1/reception-days/{day_id}/bookings"),
            json!({ "tracking_number": number }),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }

    // Only leaders and administrators, with a reason.
    let cancel = format!("/api/v1/reception-days/{day_id}/cancel");
    let env = app.token_for("env").await;
    assert_eq!(post(&app, &env, &cancel, json!({"reason": "有事"})).await.0, 403);
    let (status, body) = post(&app, &leader, &cancel, json!({"reason": " "})).await;
    assert_eq!(status, 422);
    assert!(body["error"]["fields"]["reason"].is_string(), "{body}");
    let (status, body) = post(&app, &leader, &cancel, json!({"reason": "领导临时赴省里开会"})).await;
    assert_eq!(
        (status, body["bookings_cancelled"].as_u64()),
        (200, Some(2)),
        "{body}"
    );
    assert_eq!(
        post(&app, &leader, &cancel, json!({"reason": "再取消"})).await.0,
        409
    );

    // Gone from the list; each resident is told why and sees it on the timeline; the
    // day takes no bookings, and the case may book another day.
    let (_, listed) = app.get_json("/api/v1/reception-days?month=2026-12").await;
    let ids: Vec<i64> = listed["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [other_id]);
    app.run_jobs().await;
    for who in ["a@example.cn", "b@example.cn"] {
        let told: Vec<_> = sink
            .to(who)
            .into_iter()
            .filter(|m| m.subject().starts_with("接待日取消通知"))
            .collect();
        assert_eq!(told.len(), 1, "{who}");
        assert!(told[0].text().contains("领导临时赴省里开会"));
    }
    let (_, mine) = app.get_with(&a_token, &format!("/api/v1/cases/{a}")).await;
    assert!(
        mine["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "reception_day_cancelled")
    );
    let (status, body) = post(
        &app,
        &a_token,
        &format!("/api/v1/reception-days/{day_id}/bookings"),
        json!({ "tracking_number": a }),
    )
    .await;
    assert_eq!(status, 409);
    assert!(
        body["error"]["message"].as_str().unwrap().contains("已取消"),
        "{body}"
    );
    let (status, _) = post(
        &app,
        &a_token,
        &format!("/api/v1/reception-days/{other_id}/bookings"),
        json!({ "tracking_number": a }),
    )
    .await;
    assert_eq!(status, 201);

    // From the day's page: the form, then the banner instead of it.
    let browser = signed_in(&app, "leader").await;
    let (_, day_page) = page(&browser, app.url(&format!("/leader/days/{other_id}"))).await;
    assert!(day_page.contains("id=\"cancel-day\""), "{day_page}");
    let response = browser
        .post(app.url(&format!("/leader/days/{other_id}/cancel")))
        .form(&[("csrf", csrf_of(&day_page)), ("reason", "场地维修".into())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let (_, after) = page(&browser, app.url(&location)).await;
    assert!(
        after.contains("已通知 1 位预约群众")
            && after.contains("场地维修")
            && !after.contains("id=\"cancel-day\""),
        "{after}"
    );

    // A day that has passed stays as it was.
    let (_, later) = publish(&app, &leader, day("2026-12-24", 5)).await;
    app.advance(Duration::days(30));
    let leader = app.token_for("leader").await;
    let late = format!("/api/v1/reception-days/{}/cancel", later["id"]);
    assert_eq!(
        post(&app, &leader, &late, json!({"reason": "补记取消"})).await.0,
        409
    );
}

async fn the_demo_comes_with_worked_cases_and_coming_reception_days(backend: Backend) {
    let app = spawn_demo_app(backend).await;

    // 26 November 2026 is a Thursday: the leader's days are the next Wednesday and the one
    // after, the second for Qingshan Town only.
    let (status, days) = app.get_json("/api/v1/reception-days?month=2026-12").await;
    assert_eq!(status, 200);
    let days = days["days"].as_array().unwrap();
    let dates: Vec<&str> = days.iter().map(|d| d["date"].as_str().unwrap()).collect();
    assert_eq!(dates, ["2026-12-02", "2026-12-09"]);
    assert!(days.iter().all(|d| d["leader"] == "副市长 赵明"), "{days:?}");
    assert_eq!(days[1]["areas"], json!(["LJ-QS"]));
    let (_, listing) = crate::staff_pages::page(&app.browser("zh-CN"), app.url("/reception")).await;
    assert!(listing.contains("青山镇便民服务中心"), "{listing}");

    // The cases went through the real workflow at their own times: queues hold them, the
    // timelines verify, and the review has figures.
    let env = app.token_for("env").await;
    let (status, queue) = app.get_with(&env, "/api/v1/queue").await;
    assert_eq!(status, 200);
    assert!(!queue["items"].as_array().unwrap().is_empty(), "{queue}");
    let leader = app.token_for("leader").await;
    let (status, review) = app
        .get_with(&leader, "/api/v1/reports/monthly?month=2026-10")
        .await;
    assert_eq!(status, 200);
    assert!(review["total"]["received"].as_u64().unwrap() > 0, "{review}");
    assert!(review["total"]["answered"].as_u64().unwrap() > 0, "{review}");
    assert!(review["total"]["satisfaction_rate"].is_number(), "{review}");
    let (db, key) = (app.state.db.clone(), app.state.chain_key.clone());
    let (checked, broken) = actix_web::rt::task::spawn_blocking(move || {
        let mut conn = db.get().unwrap();
        huiying::service::audit::verify(&mut conn, &key, None).unwrap()
    })
    .await
    .unwrap();
    assert!(checked >= 20 && broken.is_empty(), "{checked} {broken:?}");
}

async fn reception_days_take_bookings_within_their_rules_and_queue_them_in_order(backend: Backend) {
    let (app, sink) = app_with_sink(backend).await;
    let leader = app.token_for("leader").await;
    let env = app.token_for("env").await;
    let admin = app.token_for("admin").await;

    // Publishing: leaders and administrators (who name the leader); checked input.
    let (status, created) = publish(&app, &leader, day("2027-01-14", 4)).await;
    assert_eq!(status, 201, "{created}");
    let day_id = created["id"].as_i64().unwrap();
    assert_eq!(created["leader"], "副市长 赵明");
    let (status, body) = publish(
        &app,
        &leader,
        json!({"date": "2026-11-20", "starts_at": "11:00", "ends_at": "09:00", "place": "", "capacity": 0}),
    )
    .await;
    assert_eq!(status, 422);
    for field in ["date", "ends_at", "place", "capacity"] {
        assert!(body["error"]["fields"][field].is_string(), "{field}: {body}");
    }
    assert_eq!(publish(&app, &env, day("2027-01-15", 4)).await.0, 403);
    let (status, body) = publish(&app, &admin, day("2027-01-15", 4)).await;
    assert_eq!(status, 422);
    assert!(body["error"]["fields"]["leader"].is_string());
    let mut wages_only = day("2027-01-21", 10);
    wages_only["leader"] = json!("leader");
    wages_only["categories"] = json!(["wage-arrears"]);
    let (status, narrow) = publish(&app, &admin, wages_only).await;
    assert_eq!(status, 201, "{narrow}");
    let (_, listed) = app.get_json("/api/v1/reception-days?month=2027-01").await;
    assert_eq!(listed["days"].as_array().unwrap().len(), 2);
    assert_eq!(listed["days"][0]["remaining"], 4);

    // Cases: a plain one, one to go overdue, one in review, and a repeat petition.
    let (plain, plain_token) = file_from(&app, "a", "13700000001").await;
    let (late, late_token) = file_from(&app, "b", "13700000002").await;
    let (review, review_token) = file_from(&app, "c", "13700000003").await;
    let (_, _) = file_from(&app, "d", "13700000004").await;
    let (repeat, repeat_token) = file_from(&app, "d", "13700000004").await;
    let (extra, extra_token) = file_from(&app, "e", "13700000005").await;
    for number in [&plain, &review, &repeat, &extra] {
        assert_eq!(app.act(&env, number, "accept", json!({})).await.0, 200);
    }
    let answer = json!({"outcome": "explained", "text": "已责令施工单位调整作业时间。", "legal_basis": "《噪声污染防治法》"});
    assert_eq!(app.act(&env, &review, "answer", answer).await.0, 200);
    // Sixteen days on, the unaccepted one is past its acceptance deadline (11 Dec).
    app.advance(Duration::days(16));
    assert_eq!(
        app.act(
            &review_token,
            &review,
            "review-request",
            json!({"reason": "答复与事实不符"})
        )
        .await
        .0,
        200
    );

    let book = |token: String, number: String, day: i64| {
        let app = &app;
        async move {
            let response = app
                .api
                .post(app.url(&format!("/api/v1/reception-days/{day}/bookings")))
                .bearer_auth(token)
                .json(&json!({ "tracking_number": number }))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    // Booked in this order: the repeat first, the plain one, the review, the late one.
    for (token, number) in [
        (&repeat_token, &repeat),
        (&plain_token, &plain),
        (&review_token, &review),
        (&late_token, &late),
    ] {
        let (status, body) = book(token.clone(), number.clone(), day_id).await;
        assert_eq!(status, 201, "{number}: {body}");
        app.advance(Duration::minutes(1));
    }
    let (status, body) = book(extra_token.clone(), extra.clone(), day_id).await;
    assert_eq!(status, 409);
    assert!(
        body["error"]["message"].as_str().unwrap().contains("名额已满"),
        "{body}"
    );
    let (status, body) = book(extra_token.clone(), extra.clone(), narrow["id"].as_i64().unwrap()).await;
    assert_eq!(status, 409);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("不接待这一类别"),
        "{body}"
    );
    let (status, body) = book(plain_token.clone(), plain.clone(), day_id).await;
    assert_eq!(status, 409, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("已经预约"));
    let (status, _) = book(plain_token.clone(), late.clone(), day_id).await;
    assert_eq!(status, 403, "another case's token books nothing");

    // The queue: overdue, then review, then repeat, then by booking time.
    let leader = app.token_for("leader").await;
    let queue_path = format!("/api/v1/reception-days/{day_id}/queue");
    let (status, queue) = app.get_with(&leader, &queue_path).await;
    assert_eq!(status, 200, "{queue}");
    let order: Vec<&str> = queue["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["tracking_number"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        [late.as_str(), review.as_str(), repeat.as_str(), plain.as_str()]
    );
    assert_eq!(queue["entries"][0]["overdue"], true);
    assert_eq!(queue["entries"][1]["review_request"], true);
    assert_eq!(queue["entries"][2]["earlier_cases"], 1);
    assert!(
        !queue.to_string().contains("13700000001"),
        "no identity in the queue"
    );
    // Only leaders and administrators see it; a resident sees their own booking only.
    assert_eq!(
        app.get_with(&app.token_for("env").await, &queue_path).await.0,
        403
    );
    assert_eq!(
        app.get_with(&app.token_for("admin").await, &queue_path).await.0,
        200
    );
    assert_eq!(app.get_with(&plain_token, &queue_path).await.0, 401);
    let (_, mine) = app
        .get_with(&plain_token, &format!("/api/v1/cases/{plain}"))
        .await;
    let kinds: Vec<&str> = mine["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"reception_booked"));
    assert!(!mine.to_string().contains(&late));

    // Another case's token cancels nothing; cancelling frees the place, and the day can be
    // booked again.
    let foreign = app
        .api
        .delete(app.url(&format!("/api/v1/reception-days/{day_id}/bookings/{plain}")))
        .bearer_auth(&late_token)
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
    let cancel = app
        .api
        .delete(app.url(&format!("/api/v1/reception-days/{day_id}/bookings/{plain}")))
        .bearer_auth(&plain_token)
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), 204);
    let (status, _) = book(extra_token.clone(), extra.clone(), day_id).await;
    assert_eq!(status, 201, "the freed place");

    // Mail: the booking at once; the day before, a reminder from 08:00 and the leader's
    // list from 18:00, each once.
    app.run_jobs().await;
    assert!(
        sink.to("a@example.cn")
            .iter()
            .any(|m| m.subject().starts_with("接待日预约成功"))
    );
    // 13 Jan 2027 at 19:00 in Shanghai.
    let now = app.state.now();
    let evening = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2027, 1, 13, 11, 0, 0).unwrap();
    app.advance(evening - now);
    app.run_jobs().await;
    app.run_jobs().await;
    for resident in ["b@example.cn", "c@example.cn", "d@example.cn", "e@example.cn"] {
        let reminders = sink
            .to(resident)
            .into_iter()
            .filter(|m| m.subject().starts_with("明天的接待日提醒"))
            .count();
        assert_eq!(reminders, 1, "{resident}");
    }
    assert_eq!(
        sink.to("a@example.cn")
            .into_iter()
            .filter(|m| m.subject().starts_with("明天的接待日提醒"))
            .count(),
        0,
        "cancelled"
    );
    let lists: Vec<_> = sink
        .to("leader@staff.linjiang.example")
        .into_iter()
        .filter(|m| m.subject().starts_with("明日接待日名单"))
        .collect();
    assert_eq!(lists.len(), 1);
    assert!(lists[0].subject().contains("4 人") && lists[0].text().contains(&review));
    // Once the list is out (18:00 local, 10:00 UTC) the day takes no more bookings.
    let (status, body) = book(extra_token.clone(), extra.clone(), day_id).await;
    assert_eq!(status, 409);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("预约已经截止"),
        "{body}"
    );

    // Not before the day: the meeting cannot be recorded yet.
    let leader = app.token_for("leader").await;
    let (_, queue) = app.get_with(&leader, &queue_path).await;
    let any = queue["entries"][0]["booking"].as_i64().unwrap();
    let (status, body) = post(
        &app,
        &leader,
        &format!("/api/v1/bookings/{any}/meeting"),
        json!({"attended": false}),
    )
    .await;
    assert_eq!(status, 409);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("接待日还没到")
    );

    // On the day (14 Jan, 09:30): the resident can no longer cancel; the leader records
    // each meeting (once) and takes a case into charge.
    app.advance(Duration::hours(14) + Duration::minutes(30));
    let too_late = app
        .api
        .delete(app.url(&format!("/api/v1/reception-days/{day_id}/bookings/{late}")))
        .bearer_auth(&late_token)
        .send()
        .await
        .unwrap();
    assert_eq!(too_late.status(), 409);
    let body: Value = too_late.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("不能再取消"));
    let leader = app.token_for("leader").await;
    let (_, queue) = app.get_with(&leader, &queue_path).await;
    let first = queue["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["tracking_number"] == late.as_str())
        .unwrap()["booking"]
        .as_i64()
        .unwrap();
    let meeting = format!("/api/v1/bookings/{first}/meeting");
    let (status, body) = post(
        &app,
        &leader,
        &meeting,
        json!({"attended": true, "outcome": "当面听取意见，责成生态环境局一周内现场复核。"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        post(
            &app,
            &leader,
            &meeting,
            json!({"attended": true, "outcome": "再记一次"})
        )
        .await
        .0,
        409
    );
    let (_, late_view) = app.get_with(&late_token, &format!("/api/v1/cases/{late}")).await;
    assert!(
        late_view.to_string().contains("责成生态环境局一周内现场复核"),
        "the resident sees the outcome"
    );

    app.add_account("vice", "leader", None).await;
    let vice = app.token_for("vice").await;
    let supervise = format!("/api/v1/cases/{late}/supervise");
    assert_eq!(
        post(&app, &app.token_for("env").await, &supervise, json!({}))
            .await
            .0,
        403
    );
    let (status, body) = post(&app, &vice, &supervise, json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        post(&app, &leader, &supervise, json!({})).await.0,
        409,
        "one leader at a time"
    );
    // Escalations about the case now reach the leader in charge too.
    app.run_jobs().await;
    assert!(
        sink.to("vice@staff.example")
            .iter()
            .any(|m| m.subject().starts_with("超期督办") && m.text().contains(&late)),
        "{:?}",
        sink.to("vice@staff.example")
            .iter()
            .map(|m| m.subject())
            .collect::<Vec<_>>()
    );
    assert!(
        sink.to("b@example.cn")
            .iter()
            .any(|m| m.subject().starts_with("领导包案督办"))
    );
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Empty => String::new(),
        other => format!("{other:?}"),
    }
}

async fn the_monthly_review_and_the_register_count_a_known_month(backend: Backend) {
    let app = spawn_app(backend).await;
    let env = app.token_for("env").await;
    // November: four environment cases. One answered on time and rated satisfied, one
    // accepted and open, one never decided, one confidential and never decided.
    let (answered, answered_token) = file_from(&app, "a", "13700000001").await;
    let (accepted, _) = file_from(&app, "b", "13700000002").await;
    file_from(&app, "c", "13700000003").await;
    let mut secret = complaint();
    secret["resident"] = json!({"name": "欧阳保密", "phone": "13912349999"});
    secret["confidential"] = json!(true);
    app.file(&secret).await;
    for number in [&answered, &accepted] {
        assert_eq!(app.act(&env, number, "accept", json!({})).await.0, 200);
    }
    app.advance(Duration::days(2));
    let env = app.token_for("env").await;
    let answer =
        json!({"outcome": "supported", "text": "已责令停止夜间施工。", "legal_basis": "《噪声污染防治法》"});
    assert_eq!(app.act(&env, &answered, "answer", answer).await.0, 200);
    assert_eq!(
        app.act(
            &answered_token,
            &answered,
            "evaluation",
            json!({"rating": "satisfied"})
        )
        .await
        .0,
        200
    );
    // 1 Dec: the two undecided ones are past their deadline (11 Dec)? Not yet: look on 12 Dec.
    app.advance(Duration::days(14));

    let leader = app.token_for("leader").await;
    let (status, report) = app
        .get_with(&leader, "/api/v1/reports/monthly?month=2026-11")
        .await;
    assert_eq!(status, 200, "{report}");
    let env_row = report["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["department"]["code"] == "environment")
        .unwrap()
        .clone();
    assert_eq!(env_row["rank"], 1, "the only department with answers ranks first");
    assert_eq!(env_row["received"], 4);
    assert_eq!(env_row["accepted"], 2);
    assert_eq!(env_row["answered"], 1);
    assert_eq!(env_row["closed"], 1, "closed on the satisfied evaluation");
    assert_eq!(env_row["overdue_now"], 2, "the two never decided, due 11 Dec");
    assert_eq!(env_row["on_time_rate"], 1.0);
    assert_eq!(env_row["median_days_to_answer"], 2.0);
    // Two decided on time of four whose decision is made or due.
    assert_eq!(env_row["response_rate"], 0.5);
    assert_eq!(env_row["resolution_rate"], 1.0);
    assert_eq!(env_row["satisfaction_rate"], 1.0);
    assert_eq!(report["total"]["received"], 4);
    assert_eq!(report["top_categories"][0]["code"], "noise");
    assert_eq!(report["trend"].as_array().unwrap().len(), 12);
    assert_eq!(report["trend"][11]["month"], "2026-11");
    assert_eq!(report["trend"][11]["received"], 4);
    assert_eq!(
        app.get_with(&app.token_for("env").await, "/api/v1/reports/monthly")
            .await
            .0,
        403
    );
    assert_eq!(app.get_json("/api/v1/reports/monthly").await.0, 401);
    let (status, _) = app
        .get_with(&leader, "/api/v1/reports/monthly?month=2026-13")
        .await;
    assert_eq!(status, 422);

    // The register: XLSX read back by a spreadsheet library, and CSV; no identities.
    let register = |format: &str, token: &str| {
        app.api
            .get(app.url(&format!(
                "/reports/register.{format}?from=2026-11-01&to=2026-11-30"
            )))
            .bearer_auth(token)
            .send()
    };
    let response = register("xlsx", &leader).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("台账").unwrap();
    let rows: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    assert_eq!(rows.len(), 5, "a header and four cases");
    let header: Vec<String> = rows[0].iter().map(cell_text).collect();
    assert_eq!(header[..4], ["编号", "提交时间", "来源渠道", "事项类别"]);
    let first = &rows[1];
    assert_eq!(cell_text(&first[0]), answered);
    assert!(
        matches!(first[1], Data::DateTime(_)),
        "a real date: {:?}",
        first[1]
    );
    let filed = first[1].as_datetime().expect("a date");
    assert_eq!(filed.to_string(), "2026-11-26 10:00:00", "local time");
    assert_eq!(cell_text(&first[3]), "噪声扰民");
    assert_eq!(cell_text(&first[5]), "市生态环境局");
    assert_eq!(cell_text(&first[13]), "支持");
    assert_eq!(cell_text(&first[14]), "满意");
    assert_eq!(cell_text(&first[16]), "否");
    assert!(matches!(first[12], Data::DateTime(_)), "answered at, a date");
    let everything = format!("{rows:?}");
    for secret in ["欧阳保密", "13912349999", "a@example.cn", "13700000001"] {
        assert!(!everything.contains(secret), "{secret} leaked into the register");
    }
    assert_eq!(
        cell_text(&rows[4][8]),
        "是",
        "the confidential flag, not the person"
    );

    let csv = register("csv", &leader).await.unwrap().text().await.unwrap();
    assert!(csv.starts_with('\u{feff}'));
    let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 5);
    assert!(lines[1].starts_with(&format!("{answered},2026-11-26 10:00,")));
    assert!(!csv.contains("欧阳保密"));

    assert_eq!(
        register("xlsx", &app.token_for("env").await)
            .await
            .unwrap()
            .status(),
        403
    );
    let anonymous = app
        .api
        .get(app.url("/reports/register.csv?from=2026-11-01&to=2026-11-30"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let backwards = register_range_status(&app, &leader).await;
    assert_eq!(backwards, 422);
    // In the browser, the review page says so next to the dates, keeping them.
    let browser = crate::staff_pages::signed_in(&app, "leader").await;
    let response = browser
        .get(app.url("/reports/register.xlsx?from=2026-11-30&to=2026-11-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let back = response.headers()["location"].to_str().unwrap().to_string();
    let (_, review) = crate::staff_pages::page(&browser, app.url(&back)).await;
    assert!(review.contains("id=\"to-error\""), "{review}");
    assert!(review.contains("结束日期不能早于开始日期"));
    assert!(review.contains("value=\"2026-11-30\""));
}

async fn register_range_status(app: &TestApp, token: &str) -> u16 {
    app.api
        .get(app.url("/reports/register.csv?from=2026-11-30&to=2026-11-01"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The pages, without JavaScript: a leader publishes a day, a resident books and cancels
/// from the case page, the public list shows it, the review renders its charts.
#[actix_web::test]
async fn the_pages_publish_book_and_review() {
    use crate::pages::csrf_of;
    use crate::staff_pages::{page, signed_in};

    let app = spawn_app(Backend::Sqlite).await;
    let leader = signed_in(&app, "leader").await;
    let (_, dashboard) = page(&leader, app.url("/leader?month=2026-12")).await;
    assert!(dashboard.contains("id=\"new-day\""), "{dashboard}");
    // A mistake comes back with the message and what was typed.
    let bad = leader
        .post(app.url("/leader/days"))
        .form(&[
            ("csrf", csrf_of(&dashboard).as_str()),
            ("date", "2026-12-10"),
            ("starts_at", "14:00"),
            ("ends_at", "09:00"),
            ("place", "市民中心三楼接待室"),
            ("capacity", "20"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let html = bad.text().await.unwrap();
    assert!(html.contains("结束时间须晚于开始时间") && html.contains("value=\"市民中心三楼接待室\""));
    let good = leader
        .post(app.url("/leader/days"))
        .form(&[
            ("csrf", csrf_of(&dashboard).as_str()),
            ("date", "2026-12-10"),
            ("starts_at", "09:00"),
            ("ends_at", "11:30"),
            ("place", "市民中心三楼接待室"),
            ("capacity", "20"),
            ("categories", ""),
            ("areas", "LJ-CG"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(good.status(), 303);
    let (_, listing) = page(&app.browser("zh-CN"), app.url("/reception")).await;
    assert!(
        listing.contains("2026年12月10日") && listing.contains("城关街道"),
        "{listing}"
    );

    let (number, token) = file_from(&app, "a", "13700000001").await;
    let resident = app.browser("zh-CN");
    let case_url = app.url(&format!("/cases/{number}?token={token}"));
    let (_, case_page) = page(&resident, case_url.clone()).await;
    assert!(case_page.contains("id=\"reception\"") && case_page.contains("市民中心三楼接待室"));
    let day_id = case_page
        .split("name=\"day\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let booked = resident
        .post(app.url(&format!("/cases/{number}/booking")))
        .form(&[
            ("csrf", csrf_of(&case_page)),
            ("token", token.clone()),
            ("day", day_id),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(booked.status(), 303);
    let location = booked.headers()["location"].to_str().unwrap().to_string();
    let (_, case_page) = page(&resident, app.url(&location)).await;
    assert!(
        case_page.contains("预约成功") && case_page.contains("id=\"my-booking\""),
        "{case_page}"
    );

    // The desk, opened in November, runs on into December's day; the queue has the case.
    let (_, desk) = page(&leader, app.url("/leader")).await;
    assert!(
        desk.contains("2026-11 起的接待日") && desk.contains("2026年12月10日"),
        "{desk}"
    );
    let (_, month) = page(&leader, app.url("/leader?month=2026-12")).await;
    let day_link = month
        .split("href=\"/leader/days/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let (status, day) = page(&leader, app.url(&format!("/leader/days/{day_link}"))).await;
    assert_eq!(status, 200);
    assert!(day.contains(&number) && day.contains("夜间施工噪音扰民"));
    assert!(!day.contains("13700000001"), "no identity");
    // Before the day there is nothing to record yet; the page says when.
    assert!(
        day.contains("接待当天起可在这里记录") && !day.contains("/meeting\""),
        "{day}"
    );
    let (status, _) = page(
        &signed_in(&app, "env").await,
        app.url(&format!("/leader/days/{day_link}")),
    )
    .await;
    assert_eq!(status, 403);

    // Cancelling from the case page.
    let cancelled = resident
        .post(app.url(&format!("/cases/{number}/booking")))
        .form(&[
            ("csrf", csrf_of(&case_page)),
            ("token", token.clone()),
            ("day", "0".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), 303);
    let location = cancelled.headers()["location"].to_str().unwrap().to_string();
    let (_, case_page) = page(&resident, app.url(&location)).await;
    assert!(case_page.contains("预约已取消") && !case_page.contains("id=\"my-booking\""));

    // The review page renders its charts and definitions.
    let (status, review) = page(&leader, app.url("/reports/monthly?month=2026-11")).await;
    assert_eq!(status, 200);
    assert_eq!(
        review.matches("<svg").count(),
        3,
        "trend, on-time rate, categories"
    );
    assert!(review.contains("响应率") && review.contains("在受理期限内作出受理"));
    assert!(review.contains("/reports/register.xlsx"));
    let (status, _) = page(&signed_in(&app, "env").await, app.url("/reports/monthly")).await;
    assert_eq!(status, 403);
}

both_backends!(the_public_figures_count_as_the_review_does_without_reports);

async fn the_public_figures_count_as_the_review_does_without_reports(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    let (number, _) = crate::appeals::answered(&app).await;
    let mut report = complaint();
    report["category"] = json!("official-misconduct");
    report["concerned_department"] = json!("environment");
    app.file(&report).await;

    let (status, public) = app.get_json("/api/v1/figures").await;
    assert_eq!(status, 200, "{public}");
    let leader = app.token_for("leader").await;
    let (_, review) = app.get_with(&leader, "/api/v1/reports/monthly").await;
    let line = |report: &Value, code: &str| {
        report["departments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["department"]["code"] == code)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let env = line(&public, "environment");
    assert_eq!(env["received"], 1, "{public}");
    assert_eq!(env["answered"], 1);
    // The same definitions as the review.
    let reviewed = line(&review, "environment");
    for field in [
        "received",
        "answered",
        "on_time_rate",
        "median_days_to_answer",
        "response_rate",
    ] {
        assert_eq!(env[field], reviewed[field], "{field}");
    }
    // The report about an official is not in the public figures, nor its body's line.
    assert_eq!(line(&public, "discipline"), Value::Null, "{public}");
    assert_eq!(public["total"]["received"], 1);

    let (status, _) = app.get_json("/api/v1/figures?month=2025-01").await;
    assert_eq!(status, 422, "twelve months back at most");
    let (status, page) = crate::staff_pages::page(&app.browser("zh-CN"), app.url("/figures")).await;
    assert_eq!(status, 200);
    assert!(page.contains("市生态环境局") && page.contains("<svg"), "{page}");
    assert!(!page.contains(&number), "figures, not cases");
}
