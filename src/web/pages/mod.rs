//! Server-rendered pages. Every task works without JavaScript.

pub mod about;
pub mod account;
pub mod admin;
pub mod board;
pub mod case;
pub mod directory;
pub mod error_summary;
pub mod figures;
pub mod file;
pub mod file_choices;
pub mod file_similar;
pub mod file_suggest;
pub mod home;
pub mod lang;
pub mod leader;
pub mod ledger;
pub mod liaison;
pub mod links;
pub mod staff;
pub mod track;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::BODY_LIMIT;
use super::error::{AppError, for_request};
use super::locale::locale_of;
use crate::domain::locale::Locale;
use crate::domain::permissions::{Duty, may};
use crate::i18n::Tr;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(home::index)
        .service(about::help)
        .service(about::privacy)
        .service(about::contact)
        .service(about::accessibility)
        .service(directory::directory)
        .service(directory::card)
        .service(directory::channels)
        .service(figures::figures)
        .service(board::board)
        .service(board::feed)
        .service(lang::switch)
        .service(file::new_case_form)
        .service(file::submit_case)
        .service(track::track)
        .service(track::open_with_code)
        .service(case::receipt)
        .service(links::case_data)
        .service(case::attachment)
        .service(case::add_attachments)
        .service(case::book_or_cancel)
        .service(case::show)
        .service(case::resident_act)
        .service(links::support)
        .service(links::open_support_link)
        .service(links::use_support_link)
        .service(links::open_stop_link)
        .service(links::use_stop_link)
        .service(links::open_filing_link)
        .service(links::use_filing_link)
        .service(links::account_data)
        .service(leader::public_days)
        .service(leader::dashboard)
        .service(leader::create_day)
        .service(leader::day)
        .service(leader::cancel_day)
        .service(leader::meeting)
        .service(leader::supervise)
        .service(leader::monthly)
        .service(leader::register)
        .service(ledger::download)
        .service(ledger::page)
        .service(liaison::desk)
        .service(liaison::visit_form)
        .service(liaison::record_visit)
        .service(liaison::visits)
        .service(liaison::export)
        .service(account::show)
        .service(account::request_link)
        .service(account::open_link)
        .service(account::use_link)
        .service(account::sign_out)
        .service(account::link_case)
        .service(staff::login_form)
        .service(staff::login)
        .service(staff::logout)
        .service(staff::queue)
        .service(staff::case_page)
        .service(staff::show_identity)
        .service(staff::attachment)
        .service(staff::act_on_case)
        .service(staff::add_agreement)
        .service(staff::password_form)
        .service(staff::change_password)
        .service(staff::record_form)
        .service(staff::recorded)
        .service(staff::record)
        .service(staff::templates_list)
        .service(staff::create_template)
        .service(staff::delete_template)
        .service(admin::home::home)
        .service(admin::accounts::users)
        .service(admin::accounts::new_user_form)
        .service(admin::accounts::create_user)
        .service(admin::accounts::edit_user_form)
        .service(admin::accounts::update_user)
        .service(admin::deadlines::deadlines)
        .service(admin::deadlines::deadline_form)
        .service(admin::deadlines::save_deadline)
        .service(admin::apikeys::list)
        .service(admin::apikeys::issue)
        .service(admin::apikeys::revoke)
        .service(admin::catalog::overview)
        .service(admin::catalog::rule)
        .service(admin::catalog::move_cases)
        .service(admin::catalog::export)
        .service(admin::catalog_files::import_catalog)
        .service(admin::catalog_files::import_areas)
        .service(admin::entries::list)
        .service(admin::entries::save)
        .service(admin::calendar::show_calendar)
        .service(admin::calendar::import_calendar)
        .service(admin::mail::mail)
        .service(admin::mail::retry_mail)
        .service(admin::routing::routing)
        .service(admin::routing::change_routing)
        .default_service(web::to(super::error::not_found));
}

/// Form bodies: size-limited; a broken one gets a page that says so.
pub fn form_config() -> web::FormConfig {
    web::FormConfig::default()
        .limit(BODY_LIMIT)
        .error_handler(|err, req| {
            let error = match err {
                actix_web::error::UrlencodedError::Overflow { .. } => AppError::PayloadTooLarge,
                actix_web::error::UrlencodedError::ContentType => AppError::UnsupportedMediaType,
                other => AppError::BadRequest(other.to_string()),
            };
            for_request(req, error)
        })
}

/// The signed-in member of staff, as the layout shows them.
#[derive(Debug, Clone)]
pub struct Badge {
    pub name: String,
    pub role: String,
    pub is_admin: bool,
    pub is_intake: bool,
    pub is_leader: bool,
    pub is_liaison: bool,
}

/// What the layout needs on every page.
#[derive(Debug, Clone)]
pub struct PageCtx {
    pub tr: Tr,
    /// This page's path and query, for the language switch to come back to.
    pub here: String,
    pub csrf: String,
    pub user: Option<Badge>,
    /// The signed-in resident's address.
    pub resident: Option<String>,
    /// A page with wide tables (the monthly review) lays out wider.
    pub wide: bool,
    /// Who runs the site and its record numbers, from the settings, for the footer.
    pub operator: Option<String>,
    pub records: Vec<String>,
}

impl PageCtx {
    /// A static file's versioned address.
    pub fn static_url(&self, name: &str) -> &'static str {
        crate::web::assets::url(name)
    }

    pub fn new(req: &HttpRequest, session: &Session) -> Self {
        let here = match req.query_string() {
            "" => req.path().to_string(),
            q => format!("{}?{q}", req.path()),
        };
        let settings = req
            .app_data::<actix_web::web::Data<super::App>>()
            .map(|app| app.settings.clone());
        let operator = settings.as_ref().and_then(|s| s.site_operator.clone());
        let records = settings
            .as_ref()
            .and_then(|s| s.site_records.as_deref())
            .map(|r| {
                r.split(';')
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        PageCtx {
            tr: Tr(locale_of(req)),
            here,
            csrf: super::csrf::token(session),
            user: None,
            resident: super::resident::signed_in(session).map(|a| a.email),
            wide: false,
            operator,
            records,
        }
    }

    /// The context of a staff page.
    pub fn staff(req: &HttpRequest, session: &Session, user: &crate::service::auth::StaffUser) -> Self {
        let mut page = Self::new(req, session);
        page.user = Some(Badge {
            name: user.display_name.clone(),
            role: page.tr.t(&format!("role.{}", user.role.as_str())).to_string(),
            is_admin: may(user.role, Duty::Administer),
            is_intake: may(user.role, Duty::RecordOnBehalf),
            is_leader: may(user.role, Duty::ReceiveResidents),
            is_liaison: may(user.role, Duty::Visit),
        });
        page.wide = true;
        page
    }

    /// For error pages, which have no session at hand.
    pub fn bare(tr: Tr) -> Self {
        PageCtx {
            tr,
            here: "/".into(),
            csrf: String::new(),
            user: None,
            resident: None,
            wide: false,
            operator: None,
            records: Vec::new(),
        }
    }

    pub fn t(&self, key: &str) -> &'static str {
        self.tr.t(key)
    }

    pub fn f(&self, key: &str, params: &[(&str, &str)]) -> String {
        self.tr.f(key, params)
    }

    /// A message with one parameter, for templates.
    pub fn f1(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        self.tr.f(key, &[(name, &value.to_string())])
    }

    pub fn lang(&self) -> &'static str {
        self.tr.lang()
    }

    pub fn locale(&self) -> Locale {
        self.tr.locale()
    }

    pub fn other_lang(&self) -> &'static str {
        match self.tr.locale() {
            Locale::ZhCn => "en",
            Locale::En => "zh-CN",
        }
    }

    /// The language switch link: sets the cookie and comes back here.
    pub fn switch_url(&self) -> String {
        format!("/lang?to={}&next={}", self.other_lang(), encode(&self.here))
    }
}

/// A page that answers an error: its status, and `Retry-After` when the error says when.
pub fn error_page(error: &super::error::AppError, rendered: Result<String, askama::Error>) -> HttpResponse {
    let mut response = html(error.status(), rendered);
    if let Some(secs) = error.retry_after()
        && let Ok(value) = actix_web::http::header::HeaderValue::from_str(&secs.to_string())
    {
        response
            .headers_mut()
            .insert(actix_web::http::header::RETRY_AFTER, value);
    }
    response
}

pub fn html(status: StatusCode, rendered: Result<String, askama::Error>) -> HttpResponse {
    match rendered {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "template failed to render");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("500 Internal Server Error")
        }
    }
}

pub use crate::format::encode;

/// Sends the browser on to `location` after a form was taken.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location))
        .finish()
}
