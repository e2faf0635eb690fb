//! `huiying bench --mail`: how fast the outbox drains through a slow SMTP relay, over one
//! connection and over `--connections`, measured in the same run. A relay on 127.0.0.1
//! (built in, speaking just enough SMTP) takes `--relay-ms` to accept each message, as a
//! real relay over a network does.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

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

/// A relay that accepts everything, slowly; counts messages and the most open at once.
struct Relay {
    port: u16,
    accepted: Arc<AtomicUsize>,
    busiest: Arc<AtomicUsize>,
}

async fn start_relay(delay: Duration) -> anyhow::Result<Relay> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let busiest = Arc::new(AtomicUsize::new(0));
    let open = Arc::new(AtomicUsize::new(0));
    {
        let (accepted, busiest) = (accepted.clone(), busiest.clone());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                // As a real relay: each reply leaves at once, not after the client's ACK.
                let _ = socket.set_nodelay(true);
                let (accepted, busiest, open) = (accepted.clone(), busiest.clone(), open.clone());
                tokio::spawn(async move {
                    let now_open = open.fetch_add(1, Ordering::SeqCst) + 1;
                    busiest.fetch_max(now_open, Ordering::SeqCst);
                    let _ = relay_session(socket, delay, &accepted).await;
                    open.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
    }
    Ok(Relay {
        port,
        accepted,
        busiest,
    })
}

async fn relay_session(socket: TcpStream, delay: Duration, accepted: &AtomicUsize) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 relay.bench ESMTP\r\n").await?;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let upper = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-relay.bench\r\n250 8BITMIME\r\n"
        } else if upper == "DATA" {
            write.write_all(b"354 go ahead\r\n").await?;
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" {
                    break;
                }
            }
            tokio::time::sleep(delay).await;
            accepted.fetch_add(1, Ordering::SeqCst);
            b"250 queued\r\n"
        } else if upper.starts_with("QUIT") {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            b"250 OK\r\n"
        };
        write.write_all(reply).await?;
    }
}

/// One run: a fresh portal database with `messages` notices waiting, drained over
/// `connections`; messages per second and the most connections the relay saw at once.
async fn run_once(args: &MailBenchArgs, connections: usize) -> anyhow::Result<(f64, usize)> {
    let relay = start_relay(Duration::from_millis(args.relay_ms)).await?;
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
        delivered.sent == args.messages && relay.accepted.load(Ordering::SeqCst) == args.messages,
        "delivered {delivered:?}, relay accepted {}",
        relay.accepted.load(Ordering::SeqCst)
    );
    Ok((
        args.messages as f64 / elapsed,
        relay.busiest.load(Ordering::SeqCst),
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
