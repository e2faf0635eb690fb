//! Settings: defaults, then `huiying.toml` (optional), then `HUIYING_*` environment
//! variables and `DATABASE_URL`. Secrets are never logged.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono_tz::Tz;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Deserialize)]
pub struct Settings {
    /// Address the portal listens on.
    pub bind: String,
    /// `sqlite://PATH`, a bare path, or `postgres://…`; default `sqlite://<data_dir>/huiying.db`.
    pub database_url: Option<String>,
    /// A read replica of that database for the reports, the register and the public
    /// board (`DATABASE_READ_URL`); unset, they read the primary.
    pub database_read_url: Option<String>,
    /// Where the SQLite database, the session key and local mail live.
    pub data_dir: PathBuf,
    /// Database connections per instance.
    pub pool_size: u32,
    /// Seconds a request waits for a free database connection before it is answered 503.
    pub pool_timeout_secs: u64,
    /// HTTP worker threads; 0 means one per core.
    pub workers: usize,
    /// The deployment's time zone: dates, deadlines and tracking numbers use it.
    pub timezone: String,
    /// Base64 of at least 64 bytes; instances behind one load balancer must share it.
    /// Default: generated once into `<data_dir>/session.key`.
    pub session_key: Option<String>,
    /// Mark cookies `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    /// `smtp://host:port`, `smtps://user:pass@host:465` …; unset: mail is written as .eml
    /// files under `<data_dir>/outbox-mail/`.
    pub smtp_url: Option<String>,
    /// The sender of every mail.
    pub mail_from: String,
    /// The portal's address as residents reach it, for links in mail; default `http://<bind>`.
    pub public_url: Option<String>,
    /// Who runs the site (主办单位), for the footer of every page.
    pub site_operator: Option<String>,
    /// Record numbers shown in the footer (ICP 备案号, 公安备案号), separated by `;`.
    pub site_records: Option<String>,
    /// Departments are reminded this many days before a deadline.
    pub reminder_days: u32,
    /// A mail is given up after this many attempts.
    pub mail_max_attempts: u32,
    /// Seconds a worker holds a claimed mail before another may take it over.
    pub mail_lease_secs: u64,
    /// `serve` runs the deadline scan and mail delivery itself (safe on every instance).
    pub background_jobs: bool,
    /// Seconds between deadline scans.
    pub scan_interval_secs: u64,
    /// Complaints one address may file per hour (all at once, if it likes); 0: no limit.
    pub filing_limit_per_hour: u32,
    /// Take the client's address from the last `X-Forwarded-For` entry (only behind a
    /// reverse proxy that sets it; otherwise anyone could claim any address).
    pub trust_forwarded_for: bool,
    /// Hold complaints filed on the web or through the API until the resident follows a
    /// link mailed to them (an email address is then required).
    pub confirm_filings: bool,
    /// A staff session ends this many hours after sign-in, however active.
    pub staff_session_hours: u32,
    /// A resident's session ends this many days after sign-in, however active.
    pub resident_session_days: u32,
    /// Base64 of at least 32 bytes: keys the timeline's hash chain (HMAC), so that who can
    /// write to the database cannot rewrite history unnoticed. Every instance and `huiying
    /// audit verify` must use the same one. Default: generated once into
    /// `<data_dir>/audit.key`.
    pub audit_key: Option<String>,
    /// Mails one client address may cause per hour to addresses the portal has never
    /// mailed (sign-in links, supports); 0: no limit.
    pub new_address_mails_per_hour: u32,
    /// Public look-ups by number (`/track`, the public case view) one address may make
    /// per hour (all at once, if it likes); 0: no limit.
    pub lookup_limit_per_hour: u32,
    /// Uploads received and processed at once; more wait briefly, then get 503.
    pub upload_slots: usize,
    /// SMTP connections the mail worker delivers over in parallel.
    pub mail_connections: usize,
    /// `development` (the default) or `production`: in production `serve` refuses to
    /// start without SMTP, secure cookies and a public URL.
    pub env: String,
    /// `/readyz` says not ready while more mails than this wait past their time.
    pub ready_mail_backlog: i64,
    /// Years after a case ended that its resident's identity (name, contact details,
    /// address, files) is kept; then the scan removes it. 0: kept for ever.
    pub retain_identity_years: u32,
    /// The routing suggestion model learns only from at least this many routed cases;
    /// with fewer it suggests nothing.
    pub suggest_min_cases: usize,
    /// How often (milliseconds) an instance asks the database whether the catalogue
    /// changed; a change made on any instance is in force everywhere within this.
    pub catalog_recheck_ms: u64,
    /// The `jurisdiction_id` Open311 clients may name (any other is refused); none: the
    /// portal serves one jurisdiction and clients need not name it.
    pub open311_jurisdiction: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bind: "127.0.0.1:8080".into(),
            database_url: None,
            database_read_url: None,
            data_dir: PathBuf::from("data"),
            pool_size: 8,
            pool_timeout_secs: 10,
            workers: 0,
            timezone: "Asia/Shanghai".into(),
            session_key: None,
            secure_cookies: false,
            smtp_url: None,
            mail_from: "回应 Huiying <noreply@huiying.localhost>".into(),
            public_url: None,
            site_operator: None,
            site_records: None,
            reminder_days: 3,
            mail_max_attempts: 8,
            mail_lease_secs: 300,
            background_jobs: true,
            scan_interval_secs: 60,
            filing_limit_per_hour: 10,
            trust_forwarded_for: false,
            confirm_filings: false,
            staff_session_hours: 12,
            resident_session_days: 30,
            audit_key: None,
            new_address_mails_per_hour: 20,
            lookup_limit_per_hour: 30,
            upload_slots: 4,
            mail_connections: 4,
            env: "development".into(),
            ready_mail_backlog: 1000,
            retain_identity_years: 3,
            suggest_min_cases: crate::domain::suggest::DEFAULT_MIN_CASES,
            catalog_recheck_ms: 2000,
            open311_jurisdiction: None,
        }
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("bind", &self.bind)
            .field(
                "database",
                &self.database_url().split('@').next_back().unwrap_or_default(),
            )
            .field(
                "read_replica",
                &self
                    .database_read_url
                    .as_deref()
                    .map(|u| u.split('@').next_back().unwrap_or_default()),
            )
            .field("data_dir", &self.data_dir)
            .field("pool_size", &self.pool_size)
            .field("workers", &self.workers)
            .field("timezone", &self.timezone)
            .field("session_key", &self.session_key.as_ref().map(|_| "[set]"))
            .field("secure_cookies", &self.secure_cookies)
            .field(
                "smtp",
                &self
                    .smtp_url
                    .as_deref()
                    .map(|u| u.split('@').next_back().unwrap_or_default()),
            )
            .field("mail_from", &self.mail_from)
            .field("public_url", &self.public_url())
            .field("background_jobs", &self.background_jobs)
            .field("filing_limit_per_hour", &self.filing_limit_per_hour)
            .field("trust_forwarded_for", &self.trust_forwarded_for)
            .field("confirm_filings", &self.confirm_filings)
            .field("staff_session_hours", &self.staff_session_hours)
            .field("resident_session_days", &self.resident_session_days)
            .field("audit_key", &self.audit_key.as_ref().map(|_| "[set]"))
            .field("new_address_mails_per_hour", &self.new_address_mails_per_hour)
            .field("lookup_limit_per_hour", &self.lookup_limit_per_hour)
            .field("upload_slots", &self.upload_slots)
            .field("mail_connections", &self.mail_connections)
            .field("env", &self.env)
            .field("ready_mail_backlog", &self.ready_mail_backlog)
            .field("retain_identity_years", &self.retain_identity_years)
            .field("suggest_min_cases", &self.suggest_min_cases)
            .field("catalog_recheck_ms", &self.catalog_recheck_ms)
            .field("open311_jurisdiction", &self.open311_jurisdiction)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("the settings are not fit for production:\n{0}")]
    NotForProduction(String),
    #[error("configuration: {0}")]
    Load(#[from] Box<figment::Error>),
    #[error("unknown time zone {0:?}: use an IANA name such as Asia/Shanghai")]
    TimeZone(String),
    #[error("session key: {0}")]
    SessionKey(String),
    #[error("audit key: {0}")]
    AuditKey(String),
}

impl Settings {
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        let file = file
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("huiying.toml"));
        Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(file))
            .merge(Env::prefixed("HUIYING_"))
            .merge(Env::raw().only(&["DATABASE_URL", "DATABASE_READ_URL"]))
            .extract()
            .map_err(|e| ConfigError::Load(Box::new(e)))
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("huiying.db").display()))
    }

    /// Where residents reach the portal (for links in mail).
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.bind))
            .trim_end_matches('/')
            .to_string()
    }

    pub fn tz(&self) -> Result<Tz, ConfigError> {
        self.timezone
            .parse::<Tz>()
            .map_err(|_| ConfigError::TimeZone(self.timezone.clone()))
    }

    pub fn worker_count(&self) -> usize {
        if self.workers > 0 {
            self.workers
        } else {
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
        }
    }

    /// The configured session key, or the one kept in the data dir (created on first use).
    pub fn session_key_bytes(&self) -> Result<Vec<u8>, ConfigError> {
        key_bytes(self.session_key.as_deref(), &self.data_dir, "session.key", 64)
            .map_err(ConfigError::SessionKey)
    }

    /// The configured audit key, or the one kept in the data dir (created on first use).
    pub fn audit_key_bytes(&self) -> Result<Vec<u8>, ConfigError> {
        key_bytes(self.audit_key.as_deref(), &self.data_dir, "audit.key", 32).map_err(ConfigError::AuditKey)
    }

    /// The audit key for checking, never a new one: verifying with a key made up on the
    /// spot would only report every event as altered.
    pub fn existing_audit_key_bytes(&self) -> Result<Vec<u8>, ConfigError> {
        if self.audit_key.is_none() && !self.data_dir.join("audit.key").exists() {
            return Err(ConfigError::AuditKey(format!(
                "none configured and no {} (set HUIYING_AUDIT_KEY or --config as the portal runs)",
                self.data_dir.join("audit.key").display()
            )));
        }
        self.audit_key_bytes()
    }

    pub fn staff_session_lifetime(&self) -> chrono::Duration {
        chrono::Duration::hours(i64::from(self.staff_session_hours.max(1)))
    }

    pub fn resident_session_lifetime(&self) -> chrono::Duration {
        chrono::Duration::days(i64::from(self.resident_session_days.max(1)))
    }
}

/// One thing wrong with the settings, and how bad it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// An error stops `check-config` (and, in production, `serve`); a warning is said.
    pub error: bool,
    /// The setting, as its environment variable.
    pub setting: &'static str,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = if self.error { "error" } else { "warning" };
        write!(f, "{level}: {}: {}", self.setting, self.message)
    }
}

impl Settings {
    pub fn is_production(&self) -> bool {
        self.env.eq_ignore_ascii_case("production")
    }

    /// In production, refuses settings with any error (`serve` and `worker` call this).
    pub fn fit_to_serve(&self) -> Result<(), ConfigError> {
        let errors: Vec<String> = self
            .problems()
            .into_iter()
            .filter(|p| p.error)
            .map(|p| p.to_string())
            .collect();
        if self.is_production() && !errors.is_empty() {
            return Err(ConfigError::NotForProduction(errors.join("\n")));
        }
        Ok(())
    }

    /// Everything wrong with these settings, errors first. Pure: reads no files and
    /// opens no connections.
    pub fn problems(&self) -> Vec<Problem> {
        let mut found = Vec::new();
        let mut say = |error: bool, setting: &'static str, message: String| {
            found.push(Problem {
                error,
                setting,
                message,
            })
        };
        let production = self.is_production();
        if !matches!(
            self.env.to_ascii_lowercase().as_str(),
            "development" | "production"
        ) {
            say(
                true,
                "HUIYING_ENV",
                format!("{:?} is neither development nor production", self.env),
            );
        }
        if self.bind.parse::<std::net::SocketAddr>().is_err() {
            say(
                true,
                "HUIYING_BIND",
                format!("{:?} is not an address:port such as 127.0.0.1:8080", self.bind),
            );
        }
        for (name, url) in [
            ("DATABASE_URL", &self.database_url),
            ("DATABASE_READ_URL", &self.database_read_url),
        ] {
            if let Some(url) = url
                && url.contains("://")
                && !["sqlite://", "postgres://", "postgresql://"]
                    .iter()
                    .any(|s| url.starts_with(s))
            {
                say(
                    true,
                    name,
                    "use sqlite://PATH, a file path, or postgres://…".into(),
                );
            }
        }
        if self.tz().is_err() {
            say(
                true,
                "HUIYING_TIMEZONE",
                format!(
                    "unknown time zone {:?}; use an IANA name such as Asia/Shanghai",
                    self.timezone
                ),
            );
        }
        if self.pool_size == 0 {
            say(true, "HUIYING_POOL_SIZE", "must be at least 1".into());
        }
        match &self.smtp_url {
            Some(url) if !(url.starts_with("smtp://") || url.starts_with("smtps://")) => say(
                true,
                "HUIYING_SMTP_URL",
                "must start with smtp:// or smtps://".into(),
            ),
            Some(url)
                if url
                    .split_once("://")
                    .is_none_or(|(_, rest)| rest.trim_matches('/').is_empty()) =>
            {
                say(true, "HUIYING_SMTP_URL", "names no server".into())
            }
            None if production => say(
                true,
                "HUIYING_SMTP_URL",
                "not set: in production mail must go to a real SMTP server, not to files".into(),
            ),
            _ => {}
        }
        if self.mail_from.parse::<lettre::message::Mailbox>().is_err() {
            say(
                true,
                "HUIYING_MAIL_FROM",
                format!(
                    "{:?} is not a mail address (such as 回应 <noreply@example.gov.cn>)",
                    self.mail_from
                ),
            );
        }
        match &self.public_url {
            Some(url) if !(url.starts_with("http://") || url.starts_with("https://")) => say(
                true,
                "HUIYING_PUBLIC_URL",
                "must start with https:// (or http://)".into(),
            ),
            Some(url) if production && url.starts_with("http://") => say(
                true,
                "HUIYING_PUBLIC_URL",
                "in production residents must reach the portal over https://".into(),
            ),
            None if production => say(
                true,
                "HUIYING_PUBLIC_URL",
                "not set: links in mail would point at the bind address".into(),
            ),
            _ => {}
        }
        let behind_tls = self
            .public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"));
        if !self.secure_cookies && (production || behind_tls) {
            say(
                production,
                "HUIYING_SECURE_COOKIES",
                "false while the portal is served over TLS: session cookies would also travel over plain HTTP".into(),
            );
        }
        for (setting, key, min) in [
            ("HUIYING_SESSION_KEY", &self.session_key, 64),
            ("HUIYING_AUDIT_KEY", &self.audit_key, 32),
        ] {
            if let Some(key) = key {
                match STANDARD.decode(key.trim()) {
                    Err(e) => say(true, setting, format!("not base64: {e}")),
                    Ok(bytes) if bytes.len() < min => say(
                        true,
                        setting,
                        format!("{} bytes; at least {min} are needed", bytes.len()),
                    ),
                    Ok(_) => {}
                }
            }
        }
        if production && self.filing_limit_per_hour == 0 {
            say(
                false,
                "HUIYING_FILING_LIMIT_PER_HOUR",
                "0: anyone may file without limit".into(),
            );
        }
        found.sort_by_key(|p| !p.error);
        found
    }
}

/// A secret key: the configured base64, or the one kept in `data_dir/file`, made of
/// `min` random bytes on first use (readable by the owner only).
fn key_bytes(configured: Option<&str>, data_dir: &Path, file: &str, min: usize) -> Result<Vec<u8>, String> {
    let decode = |text: &str| -> Result<Vec<u8>, String> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|e| format!("not base64: {e}"))?;
        if bytes.len() < min {
            return Err(format!("{} bytes; at least {min} are needed", bytes.len()));
        }
        Ok(bytes)
    };
    if let Some(key) = configured {
        return decode(key);
    }
    let path = data_dir.join(file);
    match std::fs::read_to_string(&path) {
        Ok(text) => decode(&text),
        Err(_) => {
            let mut bytes = vec![0u8; min];
            rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
            std::fs::create_dir_all(data_dir)
                .and_then(|()| write_private(&path, STANDARD.encode(&bytes).as_bytes()))
                .map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(bytes)
        }
    }
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents)
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_documentation() {
        let s = Settings::default();
        assert_eq!(s.bind, "127.0.0.1:8080");
        assert_eq!(s.database_url(), "sqlite://data/huiying.db");
        assert_eq!(s.tz().expect("valid"), chrono_tz::Asia::Shanghai);
    }

    #[test]
    fn the_session_key_is_created_once_and_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Settings {
            data_dir: dir.path().to_path_buf(),
            ..Settings::default()
        };
        let first = s.session_key_bytes().expect("created");
        assert_eq!(first.len(), 64);
        assert_eq!(s.session_key_bytes().expect("read"), first);
        let short = Settings {
            session_key: Some(STANDARD.encode([1u8; 16])),
            ..Settings::default()
        };
        assert!(short.session_key_bytes().is_err());
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let s = Settings {
            session_key: Some("c2VjcmV0".into()),
            database_url: Some("postgres://user:hunter2@db/huiying".into()),
            ..Settings::default()
        };
        let with_smtp = Settings {
            smtp_url: Some("smtps://mailer:s3cret@smtp.example:465".into()),
            ..s.clone()
        };
        let text = format!("{s:?} {with_smtp:?}");
        assert!(
            !text.contains("c2VjcmV0") && !text.contains("hunter2") && !text.contains("s3cret"),
            "{text}"
        );
    }
}

#[cfg(test)]
mod check_tests {
    use super::*;

    fn errors(s: &Settings) -> Vec<&'static str> {
        s.problems()
            .into_iter()
            .filter(|p| p.error)
            .map(|p| p.setting)
            .collect()
    }

    #[test]
    fn the_defaults_are_fine_for_development() {
        assert_eq!(Settings::default().problems(), vec![]);
    }

    #[test]
    fn production_needs_smtp_tls_and_a_public_address() {
        let s = Settings {
            env: "production".into(),
            ..Settings::default()
        };
        assert_eq!(
            errors(&s),
            ["HUIYING_SMTP_URL", "HUIYING_PUBLIC_URL", "HUIYING_SECURE_COOKIES"]
        );
        let ready = Settings {
            env: "production".into(),
            smtp_url: Some("smtps://portal:secret@mail.example.gov.cn:465".into()),
            public_url: Some("https://huiying.example.gov.cn".into()),
            secure_cookies: true,
            ..Settings::default()
        };
        assert_eq!(errors(&ready), Vec::<&str>::new());
    }

    #[test]
    fn bad_values_are_named_with_what_to_do() {
        let s = Settings {
            bind: "8080".into(),
            database_url: Some("mysql://db".into()),
            smtp_url: Some("mail.example.cn".into()),
            public_url: Some("huiying.example.cn".into()),
            timezone: "China".into(),
            mail_from: "not an address".into(),
            session_key: Some("短".into()),
            ..Settings::default()
        };
        let found = s.problems();
        let names: Vec<_> = found.iter().map(|p| p.setting).collect();
        for expected in [
            "HUIYING_BIND",
            "DATABASE_URL",
            "HUIYING_SMTP_URL",
            "HUIYING_PUBLIC_URL",
            "HUIYING_TIMEZONE",
            "HUIYING_MAIL_FROM",
            "HUIYING_SESSION_KEY",
        ] {
            assert!(names.contains(&expected), "{expected} in {found:?}");
        }
        assert!(found.iter().all(|p| !p.message.is_empty()));
    }

    #[test]
    fn insecure_cookies_behind_tls_are_a_warning_outside_production() {
        let s = Settings {
            public_url: Some("https://huiying.example.gov.cn".into()),
            ..Settings::default()
        };
        let found = s.problems();
        assert_eq!(found.len(), 1);
        assert!(!found[0].error);
        assert_eq!(found[0].setting, "HUIYING_SECURE_COOKIES");
    }
}
