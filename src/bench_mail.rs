//! `huiying bench --mail`: how fast the outbox drains through a slow SMTP relay, over one
//! connection and over `--connections`, measured in the same run. A relay on 127.0.0.1
//! (built in, speaking just enough SMTP) takes `--relay-ms` to accept each message, as a
//! real relay over a network does.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::config::Settings;
use crate::domain::locale::Locale;
use crate::jobs::Jobs;
use crate::notify::mail::MailData;
use crate::notify::notices::notice;
use crate::startup::{Options, prepare_state};

#[derive(Debug, Clone, clap::Args)]
pub struct MailBenchArgs {
    /// Messages delivered per run.
    #[arg(long, default_value_t = 400)]
    pub messages: usize,
    /// Milliseconds the relay takes to accept each message.
    #[arg(long, default_value_t = 20)]
    pub relay_ms: u64,
    /// SMTP connections of the second run (the first uses one).
    #[arg(long, default_value_t = 4)]
    pub connections: usize,
}

/// One run: a fresh portal database with `messages` notices waiting, drained over
/// `connections`; messages per second and the most connections the relay saw at once.
async fn run_once(args: &MailBenchArgs, connections: usize) -> anyhow::Result<(f64, usize)> {
    let relay = crate::smtp_sink::start(Duration::from_millis(args.relay_ms)).await?;
    let dir = tempfile::tempdir()?;
    let settings = Settings {
        database_url: Some(format!("sqlite://{}", dir.path().join("bench.db").display())),
        data_dir: dir.path().join("data"),
        smtp_url: Some(format!("smtp://127.0.0.1:{}", relay.port)),
        mail_connections: connections,
        background_jobs: false,
        ..Settings::default()
    };
    let state = prepare_state(
        settings,
        &Options {
            load_demo: true,
            demo_activity: false,
            ..Options::default()
        },
    )
    .await?;
    let now = state.now();
    let notices: Vec<_> = (0..args.messages)
        .map(|i| {
            let data = MailData::SignInLink {
                sealed_token: state.sealer.seal(&format!("bench-token-{i}")),
            };
            notice(
                &data,
                &format!("resident{i}@bench.example"),
                Locale::ZhCn,
                None,
                None,
                now,
            )
        })
        .collect();
    state
        .db
        .write(move |conn| crate::db::outbox::insert_notices(conn, &notices))
        .await?;
    let jobs = Jobs::new(state.clone()).map_err(|e| anyhow::anyhow!(e))?;
    let started = Instant::now();
    let delivered = jobs.deliver(chrono::Utc::now).await?;
    let elapsed = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        delivered.sent == args.messages && relay.seen.accepted.load(Ordering::SeqCst) == args.messages,
        "delivered {delivered:?}, relay accepted {}",
        relay.seen.accepted.load(Ordering::SeqCst)
    );
    Ok((
        args.messages as f64 / elapsed,
        relay.seen.busiest.load(Ordering::SeqCst),
    ))
}

pub fn run(args: MailBenchArgs) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("runtime")?;
    println!(
        "mail delivery: {} messages through a local relay taking {} ms each",
        args.messages, args.relay_ms
    );
    let (one, _) = rt.block_on(run_once(&args, 1))?;
    println!("  1 connection:  {one:>8.1} messages/s");
    let (many, busiest) = rt.block_on(run_once(&args, args.connections))?;
    println!(
        "  {} connections: {many:>8.1} messages/s (the relay saw {busiest} at once)",
        args.connections
    );
    println!("  ratio: {:.2}", many / one);
    Ok(())
}
