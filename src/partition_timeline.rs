//! `huiying partition-timeline`: the command around [`crate::service::partition`].

use std::time::Instant;

use crate::config::Settings;
use crate::db::Db;

#[derive(Debug, Clone, clap::Args)]
pub struct PartitionArgs {
    /// Months past this one to make partitions for now (housekeeping keeps
    /// making them afterwards).
    #[arg(long, default_value_t = crate::service::partition::MONTHS_AHEAD)]
    pub months_ahead: u32,
}

pub fn run(settings: Settings, args: PartitionArgs) -> anyhow::Result<()> {
    let db = Db::open(&settings.database_url(), 1)?;
    let started = Instant::now();
    let converted = crate::service::partition::convert(&db, chrono::Utc::now(), args.months_ahead)?;
    for partition in &converted.partitions {
        println!("{}: {} events", partition.name, partition.events);
    }
    println!(
        "partitioned {} events into {} partitions by month in {:.1} s; `huiying audit verify` checks every chain",
        converted.events,
        converted.partitions.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
