//! What keeps a queue page instant at any history's size: the counts per state kept by
//! triggers in the same transaction as every change, and queue queries that walk an
//! index in the order they show (no scan, no sort).

use diesel::connection::SimpleConnection;
use huiying::db::cases::{state_counts, state_counts_counted, state_counts_kept};
use huiying::db::plan::explain;

use crate::both_backends;
use crate::helpers::{Backend, TestApp, complaint, spawn_demo_app};

both_backends!(
    kept_counts_follow_every_filing_state_change_transfer_and_deletion,
    queue_queries_walk_an_index_in_the_order_they_show,
    a_synthetic_load_is_sound_resumable_and_never_loaded_twice,
    the_kept_review_figures_agree_with_a_recount_of_a_generated_history,
    reports_read_the_replica_and_filings_the_primary,
    similar_cases_are_read_from_the_open_cases_alone,
    the_timeline_partitioned_by_month_keeps_every_chain_and_takes_new_events,
);

/// With `DATABASE_READ_URL` set, the monthly review reads the replica and filings are
/// written to the primary. The "replica" here is another portal's database, so that what
/// each one holds tells them apart.
async fn reports_read_the_replica_and_filings_the_primary(backend: Backend) {
    use huiying::service::reports::{Month, month_review};
    let replica = crate::helpers::spawn_app(backend).await;
    let url = replica.db_url.clone();
    let app = crate::helpers::spawn_app_with(backend, move |s| s.database_read_url = Some(url)).await;
    let leader = match crate::helpers::staff_caller(&app, "leader").await {
        huiying::service::caller::Caller::Staff(user) => user,
        _ => unreachable!("a member of staff"),
    };
    let month = Month::of(huiying::domain::deadline::local_date(
        app.state.now(),
        app.state.tz,
    ));
    let received = || async {
        month_review(&app.state, &leader, month)
            .await
            .unwrap()
            .review
            .total
            .received
    };
    let before = received().await;
    let filed = app.file(&complaint()).await;
    let number = filed["tracking_number"].as_str().unwrap().to_string();
    let stored = app
        .state
        .db
        .run(move |conn| huiying::db::cases::find_by_tracking_number(conn, &number))
        .await
        .unwrap();
    assert!(stored.is_some(), "the filing is on the primary");
    assert_eq!(
        received().await,
        before,
        "the review reads the replica, which lacks it"
    );
    replica.file(&complaint()).await;
    replica.file(&complaint()).await;
    assert_eq!(received().await, before + 2, "and counts what the replica holds");
}

async fn the_kept_review_figures_agree_with_a_recount_of_a_generated_history(backend: Backend) {
    use huiying::service::reports::{Month, check, scopes};
    use huiying::service::synthetic::{Plan, load};
    let app = spawn_demo_app(backend).await;
    let (db, rules, now, tz) = (
        app.state.db.clone(),
        app.state.rules(),
        app.state.now(),
        app.state.tz,
    );
    let plan = Plan {
        cases: 900,
        months: 3,
        seed: 11,
    };
    let differences = tokio::task::spawn_blocking(move || {
        load(&db, rules.rules(), plan, now, &|_| {}).unwrap();
        let mut conn = db.get().unwrap();
        let catalog = huiying::db::catalog::load(&mut conn).unwrap();
        let scopes = scopes(&catalog, true);
        let mut month = Month::of(huiying::domain::deadline::local_date(now, tz));
        let mut differences = Vec::new();
        let mut received = 0;
        for _ in 0..4 {
            differences.extend(check(&mut conn, &catalog, &scopes, month, tz, now).unwrap());
            received += huiying::service::figures::review(
                &mut conn,
                &[],
                &huiying::service::figures::Scope::default(),
                month.period(tz),
                tz,
                now,
            )
            .unwrap()
            .total
            .received;
            month = month.previous();
        }
        assert!(
            received >= 900,
            "the months hold the generated cases ({received})"
        );
        register_agrees(&mut conn, month.next().first_day(), tz, now);
        differences
    })
    .await
    .unwrap();
    assert!(differences.is_empty(), "{differences:#?}");
}

/// The register read a page at a time off the kept facts lists what a reading of every
/// timeline does, row for row, for an administrator, the leader and a leader of one
/// department (who is not shown reports about it).
fn register_agrees(
    conn: &mut huiying::db::DbConn,
    from: chrono::NaiveDate,
    tz: chrono_tz::Tz,
    now: chrono::DateTime<chrono::Utc>,
) {
    use huiying::service::register::{pages, recount};
    let to = huiying::domain::deadline::local_date(now, tz);
    let mut staff = |name: &str| {
        let record = huiying::db::users::find_by_username(conn, name).unwrap().unwrap();
        huiying::service::auth::StaffUser::from_record(record).unwrap()
    };
    let (admin, leader) = (staff("admin"), staff("leader"));
    let env_leader = huiying::service::auth::StaffUser {
        department: Some("env".into()),
        ..leader.clone()
    };
    for user in [admin, leader, env_leader] {
        let (mut kept, mut sizes) = (Vec::new(), Vec::new());
        let n = pages(conn, &user, (from, to), 97, tz, now, &mut |rows| {
            sizes.push(rows.len());
            kept.extend(rows);
            true
        })
        .unwrap();
        let counted = recount(conn, &user, from, to, tz, now).unwrap();
        assert!(counted.len() >= 900, "{}: {} rows", user.username, counted.len());
        assert_eq!(n as usize, kept.len());
        assert!(sizes.iter().all(|&s| s <= 97) && sizes.len() > 9, "{sizes:?}");
        assert!(
            kept == counted,
            "{}: the kept register differs from the recount",
            user.username
        );
    }
}

async fn counts_agree(app: &TestApp, when: &str) {
    let db = app.state.db.clone();
    let (kept, counted) = db
        .run(|conn| Ok::<_, huiying::db::DbError>((state_counts_kept(conn)?, state_counts_counted(conn)?)))
        .await
        .unwrap();
    assert!(!counted.is_empty(), "{when}: the demo holds cases");
    assert_eq!(kept, counted, "{when}: kept counts equal counted ones");
}

async fn sql(app: &TestApp, statements: &str) {
    let db = app.state.db.clone();
    let statements = statements.to_string();
    db.write(move |conn| {
        conn.batch_execute(&statements)
            .map_err(huiying::db::DbError::from)
    })
    .await
    .unwrap();
}

async fn kept_counts_follow_every_filing_state_change_transfer_and_deletion(backend: Backend) {
    let app = spawn_demo_app(backend).await;
    counts_agree(&app, "after the demo's migration and seeding").await;

    let mut numbers = Vec::new();
    for _ in 0..3 {
        let filed = app.file(&complaint()).await;
        numbers.push(filed["tracking_number"].as_str().unwrap().to_string());
    }
    counts_agree(&app, "after three filings").await;

    // A state change, a transfer, both at once, a write that changes neither, a deletion.
    sql(
        &app,
        &format!(
            "UPDATE cases SET state = 'accepted' WHERE tracking_number = '{a}';
             UPDATE cases SET department_code = 'housing' WHERE tracking_number = '{b}';
             UPDATE cases SET state = 'closed', department_code = 'housing', due_at = NULL
                 WHERE tracking_number = '{c}';
             UPDATE cases SET title = '仍是同一件事' WHERE tracking_number = '{a}';",
            a = numbers[0],
            b = numbers[1],
            c = numbers[2],
        ),
    )
    .await;
    counts_agree(&app, "after updates").await;

    // The page's figures come from the kept table and still add up per department.
    let db = app.state.db.clone();
    let env = db.run(|conn| state_counts(conn, Some("env"))).await.unwrap();
    let total = db.run(|conn| state_counts(conn, None)).await.unwrap();
    assert!(env.iter().all(|(_, n)| *n > 0), "no empty states shown: {env:?}");
    let all: i64 = total.iter().map(|(_, n)| n).sum();
    let stored = db.run(huiying::db::cases::count_cases).await.unwrap();
    assert_eq!(all, stored, "the counts add up to every stored case");
}

/// The queue variants a page asks for, as the query layer writes them (literals inlined).
fn queue_sql(filter: &str, order: &str) -> String {
    format!(
        "SELECT id, tracking_number, state, due_at FROM cases \
         WHERE {filter} ORDER BY {order} LIMIT 51"
    )
}

const AWAITING: &str = "('routed','accepted','in_progress','review_requested','under_review','re_review_requested','under_re_review')";

async fn queue_queries_walk_an_index_in_the_order_they_show(backend: Backend) {
    let app = spawn_demo_app(backend).await;
    let hidden = "(concerned_department IS NULL OR concerned_department <> 'env')";
    let open = "due_at ASC, id ASC";
    let cases: Vec<(&str, String, &str, &str)> = vec![
        (
            "a department's open queue, first page",
            format!("department_code = 'env' AND state IN {AWAITING} AND {hidden} AND due_at IS NOT NULL"),
            open,
            "cases_open_queue",
        ),
        (
            "a later page (keyset on due_at, id)",
            format!(
                "department_code = 'env' AND state IN {AWAITING} AND {hidden} AND due_at IS NOT NULL \
                 AND due_at >= '2026-12-01 00:00:00' AND (due_at > '2026-12-01 00:00:00' OR id > 5)"
            ),
            open,
            "cases_open_queue",
        ),
        (
            "overdue",
            format!(
                "department_code = 'env' AND state IN {AWAITING} AND {hidden} AND due_at IS NOT NULL \
                 AND due_at <= '2026-12-01 00:00:00'"
            ),
            open,
            "cases_open_queue",
        ),
        (
            "one category",
            format!(
                "department_code = 'env' AND state IN {AWAITING} AND {hidden} \
                 AND category_code = 'noise' AND due_at IS NOT NULL"
            ),
            open,
            // Its own index, or the department's covering one, filtered in the index.
            "cases_open_",
        ),
        (
            // On the demo's few cases either open index serves; at a million cases both
            // databases take cases_open_state (README, "Scaling").
            "one state",
            format!("department_code = 'env' AND state IN ('accepted') AND {hidden} AND due_at IS NOT NULL"),
            open,
            "cases_open_",
        ),
        (
            "the leader's all-departments queue",
            format!("state IN {AWAITING} AND due_at IS NOT NULL"),
            open,
            "cases_open_all",
        ),
        (
            "the deadline scan: steps due soon, a later page",
            format!(
                "due_at IS NOT NULL AND due_at <= '2026-12-04 00:00:00' AND due_at > '2026-12-01 00:00:00' \
                 AND state IN {AWAITING} AND due_at >= '2026-12-02 00:00:00' \
                 AND (due_at > '2026-12-02 00:00:00' OR id > 5)"
            ),
            open,
            "cases_open_all",
        ),
        (
            "the deadline scan: filings never confirmed",
            "state = 'unconfirmed' AND submitted_at <= '2026-12-01 00:00:00' \
             AND submitted_at >= '2026-11-01 00:00:00' AND (submitted_at > '2026-11-01 00:00:00' OR id > 5)"
                .to_string(),
            "submitted_at ASC, id ASC",
            "cases_unconfirmed",
        ),
        (
            "the deadline scan: ended cases still holding who filed them",
            format!(
                "identity_removed_at IS NULL AND {} AND updated_at <= '2023-12-01 00:00:00'",
                huiying::db::scan::ENDED
            ),
            "updated_at ASC, id ASC",
            "cases_identity_kept",
        ),
        (
            "the ended cases, newest first",
            format!("department_code = 'env' AND state IN ('closed') AND {hidden} AND due_at IS NULL"),
            "id DESC",
            "",
        ),
    ];
    let db = app.state.db.clone();
    for (what, filter, order, index) in cases {
        let query = queue_sql(&filter, order);
        let plan = db
            .run(move |conn| {
                if let huiying::db::DbConn::Postgresql(_) = conn {
                    // The demo's tables are tiny, so the planner would rightly read them
                    // whole: ask whether an index serves the filter in the order shown.
                    conn.batch_execute(
                        "SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_sort = off",
                    )?;
                }
                let plan = explain(conn, &query);
                if let huiying::db::DbConn::Postgresql(_) = conn {
                    conn.batch_execute("RESET enable_seqscan; RESET enable_bitmapscan; RESET enable_sort")?;
                }
                plan
            })
            .await
            .unwrap();
        let text = plan.join("\n");
        eprintln!("{what}:\n{text}\n");
        match backend {
            Backend::Sqlite => {
                assert!(!text.contains("SCAN cases"), "{what}: no scan of cases\n{text}");
                assert!(!text.contains("TEMP B-TREE"), "{what}: no sort\n{text}");
                assert!(text.contains(index), "{what}: uses {index}\n{text}");
            }
            Backend::Postgres => {
                assert!(!text.contains("Seq Scan"), "{what}: no scan of cases\n{text}");
                assert!(!text.contains("Sort"), "{what}: no sort\n{text}");
                assert!(text.contains(index), "{what}: uses {index}\n{text}");
            }
        }
    }
}

/// Similar-case suggestions read the open cases of one department and area from an
/// open queue's index (then sort the few they find), never the department's history.
async fn similar_cases_are_read_from_the_open_cases_alone(backend: Backend) {
    let app = spawn_demo_app(backend).await;
    let query = format!(
        "SELECT id, title, description FROM cases WHERE department_code = 'env' \
         AND state IN {AWAITING} AND category_code = 'noise' AND area_code = 'LJ-CG-DM' \
         AND publish_consent = true AND confidential = false AND due_at IS NOT NULL \
         ORDER BY id DESC LIMIT 500"
    );
    let plan = app
        .state
        .db
        .run(move |conn| {
            if let huiying::db::DbConn::Postgresql(_) = conn {
                conn.batch_execute("SET enable_seqscan = off; SET enable_bitmapscan = off")?;
            }
            let plan = explain(conn, &query);
            if let huiying::db::DbConn::Postgresql(_) = conn {
                conn.batch_execute("RESET enable_seqscan; RESET enable_bitmapscan")?;
            }
            plan
        })
        .await
        .unwrap()
        .join("\n");
    eprintln!("{plan}");
    assert!(
        !plan.contains("SCAN cases") && !plan.contains("Seq Scan"),
        "{plan}"
    );
    assert!(
        plan.contains("cases_open_"),
        "an open queue's index serves\n{plan}"
    );
}

async fn a_synthetic_load_is_sound_resumable_and_never_loaded_twice(backend: Backend) {
    use huiying::service::synthetic::{Plan, SyntheticError, load};
    let app = spawn_demo_app(backend).await;
    let (db, rules, now) = (app.state.db.clone(), app.state.rules(), app.state.now());
    let plan = Plan {
        cases: 600,
        months: 24,
        seed: 7,
    };
    let (first, again, other, seen) = tokio::task::spawn_blocking(move || {
        let seen = std::sync::Mutex::new(Vec::new());
        let first = load(&db, rules.rules(), plan, now, &|n| seen.lock().unwrap().push(n)).unwrap();
        let again = load(&db, rules.rules(), plan, now, &|_| {}).unwrap();
        let other = load(&db, rules.rules(), Plan { cases: 900, ..plan }, now, &|_| {});
        (first, again, other, seen.into_inner().unwrap())
    })
    .await
    .unwrap();
    assert_eq!(
        (first.added, first.before, first.refused),
        (600, 0, 0),
        "every story's steps were allowed"
    );
    assert_eq!(seen.first(), Some(&0));
    assert_eq!(seen.last(), Some(&600), "progress reaches the target");
    assert_eq!(
        (again.added, again.before),
        (0, 600),
        "a finished seed adds nothing"
    );
    assert!(
        matches!(other, Err(SyntheticError::OtherPlan { cases: 600, .. })),
        "{other:?}"
    );

    counts_agree(&app, "after the synthetic load").await;
    let db = app.state.db.clone();
    let key = app.state.chain_key.clone();
    let (checked, breaks) = db
        .run(move |conn| huiying::service::audit::verify(conn, &key, None))
        .await
        .unwrap();
    assert!(checked >= 600, "{checked}");
    assert!(
        breaks.is_empty(),
        "every generated chain verifies: {:?}",
        &breaks[..breaks.len().min(3)]
    );

    // Shaped like work: most closed, a few percent open with deadlines, timelines of 3-10.
    let shape = db
        .run(|conn| {
            huiying::db::plan::rows(
                conn,
                "SELECT CAST(COUNT(*) AS TEXT) FROM cases \
                 UNION ALL SELECT CAST(COUNT(*) AS TEXT) FROM cases WHERE state = 'closed' \
                 UNION ALL SELECT CAST(COUNT(*) AS TEXT) FROM cases WHERE due_at IS NOT NULL \
                 UNION ALL SELECT CAST(MIN(last_event_seq) AS TEXT) FROM cases WHERE state = 'closed' \
                 UNION ALL SELECT CAST(MAX(last_event_seq) AS TEXT) FROM cases",
            )
        })
        .await
        .unwrap();
    let n: Vec<i64> = shape.iter().map(|v| v.parse().unwrap()).collect();
    assert!(n[1] * 10 > n[0] * 8, "most cases closed: {n:?}");
    assert!(n[2] > 0 && n[2] * 10 < n[0], "a few open with deadlines: {n:?}");
    assert!(n[3] >= 3 && n[4] <= 10, "timelines of 3 to 10 events: {n:?}");
}

/// A filing is one statement, prepared once per connection and then only executed. Diesel
/// never prepares an upsert or a multi-row insert, and on PostgreSQL re-planning them was
/// most of a filing's server time (pg_stat_statements, perf). PostgreSQL only: SQLite has
/// no view of a connection's prepared statements.
#[actix_web::test]
async fn a_filings_statements_are_prepared_once_per_connection() {
    if crate::helpers::postgres_url().is_none() {
        eprintln!("TEST_DATABASE_URL is not set: skipping the PostgreSQL run");
        return;
    }
    // One connection, so that every filing and the look at it share it.
    let app = crate::helpers::spawn_app_with(Backend::Postgres, |s| s.pool_size = 1).await;
    let prepared = || {
        let db = app.state.db.clone();
        async move {
            db.run(|conn| {
                use diesel::prelude::*;
                #[derive(QueryableByName)]
                struct Statement {
                    #[diesel(sql_type = diesel::sql_types::Text)]
                    statement: String,
                }
                let huiying::db::DbConn::Postgresql(pg) = conn else {
                    panic!("a PostgreSQL app")
                };
                let rows: Vec<Statement> =
                    diesel::sql_query("SELECT statement FROM pg_prepared_statements").load(pg)?;
                Ok::<_, huiying::db::DbError>(rows.into_iter().map(|s| s.statement).collect::<Vec<_>>())
            })
            .await
            .unwrap()
        }
    };
    app.file(&complaint()).await;
    let after_one = prepared().await;
    // The case, its events, mails and figures go as one statement.
    let filing = after_one
        .iter()
        .find(|s| s.starts_with(r#"WITH s0 AS (INSERT INTO "cases""#))
        .unwrap_or_else(|| panic!("the filing's statement is prepared: {after_one:#?}"));
    for part in [
        r#"INSERT INTO "case_events""#,
        r#"INSERT INTO "outbox""#,
        r#"INSERT INTO "case_facts""#,
        "INSERT INTO review_days",
        "INSERT INTO review_areas",
    ] {
        assert!(filing.contains(part), "{part} is in it: {filing}");
    }
    let mut other = complaint();
    other["category"] = "sanitation".into();
    other["area"] = "LJ-QS-TX".into();
    app.file(&other).await;
    app.file(&complaint()).await;
    let after_three = prepared().await;
    assert_eq!(
        after_three.len(),
        after_one.len(),
        "later filings prepare nothing new"
    );
}

async fn one_value(app: &TestApp, sql: &str) -> String {
    let db = app.state.db.clone();
    let sql = sql.to_string();
    db.run(move |conn| huiying::db::plan::rows(conn, &sql))
        .await
        .unwrap()
        .pop()
        .unwrap_or_default()
}

/// `huiying partition-timeline` on a generated history (PostgreSQL): every event is kept
/// in its month, every chain still verifies, new filings and actions land in this
/// month's partition, the timeline stays append-only, a period's query reads only its
/// months, and housekeeping makes the months ahead. SQLite refuses it with a clear
/// message and housekeeping there makes nothing.
async fn the_timeline_partitioned_by_month_keeps_every_chain_and_takes_new_events(backend: Backend) {
    use huiying::db::partition::{keep_months_ahead, month_of, partition_name};
    use huiying::service::synthetic::{Plan, load};
    let app = spawn_demo_app(backend).await;
    let (db, rules, now) = (app.state.db.clone(), app.state.rules(), app.state.now());
    if backend == Backend::Sqlite {
        let refused = huiying::service::partition::convert(&db, now, 3).unwrap_err();
        assert!(refused.to_string().contains("PostgreSQL only"), "{refused}");
        let made = db
            .run(move |conn| keep_months_ahead(conn, now.naive_utc(), 3))
            .await
            .unwrap();
        assert!(made.is_empty());
        return;
    }
    let plan = Plan {
        cases: 400,
        months: 6,
        seed: 11,
    };
    {
        let db = db.clone();
        tokio::task::spawn_blocking(move || load(&db, rules.rules(), plan, now, &|_| {}).unwrap())
            .await
            .unwrap();
    }
    let columns = "SELECT string_agg(column_name || ' ' || data_type || ' ' || is_nullable, ', ' \
                   ORDER BY ordinal_position) FROM information_schema.columns \
                   WHERE table_name = 'case_events'";
    let fingerprint = "SELECT md5(string_agg(id || ':' || case_id || ':' || seq || ':' || kind || ':' \
                       || created_at || ':' || hash, ',' ORDER BY id)) FROM case_events";
    let (columns_before, events_before) =
        (one_value(&app, columns).await, one_value(&app, fingerprint).await);
    let total: i64 = one_value(&app, "SELECT CAST(count(*) AS TEXT) FROM case_events")
        .await
        .parse()
        .unwrap();
    let oldest = one_value(
        &app,
        "SELECT CAST(CAST(min(created_at) AS DATE) AS TEXT) FROM case_events",
    )
    .await;

    let converted = {
        let db = db.clone();
        tokio::task::spawn_blocking(move || huiying::service::partition::convert(&db, now, 3).unwrap())
            .await
            .unwrap()
    };
    assert_eq!(converted.events, total);
    let names: Vec<&str> = converted.partitions.iter().map(|p| p.name.as_str()).collect();
    let oldest = month_of(chrono::NaiveDate::parse_from_str(&oldest, "%Y-%m-%d").unwrap());
    let this = month_of(now.date_naive());
    let months = huiying::db::partition::months(oldest, this + chrono::Months::new(3));
    assert_eq!(
        names,
        months
            .iter()
            .map(|m| partition_name(*m))
            .chain(["case_events_default".to_string()])
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        "a partition for each month from the oldest event's to three ahead, and a default"
    );
    assert!(
        months.len() >= 7,
        "six months of history and three ahead: {names:?}"
    );
    assert_eq!(converted.partitions.iter().map(|p| p.events).sum::<i64>(), total);
    assert_eq!(
        converted.partitions.last().unwrap().events,
        0,
        "nothing in the default"
    );
    assert_eq!(one_value(&app, columns).await, columns_before, "the same columns");
    assert_eq!(
        one_value(&app, fingerprint).await,
        events_before,
        "the same events"
    );

    // New events go on: a filing and two actions, in this month's partition.
    let filed = app.file(&complaint()).await;
    let number = filed["tracking_number"].as_str().unwrap().to_string();
    let env = app.token_for("env").await;
    for (action, body) in [
        ("accept", serde_json::json!({})),
        (
            "answer",
            serde_json::json!({"outcome": "explained", "text": "施工单位持有夜间施工许可，已要求其降低噪声。", "legal_basis": "《中华人民共和国噪声污染防治法》第四十三条"}),
        ),
    ] {
        let (status, reply) = app.act(&env, &number, action, body).await;
        assert_eq!(status, 200, "{action}: {reply}");
    }
    let here = one_value(
        &app,
        &format!(
            "SELECT CAST(count(*) AS TEXT) FROM {} WHERE case_id = (SELECT id FROM cases WHERE tracking_number = '{number}')",
            partition_name(this)
        ),
    )
    .await;
    assert!(
        here.parse::<i64>().unwrap() >= 3,
        "filed, accepted, answered: {here}"
    );
    assert_eq!(
        one_value(
            &app,
            "SELECT CAST(count(*) - count(DISTINCT id) AS TEXT) FROM case_events"
        )
        .await,
        "0",
        "ids stay unique"
    );
    let key = app.state.chain_key.clone();
    let (checked, breaks) = db
        .run(move |conn| huiying::service::audit::verify(conn, &key, None))
        .await
        .unwrap();
    assert!(checked > 400, "{checked}");
    assert!(breaks.is_empty(), "{:?}", &breaks[..breaks.len().min(3)]);

    // Still append-only, and converted once.
    let db2 = db.clone();
    let altered = db2
        .write(|conn| {
            conn.batch_execute("UPDATE case_events SET kind = kind")
                .map_err(huiying::db::DbError::from)
        })
        .await;
    assert!(
        altered.unwrap_err().to_string().contains("append-only"),
        "the no-update trigger holds on every partition"
    );
    let again = huiying::service::partition::convert(&db, now, 3).unwrap_err();
    assert!(again.to_string().contains("already partitioned"), "{again}");

    // A period's query reads its month alone.
    let next = this + chrono::Months::new(1);
    let plan = db
        .run(move |conn| {
            explain(
                conn,
                &format!(
                    "SELECT count(*) FROM case_events WHERE created_at >= '{this}' AND created_at < '{next}'"
                ),
            )
        })
        .await
        .unwrap()
        .join("\n");
    assert!(plan.contains(&partition_name(this)), "{plan}");
    for other in months.iter().filter(|m| **m != this) {
        assert!(!plan.contains(&partition_name(*other)), "{plan}");
    }
    assert!(!plan.contains("case_events_default"), "{plan}");

    // Housekeeping makes the months ahead as time goes on, once.
    let later = (now + chrono::Duration::days(62)).naive_utc();
    let made = db
        .run(move |conn| keep_months_ahead(conn, later, 3))
        .await
        .unwrap();
    assert_eq!(made.len(), 2, "{made:?}");
    let none = db
        .run(move |conn| keep_months_ahead(conn, later, 3))
        .await
        .unwrap();
    assert!(none.is_empty(), "{none:?}");
}
