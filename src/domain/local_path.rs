//! Where a page may send the reader back to (`next=`, `back=`): a path on this site, under
//! one of its own sections, and nothing a browser could read as another origin.
//!
//! Browsers drop tabs and newlines from a `Location` and treat `\` as `/`, so
//! `/%09/evil.example` becomes `//evil.example`; a newline in a header is refused by the
//! server after the handler ran. Both are answered by accepting a small alphabet only.

/// The first path segments this site serves pages under.
const SECTIONS: &[&str] = &[
    "account",
    "admin",
    "cases",
    "filings",
    "leader",
    "liaison",
    "reception",
    "reports",
    "staff",
    "supports",
    "track",
];

/// A path and query of our own, safe to put in a `Location` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalPath(String);

impl LocalPath {
    /// The home page.
    pub fn home() -> LocalPath {
        LocalPath("/".into())
    }

    /// `raw` (already percent-decoded once, as query values are) if it is a path of ours:
    /// starts with `/` and one of our sections, and holds only printable ASCII other than
    /// `\`, so no tab, newline, space or control character, and no `//` anywhere in the path.
    pub fn parse(raw: &str) -> Option<LocalPath> {
        if raw.len() > 2048 || !raw.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') {
            return None;
        }
        let (path, _query) = raw.split_once(['?', '#']).map_or((raw, ""), |(p, q)| (p, q));
        let rest = path.strip_prefix('/')?;
        if rest.is_empty() {
            return Some(LocalPath(raw.into()));
        }
        if path.contains("//") || path.split('/').any(|s| s == "..") {
            return None;
        }
        let section = rest.split('/').next().unwrap_or_default();
        SECTIONS.contains(&section).then(|| LocalPath(raw.into()))
    }

    /// The first acceptable of `raw`, else `fallback`.
    pub fn parse_or(raw: Option<&str>, fallback: &str) -> LocalPath {
        raw.and_then(LocalPath::parse)
            .or_else(|| LocalPath::parse(fallback))
            .unwrap_or_else(LocalPath::home)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::LocalPath;

    fn ok(raw: &str) -> bool {
        LocalPath::parse(raw).is_some()
    }

    #[test]
    fn every_roles_home_is_a_place_to_be_sent_back_to() {
        for role in crate::domain::case::Role::ALL {
            let home = crate::domain::permissions::home(*role);
            assert!(ok(home), "{home}");
        }
    }

    #[test]
    fn our_own_pages_are_accepted_with_their_queries() {
        assert!(ok("/"));
        assert!(ok("/staff"));
        assert!(ok("/staff/cases/LJ-2026-000123-7?tab=timeline"));
        assert!(ok("/cases/new?category=noise&area=LJ-CG-DM"));
        assert!(ok("/cases/LJ-2026-000001-3#attachments"));
        assert!(ok("/?lang=en"));
        assert!(ok("/leader/days/3"));
    }

    #[test]
    fn other_origins_and_tricks_are_refused() {
        for raw in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "/\t/evil.example/",
            "/\n/evil.example",
            "/staff\r\nSet-Cookie: x=1",
            "/ /evil.example",
            "/staff//evil.example",
            "/unknown/page",
            "/../staff",
            "/staff/../../x",
            "evil.example",
            "",
            "/案件",
            "/staff\u{0}",
        ] {
            assert!(!ok(raw), "{raw:?} accepted");
        }
    }

    #[test]
    fn a_refused_path_falls_back() {
        assert_eq!(LocalPath::parse_or(Some("//x"), "/staff").as_str(), "/staff");
        assert_eq!(LocalPath::parse_or(None, "/staff").as_str(), "/staff");
        assert_eq!(LocalPath::parse_or(Some("/track"), "/staff").as_str(), "/track");
        assert_eq!(LocalPath::parse_or(Some("//x"), "//y").as_str(), "/");
    }

    #[test]
    fn very_long_paths_are_refused() {
        assert!(!ok(&format!("/staff?{}", "a".repeat(3000))));
    }
}
