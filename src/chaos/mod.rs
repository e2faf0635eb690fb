//! `huiying chaos`: the fault run of README "Scaling out". On a fresh PostgreSQL database
//! holding a small synthetic history, it starts `serve` and `worker` processes sharing
//! the database, the keys and a local SMTP sink; loads them with filings and staff
//! actions; `kill -9`s one `serve` and one `worker` a third of the way through and starts
//! them again; lets the outbox drain; then checks that every acknowledged filing and
//! action is stored, that every case got exactly one receipt, that the scan wrote no
//! reminder or digest twice, and that every timeline's chain is intact.

mod load;
mod verdict;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::config::Settings;
use crate::db::{Backend, Db};
use crate::startup::{Options, prepare_state};

#[derive(Debug, Clone, clap::Args)]
pub struct ChaosArgs {
    /// The PostgreSQL server: the run makes a fresh database there and drops it after.
    #[arg(
        long,
        default_value = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
    )]
    pub database_url: String,
    /// Seconds of load; the kill comes a third of the way through.
    #[arg(long, default_value_t = 30)]
    pub seconds: u64,
    /// `serve` processes, each on its own port.
    #[arg(long, default_value_t = 3)]
    pub serve: usize,
    /// `worker` processes (the instances' own jobs are off).
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
    /// Clients filing and acting at once.
    #[arg(long, default_value_t = 8)]
    pub clients: usize,
    /// Filings a second, all clients together (each also accepts half of its filings and
    /// answers a quarter). Mail must keep up for the run to drain.
    #[arg(long, default_value_t = 100)]
    pub rate: u32,
    /// Synthetic cases loaded first, so the scan has reminders and escalations to write.
    #[arg(long, default_value_t = 2000)]
    pub cases: i64,
    /// Keep the database and the processes' logs afterwards.
    #[arg(long)]
    pub keep: bool,
}

/// One child process of the run, started again with the same arguments after its kill.
struct Instance {
    name: String,
    args: Vec<String>,
    /// Its own settings besides the shared ones.
    env: Vec<(&'static str, String)>,
    child: Option<Child>,
}

/// What every child shares.
struct Shared {
    exe: PathBuf,
    dir: PathBuf,
    env: Vec<(&'static str, String)>,
}

impl Instance {
    fn start(&mut self, shared: &Shared) -> anyhow::Result<u32> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(shared.dir.join(format!("{}.log", self.name)))?;
        let child = Command::new(&shared.exe)
            .args(&self.args)
            .current_dir(&shared.dir)
            .env_remove("DATABASE_READ_URL")
            .env_remove("HUIYING_DATABASE_URL")
            .env_remove("HUIYING_DATABASE_READ_URL")
            .envs(shared.env.iter().chain(&self.env).map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start {}", self.name))?;
        let pid = child.id();
        self.child = Some(child);
        Ok(pid)
    }

    /// `kill -9`: no shutdown, no flushing, whatever it was doing.
    fn kill(&mut self) -> Option<u32> {
        let mut child = self.child.take()?;
        let pid = child.id();
        let _ = child.kill();
        let _ = child.wait();
        Some(pid)
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

async fn wait_healthy(port: u16, within: Duration) -> anyhow::Result<Duration> {
    let begin = Instant::now();
    while begin.elapsed() < within {
        if load::healthy(port).await {
            return Ok(begin.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("the instance on port {port} did not answer /healthz within {within:?}")
}

/// Makes the run's database, with the demo city and `cases` synthetic cases, and the
/// keys every process shares (written into `dir` before any process starts).
fn prepare(settings: Settings, cases: i64) -> anyhow::Result<(Db, crate::domain::timeline::ChainKey)> {
    settings.session_key_bytes()?;
    let key = crate::domain::timeline::ChainKey::new(settings.audit_key_bytes()?);
    let options = Options {
        demo_activity: false,
        ..Options::default()
    };
    let state = actix_web::rt::System::new().block_on(prepare_state(settings, &options))?;
    let rules = state.rules();
    let plan = crate::service::synthetic::Plan {
        cases,
        months: 6,
        seed: 1,
    };
    crate::service::synthetic::load(&state.db, rules.rules(), plan, state.now(), &|_| {})?;
    Ok((state.db.clone(), key))
}

pub fn run(settings: Settings, args: ChaosArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.serve >= 2 && args.workers >= 1,
        "the run needs two serve and one worker at least"
    );
    let target = crate::db::conn::DbTarget::parse(&args.database_url);
    anyhow::ensure!(
        target.backend == Backend::Postgres,
        "the fault run is for PostgreSQL: pass --database-url postgres://…"
    );
    let name = format!("huiying_chaos_{}", std::process::id());
    crate::db::admin::drop_postgres_database(&target.address, &name)?;
    let url = crate::db::admin::create_postgres_database(&target.address, &name)?;
    let dir = tempfile::Builder::new().prefix("huiying-chaos").tempdir()?;
    let result = run_on(settings, &args, &url, dir.path());
    if args.keep || result.as_ref().map_or(true, |passed| !passed) {
        println!(
            "database {name} and the processes' logs in {} are kept",
            dir.path().display()
        );
        let _ = dir.keep();
    } else {
        crate::db::admin::drop_postgres_database(&target.address, &name)?;
    }
    match result? {
        true => Ok(()),
        false => anyhow::bail!("the fault run failed"),
    }
}

/// The run itself; whether every check passed.
fn run_on(settings: Settings, args: &ChaosArgs, url: &str, dir: &Path) -> anyhow::Result<bool> {
    let settings = Settings {
        database_url: Some(url.to_string()),
        database_read_url: None,
        data_dir: dir.to_path_buf(),
        background_jobs: false,
        ..settings
    };
    let (db, key) = prepare(settings, args.cases)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let sink = rt.block_on(crate::smtp_sink::start(Duration::from_millis(2)))?;
    let now = chrono::Utc::now();
    let staff = crate::bench_scenarios::staff_tokens(&db, now)?;
    let (cases_before, notices_before) = crate::db::chaos::high_water(&mut *db.get()?)?;

    let ports: Vec<u16> = (0..args.serve).map(|_| free_port()).collect::<Result<_, _>>()?;
    let shared = Shared {
        exe: std::env::current_exe()?,
        dir: dir.to_path_buf(),
        env: vec![
            ("DATABASE_URL", url.to_string()),
            ("HUIYING_DATA_DIR", dir.display().to_string()),
            ("HUIYING_SMTP_URL", format!("smtp://127.0.0.1:{}", sink.port)),
            ("HUIYING_PUBLIC_URL", format!("http://127.0.0.1:{}", ports[0])),
            ("HUIYING_SCAN_INTERVAL_SECS", "2".into()),
            ("HUIYING_MAIL_LEASE_SECS", "5".into()),
            ("HUIYING_FILING_LIMIT_PER_HOUR", "0".into()),
            ("HUIYING_POOL_SIZE", "4".into()),
            ("HUIYING_WORKERS", "2".into()),
            ("HUIYING_ENV", "development".into()),
            ("RUST_LOG", "warn".into()),
        ],
    };
    let mut serves: Vec<Instance> = ports
        .iter()
        .enumerate()
        .map(|(i, port)| Instance {
            name: format!("serve-{}", i + 1),
            args: vec![
                "serve".into(),
                "--no-demo".into(),
                "--bind".into(),
                format!("127.0.0.1:{port}"),
            ],
            // The workers do the jobs.
            env: vec![("HUIYING_BACKGROUND_JOBS", "false".into())],
            child: None,
        })
        .collect();
    let mut workers: Vec<Instance> = (0..args.workers)
        .map(|i| Instance {
            name: format!("worker-{}", i + 1),
            args: vec!["worker".into()],
            env: Vec::new(),
            child: None,
        })
        .collect();
    println!(
        "chaos: {} serve and {} worker processes on PostgreSQL, {} synthetic cases first; {} s of {} filings a second and staff actions from {} clients",
        args.serve, args.workers, args.cases, args.seconds, args.rate, args.clients
    );
    let outcome = rt.block_on(async {
        for instance in workers.iter_mut().chain(serves.iter_mut()) {
            instance.start(&shared)?;
        }
        for port in &ports {
            wait_healthy(*port, Duration::from_secs(60)).await?;
        }
        let begin = Instant::now();
        let stop = begin + Duration::from_secs(args.seconds);
        let load = tokio::spawn(load::run(
            load::Targets {
                ports: ports.clone(),
                staff,
            },
            crate::bench::request_bodies(),
            args.clients,
            args.rate,
            stop,
        ));
        tokio::time::sleep(Duration::from_secs(args.seconds) / 3).await;
        let killed_at = begin.elapsed().as_secs_f64();
        let (serve_pid, worker_pid) = (serves[1].kill(), workers[0].kill());
        tokio::time::sleep(Duration::from_secs(3)).await;
        let restarted_at = begin.elapsed().as_secs_f64();
        serves[1].start(&shared)?;
        workers[0].start(&shared)?;
        let back = wait_healthy(ports[1], Duration::from_secs(60)).await?;
        println!(
            "fault: kill -9 of serve-2 (pid {}) and worker-1 (pid {}) at {killed_at:.1} s; both started again at {restarted_at:.1} s, serve-2 answering {:.1} s later",
            serve_pid.unwrap_or_default(),
            worker_pid.unwrap_or_default(),
            back.as_secs_f64()
        );
        let told = load.await?;
        println!(
            "load: {} filings and {} staff actions acknowledged in {} s; {} requests refused, cut off or failed",
            told.filings.len(),
            told.actions.len(),
            args.seconds,
            told.unanswered
        );
        let drained = drain(&db, Duration::from_secs(120)).await?;
        println!("outbox: drained {drained:.1} s after the load stopped");
        anyhow::Ok(told)
    });
    for instance in serves.iter_mut().chain(workers.iter_mut()) {
        instance.kill();
    }
    let told = outcome?;
    let seen = observe(
        &db,
        &key,
        told,
        cases_before,
        notices_before,
        sink.seen.message_ids(),
    )?;
    let report = verdict::judge(&seen);
    for line in &report.lines {
        println!("{line}");
    }
    for failure in &report.failures {
        println!("FAILED: {failure}");
    }
    println!(
        "chaos: {}",
        if report.failures.is_empty() {
            "PASS"
        } else {
            "FAIL"
        }
    );
    Ok(report.failures.is_empty())
}

/// Waits until no notice is due and unsent; seconds it took.
async fn drain(db: &Db, within: Duration) -> anyhow::Result<f64> {
    let begin = Instant::now();
    loop {
        let waiting = db
            .run(|conn| crate::db::chaos::undelivered(conn, chrono::Utc::now().naive_utc()))
            .await?;
        if waiting == 0 {
            return Ok(begin.elapsed().as_secs_f64());
        }
        if begin.elapsed() > within {
            println!("outbox: {waiting} notices still waiting after {within:?}");
            return Ok(begin.elapsed().as_secs_f64());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Reads back what the run left in the database and checks every chain.
fn observe(
    db: &Db,
    key: &crate::domain::timeline::ChainKey,
    told: load::Acknowledged,
    cases_before: i64,
    notices_before: i64,
    delivered: Vec<String>,
) -> anyhow::Result<verdict::Observed> {
    let mut conn = db.get()?;
    let stored = crate::db::chaos::stored_numbers(&mut conn, &told.filings)?;
    let events = crate::db::chaos::event_kinds_after(&mut conn, cases_before)?;
    let filed = crate::db::chaos::cases_after(&mut conn, cases_before)?;
    let notices = crate::db::chaos::notices_after(&mut conn, notices_before)?;
    let (chains_checked, breaks) =
        crate::service::audit::verify_with_progress(&mut conn, key, None, &|_| {})?;
    Ok(verdict::Observed {
        acknowledged: told.filings,
        stored: stored.into_iter().collect(),
        actions: told.actions,
        events: events.into_iter().collect(),
        filed: filed.into_iter().map(|(id, _, email)| (id, email)).collect(),
        notices,
        delivered,
        chains_checked,
        chain_breaks: breaks.len(),
    })
}
