//! `/liaison/visit`: a visit recorded on the spot, on a phone. The village, the day, who
//! was met in general terms, what was raised, and each problem as a case for the
//! residents; one more problem is a button away, and nothing typed is lost on a refusal.

use std::collections::BTreeMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::catalog::Catalog;
use crate::domain::new_case::{CaseInput, ResidentInput};
use crate::format::area_path_name;
use crate::service::visits::{self, MAX_CASES, VisitInput};
use crate::web::App;
use crate::web::auth::SignedIn;
use crate::web::error::{Localize, PageError};
use crate::web::forms::{Posted, Refused, csrf_field, shown};
use crate::web::pages::error_summary::ErrorSummary;
use crate::web::pages::file::{Opt, OptGroup};
use crate::web::pages::file_choices::category_groups;
use crate::web::pages::{PageCtx, html, see_other};

/// The fields of a problem, as named in the form after `cases[i].`.
const CASE_FIELDS: [&str; 8] = [
    "category",
    "area",
    "title",
    "description",
    "address",
    "resident.name",
    "resident.phone",
    "publish_consent",
];

/// The form as posted: the visit's fields and each problem's as `cases[i].field`.
#[derive(Debug, Default, Deserialize)]
pub struct VisitForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    fields: BTreeMap<String, String>,
}
csrf_field!(VisitForm);

impl VisitForm {
    fn get(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }

    fn of_case(&self, i: usize, field: &str) -> &str {
        self.get(&format!("cases[{i}].{field}"))
    }

    fn slots(&self) -> usize {
        self.get("slots").parse().unwrap_or(1).clamp(1, MAX_CASES)
    }

    /// A problem with nothing typed in it is no problem.
    fn is_blank(&self, i: usize) -> bool {
        CASE_FIELDS
            .iter()
            .filter(|f| !matches!(**f, "category" | "area" | "publish_consent"))
            .all(|f| self.of_case(i, f).trim().is_empty())
    }

    /// The visit as the service takes it, and for each case sent the slot it came from.
    fn to_input(&self) -> (VisitInput, Vec<usize>) {
        let slots: Vec<usize> = (0..self.slots()).filter(|i| !self.is_blank(*i)).collect();
        let optional = |text: &str| Some(text.to_string()).filter(|t| !t.trim().is_empty());
        let cases = slots
            .iter()
            .map(|&i| CaseInput {
                category: self.of_case(i, "category").to_string(),
                area: self.of_case(i, "area").to_string(),
                title: self.of_case(i, "title").to_string(),
                description: self.of_case(i, "description").to_string(),
                address: optional(self.of_case(i, "address")),
                resident: ResidentInput {
                    name: self.of_case(i, "resident.name").to_string(),
                    phone: optional(self.of_case(i, "resident.phone")),
                    email: None,
                },
                publish_consent: self.of_case(i, "publish_consent") == "true",
                ..CaseInput::default()
            })
            .collect();
        let input = VisitInput {
            area: self.get("area").to_string(),
            date: self.get("date").to_string(),
            met: self.get("met").to_string(),
            notes: self.get("notes").to_string(),
            cases,
        };
        (input, slots)
    }
}

/// A field's element id: `cases[1].resident.name` is `cases-1-resident-name`.
pub fn element_id(name: &str) -> String {
    name.replace("].", "-").replace(['[', '.'], "-")
}

/// Errors named as the service names them (`cases[j]` of the cases sent) renamed to the
/// form's slots.
fn to_slots(errors: BTreeMap<String, String>, slots: &[usize]) -> BTreeMap<String, String> {
    errors
        .into_iter()
        .map(|(field, message)| {
            let renamed = field
                .strip_prefix("cases[")
                .and_then(|rest| rest.split_once(']'))
                .and_then(|(j, rest)| Some(format!("cases[{}]{rest}", slots.get(j.parse::<usize>().ok()?)?)));
            (renamed.unwrap_or(field), message)
        })
        .collect()
}

pub struct Slot {
    pub index: usize,
    pub number: usize,
    pub categories: Vec<OptGroup>,
    pub areas: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "liaison_visit.html")]
struct VisitPage {
    page: PageCtx,
    form: VisitForm,
    areas: Vec<Opt>,
    slots: Vec<Slot>,
    slot_count: usize,
    can_add: bool,
    errors: BTreeMap<String, String>,
    error_summary: Option<ErrorSummary>,
}

impl VisitPage {
    fn v(&self, name: &str) -> &str {
        self.form.get(name)
    }

    fn cv(&self, slot: &Slot, field: &str) -> &str {
        self.form.of_case(slot.index, field)
    }

    fn name(&self, slot: &Slot, field: &str) -> String {
        format!("cases[{}].{field}", slot.index)
    }

    fn id(&self, slot: &Slot, field: &str) -> String {
        element_id(&self.name(slot, field))
    }

    fn error(&self, name: &str) -> Option<&String> {
        self.errors.get(name)
    }

    fn case_error(&self, slot: &Slot, field: &str) -> Option<&String> {
        self.errors.get(&self.name(slot, field))
    }
}

fn area_options(
    catalog: &Catalog,
    locale: crate::domain::locale::Locale,
    reach: &[String],
    selected: &str,
) -> Vec<Opt> {
    reach
        .iter()
        .map(|code| Opt {
            code: code.clone(),
            name: area_path_name(catalog, locale, code),
            selected: code == selected,
        })
        .collect()
}

fn render(
    page: PageCtx,
    state: &App,
    reach: &[String],
    form: VisitForm,
    slot_count: usize,
    errors: BTreeMap<String, String>,
    status: StatusCode,
) -> HttpResponse {
    let catalog = state.catalog();
    let locale = page.locale();
    let reports = catalog.report_categories();
    let slots = (0..slot_count)
        .map(|index| Slot {
            index,
            number: index + 1,
            categories: category_groups(&catalog, locale, form.of_case(index, "category"))
                .into_iter()
                .map(|mut g| {
                    g.options.retain(|o| !reports.contains(&o.code));
                    g
                })
                .filter(|g| !g.options.is_empty())
                .collect(),
            areas: area_options(&catalog, locale, reach, form.of_case(index, "area")),
        })
        .collect();
    let error_summary = ErrorSummary::new(page.tr, &errors, |field| match field {
        "form" => "visit".to_string(),
        field => element_id(field),
    });
    let view = VisitPage {
        areas: area_options(&catalog, locale, reach, form.get("area")),
        can_add: slot_count < MAX_CASES,
        slot_count,
        slots,
        form,
        errors,
        error_summary,
        page,
    };
    html(status, view.render())
}

#[derive(Deserialize)]
pub struct VisitQuery {
    #[serde(default)]
    area: String,
}

#[get("/liaison/visit")]
pub async fn visit_form(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    query: web::Query<VisitQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let reach = crate::service::visit_log::reach_of(&state, &user)
        .await
        .page(page.locale())?;
    let today = crate::domain::deadline::local_date(state.now(), state.tz);
    let mut form = VisitForm::default();
    form.fields.insert("date".into(), today.to_string());
    form.fields.insert("area".into(), query.area.trim().to_string());
    Ok(render(
        page,
        &state,
        &reach,
        form,
        1,
        BTreeMap::new(),
        StatusCode::OK,
    ))
}

#[post("/liaison/visit")]
pub async fn record_visit(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    posted: Posted<VisitForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    let reach = crate::service::visit_log::reach_of(&state, &user)
        .await
        .page(locale)?;
    let (form, fresh) = posted.into_parts();
    let slots = form.slots();
    // One more problem: shown again with an empty one, nothing saved yet.
    if fresh && form.get("more") == "1" {
        let more = (slots + 1).min(MAX_CASES);
        return Ok(render(
            page,
            &state,
            &reach,
            form,
            more,
            BTreeMap::new(),
            StatusCode::OK,
        ));
    }
    let (input, sent) = form.to_input();
    let result: Result<_, Refused> = async {
        if !fresh {
            return Err(Refused::Stale);
        }
        Ok(visits::record(&state, &user, input).await?)
    }
    .await;
    match result {
        Ok(recorded) => Ok(see_other(&format!("/liaison?recorded={}#recorded", recorded.id))),
        Err(refused) => {
            let shown = shown(page.tr, refused).page(locale)?;
            let errors = to_slots(shown.errors, &sent);
            Ok(render(page, &state, &reach, form, slots, errors, shown.status))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_of_the_cases_sent_land_on_the_slots_they_came_from() {
        let errors = BTreeMap::from([
            ("cases[0].title".to_string(), "a".to_string()),
            ("cases[1].resident.name".to_string(), "b".to_string()),
            ("met".to_string(), "c".to_string()),
        ]);
        let renamed = to_slots(errors, &[1, 3]);
        assert_eq!(renamed["cases[1].title"], "a");
        assert_eq!(renamed["cases[3].resident.name"], "b");
        assert_eq!(renamed["met"], "c");
        assert_eq!(element_id("cases[3].resident.name"), "cases-3-resident-name");
        assert_eq!(element_id("met"), "met");
    }

    #[test]
    fn blank_problems_are_left_out_and_the_rest_keep_their_slots() {
        let mut form = VisitForm::default();
        form.fields.insert("slots".into(), "3".into());
        form.fields.insert("cases[0].category".into(), "noise".into());
        form.fields.insert("cases[1].title".into(), "村道塌方".into());
        form.fields.insert("cases[2].resident.name".into(), "李四".into());
        let (input, slots) = form.to_input();
        assert_eq!(slots, vec![1, 2]);
        assert_eq!(input.cases.len(), 2);
        assert_eq!(input.cases[0].title, "村道塌方");
        form.fields.insert("slots".into(), "999".into());
        assert_eq!(form.slots(), MAX_CASES);
    }
}
