//! The fault run's load: residents filing through the API of whichever instance is next,
//! and staff accepting and answering what was filed, through another. Only what an
//! instance acknowledged is remembered; a request that hit a dead instance, or that it
//! never answered, is counted and forgotten (the resident would try again).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What the load generator was told.
#[derive(Debug, Default)]
pub struct Acknowledged {
    pub filings: Vec<String>,
    /// The case and the event the action writes to its timeline.
    pub actions: Vec<(String, String)>,
    /// Requests refused, cut off or answered with an error (an instance was down).
    pub unanswered: usize,
}

/// Where the load goes and who acts on what is filed.
pub struct Targets {
    pub ports: Vec<u16>,
    /// A staff token per department code.
    pub staff: HashMap<String, String>,
}

/// Sends one request and reads the whole answer (`Connection: close`): status and body.
async fn send(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> std::io::Result<(u16, String)> {
    let exchange = async {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nAccept-Language: zh-CN\r\nConnection: close\r\n{auth}Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await?;
        Ok::<_, std::io::Error>(answer)
    };
    let answer = tokio::time::timeout(Duration::from_secs(15), exchange)
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer in 15 s"))??;
    let text = String::from_utf8_lossy(&answer);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "no status line"))?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

/// Whether `port` answers `/healthz`.
pub async fn healthy(port: u16) -> bool {
    matches!(send(port, "GET", "/healthz", None, "").await, Ok((200, _)))
}

const ANSWER: &str = r#"{"outcome": "explained", "text": "经核实，已责成有关单位整改，并将持续跟进。", "legal_basis": "《信访工作条例》第三十二条"}"#;

/// One client: files every `every`, and for every other filing accepts it as the
/// department's staff, and answers every other one accepted, each request to the next
/// instance in turn. Each filing has its own resident's address, as in life: one
/// recipient's mail goes out in order, one at a time.
async fn client(
    targets: Arc<Targets>,
    bodies: Arc<Vec<String>>,
    start: usize,
    every: Duration,
    stop: Instant,
    next: Arc<AtomicUsize>,
) -> Acknowledged {
    let mut seen = Acknowledged::default();
    let pick = || targets.ports[next.fetch_add(1, Ordering::Relaxed) % targets.ports.len()];
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut i = start;
    while Instant::now() < stop {
        tick.tick().await;
        i += 1;
        let body =
            bodies[i % bodies.len()].replace("resident@example.cn", &format!("resident-{i}@example.cn"));
        let filed = match send(pick(), "POST", "/api/v1/cases", None, &body).await {
            Ok((201, reply)) => serde_json::from_str::<serde_json::Value>(&reply).ok(),
            _ => None,
        };
        let Some(filed) = filed else {
            seen.unanswered += 1;
            // A dead instance refuses at once: do not spin on it.
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        };
        let number = filed["tracking_number"].as_str().unwrap_or_default().to_string();
        let department = filed["department"]["code"].as_str().unwrap_or_default();
        seen.filings.push(number.clone());
        let Some(token) = targets.staff.get(department).filter(|_| i.is_multiple_of(2)) else {
            continue;
        };
        let steps: &[(&str, &str, &str)] = if i.is_multiple_of(4) {
            &[("accept", "{}", "accepted"), ("answer", ANSWER, "answered")]
        } else {
            &[("accept", "{}", "accepted")]
        };
        for (action, body, event) in steps {
            let path = format!("/api/v1/cases/{number}/{action}");
            match send(pick(), "POST", &path, Some(token), body).await {
                Ok((200, _)) => seen.actions.push((number.clone(), event.to_string())),
                _ => {
                    seen.unanswered += 1;
                    break;
                }
            }
        }
    }
    seen
}

/// Runs `clients` clients until `stop`, filing `per_second` cases a second between them;
/// what they were told, together.
pub async fn run(
    targets: Targets,
    bodies: Vec<String>,
    clients: usize,
    per_second: u32,
    stop: Instant,
) -> Acknowledged {
    let (targets, bodies) = (Arc::new(targets), Arc::new(bodies));
    let next = Arc::new(AtomicUsize::new(0));
    let every = Duration::from_secs_f64(clients as f64 / f64::from(per_second.max(1)));
    // Clients start far apart in their counters: each filing's address is its own.
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let (targets, bodies, next) = (targets.clone(), bodies.clone(), next.clone());
            tokio::spawn(client(targets, bodies, c * 1_000_000, every, stop, next))
        })
        .collect();
    let mut all = Acknowledged::default();
    for task in tasks {
        if let Ok(seen) = task.await {
            all.filings.extend(seen.filings);
            all.actions.extend(seen.actions);
            all.unanswered += seen.unanswered;
        }
    }
    all
}
