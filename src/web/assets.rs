//! Static files, compiled into the binary so the one executable is the whole portal.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use std::sync::LazyLock;

use actix_web::{HttpResponse, get, web};
use sha2::{Digest, Sha256};

const FILES: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/app.js"),
    ),
    (
        "card.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/card.css"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../../static/favicon.svg"),
    ),
];

/// Each file's address with its content's digest, so browsers may keep it for a year and
/// still fetch the new one the moment a release changes it.
static VERSIONED: LazyLock<Vec<(&'static str, String)>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|(name, _, bytes)| {
            let digest = crate::domain::timeline::hex(&Sha256::digest(bytes));
            (*name, format!("/static/{name}?v={}", &digest[..12]))
        })
        .collect()
});

/// The address pages link `name` by.
pub fn url(name: &str) -> &'static str {
    VERSIONED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, url)| url.as_str())
        .unwrap_or("/static/missing")
}

#[derive(serde::Deserialize)]
pub struct Version {
    v: Option<String>,
}

#[get("/static/{name}")]
pub async fn asset(name: web::Path<String>, query: web::Query<Version>) -> HttpResponse {
    match FILES.iter().find(|(n, _, _)| *n == name.as_str()) {
        Some((name, content_type, bytes)) => {
            // Only the current version is immutable; an old or missing one is re-checked soon.
            let current = query
                .v
                .as_deref()
                .is_some_and(|v| url(name).ends_with(&format!("?v={v}")));
            let cache = if current {
                "public, max-age=31536000, immutable"
            } else {
                "public, max-age=300"
            };
            HttpResponse::Ok()
                .insert_header((CONTENT_TYPE, *content_type))
                .insert_header((CACHE_CONTROL, cache))
                .body(*bytes)
        }
        None => HttpResponse::NotFound().finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The CSS variable `name`'s colour as (r, g, b).
    fn colour(css: &str, name: &str) -> [f64; 3] {
        let start = css.find(&format!("--{name}: #")).expect("variable") + name.len() + 5;
        let hex = &css[start..start + 6];
        [0, 2, 4].map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex") as f64 / 255.0)
    }

    fn luminance(c: [f64; 3]) -> f64 {
        let l = c.map(|x| {
            if x <= 0.03928 {
                x / 12.92
            } else {
                ((x + 0.055) / 1.055).powf(2.4)
            }
        });
        0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2]
    }

    /// WCAG 1.4.11: the edges of buttons and inputs stand out 3:1 from what is around them.
    #[test]
    fn controls_have_three_to_one_contrast() {
        let css = std::str::from_utf8(FILES[0].2).expect("utf-8");
        let control = luminance(colour(css, "control"));
        for background in ["paper", "wash"] {
            let bg = luminance(colour(css, background));
            let ratio = (bg.max(control) + 0.05) / (bg.min(control) + 0.05);
            assert!(ratio >= 3.0, "control on {background}: {ratio:.2}");
        }
        assert!(
            !css.contains("border: 1px solid #9aa5ae"),
            "inputs use the control colour"
        );
    }

    #[test]
    fn every_file_has_a_versioned_address() {
        for (name, _, _) in FILES {
            let address = url(name);
            assert!(address.starts_with(&format!("/static/{name}?v=")), "{address}");
            assert_eq!(address.len(), format!("/static/{name}?v=").len() + 12);
        }
        assert_eq!(url("nothing.css"), "/static/missing");
    }
}

/// Browsers ask for `/favicon.ico` whatever the page says: send them to the icon.
#[get("/favicon.ico")]
pub async fn favicon() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((actix_web::http::header::LOCATION, url("favicon.svg")))
        .finish()
}
