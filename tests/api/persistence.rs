//! What is stored: the timeline chain, append-only events, hashed tokens, and no half cases.

use diesel::connection::SimpleConnection;
use huiying::db::cases::{count_cases, events_of, find_by_tracking_number};
use huiying::domain::case::Channel;
use huiying::domain::catalog::{Catalog, Department};
use huiying::domain::locale::{Locale, Names};
use huiying::domain::new_case::{CaseInput, NewCase};
use huiying::domain::routing::RoutingRule;
use huiying::domain::timeline::{GENESIS, HashInput};
use huiying::service::ServiceError;
use huiying::service::file_case::file_case;

use crate::both_backends;
use crate::helpers::{Backend, complaint, spawn_app, test_now};

both_backends!(
    the_timeline_is_a_hash_chain_ending_at_the_case_head,
    timeline_rows_cannot_be_updated_or_deleted,
    the_access_token_is_stored_only_as_a_hash,
    a_failure_midway_stores_nothing,
);

async fn the_timeline_is_a_hash_chain_ending_at_the_case_head(backend: Backend) {
    let app = spawn_app(backend).await;
    let filed = app.file(&complaint()).await;
    let number = filed["tracking_number"].as_str().unwrap().to_string();
    let db = app.state.db.clone();

    let (case, events) = tokio::task::spawn_blocking(move || {
        let mut conn = db.get().unwrap();
        let case = find_by_tracking_number(&mut conn, &number).unwrap().unwrap();
        let events = events_of(&mut conn, case.id).unwrap();
        (case, events)
    })
    .await
    .unwrap();

    assert_eq!(events.len(), 2);
    let mut prev = GENESIS.to_string();
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.seq, i as i32 + 1);
        assert_eq!(e.prev_hash, prev);
        let recomputed = HashInput {
            case_id: e.case_id,
            seq: e.seq,
            kind: &e.kind,
            visibility: &e.visibility,
            actor_kind: &e.actor_kind,
            actor_id: e.actor_id,
            payload: &e.payload,
            at: e.created_at.and_utc(),
            prev_hash: &e.prev_hash,
        }
        .hash(&app.state.chain_key);
        assert_eq!(recomputed, e.hash, "stored event {} re-hashes to its hash", e.seq);
        prev = e.hash.clone();
    }
    assert_eq!(case.last_event_seq, 2);
    assert_eq!(case.last_event_hash, prev);
}

async fn timeline_rows_cannot_be_updated_or_deleted(backend: Backend) {
    let app = spawn_app(backend).await;
    app.file(&complaint()).await;
    let db = app.state.db.clone();

    let (update, delete, count) = tokio::task::spawn_blocking(move || {
        let mut conn = db.get().unwrap();
        let update = conn.batch_execute("UPDATE case_events SET payload = '{}'");
        let delete = conn.batch_execute("DELETE FROM case_events");
        let count = events_of(&mut conn, 1).unwrap().len();
        (update, delete, count)
    })
    .await
    .unwrap();

    assert!(update.unwrap_err().to_string().contains("append-only"));
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    assert_eq!(count, 2);
}

async fn the_access_token_is_stored_only_as_a_hash(backend: Backend) {
    let app = spawn_app(backend).await;
    let filed = app.file(&complaint()).await;
    let number = filed["tracking_number"].as_str().unwrap().to_string();
    let token = filed["access_token"].as_str().unwrap().to_string();
    let db = app.state.db.clone();

    let case = tokio::task::spawn_blocking(move || {
        find_by_tracking_number(&mut db.get().unwrap(), &number)
            .unwrap()
            .unwrap()
    })
    .await
    .unwrap();

    assert_ne!(case.access_token_hash, token);
    assert_eq!(
        case.access_token_hash,
        huiying::service::token::hash_token(&token)
    );
    assert!(!format!("{case:?}").contains(&token));
}

/// A rule that sends cases to a department the database does not have: the case row
/// insert fails on its foreign key after the id was drawn, and nothing at all remains.
async fn a_failure_midway_stores_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let real = app.state.catalog();
    let mut departments = real.departments.clone();
    departments.push(Department {
        code: "ghost".into(),
        names: Names::new("不存在的部门", "Ghost"),
        email: None,
        is_intake: false,
        reviewer: None,
        leader: None,
        contact: Default::default(),
        active: true,
    });
    let broken = Catalog::new(
        departments,
        real.areas.clone(),
        real.groups.clone(),
        real.categories.clone(),
        real.channels.clone(),
        vec![RoutingRule {
            id: 999,
            category_code: Some("noise".into()),
            area_code: None,
            department_code: "ghost".into(),
        }],
    )
    .unwrap();
    let input: CaseInput = serde_json::from_value(complaint()).unwrap();
    let case = NewCase::parse(&input, &broken, Locale::ZhCn, Channel::Api).unwrap();
    let db = app.state.db.clone();
    let rules = app.state.rules();

    let (result, cases, events) = tokio::task::spawn_blocking(move || {
        let ids = db.clone();
        let result = db.write_blocking(move |conn| {
            let rules = huiying::service::workflow::Rules {
                catalog: &broken,
                ..rules.rules()
            };
            file_case(
                conn,
                ids.case_ids(),
                rules,
                &huiying::notify::seal::Sealer::generate(),
                &case,
                &huiying::service::file_case::FilingOptions::default(),
                test_now(),
            )
        });
        let mut conn = db.get().unwrap();
        let cases = count_cases(&mut conn).unwrap();
        let events = events_of(&mut conn, 1).unwrap().len();
        (result, cases, events)
    })
    .await
    .unwrap();

    assert!(matches!(result, Err(ServiceError::Db(_))), "{result:?}");
    assert_eq!((cases, events), (0, 0));
    // The next filing still works and gets a valid number.
    let filed = app.file(&complaint()).await;
    assert!(filed["tracking_number"].is_string());
}
