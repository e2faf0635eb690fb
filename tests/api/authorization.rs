//! The authorisation matrix: every role × every staff action, on the holding department's
//! case, another department's view of it, and a confidential case; through the service
//! layer and through the HTTP API, on both databases. The expectations are written here
//! as a table, independently of the state machine's code.

use huiying::domain::tracking::TrackingNumber;
use huiying::domain::workflow::{Action, ActionInput, ActionKind};
use huiying::service::ServiceError;
use huiying::service::workflow::{act, reveal_identity};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, complaint, spawn_app};

/// The actors. The case is routed to the environment bureau (`env`); `transport` and
/// `transport-head` are another department.
const ACTORS: &[&str] = &[
    "intake",
    "env",
    "env-head",
    "transport",
    "transport-head",
    "leader",
    "admin",
    "resident",
];

/// How far a case must be brought before an action is legal.
#[derive(Clone, Copy, Debug)]
enum Setup {
    Routed,
    Accepted,
    ExtensionRequested,
    Objected,
}

/// (action, its JSON body, the state it needs, who may take it there).
fn matrix() -> Vec<(&'static str, Value, Setup, &'static [&'static str])> {
    let reason = json!({"reason": "经核实不属于本部门职责范围"});
    vec![
        ("accept", json!({}), Setup::Routed, &["env", "env-head"]),
        (
            "not-accept",
            json!({"reason": "属于民事纠纷", "channel": "police"}),
            Setup::Routed,
            &["env", "env-head"],
        ),
        ("object", reason.clone(), Setup::Routed, &["env", "env-head"]),
        (
            "transfer",
            json!({"department": "transport", "reason": "属于交通噪声"}),
            Setup::Routed,
            &["env", "env-head"],
        ),
        ("start", json!({}), Setup::Accepted, &["env", "env-head"]),
        (
            "extension",
            json!({"days": 20, "reason": "需要委托第三方监测"}),
            Setup::Accepted,
            &["env", "env-head"],
        ),
        (
            "extension/approve",
            json!({}),
            Setup::ExtensionRequested,
            &["env-head"],
        ),
        (
            "extension/refuse",
            reason.clone(),
            Setup::ExtensionRequested,
            &["env-head"],
        ),
        (
            "answer",
            json!({"outcome": "supported", "text": "经现场核查，已责令施工单位整改。", "legal_basis": "《噪声污染防治法》"}),
            Setup::Accepted,
            &["env", "env-head"],
        ),
        (
            "notes",
            json!({"text": "已电话联系施工单位"}),
            Setup::Routed,
            &["intake", "env", "env-head", "leader"],
        ),
        (
            "reroute",
            json!({"department": "transport", "reason": "改由交通运输局办理"}),
            Setup::Objected,
            &["intake"],
        ),
        ("confirm-assignment", reason, Setup::Objected, &["intake"]),
    ]
}

/// Files a case (confidential or not) and brings it to `setup`; returns its number and
/// the resident's access token.
async fn prepared(app: &TestApp, tokens: &Tokens, setup: Setup, confidential: bool) -> (String, String) {
    let mut body = complaint();
    body["confidential"] = json!(confidential);
    let filed = app.file(&body).await;
    let number = filed["tracking_number"].as_str().unwrap().to_string();
    let resident = filed["access_token"].as_str().unwrap().to_string();
    let step = |action: &'static str, body: Value, who: &'static str| {
        let number = number.clone();
        async move {
            let (status, reply) = app.act(tokens.get(who), &number, action, body).await;
            assert_eq!(status, 200, "setting up with {action}: {reply}");
        }
    };
    match setup {
        Setup::Routed => {}
        Setup::Accepted => step("accept", json!({}), "env").await,
        Setup::ExtensionRequested => {
            step("accept", json!({}), "env").await;
            step(
                "extension",
                json!({"days": 20, "reason": "需要委托第三方监测"}),
                "env",
            )
            .await;
        }
        Setup::Objected => step("object", json!({"reason": "不属于本部门职责"}), "env").await,
    }
    (number, resident)
}

struct Tokens(Vec<(&'static str, String)>);

impl Tokens {
    fn get(&self, who: &str) -> &str {
        &self
            .0
            .iter()
            .find(|(name, _)| *name == who)
            .expect("known actor")
            .1
    }
}

async fn tokens(app: &TestApp) -> Tokens {
    app.add_account("transport-head", "head", Some("transport")).await;
    let mut list = Vec::new();
    for who in ACTORS.iter().filter(|w| **w != "resident") {
        list.push((*who, app.token_for(who).await));
    }
    Tokens(list)
}

async fn staff_user(app: &TestApp, who: &str) -> huiying::service::auth::StaffUser {
    let name = who.to_string();
    app.state
        .db
        .run(move |conn| {
            let record = huiying::db::users::find_by_username(conn, &name)?.expect("account");
            huiying::service::auth::StaffUser::from_record(record)
        })
        .await
        .expect("user")
}

both_backends!(
    every_role_and_action_through_the_api,
    every_role_and_action_through_the_service_layer,
    identity_is_shown_only_to_those_who_may_see_it
);

async fn every_role_and_action_through_the_api(backend: Backend) {
    let app = spawn_app(backend).await;
    let tokens = tokens(&app).await;
    for (action, body, setup, may) in matrix() {
        for who in ACTORS {
            for confidential in [false, true] {
                let (number, resident) = prepared(&app, &tokens, setup, confidential).await;
                let token = if *who == "resident" {
                    resident.as_str()
                } else {
                    tokens.get(who)
                };
                let (status, reply) = app.act(token, &number, action, body.clone()).await;
                let expected = if may.contains(who) { 200 } else { 403 };
                assert_eq!(
                    status, expected,
                    "{who} {action} (confidential: {confidential}): {reply}"
                );
                if expected == 403 {
                    assert_eq!(reply["error"]["code"], "forbidden");
                }
            }
        }
    }
}

async fn every_role_and_action_through_the_service_layer(backend: Backend) {
    let app = spawn_app(backend).await;
    let tokens = tokens(&app).await;
    for (action, body, setup, may) in matrix() {
        let kind = ActionKind::parse(action).expect("known action");
        let input: ActionInput = serde_json::from_value(body.clone()).expect("input");
        let parsed = Action::parse(kind, &input).expect("valid action");
        for who in ACTORS.iter().filter(|w| **w != "resident") {
            let number = TrackingNumber::parse(&prepared(&app, &tokens, setup, false).await.0).unwrap();
            let actor = staff_user(&app, who).await.actor();
            let rules = app.state.rules();
            let now = app.state.now();
            let parsed = parsed.clone();
            let result = app
                .state
                .db
                .write(move |conn| act(conn, rules.rules(), &actor, &number, &parsed, now))
                .await;
            if may.contains(who) {
                assert!(result.is_ok(), "{who} {action}: {result:?}");
            } else {
                assert!(
                    matches!(result, Err(ServiceError::Forbidden { .. })),
                    "{who} {action}: {result:?}"
                );
            }
        }
    }
}

async fn identity_is_shown_only_to_those_who_may_see_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let tokens = tokens(&app).await;
    for confidential in [false, true] {
        let (number, _) = prepared(&app, &tokens, Setup::Routed, confidential).await;
        for who in ACTORS.iter().filter(|w| **w != "resident") {
            let may = if confidential {
                *who == "intake"
            } else {
                matches!(*who, "intake" | "env" | "env-head" | "leader")
            };
            let (status, body) = app
                .get_with(tokens.get(who), &format!("/api/v1/cases/{number}/contact"))
                .await;
            assert_eq!(
                status,
                if may { 200 } else { 403 },
                "{who} confidential={confidential}: {body}"
            );
            if may {
                assert_eq!(body["name"], "张三");
            } else {
                assert!(!body.to_string().contains("张三"));
            }
            // The service layer rules the same way.
            let user = staff_user(&app, who).await;
            let parsed = TrackingNumber::parse(&number).unwrap();
            let rules = app.state.rules();
            let now = app.state.now();
            let result = app
                .state
                .db
                .write(move |conn| reveal_identity(conn, rules.rules(), &user, &parsed, now))
                .await;
            assert_eq!(result.is_ok(), may, "{who}: {result:?}");
        }
        // Each look was recorded.
        let db = app.state.db.clone();
        let case_id = huiying::domain::tracking::TrackingNumber::parse(&number).unwrap();
        let looks = tokio::task::spawn_blocking(move || {
            let mut conn = db.get().unwrap();
            let case = huiying::db::cases::find_by_tracking_number(&mut conn, case_id.as_str())
                .unwrap()
                .unwrap();
            huiying::db::users::access_of(&mut conn, case.id).unwrap()
        })
        .await
        .unwrap();
        let expected = if confidential { 2 } else { 8 };
        assert_eq!(
            looks.len(),
            expected,
            "one record per look through the API and the service"
        );
    }
}
