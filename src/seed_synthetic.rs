//! `huiying seed-synthetic`: the command around [`crate::service::synthetic`], with a
//! progress bar (rate and ETA) on the terminal.

use std::time::Instant;

use anyhow::Context;

use crate::config::Settings;
use crate::service::synthetic::{Plan, load};
use crate::startup::{Options, prepare_state};

#[derive(Debug, Clone, clap::Args)]
pub struct SeedArgs {
    /// How many cases the seed stands for (a repeated run adds only what is missing).
    #[arg(long)]
    pub cases: i64,
    /// Months of history the cases spread over, ending now.
    #[arg(long, default_value_t = 24)]
    pub months: u32,
    /// Which synthetic history: the same seed always gives the same cases.
    #[arg(long, default_value_t = 1)]
    pub seed: i64,
    /// The database to fill (default: the configured one). An empty one gets the demo
    /// city first.
    #[arg(long)]
    pub database_url: Option<String>,
}

pub fn run(mut settings: Settings, args: SeedArgs) -> anyhow::Result<()> {
    if args.cases < 0 || args.months == 0 {
        anyhow::bail!("--cases must be 0 or more and --months at least 1");
    }
    if let Some(url) = args.database_url {
        settings.database_url = Some(url);
    }
    let options = Options {
        demo_activity: false,
        ..Options::default()
    };
    let state = actix_web::rt::System::new().block_on(prepare_state(settings, &options))?;
    let rules = state.rules();
    let bar = indicatif::ProgressBar::new(args.cases as u64).with_style(
        indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {human_pos}/{human_len} cases, {per_sec}, ETA {eta}",
        )
        .context("progress template")?
        .progress_chars("=> "),
    );
    let started = Instant::now();
    let plan = Plan {
        cases: args.cases,
        months: args.months,
        seed: args.seed,
    };
    let loaded = load(&state.db, rules.rules(), plan, state.now(), &|n| {
        bar.set_position(n as u64)
    })?;
    bar.finish();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "seed {}: {} cases added in {secs:.1} s ({:.0} cases/s), {} were already stored; {} workflow steps refused",
        args.seed,
        loaded.added,
        loaded.added as f64 / secs.max(1e-9),
        loaded.before,
        loaded.refused
    );
    Ok(())
}
