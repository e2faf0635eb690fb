//! The `huiying` command: serve the portal, migrate, load demo data, benchmark.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use huiying::config::Settings;
use huiying::db::Db;
use huiying::service::auth::NewPassword;
use huiying::service::demo::seed_demo;
use huiying::service::users::{Account, AccountInput, create_account};
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
    /// Staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Checks of stored data.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from standard input.
    Add {
        #[arg(long)]
        username: String,
        /// intake, staff, head, leader or admin.
        #[arg(long)]
        role: String,
        /// Department code (required for staff and heads).
        #[arg(long)]
        department: Option<String>,
        /// Where this person's notifications go.
        #[arg(long)]
        email: Option<String>,
        /// Name shown to colleagues (default: the username).
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input (the only way to give it).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute every timeline's hash chain; exit status 1 names each broken case and event.
    Verify {
        /// Check only this case (tracking number).
        #[arg(long)]
        case: Option<String>,
    },
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
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    role,
                    department,
                    email,
                    name,
                    password_stdin: _,
                },
        } => {
            let db = Db::open(&settings.database_url(), 2)?;
            let catalog = {
                let mut conn = db.get()?;
                huiying::db::catalog::load(&mut conn)?
            };
            let input = AccountInput {
                display_name: name.unwrap_or_else(|| username.clone()),
                username,
                role,
                department: department.unwrap_or_default(),
                email: email.unwrap_or_default(),
                locale: "zh-CN".into(),
            };
            let account = Account::parse(&input, &catalog).map_err(|errors| {
                let text: Vec<String> = errors
                    .iter()
                    .map(|(field, e)| {
                        format!(
                            "{field}: {}",
                            huiying::i18n::field_error(huiying::i18n::Locale::En, e)
                        )
                    })
                    .collect();
                anyhow::anyhow!("{}", text.join("; "))
            })?;
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .context("reading the password from standard input")?;
            let password = NewPassword::parse(password.trim_end_matches(['\r', '\n'])).map_err(|e| {
                anyhow::anyhow!(
                    "password: {}",
                    huiying::i18n::field_error(huiying::i18n::Locale::En, &e)
                )
            })?;
            let hash = password.hash()?;
            let now = chrono::Utc::now();
            let username = account.username.clone();
            let id = db
                .write_blocking(move |conn| create_account(conn, None, &account, &hash, now))
                .map_err(|e| match e {
                    huiying::service::ServiceError::Invalid(_) => {
                        anyhow::anyhow!("username {username} is taken")
                    }
                    other => anyhow::anyhow!(other),
                })?;
            println!("account {id} created");
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify { case },
        } => {
            let db = Db::open(&settings.database_url(), 2)?;
            let (checked, breaks) = {
                let mut conn = db.get()?;
                huiying::service::audit::verify(&mut conn, case.as_deref())?
            };
            if breaks.is_empty() {
                println!("checked {checked} cases: every timeline chain is intact");
                Ok(())
            } else {
                for b in &breaks {
                    println!("BROKEN {b}");
                }
                anyhow::bail!("{} problems in {checked} cases checked", breaks.len())
            }
        }
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
