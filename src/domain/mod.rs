//! Pure rules: no I/O, no clock (`now` is always an argument). Everything here is
//! unit-tested without a database.

pub mod area_csv;
pub mod calendar;
pub mod case;
pub mod catalog;
pub mod catalog_diff;
pub mod catalog_file;
pub mod deadline;
pub mod field_error;
pub mod local_path;
pub mod locale;
pub mod mail;
pub mod metrics;
pub mod new_case;
pub mod open311;
pub mod permissions;
pub mod rate;
pub mod reception;
pub mod retention;
pub mod routing;
pub mod search_terms;
pub mod sign_in;
pub mod similar;
pub mod suggest;
pub mod tally;
pub mod text;
pub mod timeline;
pub mod tracking;
pub mod upload;
pub mod workflow;
