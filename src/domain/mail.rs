//! The vocabulary of the outbox.

use super::case::text_enum;

text_enum! {
    /// Where a notice is on its way: written, being sent (claimed under a lease), sent,
    /// failed (to be tried again), or given up after its last attempt.
    MailState {
        Pending = "pending",
        Sending = "sending",
        Sent = "sent",
        Failed = "failed",
        Dead = "dead",
    }
}
