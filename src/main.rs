//! The `huiying` command: serve the portal, migrate, load demo data, benchmark.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use huiying::config::Settings;
use huiying::db::Db;
use huiying::service::demo::seed_demo;
use huiying::startup::{Application, Options};

#[derive(Parser)]
#[command(name = "huiying", version, about = "Huiying 回应: petitions portal")]
struct Cli {
    /// Settings file (default: ./huiying.toml if present).
    #[arg(long, global = true, env = "HUIYING_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the portal (the default): migrate, load demo data into an empty database, serve.
    Serve {
        /// Address to listen on (overrides HUIYING_BIND).
        #[arg(long)]
        bind: Option<String>,
        /// Do not load the demo city into an empty database.
        #[arg(long)]
        no_demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the demo city (departments, areas, categories, routing rules); idempotent.
    SeedDemo,
    /// Load test: filings per second against a fresh database, beside a bare baseline.
    Bench(huiying::bench::BenchArgs),
}

fn main() -> ExitCode {
    huiying::telemetry::init_logging();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let mut settings = Settings::load(cli.config.as_deref())?;
    let command = cli.command.unwrap_or(Command::Serve {
        bind: None,
        no_demo: false,
    });
    match command {
        Command::Serve { bind, no_demo } => {
            if let Some(bind) = bind {
                settings.bind = bind;
            }
            actix_web::rt::System::new().block_on(async move {
                let options = Options {
                    load_demo: !no_demo,
                    ..Options::default()
                };
                let app = Application::build(settings.clone(), options).await?;
                tracing::info!(settings = ?settings, "Huiying is serving on http://{}", settings.bind.replace(":0", &format!(":{}", app.port())));
                app.run_until_stopped().await.context("server failed")
            })
        }
        Command::Migrate => {
            Db::open(&settings.database_url(), 2)?;
            println!("migrations applied to {}", redact(&settings.database_url()));
            Ok(())
        }
        Command::SeedDemo => {
            let db = Db::open(&settings.database_url(), 2)?;
            let added = db.write_blocking(seed_demo)?;
            println!("demo data loaded: {added} rows added");
            Ok(())
        }
        Command::Bench(args) => huiying::bench::run(settings, args),
    }
}

/// The URL without its password.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://…@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}
