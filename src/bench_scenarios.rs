//! The read scenarios of `huiying bench` (queue, tracking, monthly review, and the mix
//! with filings), prepared against whatever the database holds: the largest
//! department's queue with every filter and a later page, tracking numbers spread over
//! the whole history, the months with the most cases.

use anyhow::Context;
use chrono::{DateTime, Utc};

use crate::db::Db;
use crate::service::auth::{StaffUser, issue_token};
use crate::service::queue::{QueueFilter, queue};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    /// Complaints filed through the API, beside a bare one-INSERT handler.
    Filing,
    /// The largest department's queue (every filter, first and later pages), the
    /// leader's all-departments queue and the intake office's triage queue.
    Queue,
    /// Public tracking pages of cases from the whole history.
    Track,
    /// The monthly review of the busiest month.
    Review,
    /// 70% reads (queue and tracking) and 30% filings.
    Mixed,
}

/// GET requests, ready to send, for one scenario.
pub struct Reads {
    pub requests: Vec<Vec<u8>>,
    /// What the requests ask for, said once before measuring.
    pub about: String,
}

fn get(port: u16, path: &str, token: Option<&str>) -> Vec<u8> {
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\nAccept-Language: zh-CN\r\n{auth}\r\n")
        .into_bytes()
}

/// Who a benchmark request acts as.
enum Account<'a> {
    Named(&'a str),
    /// A staff account of this department.
    StaffOf(&'a str),
}

fn account(db: &Db, who: Account<'_>) -> anyhow::Result<StaffUser> {
    let mut conn = db.get()?;
    let record = match who {
        Account::Named(username) => crate::db::users::find_by_username(&mut conn, username)?,
        Account::StaffOf(department) => {
            let workers = crate::db::synthetic::a_worker_per_department(&mut conn)?;
            let id = workers
                .iter()
                .find(|(d, _)| d == department)
                .map(|(_, id)| *id)
                .with_context(|| format!("no staff account in department {department}"))?;
            crate::db::users::find_by_id(&mut conn, id)?
        }
    }
    .context("the benchmark's account is missing (load the demo city first)")?;
    StaffUser::from_record(record).map_err(|e| anyhow::anyhow!("{e}"))
}

fn token_of(db: &Db, user: &StaffUser, now: DateTime<Utc>) -> anyhow::Result<String> {
    Ok(issue_token(&mut *db.get()?, user, now)?)
}

/// A staff token for one member of staff of every department that has one.
pub(crate) fn staff_tokens(
    db: &Db,
    now: DateTime<Utc>,
) -> anyhow::Result<std::collections::HashMap<String, String>> {
    let workers = crate::db::synthetic::a_worker_per_department(&mut *db.get()?)?;
    let mut tokens = std::collections::HashMap::new();
    for (department, _) in workers {
        let user = account(db, Account::StaffOf(&department))?;
        tokens.insert(department, token_of(db, &user, now)?);
    }
    Ok(tokens)
}

/// The queue requests: the largest department's queue as its staff see it (first page,
/// a later page, overdue, due soon, one state, one category, one area), the leader's
/// all-departments queue and the intake office's triage queue.
pub fn queue_reads(
    db: &Db,
    catalog: &crate::domain::catalog::Catalog,
    port: u16,
    now: DateTime<Utc>,
) -> anyhow::Result<Reads> {
    let mut conn = db.get()?;
    let mut sizes: std::collections::BTreeMap<String, i64> = std::collections::BTreeMap::new();
    for (department, _, n) in crate::db::cases::state_counts_kept(&mut conn)? {
        *sizes.entry(department).or_default() += n;
    }
    let (largest, size) = sizes
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .context("the database holds no cases")?;
    drop(conn);
    let user = account(db, Account::StaffOf(&largest))?;
    let staff = token_of(db, &user, now)?;
    let leader = token_of(db, &account(db, Account::Named("leader"))?, now)?;
    let intake = token_of(db, &account(db, Account::Named("intake"))?, now)?;
    // A later page: follow the first page's cursor.
    let first = {
        let mut conn = db.get()?;
        queue(&mut conn, catalog, &user, &QueueFilter::default(), now).map_err(|e| anyhow::anyhow!("{e}"))?
    };
    let category = first
        .rows
        .first()
        .map(|r| r.category_code.clone())
        .unwrap_or_default();
    let area = first
        .rows
        .first()
        .and_then(|r| catalog.area_path(&r.area_code))
        .and_then(|p| p.get(1).or(p.first()).map(|a| a.to_string()))
        .unwrap_or_default();
    let mut paths = vec![
        "/api/v1/queue".to_string(),
        "/api/v1/queue?due=overdue".into(),
        "/api/v1/queue?due=soon".into(),
        "/api/v1/queue?state=accepted".into(),
        format!("/api/v1/queue?category={category}"),
        format!("/api/v1/queue?area={area}"),
    ];
    if let Some(next) = &first.next {
        paths.push(format!("/api/v1/queue?cursor={next}"));
    }
    let mut requests: Vec<Vec<u8>> = paths.iter().map(|p| get(port, p, Some(&staff))).collect();
    // Spelled out, so that the breakdown by request tells them from the staff's queue.
    requests.push(get(port, "/api/v1/queue?department=all", Some(&leader)));
    requests.push(get(
        port,
        &format!("/api/v1/queue?department={}", catalog.intake().code),
        Some(&intake),
    ));
    Ok(Reads {
        about: format!(
            "queue of {largest} ({size} cases), {} variants, with the leader's and the intake office's",
            paths.len()
        ),
        requests,
    })
}

/// Public tracking requests for 256 cases spread evenly over the stored history.
pub fn track_reads(db: &Db, port: u16) -> anyhow::Result<Reads> {
    let mut conn = db.get()?;
    let numbers = crate::db::synthetic::spread_tracking_numbers(&mut conn, 256)?;
    anyhow::ensure!(!numbers.is_empty(), "the database holds no cases");
    Ok(Reads {
        about: format!("tracking pages of {} cases across the history", numbers.len()),
        requests: numbers
            .iter()
            .map(|n| get(port, &format!("/api/v1/cases/{n}"), None))
            .collect(),
    })
}

/// The monthly review of the month with the most filings, as the leader reads it.
pub fn review_reads(db: &Db, port: u16, now: DateTime<Utc>) -> anyhow::Result<Reads> {
    let mut conn = db.get()?;
    let (month, n) =
        crate::db::synthetic::busiest_month(&mut conn)?.context("the database holds no cases")?;
    drop(conn);
    let leader = token_of(db, &account(db, Account::Named("leader"))?, now)?;
    Ok(Reads {
        about: format!("monthly review of {month} ({n} cases filed)"),
        requests: vec![get(
            port,
            &format!("/api/v1/reports/monthly?month={month}"),
            Some(&leader),
        )],
    })
}

/// Peak resident memory of this process since the last [`reset_peak_rss`], in MB.
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Starts counting peak memory afresh (Linux: `5` to `clear_refs` resets VmHWM).
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}
