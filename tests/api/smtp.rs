//! A real SMTP server on 127.0.0.1 for the tests: it speaks just enough SMTP for lettre,
//! keeps every message it accepts, and can be told to refuse some recipients or to answer
//! slowly. It runs on its own thread so it keeps serving while a test waits on processes.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub raw: String,
}

impl Received {
    /// A header's value, its folded continuation lines joined.
    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        let mut lines = self.raw.lines().take_while(|l| !l.is_empty());
        let first = lines.find(|l| l.to_ascii_lowercase().starts_with(&prefix))?;
        let mut value = first[prefix.len()..].trim().to_string();
        for more in lines.take_while(|l| l.starts_with(' ') || l.starts_with('\t')) {
            value.push(' ');
            value.push_str(more.trim());
        }
        Some(value)
    }

    pub fn message_id(&self) -> String {
        self.header("Message-ID").unwrap_or_default()
    }

    /// The subject, RFC 2047 words decoded.
    pub fn subject(&self) -> String {
        decode_words(&self.header("Subject").unwrap_or_default())
    }

    /// Every text part, transfer encodings undone.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let mut encoding = String::new();
        let mut in_body = false;
        let mut chunk = String::new();
        let flush = |encoding: &str, chunk: &mut String, out: &mut String| {
            match encoding {
                "base64" => {
                    let joined: String = chunk.split_whitespace().collect();
                    if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(joined) {
                        out.push_str(&String::from_utf8_lossy(&bytes));
                    }
                }
                "quoted-printable" => out.push_str(&decode_qp(chunk)),
                _ => out.push_str(chunk),
            }
            out.push('\n');
            chunk.clear();
        };
        for line in self.raw.lines() {
            let lower = line.to_ascii_lowercase();
            if line.starts_with("--") {
                if in_body {
                    flush(&encoding, &mut chunk, &mut out);
                }
                in_body = false;
                encoding.clear();
            } else if let Some(e) = lower.strip_prefix("content-transfer-encoding:") {
                encoding = e.trim().to_string();
            } else if line.is_empty() && !in_body && !encoding.is_empty() {
                in_body = true;
            } else if in_body {
                chunk.push_str(line);
                chunk.push('\n');
            }
        }
        if in_body {
            flush(&encoding, &mut chunk, &mut out);
        }
        out
    }
}

/// RFC 2047: adjacent encoded words join without the space between them (their bytes are
/// joined before UTF-8 decoding, as a character may be split across two words).
fn decode_words(s: &str) -> String {
    let mut out = String::new();
    let mut bytes: Vec<u8> = Vec::new();
    for word in s.split_whitespace() {
        let lower = word.to_ascii_lowercase();
        let encoded = lower.starts_with("=?utf-8?b?") || lower.starts_with("=?utf-8?q?");
        if !encoded {
            out.push_str(&String::from_utf8_lossy(&std::mem::take(&mut bytes)));
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
            continue;
        }
        // The space between plain text and an encoded word is part of the text.
        if bytes.is_empty() && !out.is_empty() {
            out.push(' ');
        }
        let data = word[10..].trim_end_matches("?=");
        if lower.starts_with("=?utf-8?b?") {
            bytes.extend(
                base64::engine::general_purpose::STANDARD
                    .decode(data)
                    .unwrap_or_default(),
            );
        } else {
            bytes.extend(decode_qp(&data.replace('_', " ")).into_bytes());
        }
    }
    out.push_str(&String::from_utf8_lossy(&bytes));
    out.trim().to_string()
}

fn decode_qp(s: &str) -> String {
    let mut bytes = Vec::new();
    let raw = s.replace("=\r\n", "").replace("=\n", "");
    let b = raw.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'='
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&raw[i + 1..i + 3], 16)
        {
            bytes.push(v);
            i += 3;
            continue;
        }
        bytes.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[derive(Default)]
struct Shared {
    received: Vec<Received>,
    /// Recipients containing this are refused with 550.
    refuse: Option<String>,
    delay: Duration,
    /// Sessions open now, and the most ever open at once.
    open: usize,
    busiest: usize,
}

#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    shared: Arc<Mutex<Shared>>,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        let shared = Arc::new(Mutex::new(Shared::default()));
        let (tx, rx) = std::sync::mpsc::channel();
        let state = shared.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap().port()).unwrap();
                loop {
                    let Ok((socket, _)) = listener.accept().await else {
                        return;
                    };
                    let state = state.clone();
                    tokio::spawn(async move {
                        {
                            let mut shared = state.lock().unwrap();
                            shared.open += 1;
                            shared.busiest = shared.busiest.max(shared.open);
                        }
                        let _ = serve(socket, state.clone()).await;
                        state.lock().unwrap().open -= 1;
                    });
                }
            });
        });
        SmtpSink {
            port: rx.recv().unwrap(),
            shared,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn refuse(&self, containing: &str) {
        self.shared.lock().unwrap().refuse = Some(containing.to_string());
    }

    pub fn delay(&self, each: Duration) {
        self.shared.lock().unwrap().delay = each;
    }

    /// The most SMTP sessions that were open at once.
    pub fn busiest(&self) -> usize {
        self.shared.lock().unwrap().busiest
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.lock().unwrap().received.clone()
    }

    /// Those received for `address`.
    pub fn to(&self, address: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t == address))
            .collect()
    }

    /// Waits until `count` messages have arrived (or `timeout` passes).
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got = self.received();
            if got.len() >= count || start.elapsed() > timeout {
                return got;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

async fn serve(socket: tokio::net::TcpStream, state: Arc<Mutex<Shared>>) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink.test ESMTP\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_string();
        let upper = command.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-sink.test\r\n250 8BITMIME\r\n"
        } else if upper.starts_with("HELO") || upper.starts_with("NOOP") {
            b"250 OK\r\n"
        } else if upper.starts_with("RSET") {
            from.clear();
            to.clear();
            b"250 OK\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            from = address(&command["MAIL FROM:".len()..]);
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO:") {
            let rcpt = address(&command["RCPT TO:".len()..]);
            let refused = state
                .lock()
                .unwrap()
                .refuse
                .as_ref()
                .is_some_and(|r| rcpt.contains(r.as_str()));
            if refused {
                b"550 No such mailbox\r\n"
            } else {
                to.push(rcpt);
                b"250 OK\r\n"
            }
        } else if upper == "DATA" {
            write.write_all(b"354 End with <CRLF>.<CRLF>\r\n").await?;
            let mut raw = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                let unstuffed = line
                    .strip_prefix('.')
                    .filter(|_| line.starts_with(".."))
                    .unwrap_or(&line);
                raw.push_str(&unstuffed.replace("\r\n", "\n"));
            }
            let delay = state.lock().unwrap().delay;
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            state.lock().unwrap().received.push(Received {
                from: std::mem::take(&mut from),
                to: std::mem::take(&mut to),
                raw,
            });
            b"250 OK queued\r\n"
        } else if upper.starts_with("QUIT") {
            write.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            b"502 Not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
}

fn address(arg: &str) -> String {
    let arg = arg.trim();
    let inner = arg.split('>').next().unwrap_or(arg);
    inner
        .trim_start_matches('<')
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_string()
}
