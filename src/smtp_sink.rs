//! A local SMTP server speaking just enough SMTP for lettre, for the commands that measure
//! or check mail (`bench --mail`, `chaos`): it accepts every message after a set delay,
//! as a relay over a network does, and keeps each message's Message-ID.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// What the sink has seen so far; shared with the task that serves it.
#[derive(Default)]
pub(crate) struct Seen {
    pub accepted: AtomicUsize,
    /// The most sessions open at once.
    pub busiest: AtomicUsize,
    open: AtomicUsize,
    /// The Message-ID of every accepted message, in order of acceptance (repeats kept).
    message_ids: Mutex<Vec<String>>,
}

impl Seen {
    pub fn message_ids(&self) -> Vec<String> {
        self.message_ids.lock().map(|ids| ids.clone()).unwrap_or_default()
    }
}

pub(crate) struct Sink {
    pub port: u16,
    pub seen: Arc<Seen>,
}

/// Listens on 127.0.0.1 (a free port) until the runtime ends.
pub(crate) async fn start(delay: Duration) -> std::io::Result<Sink> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let seen = Arc::new(Seen::default());
    let shared = seen.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            // As a real relay: each reply leaves at once, not after the client's ACK.
            let _ = socket.set_nodelay(true);
            let seen = shared.clone();
            tokio::spawn(async move {
                let now_open = seen.open.fetch_add(1, Ordering::SeqCst) + 1;
                seen.busiest.fetch_max(now_open, Ordering::SeqCst);
                let _ = session(socket, delay, &seen).await;
                seen.open.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    Ok(Sink { port, seen })
}

async fn session(socket: TcpStream, delay: Duration, seen: &Seen) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink.huiying ESMTP\r\n").await?;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let upper = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-sink.huiying\r\n250 8BITMIME\r\n"
        } else if upper == "DATA" {
            write.write_all(b"354 go ahead\r\n").await?;
            let mut message_id = None;
            let mut in_headers = true;
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" {
                    break;
                }
                if in_headers {
                    if line == "\r\n" {
                        in_headers = false;
                    } else if message_id.is_none() {
                        message_id = header_value(&line, "message-id");
                    }
                }
            }
            tokio::time::sleep(delay).await;
            if let Ok(mut ids) = seen.message_ids.lock() {
                ids.push(message_id.unwrap_or_default());
            }
            seen.accepted.fetch_add(1, Ordering::SeqCst);
            b"250 queued\r\n"
        } else if upper.starts_with("QUIT") {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            b"250 OK\r\n"
        };
        write.write_all(reply).await?;
    }
}

/// The value of header `name` (lower case) if `line` is that header.
fn header_value(line: &str, name: &str) -> Option<String> {
    let (key, value) = line.split_once(':')?;
    key.trim()
        .eq_ignore_ascii_case(name)
        .then(|| value.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_matched_by_name_in_any_case() {
        assert_eq!(
            header_value("Message-ID: <outbox-7@linjiang.example>\r\n", "message-id").as_deref(),
            Some("<outbox-7@linjiang.example>")
        );
        assert_eq!(
            header_value("message-id:<a@b>\r\n", "message-id").as_deref(),
            Some("<a@b>")
        );
        assert_eq!(header_value("Subject: message-id: x\r\n", "message-id"), None);
        assert_eq!(header_value(" folded continuation\r\n", "message-id"), None);
    }
}
