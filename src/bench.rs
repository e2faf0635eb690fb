//! `huiying bench`: how many complaints per second the portal files, beside a bare
//! actix-web handler doing one diesel INSERT into the same database, measured in the same
//! run on the same machine. Prints throughput with p50/p99 latency and the ratio.
//!
//! The load generator is built in (keep-alive HTTP/1.1 over loopback, one task per
//! connection, a single thread) so the command needs nothing installed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{App as HttpApp, HttpResponse, HttpServer, web};
use anyhow::{Context, bail};
use diesel::connection::SimpleConnection;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::bench_scenarios::{
    Reads, Scenario, peak_rss_mb, queue_reads, reset_peak_rss, review_reads, track_reads,
};
use crate::config::Settings;
use crate::db::admin::{create_postgres_database, drop_postgres_database};
use crate::db::conn::DbTarget;
use crate::db::{Backend, Db, DbError};
use crate::startup::{Application, Options};

#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// Database server to measure: a PostgreSQL URL (a fresh database is created on that
    /// server and dropped afterwards) or, by default, a fresh SQLite file in a temp dir.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Seconds of measurement per target.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Seconds of warm-up per target, not counted.
    #[arg(long, default_value_t = 2)]
    pub warmup: u64,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Measure the portal only.
    #[arg(long)]
    pub skip_baseline: bool,
    /// Measure mail delivery through a slow local relay instead of filing.
    #[arg(long)]
    pub mail: bool,
    #[command(flatten)]
    pub mail_args: crate::bench_mail::MailBenchArgs,
    /// What to load the portal with.
    #[arg(long, value_enum, default_value_t = Scenario::Filing)]
    pub scenario: Scenario,
    /// Fill the fresh database with this many synthetic cases first (`seed-synthetic`,
    /// seed 1, 24 months).
    #[arg(long, default_value_t = 0)]
    pub scale: i64,
    /// Measure an existing database instead (one `seed-synthetic` filled; its audit key
    /// in HUIYING_DATA_DIR). Filings are added to it.
    #[arg(long, value_name = "URL", conflicts_with_all = ["database_url", "scale"])]
    pub existing: Option<String>,
}

/// A database that exists for one benchmark run.
struct BenchDatabase {
    url: String,
    backend: Backend,
    data_dir: std::path::PathBuf,
    _dir: tempfile::TempDir,
    drop_from: Option<(String, String)>,
}

impl BenchDatabase {
    fn create(server: Option<&str>) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        match server.map(DbTarget::parse) {
            Some(target) if target.backend == Backend::Postgres => {
                let name = format!("huiying_bench_{}", std::process::id());
                let admin = target.address;
                drop_postgres_database(&admin, &name)?;
                let url = create_postgres_database(&admin, &name)?;
                Ok(BenchDatabase {
                    url,
                    backend: Backend::Postgres,
                    data_dir: dir.path().join("data"),
                    _dir: dir,
                    drop_from: Some((admin, name)),
                })
            }
            Some(_) => {
                bail!("--database-url takes a PostgreSQL URL; SQLite runs in a fresh temp file by default")
            }
            None => Ok(BenchDatabase {
                url: format!("sqlite://{}", dir.path().join("bench.db").display()),
                backend: Backend::Sqlite,
                data_dir: dir.path().join("data"),
                _dir: dir,
                drop_from: None,
            }),
        }
    }
}

impl BenchDatabase {
    /// A database that outlives the run: never dropped.
    fn existing(url: &str, data_dir: &std::path::Path) -> anyhow::Result<Self> {
        Ok(BenchDatabase {
            url: url.to_string(),
            backend: DbTarget::parse(url).backend,
            data_dir: data_dir.to_path_buf(),
            _dir: tempfile::tempdir()?,
            drop_from: None,
        })
    }

    fn settings(&self, settings: &Settings) -> Settings {
        Settings {
            bind: "127.0.0.1:0".into(),
            database_url: Some(self.url.clone()),
            data_dir: self.data_dir.clone(),
            // Every request comes from one address here.
            filing_limit_per_hour: 0,
            lookup_limit_per_hour: 0,
            // The requests alone: the deadline scan, mail, or the board indexing a loaded
            // history would otherwise run beside them and be measured with them.
            background_jobs: false,
            ..settings.clone()
        }
    }
}

impl Drop for BenchDatabase {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.drop_from
            && let Err(e) = drop_postgres_database(admin, name)
        {
            eprintln!("could not drop benchmark database {name}: {e}");
        }
    }
}

/// A server running on its own thread and actix system.
struct Running {
    port: u16,
    handle: actix_web::dev::ServerHandle,
    thread: std::thread::JoinHandle<()>,
}

impl Running {
    fn start<F, Fut>(build: F) -> anyhow::Result<Running>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: std::future::Future<Output = anyhow::Result<(u16, actix_web::dev::Server)>>,
    {
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                match build().await {
                    Ok((port, server)) => {
                        let _ = tx.send(Ok((port, server.handle())));
                        let _ = server.await;
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                    }
                }
            })
        });
        let (port, handle) = rx.recv().context("server thread ended early")??;
        Ok(Running { port, handle, thread })
    }

    fn stop(self, rt: &tokio::runtime::Runtime) {
        rt.block_on(self.handle.stop(true));
        let _ = self.thread.join();
    }
}

fn start_portal(settings: &Settings, db: &BenchDatabase) -> anyhow::Result<Running> {
    let settings = db.settings(settings);
    Running::start(move || async move {
        let app = Application::build(settings, Options::default()).await?;
        let port = app.port();
        let server = app.into_server();
        Ok((port, server))
    })
}

/// The reference: receive the body, INSERT it as one row on a pooled connection
/// (autocommit, no gate, no batching: what a bare handler does), answer 201.
fn start_baseline(settings: &Settings, db: &BenchDatabase) -> anyhow::Result<Running> {
    let workers = settings.worker_count();
    let url = db.url.clone();
    let pool_size = settings.pool_size;
    let backend = db.backend;
    Running::start(move || async move {
        let db = tokio::task::spawn_blocking(move || -> Result<Db, DbError> {
            let db = Db::open(&url, pool_size)?;
            let ddl = match backend {
                Backend::Sqlite => "CREATE TABLE IF NOT EXISTS bench_baseline (id INTEGER PRIMARY KEY AUTOINCREMENT, payload TEXT NOT NULL, created_at TIMESTAMP NOT NULL)",
                Backend::Postgres => "CREATE TABLE IF NOT EXISTS bench_baseline (id BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL, created_at TIMESTAMP NOT NULL)",
            };
            db.get()?.batch_execute(ddl)?;
            Ok(db)
        })
        .await??;
        let server = HttpServer::new(move || {
            HttpApp::new()
                .app_data(web::Data::new(db.clone()))
                .route("/baseline", web::post().to(baseline_insert))
        })
        .workers(workers)
        .bind(("127.0.0.1", 0))?;
        let port = server.addrs().first().map(|a| a.port()).context("no address")?;
        Ok((port, server.run()))
    })
}

diesel::table! {
    bench_baseline (id) {
        id -> BigInt,
        payload -> Text,
        created_at -> Timestamp,
    }
}

async fn baseline_insert(db: web::Data<Db>, body: web::Bytes) -> HttpResponse {
    use diesel::prelude::*;
    let payload = String::from_utf8_lossy(&body).into_owned();
    let result = db
        .run(move |conn| {
            diesel::insert_into(bench_baseline::table)
                .values((
                    bench_baseline::payload.eq(payload),
                    bench_baseline::created_at.eq(chrono::Utc::now().naive_utc()),
                ))
                .execute(conn)
                .map_err(DbError::from)
        })
        .await;
    match result {
        Ok(_) => HttpResponse::Created().finish(),
        Err(e) => HttpResponse::InternalServerError().body(e.to_string()),
    }
}

/// Complaints to file: a handful of categories and areas of the demo city, each with its
/// own text so no two consecutive requests are the same bytes.
pub(crate) fn request_bodies() -> Vec<String> {
    const CASES: &[(&str, &str, &str)] = &[
        ("noise", "LJ-CG-DM", "夜间施工噪音扰民"),
        ("sanitation", "LJ-QS-TX", "村口垃圾长期无人清运"),
        ("roads-transit", "LJ-QS-SK", "村道路面塌陷存在隐患"),
        ("wage-arrears", "LJ-JB-WJ", "工地拖欠农民工工资"),
        ("housing-property", "LJ-CG-XM", "小区电梯频繁故障"),
        ("food-safety", "LJ-JB-BH", "早餐店卫生条件差"),
        ("other", "LJ-BS-HT", "建议增设公交站台"),
        ("schools", "LJ-CG-NY", "学校周边交通拥堵"),
    ];
    (0..64)
        .map(|i| {
            let (category, area, title) = CASES[i % CASES.len()];
            serde_json::json!({
                "category": category,
                "area": area,
                "title": format!("{title}（{i}）"),
                "description": format!("{title}，已经持续一段时间，影响周边居民正常生活。希望有关部门尽快核实处理，并书面答复处理结果。编号{i}。"),
                "address": "临江市某路某号",
                "resident": { "name": "测试居民", "phone": "13800138000", "email": "resident@example.cn" },
                "confidential": i % 5 == 0,
                "publish_consent": i % 3 == 0,
            })
            .to_string()
        })
        .collect()
}

#[derive(Debug, Default)]
struct Stats {
    ok: u64,
    failed: u64,
    latencies_us: Vec<u32>,
    /// The same latencies by the request sent (its index in the scenario's list).
    by_request: Vec<Vec<u32>>,
    seconds: f64,
    /// Of the whole process (server and load generator), during this target's run.
    peak_rss_mb: Option<f64>,
}

impl Stats {
    fn rate(&self) -> f64 {
        self.ok as f64 / self.seconds
    }

    fn percentile_ms(&self, p: f64) -> f64 {
        percentile_ms(&self.latencies_us, p)
    }
}

/// Of sorted latencies in microseconds.
fn percentile_ms(sorted_us: &[u32], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return 0.0;
    }
    let i = ((sorted_us.len() as f64 - 1.0) * p).round() as usize;
    sorted_us[i] as f64 / 1000.0
}

async fn read_response(stream: &mut BufReader<TcpStream>, line: &mut String) -> std::io::Result<(u16, bool)> {
    line.clear();
    if stream.read_line(line).await? == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    let status = line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut length = 0usize;
    let mut close = false;
    loop {
        line.clear();
        if stream.read_line(line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            } else if name.eq_ignore_ascii_case("connection") && value.trim().eq_ignore_ascii_case("close") {
                close = true;
            }
        }
    }
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await?;
    Ok((status, close))
}

async fn connection(
    port: u16,
    requests: Arc<Vec<Vec<u8>>>,
    offset: usize,
    start_counting: Instant,
    stop: Instant,
) -> Stats {
    let mut stats = Stats::default();
    let mut line = String::new();
    let mut i = offset;
    'connect: while Instant::now() < stop {
        let mut stream = match TcpStream::connect(("127.0.0.1", port)).await {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                BufReader::new(s)
            }
            Err(_) => {
                stats.failed += 1;
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        while Instant::now() < stop {
            let which = i % requests.len();
            let request = &requests[which];
            i += 1;
            let sent = Instant::now();
            if stream.get_mut().write_all(request).await.is_err() {
                stats.failed += 1;
                continue 'connect;
            }
            let outcome = read_response(&mut stream, &mut line).await;
            let counted = sent >= start_counting;
            match outcome {
                Ok((status, close)) => {
                    if counted {
                        if (200..300).contains(&status) {
                            stats.ok += 1;
                            let us = sent.elapsed().as_micros().min(u32::MAX as u128) as u32;
                            stats.latencies_us.push(us);
                            if stats.by_request.len() < requests.len() {
                                stats.by_request.resize(requests.len(), Vec::new());
                            }
                            stats.by_request[which].push(us);
                        } else {
                            stats.failed += 1;
                        }
                    }
                    if close {
                        continue 'connect;
                    }
                }
                Err(_) => {
                    if counted {
                        stats.failed += 1;
                    }
                    continue 'connect;
                }
            }
        }
    }
    stats
}

/// The filing requests, ready to send.
fn filings(port: u16, path: &str) -> Vec<Vec<u8>> {
    request_bodies()
        .into_iter()
        .map(|body| {
            format!(
                "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nAccept-Language: zh-CN\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes()
        })
        .collect()
}

fn measure(rt: &tokio::runtime::Runtime, requests: Vec<Vec<u8>>, port: u16, args: &BenchArgs) -> Stats {
    let requests = Arc::new(requests);
    reset_peak_rss();
    let begin = Instant::now();
    let start_counting = begin + Duration::from_secs(args.warmup);
    let stop = start_counting + Duration::from_secs(args.seconds);
    let mut total = rt.block_on(async {
        let tasks: Vec<_> = (0..args.concurrency)
            .map(|c| tokio::spawn(connection(port, requests.clone(), c * 7, start_counting, stop)))
            .collect();
        let mut total = Stats::default();
        for task in tasks {
            if let Ok(s) = task.await {
                total.ok += s.ok;
                total.failed += s.failed;
                total.latencies_us.extend(s.latencies_us);
                if total.by_request.len() < s.by_request.len() {
                    total.by_request.resize(s.by_request.len(), Vec::new());
                }
                for (all, some) in total.by_request.iter_mut().zip(s.by_request) {
                    all.extend(some);
                }
            }
        }
        total
    });
    total.seconds = args.seconds as f64;
    total.latencies_us.sort_unstable();
    for one in &mut total.by_request {
        one.sort_unstable();
    }
    total.peak_rss_mb = peak_rss_mb();
    total
}

fn print_row(name: &str, backend: &str, s: &Stats) {
    println!(
        "{name:<10} {backend:<9} {ok:>9} {failed:>7} {rate:>10.0} {p50:>9.2} {p99:>9.2} {rss:>8}",
        rss = s
            .peak_rss_mb
            .map(|m| format!("{m:.0}"))
            .unwrap_or_else(|| "-".into()),
        ok = s.ok,
        failed = s.failed,
        rate = s.rate(),
        p50 = s.percentile_ms(0.50),
        p99 = s.percentile_ms(0.99),
    );
}

pub fn run(settings: Settings, args: BenchArgs) -> anyhow::Result<()> {
    if args.mail {
        return crate::bench_mail::run(args.mail_args);
    }
    let db = match &args.existing {
        Some(url) => BenchDatabase::existing(url, &settings.data_dir)?,
        None => BenchDatabase::create(args.database_url.as_deref())?,
    };
    let backend = match db.backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    if args.scale > 0 {
        let seed = crate::seed_synthetic::SeedArgs {
            cases: args.scale,
            months: 24,
            seed: 1,
            database_url: None,
        };
        crate::seed_synthetic::run(db.settings(&settings), seed)?;
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    println!(
        "huiying bench: {backend}, scenario {:?}, {} connections, {}s warm-up + {}s measured per target, {} server workers",
        args.scenario,
        args.concurrency,
        args.warmup,
        args.seconds,
        settings.worker_count()
    );

    let baseline = if args.skip_baseline || args.scenario != Scenario::Filing {
        None
    } else {
        let server = start_baseline(&settings, &db)?;
        let stats = measure(&rt, filings(server.port, "/baseline"), server.port, &args);
        server.stop(&rt);
        Some(stats)
    };
    let server = start_portal(&settings, &db)?;
    let requests = match reads(&db, args.scenario, server.port) {
        Ok(Some(reads)) => {
            println!("reading: {}", reads.about);
            match args.scenario {
                // Seven reads for every three filings, interleaved.
                Scenario::Mixed => {
                    let filed = filings(server.port, "/api/v1/cases");
                    (0..reads.requests.len().max(filed.len()) * 10)
                        .map(|i| match i % 10 {
                            0 | 4 | 7 => filed[(i / 10) % filed.len()].clone(),
                            _ => reads.requests[i % reads.requests.len()].clone(),
                        })
                        .collect()
                }
                _ => reads.requests,
            }
        }
        Ok(None) => filings(server.port, "/api/v1/cases"),
        Err(e) => {
            server.stop(&rt);
            return Err(e);
        }
    };
    let sent = requests.clone();
    let portal = measure(&rt, requests, server.port, &args);
    server.stop(&rt);

    println!(
        "{:<10} {:<9} {:>9} {:>7} {:>10} {:>9} {:>9} {:>8}",
        "target", "backend", "requests", "errors", "req/s", "p50 ms", "p99 ms", "peak MB"
    );
    if let Some(b) = &baseline {
        print_row("baseline", backend, b);
    }
    let name = format!("{:?}", args.scenario).to_lowercase();
    print_row(&name, backend, &portal);
    if let Some(b) = &baseline
        && b.rate() > 0.0
    {
        println!("ratio filing/baseline: {:.2}", portal.rate() / b.rate());
    }
    if matches!(args.scenario, Scenario::Queue | Scenario::Review) {
        print_by_request(&sent, &portal);
    }
    if portal.failed > 0 {
        eprintln!("warning: {} requests failed", portal.failed);
    }
    Ok(())
}

/// p50 and p99 of each distinct request, to say which variant of a page is slow.
fn print_by_request(sent: &[Vec<u8>], stats: &Stats) {
    println!("{:>9} {:>9} {:>9}  request", "requests", "p50 ms", "p99 ms");
    for (request, latencies) in sent.iter().zip(&stats.by_request) {
        let line = String::from_utf8_lossy(request);
        let target = line
            .lines()
            .next()
            .unwrap_or_default()
            .trim_end_matches(" HTTP/1.1");
        let who = if line.contains("Authorization") {
            ""
        } else {
            " (anonymous)"
        };
        println!(
            "{:>9} {:>9.2} {:>9.2}  {target}{who}",
            latencies.len(),
            percentile_ms(latencies, 0.50),
            percentile_ms(latencies, 0.99)
        );
    }
}

/// The reads a scenario sends (`None`: filing only), prepared on the database as it is.
fn reads(db: &BenchDatabase, scenario: Scenario, port: u16) -> anyhow::Result<Option<Reads>> {
    if scenario == Scenario::Filing {
        return Ok(None);
    }
    let handle = Db::open(&db.url, 2)?;
    let catalog = crate::db::catalog::load(&mut *handle.get()?)?;
    let now = chrono::Utc::now();
    Ok(Some(match scenario {
        Scenario::Queue => queue_reads(&handle, &catalog, port, now)?,
        Scenario::Track => track_reads(&handle, port)?,
        Scenario::Review => review_reads(&handle, port, now)?,
        Scenario::Mixed | Scenario::Filing => {
            let mut queue = queue_reads(&handle, &catalog, port, now)?;
            let track = track_reads(&handle, port)?;
            queue.about = format!("{}; {}", queue.about, track.about);
            queue.requests.extend(track.requests);
            queue
        }
    }))
}
