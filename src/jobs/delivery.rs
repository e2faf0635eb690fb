//! Mail delivery: what is due in the outbox, over a few SMTP connections at once; each
//! notice's outcome is recorded as it is known (see `notify::worker`).

use chrono::{DateTime, Duration, Utc};

use crate::app::App;
use crate::notify::transport::Transport;
use crate::notify::worker::{Delivered, Mailer, deliver_due};
use crate::service::ServiceError;

pub const DELIVERY: &str = "delivery";

/// Notices claimed at a time.
const BATCH: i64 = 50;

/// The mailer the settings describe.
pub fn mailer(app: &App) -> Result<Mailer, String> {
    let s = &app.settings;
    let transport = Transport::new(
        s.smtp_url.as_deref(),
        s.data_dir.join("outbox-mail"),
        s.mail_connections,
    )?;
    let mailer = Mailer::new(
        transport,
        &s.mail_from,
        app.sealer.clone(),
        &s.public_url(),
        s.mail_max_attempts,
        Duration::seconds(s.mail_lease_secs.max(1) as i64),
    )?;
    tracing::info!(transport = %mailer.transport.describe(), "mail delivery configured");
    Ok(mailer)
}

pub async fn run(
    app: &App,
    mailer: &Mailer,
    now: impl Fn() -> DateTime<Utc>,
) -> Result<Delivered, ServiceError> {
    Ok(deliver_due(
        &app.db,
        mailer,
        &app.catalog(),
        app.tz,
        now,
        BATCH,
        app.settings.mail_connections,
    )
    .await?)
}
