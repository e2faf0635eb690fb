//! Delivery: claim due notices, render, send, record the outcome. Safe on any number of
//! instances at once: claims are exclusive (leases), and a notice whose worker died is
//! claimed again once its lease runs out. A retried notice keeps its Message-ID.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use tracing::Instrument;

use super::mail::{MailData, MailEnv, render};
use super::seal::Sealer;
use super::transport::Transport;
use crate::db::outbox::{Claimed, claim, mark_failed, mark_sent};
use crate::db::{Db, DbError};
use crate::domain::catalog::Catalog;
use crate::domain::locale::Locale;

pub struct Mailer {
    pub transport: Transport,
    pub from: Mailbox,
    /// The right-hand side of Message-IDs.
    pub domain: String,
    pub sealer: Sealer,
    pub base_url: String,
    /// Attempts before a notice is given up (`dead`).
    pub max_attempts: u32,
    /// How long a claim holds before another worker may take the notice.
    pub lease: Duration,
}

impl Mailer {
    pub fn new(
        transport: Transport,
        from: &str,
        sealer: Sealer,
        base_url: &str,
        max_attempts: u32,
        lease: Duration,
    ) -> Result<Mailer, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("HUIYING_MAIL_FROM {from:?}: {e}"))?;
        Ok(Mailer {
            domain: from.email.domain().to_string(),
            transport,
            from,
            sealer,
            base_url: base_url.trim_end_matches('/').to_string(),
            max_attempts: max_attempts.max(1),
            lease,
        })
    }

    /// The Message-ID of a notice: the same for every attempt.
    pub fn message_id(&self, id: i64) -> String {
        format!("<outbox-{id}@{}>", self.domain)
    }

    fn build(
        &self,
        notice: &Claimed,
        catalog: &Catalog,
        tz: Tz,
        now: DateTime<Utc>,
    ) -> Result<Message, String> {
        let data: MailData = serde_json::from_str(&notice.payload).map_err(|e| format!("payload: {e}"))?;
        let locale = Locale::from_tag(&notice.locale).unwrap_or_default();
        let env = MailEnv {
            catalog,
            tz,
            base_url: &self.base_url,
            sealer: &self.sealer,
            now,
        };
        let rendered = render(&data, locale, &env).map_err(|e| format!("render: {e}"))?;
        let to: Mailbox = notice
            .recipient
            .parse()
            .map_err(|e| format!("recipient {:?}: {e}", notice.recipient))?;
        Message::builder()
            .message_id(Some(self.message_id(notice.id)))
            .from(self.from.clone())
            .to(to)
            .subject(rendered.subject)
            .multipart(MultiPart::alternative_plain_html(rendered.text, rendered.html))
            .map_err(|e| format!("message: {e}"))
    }

    /// When a notice that failed `attempts` times is tried again: 1, 2, 4 … minutes, at
    /// most six hours; `None` once it has had all its attempts.
    pub fn retry_at(&self, attempts: i32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if attempts.max(0) as u32 >= self.max_attempts {
            return None;
        }
        let minutes = 1i64 << attempts.clamp(1, 20).saturating_sub(1);
        Some(now + Duration::minutes(minutes.min(360)))
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    pub failed: usize,
    pub dead: usize,
}

/// Delivers every notice due at `now`, a batch at a time, up to `parallel` at once (over
/// as many SMTP connections); each outcome is recorded as soon as it is known, so a crash
/// resends at most the messages in flight. Returns what happened.
pub async fn deliver_due(
    db: &Db,
    mailer: &Mailer,
    catalog: &Catalog,
    tz: Tz,
    now: impl Fn() -> DateTime<Utc>,
    batch: i64,
    parallel: usize,
) -> Result<Delivered, DbError> {
    use futures_util::StreamExt;
    let mut delivered = Delivered::default();
    loop {
        let at = now();
        let lease_until = (at + mailer.lease).naive_utc();
        let claimed = db
            .write(move |conn| claim(conn, at.naive_utc(), lease_until, batch))
            .await?;
        if claimed.is_empty() {
            return Ok(delivered);
        }
        // One recipient's mail goes out in the order it was written (the receipt before
        // the acceptance); different recipients' mail goes out side by side.
        let mut by_recipient: Vec<Vec<Claimed>> = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for notice in claimed {
            let slot = *index.entry(notice.recipient.to_lowercase()).or_insert_with(|| {
                by_recipient.push(Vec::new());
                by_recipient.len() - 1
            });
            by_recipient[slot].push(notice);
        }
        let now = &now;
        let outcomes: Vec<Vec<Result<Outcome, DbError>>> = futures_util::stream::iter(by_recipient)
            .map(|notices| async move {
                let mut outcomes = Vec::with_capacity(notices.len());
                for notice in notices {
                    let span = tracing::info_span!("deliver mail", outbox = notice.id, kind = %notice.kind);
                    outcomes.push(
                        deliver_one(db, mailer, catalog, tz, now, notice)
                            .instrument(span)
                            .await,
                    );
                }
                outcomes
            })
            .buffer_unordered(parallel.max(1))
            .collect()
            .await;
        for outcome in outcomes.into_iter().flatten() {
            match outcome? {
                Outcome::Sent => delivered.sent += 1,
                Outcome::Retry => delivered.failed += 1,
                Outcome::Dead => delivered.dead += 1,
            }
        }
    }
}

/// What became of one claimed notice.
enum Outcome {
    Sent,
    Retry,
    Dead,
}

async fn deliver_one(
    db: &Db,
    mailer: &Mailer,
    catalog: &Catalog,
    tz: Tz,
    now: &impl Fn() -> DateTime<Utc>,
    notice: Claimed,
) -> Result<Outcome, DbError> {
    let sent = match mailer.build(&notice, catalog, tz, now()) {
        Ok(message) => mailer.transport.send(notice.id, message).await,
        Err(problem) => Err(super::transport::SendError {
            permanent: true,
            message: problem,
        }),
    };
    let id = notice.id;
    match sent {
        Ok(()) => {
            let at = now().naive_utc();
            db.write(move |conn| mark_sent(conn, id, at)).await?;
            metrics::counter!("mail_sent_total", "kind" => notice.kind.clone()).increment(1);
            Ok(Outcome::Sent)
        }
        Err(error) => {
            let retry = if error.permanent {
                None
            } else {
                mailer.retry_at(notice.attempts, now())
            };
            tracing::warn!(error = %error.message, permanent = error.permanent, attempts = notice.attempts, "mail not delivered");
            let message = error.message.clone();
            db.write(move |conn| mark_failed(conn, id, &message, retry.map(|t| t.naive_utc())))
                .await?;
            if retry.is_some() {
                Ok(Outcome::Retry)
            } else {
                metrics::counter!("mail_dead_total", "kind" => notice.kind.clone()).increment(1);
                Ok(Outcome::Dead)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailer(max_attempts: u32) -> Mailer {
        Mailer::new(
            Transport::Files(std::env::temp_dir()),
            "回应 Huiying <noreply@linjiang.example>",
            Sealer::generate(),
            "http://127.0.0.1:8080/",
            max_attempts,
            Duration::minutes(5),
        )
        .expect("valid")
    }

    #[test]
    fn retries_back_off_exponentially_then_give_up() {
        let m = mailer(8);
        let now = Utc::now();
        let waits: Vec<i64> = (1..8)
            .map(|a| (m.retry_at(a, now).expect("retry") - now).num_minutes())
            .collect();
        assert_eq!(waits, vec![1, 2, 4, 8, 16, 32, 64]);
        assert_eq!(m.retry_at(8, now), None);
        assert_eq!(
            mailer(30).retry_at(25, now).map(|t| (t - now).num_minutes()),
            Some(360)
        );
    }

    #[test]
    fn message_ids_come_from_the_outbox_row() {
        let m = mailer(8);
        assert_eq!(m.message_id(42), "<outbox-42@linjiang.example>");
        assert_eq!(m.base_url, "http://127.0.0.1:8080");
        assert!(
            Mailer::new(
                Transport::Files(std::env::temp_dir()),
                "not an address",
                Sealer::generate(),
                "",
                1,
                Duration::minutes(1)
            )
            .is_err()
        );
    }
}
