#![expect(
    clippy::unwrap_used,
    reason = "tests fail loudly on the first unexpected value"
)]

//! The one integration-test binary: each test gets its own app on port 0 and its own
//! database (a temp SQLite file, or a fresh PostgreSQL database when TEST_DATABASE_URL is
//! set). Tests written with `both_backends!` run on both.

mod helpers;
mod smtp;

mod appeals;
mod attachments;
mod authorization;
mod browser;
mod browser_journeys;
mod cases_api;
mod catalogue;
mod concurrency;
mod confidentiality;
mod contract;
mod hardening;
mod journeys;
mod leaders;
mod liaison_pages;
mod liaisons;
mod mail;
mod open311;
mod operations;
mod pages;
mod persistence;
mod protections;
mod residents;
mod scale;
mod staff_pages;
mod suggestions;
mod workflow;
