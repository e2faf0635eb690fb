//! Huiying 回应: a petition-and-feedback portal. See DESIGN.md for the layers:
//! `web` → `service` → `domain` (pure) and `db` (the only SQL).

pub mod app;
#[cfg(test)]
mod architecture;
pub mod backup;
pub mod bench;
pub mod bench_mail;
pub mod bench_scenarios;
pub mod chaos;
pub mod charts;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod export;
pub mod format;
pub mod i18n;
pub mod jobs;
pub mod notify;
pub mod partition_timeline;
pub mod routing_eval;
pub mod seed_synthetic;
pub mod service;
pub(crate) mod smtp_sink;
pub mod startup;
pub mod telemetry;
pub mod web;
