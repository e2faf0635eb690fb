//! The reader's language: the `lang` cookie (set by the switch on every page), else the
//! browser's Accept-Language, else Simplified Chinese.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header::ACCEPT_LANGUAGE;
use actix_web::{FromRequest, HttpRequest};

use crate::domain::locale::Locale;
use crate::i18n::Tr;

pub const LANG_COOKIE: &str = "lang";

pub fn locale_of(req: &HttpRequest) -> Locale {
    if let Some(locale) = req.cookie(LANG_COOKIE).and_then(|c| Locale::from_tag(c.value())) {
        return locale;
    }
    req.headers()
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Locale::from_accept_language)
        .unwrap_or_default()
}

/// Extractor for the reader's language.
#[derive(Debug, Clone, Copy)]
pub struct Lang(pub Locale);

impl Lang {
    pub fn tr(self) -> Tr {
        Tr(self.0)
    }
}

impl FromRequest for Lang {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Lang(locale_of(req))))
    }
}
