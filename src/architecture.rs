//! The layering of DESIGN.md, checked on the source: data flows down, never back up.
//! `web` and `jobs` reach the database only through services; nothing below `web`
//! imports it.

use std::path::{Path, PathBuf};

fn sources(dir: &str) -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                out.push((path, text));
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir),
        &mut out,
    );
    out
}

/// Lines of `dir` that mention any of `needles`, as `path:line: text`.
fn mentions(dir: &str, needles: &[&str], allowed: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (path, text) in sources(dir) {
        let shown = path.to_string_lossy().replace('\\', "/");
        let shown = shown.split("/src/").last().unwrap_or_default().to_string();
        if allowed.iter().any(|a| shown == *a) {
            continue;
        }
        for (n, line) in text.lines().enumerate() {
            if needles.iter().any(|needle| line.contains(needle)) {
                found.push(format!("src/{shown}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn nothing_below_the_web_layer_imports_it() {
    for dir in ["service", "jobs", "notify", "domain", "app", "db"] {
        let found = mentions(dir, &["crate::web", "actix_web", "actix_session"], &[]);
        assert!(found.is_empty(), "{dir} reaches up:\n{}", found.join("\n"));
    }
}

#[test]
fn the_web_layer_reaches_the_database_only_through_services() {
    let found = mentions("web", &["crate::db", "diesel", ".db.", "state.db", "app.db"], &[]);
    let multi_line: Vec<String> = sources("web")
        .into_iter()
        .flat_map(|(path, text)| {
            text.lines()
                .enumerate()
                .filter(|(_, l)| l.trim() == ".db")
                .map(|(n, _)| format!("{}:{}", path.display(), n + 1))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        found.is_empty() && multi_line.is_empty(),
        "the web layer opens transactions:\n{}\n{}",
        found.join("\n"),
        multi_line.join("\n")
    );
}

#[test]
fn jobs_work_through_services() {
    let found = mentions("jobs", &["crate::db", "DbConn", ".run(", ".write("], &[]);
    assert!(found.is_empty(), "jobs reach the database:\n{}", found.join("\n"));
}

#[test]
fn only_the_db_layer_speaks_diesel() {
    for dir in ["web", "jobs", "notify", "domain", "app"] {
        let found = mentions(dir, &["diesel::", "use diesel"], &[]);
        assert!(found.is_empty(), "{dir} speaks diesel:\n{}", found.join("\n"));
    }
}

/// Page modules stay small enough to read in one sitting: one audience, one task.
#[test]
fn page_modules_are_split_by_task() {
    let long: Vec<String> = sources("web/pages")
        .into_iter()
        .filter(|(_, text)| text.lines().count() > 420)
        .map(|(path, text)| format!("{}: {} lines", path.display(), text.lines().count()))
        .collect();
    assert!(long.is_empty(), "page modules to split:\n{}", long.join("\n"));
}

/// Checks a CSRF token only through `web::forms` (one status for a stale form) or, for
/// multipart uploads whose token is in the body, `web::csrf` directly.
#[test]
fn forms_check_csrf_through_one_extractor() {
    let found = mentions(
        "web/pages",
        &["csrf::verify"],
        &[
            "web/pages/case/files.rs",
            "web/pages/admin/catalog_files.rs",
            "web/pages/staff/agreement.rs",
        ],
    );
    assert!(
        found.is_empty(),
        "forms that check CSRF by hand:\n{}",
        found.join("\n")
    );
}

/// Who may do what is decided in `domain` and enforced in `service`; pages ask, they do
/// not compare roles themselves.
#[test]
fn pages_do_not_decide_permissions_by_role() {
    let found = mentions(
        "web",
        &["role == Role::", "matches!(role", "matches!(user.role"],
        &[],
    );
    assert!(
        found.is_empty(),
        "role checks in the web layer:\n{}",
        found.join("\n")
    );
}

/// Pages share parsers and downloads with the API through their own modules
/// (`web::query`, `web::exports`), not by reaching into the API's handlers.
#[test]
fn pages_do_not_import_the_api() {
    let found = mentions("web/pages", &["web::api::"], &[]);
    assert!(
        found.is_empty(),
        "pages reaching into the API:\n{}",
        found.join("\n")
    );
}

/// The domain and the services describe their shapes for the OpenAPI document only by
/// derives, as they do for serde; building the document is the web layer's business.
#[test]
fn below_the_web_layer_openapi_is_only_derived() {
    for dir in ["domain", "service", "db", "jobs", "notify"] {
        let found: Vec<String> = sources(dir)
            .into_iter()
            .flat_map(|(path, text)| {
                text.lines()
                    .enumerate()
                    .filter(|(_, l)| l.contains("utoipa"))
                    .filter(|(_, l)| {
                        let l = l.trim();
                        !(l.starts_with("#[derive(") || l.starts_with("///") || l.starts_with("//"))
                    })
                    .map(|(n, l)| format!("{}:{}: {}", path.display(), n + 1, l.trim()))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert!(
            found.is_empty(),
            "{dir} builds OpenAPI by hand:\n{}",
            found.join("\n")
        );
    }
}

/// README "Non-goals": the portal records matters residents raise and problems in
/// places, never people as risks. No table column and no field of the API may describe
/// a person as a risk, a suspect or someone to watch.
#[test]
fn no_field_describes_a_person_as_a_risk() {
    const WORDS: &[&str] = &[
        "risk",
        "suspect",
        "watch",
        "threat",
        "danger",
        "blacklist",
        "stability",
        "petitioner_level",
    ];
    let schema = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/db/schema.rs"))
        .unwrap_or_default();
    let columns: Vec<String> = schema
        .lines()
        .filter_map(|l| l.trim().split_once(" -> ").map(|(name, _)| name.to_lowercase()))
        .collect();
    assert!(columns.len() > 100, "the schema was read");
    let document = serde_json::to_value(crate::web::api::doc::document()).unwrap_or_default();
    let mut fields = Vec::new();
    fn walk(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::Object(properties)) = map.get("properties") {
                    out.extend(properties.keys().map(|k| k.to_lowercase()));
                }
                map.values().for_each(|v| walk(v, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    walk(&document, &mut fields);
    assert!(fields.len() > 100, "the API's fields were read");
    let found: Vec<&String> = columns
        .iter()
        .chain(&fields)
        .filter(|name| WORDS.iter().any(|w| name.contains(w)))
        .collect();
    assert!(
        found.is_empty(),
        "fields that would describe people as risks: {found:?}"
    );
}
