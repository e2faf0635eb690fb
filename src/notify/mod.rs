//! Email. Every notice is written to the outbox in the transaction of the change that
//! causes it (`notices.rs` decides who hears of what); the worker (`worker.rs`) renders
//! it in the recipient's language (`mail.rs`) and delivers it (`transport.rs`).

pub mod mail;
pub mod notices;
pub mod scheduled;
pub mod seal;
pub mod transport;
pub mod worker;
