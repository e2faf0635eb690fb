//! The receipt mail must carry the private link, but a case's access token is stored only
//! as a hash. So the outbox holds the token sealed (AES-256-GCM under the deployment's
//! key, the session key); the worker opens it only to send.

use cookie::{Cookie, CookieJar, Key};

#[derive(Clone)]
pub struct Sealer(Key);

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer([key])")
    }
}

const NAME: &str = "t";

impl Sealer {
    pub fn new(key: Key) -> Self {
        Sealer(key)
    }

    /// A key for tests and tools that never open what they seal.
    pub fn generate() -> Self {
        Sealer(Key::generate())
    }

    pub fn seal(&self, secret: &str) -> String {
        let mut jar = CookieJar::new();
        jar.private_mut(&self.0)
            .add(Cookie::new(NAME, secret.to_string()));
        jar.get(NAME).map(|c| c.value().to_string()).unwrap_or_default()
    }

    /// The secret, or `None` when it was sealed under another key or tampered with.
    pub fn open(&self, sealed: &str) -> Option<String> {
        let mut jar = CookieJar::new();
        jar.add_original(Cookie::new(NAME, sealed.to_string()));
        jar.private(&self.0).get(NAME).map(|c| c.value().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_under_their_key() {
        let sealer = Sealer::generate();
        let sealed = sealer.seal("the-access-token");
        assert!(!sealed.contains("the-access-token"));
        assert_eq!(sealer.open(&sealed).as_deref(), Some("the-access-token"));
        assert_eq!(Sealer::generate().open(&sealed), None);
        assert_eq!(sealer.open("garbage"), None);
    }
}
