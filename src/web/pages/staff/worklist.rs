//! The queue: a department's cases by due date, filtered, a page at a time.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;

use crate::domain::case::{CaseState, Channel};
use crate::domain::workflow::Extension;
use crate::format::{area_path_name, category_name, date, department_name, state_name};
use crate::service::ServiceError;
use crate::service::queue as queues;
use crate::service::queue::DUE_SOON_DAYS;
use crate::web::App;
use crate::web::auth::SignedIn;
use crate::web::error::{Localize, PageError, field_messages};
use crate::web::pages::file::Opt;
use crate::web::pages::{PageCtx, encode, html};
use crate::web::query::{QueueParams, queue_filter};

use super::opts;

pub struct QueueLine {
    pub number: String,
    pub title: String,
    pub category: String,
    pub area: String,
    pub department: String,
    pub state: String,
    pub state_code: String,
    pub due: Option<String>,
    pub overdue: bool,
    pub due_soon: bool,
    pub confidential: bool,
    pub objection_from: Option<String>,
    pub extension_pending: bool,
    /// Where the routing model places a case the intake office holds.
    pub suggested: Option<String>,
}

pub struct Count {
    pub code: String,
    pub label: String,
    pub count: i64,
}

#[derive(Template)]
#[template(path = "staff_queue.html")]
struct QueuePage {
    page: PageCtx,
    heading: String,
    lines: Vec<QueueLine>,
    /// Major or urgent matters, above the queue.
    major: Vec<QueueLine>,
    counts: Vec<Count>,
    next_link: Option<String>,
    departments: Vec<Opt>,
    states: Vec<Opt>,
    categories: Vec<Opt>,
    channels: Vec<Opt>,
    areas: Vec<Opt>,
    dues: Vec<Opt>,
    all_departments: bool,
    error: Option<String>,
    /// "Transferred to …": after sending a case elsewhere.
    handed_on: Option<String>,
}

/// `?handed=NUMBER&to=DEPARTMENT` after a case was sent elsewhere.
#[derive(serde::Deserialize)]
pub struct HandedOn {
    handed: Option<String>,
    to: Option<String>,
    /// The action that sent it (`object` sends it back to the intake office).
    by: Option<String>,
}

#[get("/staff")]
pub async fn queue(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    params: web::Query<QueueParams>,
    handed: web::Query<HandedOn>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    let catalog = state.catalog();
    let now = state.now();
    let tz = state.tz;
    let raw = req.query_string().to_string();
    let filter = queue_filter(&params).page(locale)?;
    let shown = filter.clone();
    let sees_all = crate::service::queue::sees_all_departments(&user);
    let loaded = queues::for_staff(&state, &user, filter).await;
    let (rows, major, counts, next, department, error) = match loaded {
        Ok(p) => (p.rows, p.major, p.counts, p.next, p.department, None),
        Err(ServiceError::Invalid(errors)) => {
            let text = field_messages(page.tr, &errors)
                .into_values()
                .collect::<Vec<_>>()
                .join(" ");
            (vec![], vec![], vec![], None, None, Some(text))
        }
        Err(e) => return Err(e).page(locale),
    };
    let tr = page.tr;
    let line = |r: &crate::service::queue::QueueLine| {
        let due = r.due_at;
        let state = CaseState::parse(&r.state);
        let counts_for_department = state.is_some_and(CaseState::awaits_department);
        QueueLine {
            number: r.tracking_number.clone(),
            title: r.title.clone(),
            category: category_name(&catalog, locale, &r.category_code),
            area: area_path_name(&catalog, locale, &r.area_code),
            department: department_name(&catalog, locale, &r.department_code),
            state: state
                .map(|s| state_name(tr, s).to_string())
                .unwrap_or_else(|| r.state.clone()),
            state_code: r.state.clone(),
            due: due.map(|d| date(locale, d, tz)),
            overdue: counts_for_department && due.is_some_and(|d| d < now),
            due_soon: counts_for_department
                && due.is_some_and(|d| d >= now && d <= now + chrono::Duration::days(DUE_SOON_DAYS)),
            confidential: r.confidential,
            objection_from: r
                .objection_from
                .as_deref()
                .map(|c| department_name(&catalog, locale, c)),
            extension_pending: r.extension_state.as_deref() == Some(Extension::Requested.as_str()),
            suggested: r.suggested.as_ref().and_then(|h| suggested_line(tr, &catalog, h)),
        }
    };
    let lines: Vec<QueueLine> = rows.iter().map(line).collect();
    let major: Vec<QueueLine> = major.iter().map(line).collect();
    let heading = match &department {
        Some(code) => tr.f(
            "queue.heading",
            &[("department", &department_name(&catalog, locale, code))],
        ),
        None => tr.t("queue.heading_all").to_string(),
    };
    let next_link = next.map(|cursor| {
        let kept: Vec<&str> = raw
            .split('&')
            .filter(|p| !p.starts_with("cursor=") && !p.is_empty())
            .collect();
        let mut query = kept.join("&");
        if !query.is_empty() {
            query.push('&');
        }
        format!("/staff?{query}cursor={}", encode(&cursor))
    });
    // Only a well-formed number and a known department are repeated back.
    let handed_on = match (&handed.handed, &handed.to) {
        (Some(n), Some(to)) => crate::web::query::parse_number(n)
            .ok()
            .zip(catalog.department(to))
            .map(|(n, d)| {
                tr.f(
                    if handed.by.as_deref() == Some("object") {
                        "queue.handed_back"
                    } else {
                        "queue.handed_on"
                    },
                    &[("number", n.as_str()), ("department", d.names.get(locale))],
                )
            }),
        _ => None,
    };
    let view = QueuePage {
        handed_on,
        heading,
        counts: counts
            .into_iter()
            .map(|(s, n)| Count {
                code: s.as_str().to_string(),
                label: state_name(tr, s).to_string(),
                count: n,
            })
            .collect(),
        lines,
        major,
        next_link,
        departments: if sees_all {
            opts(
                catalog
                    .departments
                    .iter()
                    .map(|d| (d.code.as_str(), d.names.get(locale).to_string())),
                shown.department.as_deref().or(department.as_deref()),
            )
        } else {
            vec![]
        },
        states: opts(
            CaseState::ALL
                .iter()
                .map(|s| (s.as_str(), state_name(tr, *s).to_string())),
            shown.state.map(|s| s.as_str()),
        ),
        categories: opts(
            catalog
                .categories
                .iter()
                .map(|c| (c.code.as_str(), c.names.get(locale).to_string())),
            shown.category.as_deref(),
        ),
        channels: opts(
            Channel::ALL
                .iter()
                .map(|c| (c.as_str(), tr.t(&format!("channel.{}", c.as_str())).to_string())),
            shown.channel.map(|c| c.as_str()),
        ),
        areas: opts(
            catalog
                .areas
                .iter()
                .map(|a| (a.code.as_str(), area_path_name(&catalog, locale, &a.code))),
            shown.area.as_deref(),
        ),
        dues: opts(
            [
                ("overdue", tr.t("queue.overdue").to_string()),
                ("soon", tr.t("queue.due_soon").to_string()),
            ]
            .into_iter(),
            params.due.as_deref(),
        ),
        all_departments: params.department.as_deref() == Some(crate::service::queue::ALL_DEPARTMENTS),
        error,
        page,
    };
    Ok(html(StatusCode::OK, view.render()))
}

/// "Suggested: Environment Bureau 87% · Noise 90%".
fn suggested_line(
    tr: crate::i18n::Tr,
    catalog: &crate::domain::catalog::Catalog,
    hint: &crate::domain::suggest::hint::Hint,
) -> Option<String> {
    use crate::domain::suggest::hint::Hint;
    let Hint::Place {
        department, category, ..
    } = hint
    else {
        return None;
    };
    let locale = tr.locale();
    let percent = |score: f32| (score * 100.0).round() as u32;
    let mut text = format!(
        "{} {}%",
        department_name(catalog, locale, &department.code),
        percent(department.score)
    );
    if let Some(c) = category {
        text.push_str(&format!(
            " · {} {}%",
            category_name(catalog, locale, &c.code),
            percent(c.score)
        ));
    }
    Some(tr.f("hint.queue", &[("suggestion", &text)]))
}
