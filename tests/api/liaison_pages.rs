//! A liaison's pages without JavaScript: an administrator gives an account its areas, the
//! liaison records a visit (refused first, with everything kept), reads the visit log,
//! its export and the ledger; others are kept out.

use crate::both_backends;
use crate::helpers::{Backend, spawn_app};
use crate::staff_pages::{page, post_form, signed_in};

fn csrf_of(html: &str) -> String {
    crate::pages::csrf_of(html)
}

both_backends!(a_liaison_records_a_visit_and_reads_the_log_and_ledger_on_pages);

async fn a_liaison_records_a_visit_and_reads_the_log_and_ledger_on_pages(backend: Backend) {
    let app = spawn_app(backend).await;

    // The administrator's form gives a liaison their areas.
    let admin = signed_in(&app, "admin").await;
    let (_, form) = page(&admin, app.url("/admin/users/new")).await;
    assert!(form.contains("name=\"area:LJ-QS\"") && form.contains("name=\"area:LJ-QS-TX\""));
    let csrf = csrf_of(&form);
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("username", "zhou.liaison"),
        ("display_name", "周联络员"),
        ("role", "liaison"),
        ("department", ""),
        ("email", "zhou@staff.example"),
        ("locale", "zh-CN"),
        ("password", "a long enough password"),
        ("active", "on"),
    ];
    let (status, html, _) = post_form(&admin, app.url("/admin/users/new"), &fields).await;
    assert_eq!(status, 422, "a liaison needs an area");
    assert!(html.contains("id=\"areas\""), "{html}");
    fields.push(("area:LJ-CG", "on"));
    let (status, _, location) = post_form(&admin, app.url("/admin/users/new"), &fields).await;
    assert_eq!((status, location.as_deref()), (303, Some("/admin/users?saved=1")));

    // The demo liaison (青山镇) lands on their desk.
    let liaison = signed_in(&app, "liaison").await;
    let (status, desk) = page(&liaison, app.url("/liaison")).await;
    assert_eq!(status, 200);
    assert!(
        desk.contains("青山镇") && desk.contains("/liaison/visit?area=LJ-QS"),
        "{desk}"
    );

    // A refused visit keeps what was typed, with each message by its field.
    let (_, form) = page(&liaison, app.url("/liaison/visit?area=LJ-QS-TX")).await;
    assert!(
        form.contains("value=\"LJ-QS-TX\" selected"),
        "the village chosen on the desk"
    );
    let csrf = csrf_of(&form);
    let typed = [
        ("csrf", csrf.as_str()),
        ("slots", "2"),
        ("area", "LJ-QS-TX"),
        ("date", "2026-11-25"),
        ("met", "村民代表五人"),
        ("notes", "走访桃溪村。"),
        ("cases[0].category", "noise"),
        ("cases[0].title", "搅拌站夜间施工噪音扰民"),
        ("cases[0].description", ""),
        ("cases[0].resident.name", "王五"),
        ("cases[0].resident.phone", "13700137000"),
        ("cases[1].category", "roads-transit"),
        ("cases[1].title", "通村公路塌方需要修复"),
        (
            "cases[1].description",
            "桃溪村通村公路在三号桥附近塌方约五米，车辆无法通行。",
        ),
        ("cases[1].resident.name", "赵六"),
        ("cases[1].resident.phone", "13600136000"),
    ];
    let (status, html, _) = post_form(&liaison, app.url("/liaison/visit"), &typed).await;
    assert_eq!(status, 422);
    assert!(
        html.contains("href=\"#cases-0-description\""),
        "the summary links the field"
    );
    assert!(html.contains("搅拌站夜间施工噪音扰民") && html.contains("通村公路在三号桥附近塌方"));
    assert!(html.contains("id=\"problem-1\""), "both problems shown again");
    // One more problem: nothing saved, one more block.
    let mut more = typed.to_vec();
    more.push(("more", "1"));
    let (status, html, _) = post_form(&liaison, app.url("/liaison/visit"), &more).await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"problem-2\"") && html.contains("name=\"slots\" value=\"3\""));

    let mut fixed = typed.to_vec();
    fixed[8] = (
        "cases[0].description",
        "村口搅拌站每晚十一点后仍在作业，噪音很大，村民无法休息。",
    );
    let (status, _, location) = post_form(&liaison, app.url("/liaison/visit"), &fixed).await;
    assert_eq!(status, 303);
    let location = location.unwrap();
    assert!(location.starts_with("/liaison?recorded="), "{location}");
    let (_, desk) = page(&liaison, app.url(&location)).await;
    assert!(desk.contains("走访已记录，形成诉求 2 件"), "{desk}");
    let numbers: Vec<String> = desk
        .split("class=\"mono recorded-number\">")
        .skip(1)
        .map(|s| s.split('<').next().unwrap().to_string())
        .collect();
    assert_eq!(numbers.len(), 2, "{desk}");

    // The visit log of the town: matters, never the residents' names.
    let (status, log) = page(&liaison, app.url("/liaison/visits?area=LJ-QS")).await;
    assert_eq!(status, 200);
    assert!(log.contains("村民代表五人") && log.contains(&numbers[0]) && log.contains(&numbers[1]));
    assert!(!log.contains("王五") && !log.contains("137"));
    let csv = liaison
        .get(app.url("/reports/visits.csv?area=LJ-QS"))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("村民代表五人") && text.contains(",2,") && !text.contains("王五"));

    // The ledger page of the month of the visit, with the downloads.
    let (status, ledger) = page(&liaison, app.url("/reports/ledger?area=LJ-QS&month=2026-11")).await;
    assert_eq!(status, 200);
    for line in [
        "走访 1 次",
        "走访形成诉求 2 件",
        "成功 0 件，未成 0 件",
        "尚在办理 2 件",
    ] {
        assert!(ledger.contains(line), "{line}: {ledger}");
    }
    assert!(ledger.contains("/reports/ledger.xlsx?area=LJ-QS&amp;month=2026-11"));

    // Not another town's; not for a department's staff.
    let (status, _) = page(&liaison, app.url("/liaison/visits?area=LJ-CG")).await;
    assert_eq!(status, 403);
    let staff = signed_in(&app, "env").await;
    for path in [
        "/liaison",
        "/liaison/visit",
        "/liaison/visits?area=LJ-QS",
        "/reports/ledger?area=LJ-QS",
    ] {
        let (status, _) = page(&staff, app.url(path)).await;
        assert_eq!(status, 403, "{path}");
    }
    // The leader reads any area's log and ledger from the coverage table.
    let leader = signed_in(&app, "leader").await;
    let (_, desk) = page(&leader, app.url("/leader")).await;
    assert!(desk.contains("/liaison/visits?area=LJ-QS-TX"), "{desk}");
    let (status, log) = page(&leader, app.url("/liaison/visits?area=LJ-QS-TX")).await;
    assert_eq!(status, 200);
    assert!(log.contains(&numbers[0]));
}
