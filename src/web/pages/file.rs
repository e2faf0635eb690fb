//! The complaint form. A rejected submission comes back with every value the resident
//! typed and each problem next to its field.

use std::collections::BTreeMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::http::header::{LOCATION, RETRY_AFTER};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::{PageCtx, encode, html};
use crate::domain::case::Channel;
use crate::domain::catalog::Catalog;
use crate::domain::field_error::FieldErrors;
use crate::domain::new_case::{CaseInput, Description, NewCase, ResidentInput, Title};
use crate::web::App;
use crate::web::error::{AppError, Localize, PageError, field_messages};
use crate::web::forms::Posted;
use crate::web::pages::file_choices::{area_groups, category_groups};
pub use crate::web::pages::file_suggest::{Suggested, suggestion_step};

/// The form as posted; checkboxes are present only when ticked.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FileForm {
    pub csrf: String,
    pub category: String,
    pub area: String,
    pub title: String,
    pub description: String,
    pub address: String,
    pub resident_name: String,
    pub resident_phone: String,
    pub resident_email: String,
    pub confidential: Option<String>,
    pub publish_consent: Option<String>,
    /// How the complaint came in, when the intake office records it.
    pub channel: String,
    /// When the call, letter or visit came in (`datetime-local`), when recorded later.
    pub contacted_at: String,
    /// The hidden trap field: only a program fills it in.
    pub website: String,
    /// For reports about officials: the department concerned.
    pub concerned_department: String,
    /// Set once the resident has seen the similar cases and still wants to file.
    pub checked_similar: String,
    /// `suggest`: not filing yet, only asking which category the description fits.
    pub step: String,
}
crate::web::forms::csrf_field!(FileForm);

impl FileForm {
    pub fn to_input(&self) -> CaseInput {
        CaseInput {
            category: self.category.clone(),
            area: self.area.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            address: Some(self.address.clone()),
            lat: None,
            long: None,
            resident: ResidentInput {
                name: self.resident_name.clone(),
                phone: Some(self.resident_phone.clone()),
                email: Some(self.resident_email.clone()),
            },
            confidential: self.confidential.is_some(),
            publish_consent: self.publish_consent.is_some(),
            concerned_department: Some(self.concerned_department.clone()),
        }
    }
}

pub struct Opt {
    pub code: String,
    pub name: String,
    pub selected: bool,
}

/// What the form shows besides its fields.
#[derive(Default)]
pub struct Extras {
    /// Channel choices (for the intake office recording a call, letter or visit).
    pub channels: Vec<Opt>,
    /// Categories suggested by the description, most likely first.
    pub suggested: Vec<Suggested>,
}

pub struct OptGroup {
    pub label: String,
    pub options: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "file.html")]
struct FilePage {
    page: PageCtx,
    form: FileForm,
    /// Messages by form field name.
    errors: BTreeMap<String, String>,
    /// No category, area or intake office yet: the portal says it is being set up.
    setting_up: bool,
    categories: Vec<OptGroup>,
    areas: Vec<OptGroup>,
    urgent: Vec<String>,
    title_max: u64,
    description_max: u64,
    /// Where the form posts.
    action: String,
    /// Channel choices (for the intake office recording a call, letter or visit).
    channels: Vec<Opt>,
    /// Categories that are reports about officials, by name.
    reports: Vec<String>,
    /// The codes of urgent categories and of reports about officials.
    urgent_codes: Vec<String>,
    report_codes: Vec<String>,
    description_min: u64,
    /// Departments a report may concern.
    departments: Vec<Opt>,
    suggested: Vec<Suggested>,
}

/// A similar open case, as the form lists it.
pub struct SimilarLine {
    pub number: String,
    pub title: String,
    pub state: String,
    pub supports: i64,
}

impl FilePage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    /// The form speaks to the intake clerk recording a call, letter or visit (it has
    /// channels to choose): `clerk.file_heading` for `file.heading`, and so on.
    fn say(&self, key: &str) -> &'static str {
        if self.channels.is_empty() {
            self.page.t(key)
        } else {
            self.page.t(&format!("clerk.{}", key.replace('.', "_")))
        }
    }

    /// The description's hint, in the clerk's words on the clerk's form.
    fn hint_key(&self) -> &'static str {
        if self.channels.is_empty() {
            "file.description_hint"
        } else {
            "clerk.file_description_hint"
        }
    }

    /// The browser offers the resident their own details; the clerk's would be wrong.
    fn autocomplete(&self, kind: &'static str) -> &'static str {
        if self.channels.is_empty() { kind } else { "off" }
    }

    fn is_urgent(&self, code: &str) -> bool {
        self.urgent_codes.iter().any(|c| c == code)
    }

    fn is_report(&self, code: &str) -> bool {
        self.report_codes.iter().any(|c| c == code)
    }

    fn suggested_names(&self) -> String {
        let names: Vec<&str> = self.suggested.iter().map(|s| s.name.as_str()).collect();
        self.page.tr.list(&names)
    }
}

fn render(
    page: PageCtx,
    catalog: &Catalog,
    form: FileForm,
    errors: BTreeMap<String, String>,
    status: StatusCode,
) -> HttpResponse {
    render_form(
        page,
        catalog,
        form,
        errors,
        status,
        "/cases/new",
        Extras::default(),
    )
}

/// The complaint form, posting to `action`, with channel choices when given.
pub fn render_form(
    page: PageCtx,
    catalog: &Catalog,
    form: FileForm,
    errors: BTreeMap<String, String>,
    status: StatusCode,
    action: &str,
    Extras { channels, suggested }: Extras,
) -> HttpResponse {
    let locale = page.locale();
    let whole = page.t("file.area_whole");
    let view = FilePage {
        setting_up: !catalog.is_set_up(),
        categories: category_groups(catalog, locale, &form.category),
        areas: area_groups(catalog, locale, &form.area, whole),
        urgent: catalog
            .categories
            .iter()
            .filter(|c| c.urgent)
            .map(|c| c.names.get(locale).to_string())
            .collect(),
        urgent_codes: catalog
            .categories
            .iter()
            .filter(|c| c.urgent)
            .map(|c| c.code.clone())
            .collect(),
        report_codes: catalog
            .categories
            .iter()
            .filter(|c| c.supervisor.is_some())
            .map(|c| c.code.clone())
            .collect(),
        description_min: Description::MIN_CHARS,
        title_max: Title::MAX_CHARS,
        description_max: Description::MAX_CHARS,
        action: action.to_string(),
        suggested,
        channels,
        reports: catalog
            .categories
            .iter()
            .filter(|c| c.supervisor.is_some())
            .map(|c| c.names.get(locale).to_string())
            .collect(),
        departments: catalog
            .departments
            .iter()
            .filter(|d| d.active)
            .map(|d| Opt {
                code: d.code.clone(),
                name: d.names.get(locale).to_string(),
                selected: d.code == form.concerned_department,
            })
            .collect(),
        page,
        form,
        errors,
    };
    html(status, view.render())
}

#[derive(Deserialize)]
pub struct Prefill {
    category: Option<String>,
    area: Option<String>,
}

#[get("/cases/new")]
pub async fn new_case_form(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    prefill: web::Query<Prefill>,
) -> HttpResponse {
    let page = PageCtx::new(&req, &session);
    let form = FileForm {
        category: prefill.category.clone().unwrap_or_default(),
        area: prefill.area.clone().unwrap_or_default(),
        // A signed-in resident's address, so the case joins their account's list.
        resident_email: page.resident.clone().unwrap_or_default(),
        ..FileForm::default()
    };
    render(page, &state.catalog(), form, BTreeMap::new(), StatusCode::OK)
}

#[post("/cases/new")]
pub async fn submit_case(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    posted: Posted<FileForm>,
) -> Result<HttpResponse, PageError> {
    let (form, fresh) = posted.into_parts();
    let catalog = state.catalog();
    let page = PageCtx::new(&req, &session);
    let locale = page.locale();

    // An expired or missing session: keep what they typed and ask them to send it again.
    if !fresh {
        let errors = BTreeMap::from([("form".to_string(), page.t("err.csrf").to_string())]);
        return Ok(render(page, &catalog, form, errors, StatusCode::FORBIDDEN));
    }
    if !form.website.trim().is_empty() {
        metrics::counter!("filings_refused_total", "reason" => "trap").increment(1);
        let errors = BTreeMap::from([("form".to_string(), page.t("err.trap").to_string())]);
        return Ok(render(
            page,
            &catalog,
            form,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    // Back from the similar-cases step to change what was written.
    if form.step == "edit" {
        let form = FileForm {
            step: String::new(),
            ..form
        };
        return Ok(render(page, &catalog, form, BTreeMap::new(), StatusCode::OK));
    }
    if form.asks_for_suggestions() {
        return suggestion_step(&state, page, &catalog, form, "/cases/new", Vec::new()).await;
    }
    let case = match NewCase::parse(&form.to_input(), &catalog, locale, Channel::Web) {
        Ok(case) => case,
        Err(errors) => {
            let messages = form_messages(&page, &errors);
            return Ok(render(
                page,
                &catalog,
                form,
                messages,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
    };
    let options = crate::web::client::filing_options(&state, &session);
    if let Err(errors) = options.check(&case) {
        let messages = form_messages(&page, &errors);
        return Ok(render(
            page,
            &catalog,
            form,
            messages,
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    // Once, before filing: the same problem may already be open, to support instead.
    if form.checked_similar.is_empty() {
        let (category, area) = (case.category.clone(), case.area.clone());
        let text = format!("{} {}", case.title.as_str(), case.description.as_str());
        let found = crate::service::similar::like(&state, category, area, text)
            .await
            .page(locale)?;
        if !found.is_empty() {
            let similar = found
                .into_iter()
                .map(|c| SimilarLine {
                    state: crate::format::state_name(page.tr, c.state).to_string(),
                    number: c.tracking_number,
                    title: c.title,
                    supports: c.supports,
                })
                .collect();
            return Ok(super::file_similar::similar_step(
                page,
                form,
                similar,
                "/cases/new",
            ));
        }
    }
    if let Err(refused) = crate::web::client::count_filing(&state, &req) {
        let errors = BTreeMap::from([("form".to_string(), refused.message(page.tr))]);
        let mut response = render(page, &catalog, form, errors, refused.status());
        if let AppError::TooManyRequests { retry_after_secs, .. } = refused
            && let Ok(value) = retry_after_secs.to_string().parse()
        {
            response.headers_mut().insert(RETRY_AFTER, value);
        }
        return Ok(response);
    }
    let filed = crate::service::file_case::file(&state, case, options)
        .await
        .page(locale)?;
    metrics::counter!("cases_filed_total", "channel" => "web").increment(1);
    Ok(HttpResponse::SeeOther()
        .insert_header((
            LOCATION,
            format!(
                "/cases/{}/receipt?token={}",
                filed.tracking_number,
                encode(&filed.access_token)
            ),
        ))
        .finish())
}

/// Field paths (`resident.name`) become form field names (`resident_name`); a summary
/// entry says how many fields need attention.
pub fn form_messages(page: &PageCtx, errors: &FieldErrors) -> BTreeMap<String, String> {
    let mut messages: BTreeMap<String, String> = field_messages(page.tr, errors)
        .into_iter()
        .map(|(field, message)| (field.replace('.', "_"), message))
        .collect();
    let count = messages.len().to_string();
    // "1 field needs attention", "2 fields need attention".
    let key = if messages.len() == 1 {
        "err.summary_one"
    } else {
        "err.summary"
    };
    messages.insert("form".into(), page.f(key, &[("count", &count)]));
    messages
}
