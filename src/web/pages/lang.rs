//! The language switch: remembers the choice in a cookie and goes back where the reader was.

use actix_web::cookie::time::Duration;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, get, web};
use serde::Deserialize;

use crate::domain::local_path::LocalPath;
use crate::domain::locale::Locale;
use crate::web::locale::LANG_COOKIE;

#[derive(Deserialize)]
pub struct SwitchQuery {
    to: String,
    next: Option<String>,
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
        .insert_header((LOCATION, LocalPath::parse_or(query.next.as_deref(), "/").as_str()))
        .finish()
}
