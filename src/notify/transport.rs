//! Where mail goes: an SMTP relay (`HUIYING_SMTP_URL`), or by default `.eml` files under
//! the data directory, so a local portal loses no mail and needs no server.

use std::path::PathBuf;

use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

/// Why a message was not sent; a permanent failure will not be retried.
#[derive(Debug)]
pub struct SendError {
    pub permanent: bool,
    pub message: String,
}

impl Transport {
    /// `smtp://host:port`, `smtps://user:pass@host:465`, `smtp://host:587?tls=required` …
    /// (lettre's URL forms); `None`: files in `dir`.
    /// Up to `connections` SMTP connections are kept open and used at once.
    pub fn new(smtp_url: Option<&str>, dir: PathBuf, connections: usize) -> Result<Transport, String> {
        let pool = lettre::transport::smtp::PoolConfig::new()
            .max_size(u32::try_from(connections.max(1)).unwrap_or(u32::MAX));
        match smtp_url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map(|b| Transport::Smtp(b.pool_config(pool).build()))
                .map_err(|e| format!("HUIYING_SMTP_URL: {e}")),
            None => Ok(Transport::Files(dir)),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp(_) => "SMTP relay".into(),
            Transport::Files(dir) => format!("files in {}", dir.display()),
        }
    }

    pub async fn send(&self, id: i64, message: Message) -> Result<(), SendError> {
        match self {
            Transport::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| SendError {
                permanent: e.is_permanent(),
                message: e.to_string(),
            }),
            Transport::Files(dir) => {
                let path = dir.join(format!("{id}.eml"));
                let bytes = message.formatted();
                let written = async {
                    tokio::fs::create_dir_all(dir).await?;
                    tokio::fs::write(&path, bytes).await
                }
                .await;
                written.map_err(|e| SendError {
                    permanent: false,
                    message: format!("{}: {e}", path.display()),
                })
            }
        }
    }
}
