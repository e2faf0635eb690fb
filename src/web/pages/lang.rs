//! The language switch: remembers the choice in a cookie and goes back where the reader was.

use actix_web::cookie::time::Duration;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, get, web};
use serde::Deserialize;

use crate::domain::locale::Locale;
use crate::web::locale::LANG_COOKIE;

#[derive(Deserialize)]
pub struct SwitchQuery {
    to: String,
    next: Option<String>,
}

/// Only paths on this site, never `//elsewhere` or `https://…`.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n,
        _ => "/",
    }
}

#[get("/lang")]
pub async fn switch(query: web::Query<SwitchQuery>) -> HttpResponse {
    let locale = Locale::from_tag(&query.to).unwrap_or_default();
    let cookie = Cookie::build(LANG_COOKIE, locale.as_str())
        .path("/")
        .max_age(Duration::days(365))
        .same_site(SameSite::Lax)
        .http_only(true)
        .finish();
    HttpResponse::SeeOther()
        .cookie(cookie)
        .insert_header((LOCATION, safe_next(query.next.as_deref())))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next(Some("/cases/new?x=1")), "/cases/new?x=1");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
