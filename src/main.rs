//! The `huiying` command: serve the portal, migrate, load demo data, benchmark.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use huiying::config::Settings;
use huiying::db::Db;
use huiying::jobs::Jobs;
use huiying::service::auth::NewPassword;
use huiying::service::demo::seed_demo;
use huiying::service::users::{Account, AccountInput, create_account};
use huiying::startup::{Application, Options, prepare_state};

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
    Migrate {
        /// Only say which migrations would run (exit status 1 when some would), apply none.
        #[arg(long)]
        check: bool,
    },
    /// Write a consistent backup (database copy, keys, attachments, manifest) while the
    /// portal may be serving.
    Backup {
        #[arg(long, value_name = "FILE")]
        to: std::path::PathBuf,
    },
    /// Unpack a backup into a new data directory, after checking every file in it.
    Restore {
        #[arg(long, value_name = "FILE")]
        from: std::path::PathBuf,
        #[arg(long, value_name = "DIR")]
        data_dir: std::path::PathBuf,
    },
    /// Check the settings (file, environment) and say what is wrong; exit status 1 on any
    /// error.
    CheckConfig,
    /// Load the demo city (departments, areas, categories, routing rules); idempotent.
    SeedDemo,
    /// Fill the catalogue with synthetic cases shaped like real work (for measuring at
    /// scale); resumable, and idempotent per seed.
    SeedSynthetic(huiying::seed_synthetic::SeedArgs),
    /// Load test: filings per second against a fresh database, beside a bare baseline.
    Bench(huiying::bench::BenchArgs),
    /// Fault run on PostgreSQL: several serve and worker processes, one of each killed
    /// with SIGKILL mid-load; checks that nothing acknowledged was lost or mailed twice.
    Chaos(huiying::chaos::ChaosArgs),
    /// PostgreSQL: convert the timeline into a table partitioned by month (once, in a
    /// maintenance window; it locks the timeline while it copies).
    PartitionTimeline(huiying::partition_timeline::PartitionArgs),
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
    /// The monthly review's kept figures.
    Figures {
        #[command(subcommand)]
        command: FiguresCommand,
    },
    /// When is something due? Counts like the cases do, under the configured calendar.
    Deadline {
        /// The day of the triggering event (not counted).
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: chrono::NaiveDate,
        #[arg(long)]
        days: u32,
        /// Count working days instead of calendar days.
        #[arg(long)]
        working_days: bool,
    },
    /// The holiday calendar.
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// Run the background work alone (deadline scan, mail delivery) until stopped.
    Worker,
    /// The suggestion model that routes by text.
    Routing {
        #[command(subcommand)]
        command: RoutingCommand,
    },
    /// Background work on demand.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// The catalogue (departments, areas, channels, categories, rules, liaisons) as a file.
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// The area tree.
    Areas {
        #[command(subcommand)]
        command: AreasCommand,
    },
    /// Keys for Open311 clients.
    Apikey {
        #[command(subcommand)]
        command: ApikeyCommand,
    },
}

#[derive(Subcommand)]
enum ApikeyCommand {
    /// Issue a key; it is printed alone on the last line, and only its hash is kept.
    Add {
        #[arg(long)]
        name: String,
        /// Filings this key may make per hour.
        #[arg(long, default_value_t = huiying::service::api_keys::DEFAULT_PER_HOUR)]
        filings_per_hour: i32,
    },
}

#[derive(Subcommand)]
enum CatalogCommand {
    /// Write the whole catalogue (retired entries marked) as TOML, to FILE or standard output.
    Export { file: Option<PathBuf> },
    /// Apply a catalogue file atomically: create and update, never delete.
    Import {
        file: PathBuf,
        /// Print what would change; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Retire the entries in force that the file does not mention.
        #[arg(long)]
        retire_missing: bool,
    },
}

#[derive(Subcommand)]
enum AreasCommand {
    /// Read the area tree from a CSV with the header code,name,parent_code (the official
    /// statistical division codes); atomic, and the same file again changes nothing.
    Import {
        #[arg(long, value_name = "FILE")]
        csv: PathBuf,
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum RoutingCommand {
    /// Score the model on labelled complaints: CSV files whose header names `text` and
    /// `label`. The last line reads `top1=… top3=… n=… mean_us=…`.
    Eval {
        #[arg(long, value_name = "FILE")]
        train: PathBuf,
        /// Score on this file; without it, cross-validate on the training file.
        #[arg(long, value_name = "FILE")]
        test: Option<PathBuf>,
        /// Folds of the cross-validation (default 5 when there is no --test).
        #[arg(long, value_name = "K")]
        folds: Option<usize>,
    },
    /// Train the model on the routed history now and put it in force on every instance
    /// (the worker also does it nightly and when an administrator asks).
    Train,
}

#[derive(Subcommand)]
enum JobsCommand {
    /// Run the deadline scan and deliver pending mail once, as of now or of `--now`.
    RunOnce {
        /// The moment to act as of (RFC 3339, e.g. 2026-12-26T09:00:00+08:00).
        #[arg(long)]
        now: Option<chrono::DateTime<chrono::FixedOffset>>,
    },
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Replace the years a file holds (the format of calendar/cn-public-holidays.toml).
    Import { file: PathBuf },
    /// Print the calendar in that format.
    Show,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from standard input.
    Add {
        #[arg(long)]
        username: String,
        /// intake, staff, head, leader, admin or liaison.
        #[arg(long)]
        role: String,
        /// Department code (required for staff and heads; a liaison's office, if any).
        #[arg(long)]
        department: Option<String>,
        /// An area a liaison works in (repeat for each; at least one for a liaison).
        #[arg(long = "area")]
        areas: Vec<String>,
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

#[derive(Subcommand)]
enum FiguresCommand {
    /// Tally every case afresh (after a restore, or to repair the kept figures).
    Rebuild,
    /// Compare a month's kept figures with a recount from the timelines; exit status 1
    /// names each difference.
    Check {
        #[arg(long, value_name = "YYYY-MM")]
        month: String,
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
            settings.fit_to_serve()?;
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
        Command::Migrate { check: true } => {
            let pending = Db::pending(&settings.database_url())?;
            for name in &pending {
                println!("would apply {name}");
            }
            println!(
                "{} migration(s) pending for {}",
                pending.len(),
                redact(&settings.database_url())
            );
            if !pending.is_empty() {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Migrate { check: false } => {
            Db::open(&settings.database_url(), 2)?;
            println!("migrations applied to {}", redact(&settings.database_url()));
            Ok(())
        }
        Command::Backup { to } => {
            let manifest = huiying::backup::backup(&settings, &to)?;
            if manifest.backend == "postgres" {
                println!("the PostgreSQL database is not in the archive: take it with pg_dump -Fc at the same time");
            }
            println!(
                "backup written to {}: {} files, {} migrations, release {}",
                to.display(),
                manifest.files.len(),
                manifest.migrations.len(),
                manifest.release
            );
            Ok(())
        }
        Command::Restore { from, data_dir } => {
            let manifest = huiying::backup::restore(&from, &data_dir)?;
            println!(
                "restored {} files of a {} backup taken {} into {}",
                manifest.files.len(),
                manifest.backend,
                manifest.created_at,
                data_dir.display()
            );
            Ok(())
        }
        Command::CheckConfig => {
            let problems = settings.problems();
            for problem in &problems {
                println!("{problem}");
            }
            let errors = problems.iter().filter(|p| p.error).count();
            println!(
                "{} ({} settings): {errors} error(s), {} warning(s)",
                if errors == 0 { "configuration OK" } else { "configuration refused" },
                settings.env,
                problems.len() - errors
            );
            if errors > 0 {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::SeedDemo => {
            let db = Db::open(&settings.database_url(), 2)?;
            let added = db.write_blocking(seed_demo)?;
            println!("demo data loaded: {added} rows added");
            Ok(())
        }
        Command::Bench(args) => huiying::bench::run(settings, args),
        Command::Chaos(args) => huiying::chaos::run(settings, args),
        Command::PartitionTimeline(args) => huiying::partition_timeline::run(settings, args),
        Command::SeedSynthetic(args) => huiying::seed_synthetic::run(settings, args),
        Command::Figures { command } => figures(settings, command),
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    role,
                    department,
                    areas,
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
                areas,
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
        Command::Catalog {
            command: CatalogCommand::Export { file },
        } => {
            let db = open_migrated(&settings)?;
            let mut conn = db.get()?;
            let catalog = huiying::db::catalog::load(&mut conn)?;
            let text = huiying::domain::catalog_file::to_toml(&huiying::domain::catalog_file::export(&catalog))?;
            match file {
                Some(path) => {
                    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
                    eprintln!("catalogue written to {}", path.display());
                }
                None => print!("{text}"),
            }
            Ok(())
        }
        Command::Catalog {
            command:
                CatalogCommand::Import {
                    file,
                    dry_run,
                    retire_missing,
                },
        } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let parsed = huiying::domain::catalog_file::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let edit = huiying::service::catalogue::Edit::File { parsed, retire_missing };
            apply_edit(&open_migrated(&settings)?, edit, dry_run, |_| true)
        }
        Command::Areas {
            command: AreasCommand::Import { csv, dry_run },
        } => {
            let db = open_migrated(&settings)?;
            let text = std::fs::read_to_string(&csv).with_context(|| format!("reading {}", csv.display()))?;
            let current = {
                let mut conn = db.get()?;
                huiying::db::catalog::load(&mut conn)?
            };
            let parsed = huiying::domain::area_csv::parse(&text, &current)
                .map_err(|e| anyhow::anyhow!("{}: {}", csv.display(), e.to_string().replace("line ", "row ")))?;
            let edit = huiying::service::catalogue::Edit::File {
                parsed,
                retire_missing: false,
            };
            apply_edit(&db, edit, dry_run, |entity| entity == "area")
        }
        Command::Apikey {
            command: ApikeyCommand::Add { name, filings_per_hour },
        } => {
            let db = open_migrated(&settings)?;
            let now = chrono::Utc::now();
            let (id, key) = db
                .write_blocking(move |conn| huiying::service::api_keys::issue_in(conn, &name, filings_per_hour, now))
                .map_err(|e| match e {
                    huiying::service::ServiceError::Conflict { .. } => anyhow::anyhow!("a key of this name exists"),
                    other => anyhow::anyhow!(other),
                })?;
            println!("key {id} issued; it is shown this once:");
            println!("{key}");
            Ok(())
        }
        Command::Deadline {
            from,
            days,
            working_days,
        } => {
            let db = Db::open(&settings.database_url(), 2)?;
            let calendar = {
                let mut conn = db.get()?;
                let calendar = huiying::db::deadlines::load_calendar(&mut conn)?;
                if calendar.years().next().is_none() {
                    huiying::domain::calendar::official()
                } else {
                    calendar
                }
            };
            let due = if working_days {
                calendar.add_working_days(from, days)
            } else {
                calendar.add_calendar_days(from, days)
            };
            let plain = from + chrono::Duration::days(i64::from(days));
            println!("{due} ({})", due.format("%A"));
            if !working_days && due != plain {
                println!("{plain} is not a working day; the deadline moves to the next one");
            }
            let years: Vec<i32> = calendar.years().collect();
            if !years.contains(&chrono::Datelike::year(&due)) {
                println!(
                    "note: the calendar has no holidays for {}; only weekends were considered",
                    chrono::Datelike::year(&due)
                );
            }
            Ok(())
        }
        Command::Calendar { command } => {
            let db = Db::open(&settings.database_url(), 2)?;
            match command {
                CalendarCommand::Import { file } => {
                    let text = std::fs::read_to_string(&file)
                        .with_context(|| format!("reading {}", file.display()))?;
                    let years = db
                        .write_blocking(move |conn| {
                            huiying::service::deadlines::import_calendar(conn, None, &text)
                        })
                        .map_err(|e| match e {
                            huiying::service::ServiceError::Invalid(errors) => anyhow::anyhow!(
                                "{}",
                                errors
                                    .iter()
                                    .map(|(_, e)| huiying::i18n::field_error(huiying::i18n::Locale::En, e))
                                    .collect::<Vec<_>>()
                                    .join("; ")
                            ),
                            other => anyhow::anyhow!(other),
                        })?;
                    println!("imported {years:?}; running instances pick it up within a minute");
                }
                CalendarCommand::Show => {
                    let mut conn = db.get()?;
                    print!("{}", huiying::db::deadlines::load_calendar(&mut conn)?.to_toml());
                }
            }
            Ok(())
        }
        Command::Routing {
            command: RoutingCommand::Eval { train, test, folds },
        } => {
            use huiying::routing_eval;
            let rows = routing_eval::read_labelled(&train)?;
            let scores = match (test, folds) {
                (Some(test), None) => routing_eval::score(&rows, &routing_eval::read_labelled(&test)?)?,
                (None, folds) => routing_eval::cross_validate(&rows, folds.unwrap_or(5), |k, s| println!("fold {k}: {s}"))?,
                (Some(_), Some(_)) => anyhow::bail!("give either --test or --folds, not both"),
            };
            println!("stored model: {} KB", scores.stored_kb);
            println!("{scores}");
            Ok(())
        }
        Command::Routing {
            command: RoutingCommand::Train,
        } => actix_web::rt::System::new().block_on(async move {
            let options = Options {
                load_demo: false,
                ..Options::default()
            };
            let state = prepare_state(settings, &options).await?;
            match huiying::service::suggest::train(&state).await? {
                huiying::service::suggest::Trained::Model { version, figures } => println!(
                    "model {version} in force: trained on {} cases, held back {}; category top1={:.3} top3={:.3}, department top1={:.3} top3={:.3}",
                    figures.trained_on,
                    figures.held_back,
                    figures.category_top1,
                    figures.category_top3,
                    figures.department_top1,
                    figures.department_top3
                ),
                huiying::service::suggest::Trained::NotEnough(why) => {
                    println!("no model: {why}; suggestions stay empty until there is enough history")
                }
            }
            Ok(())
        }),
        Command::Worker => actix_web::rt::System::new().block_on(async move {
            settings.fit_to_serve()?;
            let options = Options {
                load_demo: false,
                ..Options::default()
            };
            let state = prepare_state(settings, &options).await?;
            let jobs = Jobs::new(state).map_err(|e| anyhow::anyhow!(e))?;
            let (stop, stopped) = tokio::sync::watch::channel(false);
            actix_web::rt::spawn(async move {
                shutdown_signal().await;
                let _ = stop.send(true);
            });
            jobs.run(stopped).await;
            Ok(())
        }),
        Command::Jobs {
            command: JobsCommand::RunOnce { now },
        } => actix_web::rt::System::new().block_on(async move {
            let now = now.map(|t| t.with_timezone(&chrono::Utc)).unwrap_or_else(chrono::Utc::now);
            let options = Options {
                load_demo: false,
                clock: std::sync::Arc::new(huiying::clock::ManualClock::new(now)),
                ..Options::default()
            };
            let state = prepare_state(settings, &options).await?;
            let jobs = Jobs::new(state).map_err(|e| anyhow::anyhow!(e))?;
            let (scanned, delivered) = jobs.run_once(now).await?;
            println!(
                "as of {now}: {} reminders, {} escalations, {} cases closed, {} digests, {} items skipped on errors; mail: {} sent, {} to retry, {} given up",
                scanned.reminders, scanned.escalations, scanned.closed, scanned.digests, scanned.failed, delivered.sent, delivered.failed, delivered.dead
            );
            Ok(())
        }),
        Command::Audit {
            command: AuditCommand::Verify { case },
        } => {
            let key = huiying::domain::timeline::ChainKey::new(settings.existing_audit_key_bytes()?);
            let db = Db::open(&settings.database_url(), 2)?;
            let (checked, breaks) = {
                let mut conn = db.get()?;
                huiying::service::audit::check_key(&mut conn, &key)?;
                let total = huiying::db::cases::count_cases(&mut conn)?;
                let bar = indicatif::ProgressBar::new(total as u64).with_style(
                    indicatif::ProgressStyle::with_template(
                        "{elapsed_precise} [{bar:40}] {human_pos}/{human_len} cases checked, {per_sec}, ETA {eta}",
                    )?,
                );
                let result =
                    huiying::service::audit::verify_with_progress(&mut conn, &key, case.as_deref(), &|n| {
                        bar.set_position(n as u64)
                    })?;
                bar.finish_and_clear();
                result
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

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
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

/// The database at `settings`, its migrations applied by opening it (a county may start
/// from nothing).
fn open_migrated(settings: &Settings) -> anyhow::Result<Db> {
    Ok(Db::open(&settings.database_url(), 2)?)
}

/// Applies a catalogue edit from the command line and prints each change; `missing_shown`
/// picks which kinds of entries the file was expected to mention.
fn apply_edit(
    db: &Db,
    edit: huiying::service::catalogue::Edit,
    dry_run: bool,
    missing_shown: impl Fn(&str) -> bool,
) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    let (_, applied) = db
        .write_blocking(move |conn| {
            huiying::service::catalogue::edit_in(conn, edit, "command line", now, dry_run)
        })
        .map_err(|e| match e {
            huiying::service::ServiceError::Invalid(errors) => anyhow::anyhow!(
                "{}",
                errors
                    .iter()
                    .map(|(_, e)| huiying::i18n::field_error(huiying::i18n::Locale::En, e))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            other => anyhow::anyhow!(other),
        })?;
    for change in &applied.changes {
        println!(
            "{} {} {}",
            change.action.as_str(),
            change.entity.as_str(),
            change.code
        );
    }
    for (entity, code) in applied.missing.iter().filter(|(e, _)| missing_shown(e)) {
        println!("not in the file (kept): {entity} {code}");
    }
    let n = applied.changes.len();
    if dry_run {
        println!("dry run: {n} changes would be made; nothing was written");
    } else {
        println!("{n} changes applied; running instances pick them up within seconds");
    }
    Ok(())
}

fn figures(settings: Settings, command: FiguresCommand) -> anyhow::Result<()> {
    let tz = settings.tz()?;
    let db = Db::open(&settings.database_url(), 2)?;
    match command {
        FiguresCommand::Rebuild => {
            let started = std::time::Instant::now();
            let cases = huiying::service::figures::rebuild(&db, tz, &|_| {})?;
            println!(
                "tallied {cases} cases in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        FiguresCommand::Check { month } => {
            let month = huiying::service::reports::Month::parse(&month)
                .ok_or_else(|| anyhow::anyhow!("--month must be YYYY-MM"))?;
            let mut conn = db.get()?;
            let catalog = huiying::db::catalog::load(&mut conn)?;
            let scopes = huiying::service::reports::scopes(&catalog, false);
            let differences = huiying::service::reports::check(
                &mut conn,
                &catalog,
                &scopes,
                month,
                tz,
                chrono::Utc::now(),
            )?;
            for difference in &differences {
                println!("{difference}");
            }
            if differences.is_empty() {
                println!("{}: the kept figures agree with a recount", month.label());
                Ok(())
            } else {
                std::process::exit(1);
            }
        }
    }
}
