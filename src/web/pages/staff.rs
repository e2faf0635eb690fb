//! The staff workspace: sign in, the queue, a case with everything that may be done to it,
//! the resident's identity on request (recorded), a password change, and cases recorded on
//! a resident's behalf by the intake office.

use std::collections::BTreeMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::file::{FileForm, Opt, render_form};
use super::{PageCtx, encode, html};
use crate::db::templates::TemplateRecord;
use crate::domain::case::{CaseState, Channel, Outcome, Role, Visibility};
use crate::domain::catalog::Catalog;
use crate::domain::local_path::LocalPath;
use crate::domain::new_case::NewCase;
use crate::domain::tracking::TrackingNumber;
use crate::domain::workflow::{Action, ActionInput, ActionKind, Extension};
use crate::format::{
    EventText, area_path_name, category_name, date, date_time, department_name, event_text, state_name,
};
use crate::service::ServiceError;
use crate::service::auth::{StaffUser, change_password as change_own_password, login as sign_in};
use crate::service::queue::{DUE_SOON_DAYS, queue as load_queue};
use crate::service::workflow::{Identity, StaffCase, act, reveal_identity, staff_case};
use crate::web::App;
use crate::web::api::staff::{QueueParams, queue_filter};
use crate::web::auth::{SignedIn, client_ip, forget, remember};
use crate::web::csrf;
use crate::web::error::{AppError, Localize, PageError, field_messages};
use crate::web::query::parse_number;

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, location))
        .finish()
}

// ---------------------------------------------------------------- sign in and out

#[derive(Template)]
#[template(path = "staff_login.html")]
struct LoginPage {
    page: PageCtx,
    username: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

#[get("/staff/login")]
pub async fn login_form(req: HttpRequest, session: Session, query: web::Query<NextQuery>) -> HttpResponse {
    let view = LoginPage {
        page: PageCtx::new(&req, &session),
        username: String::new(),
        next: query.next.clone().unwrap_or_else(|| "/staff".into()),
        error: None,
    };
    html(StatusCode::OK, view.render())
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

#[post("/staff/login")]
pub async fn login(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::new(&req, &session);
    let mut view = LoginPage {
        username: form.username.clone(),
        next: form.next.clone(),
        error: None,
        page,
    };
    if !csrf::verify(&session, &form.csrf) {
        view.error = Some(view.page.t("err.csrf").to_string());
        return Ok(html(StatusCode::FORBIDDEN, view.render()));
    }
    match sign_in(&state, &form.username, &form.password, &client_ip(&req)).await {
        Ok(user) => {
            remember(&state, &session, &user).await.page(view.page.locale())?;
            Ok(see_other(
                LocalPath::parse_or(Some(&form.next), "/staff").as_str(),
            ))
        }
        Err(ServiceError::Unauthenticated) => {
            view.error = Some(view.page.t("error.bad_login").to_string());
            Ok(html(StatusCode::UNAUTHORIZED, view.render()))
        }
        Err(e @ (ServiceError::TooManyAttempts { .. } | ServiceError::Busy { .. })) => {
            let error = AppError::from(e);
            view.error = Some(error.message(view.page.tr));
            Ok(super::error_page(&error, view.render()))
        }
        Err(other) => Err(other).page(view.page.locale()),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

#[post("/staff/logout")]
pub async fn logout(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    if csrf::verify(&session, &form.csrf) {
        let locale = PageCtx::new(&req, &session).locale();
        forget(&state, &session).await.page(locale)?;
    }
    Ok(see_other("/"))
}

// ---------------------------------------------------------------- the queue

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
}

fn opts<'a>(items: impl Iterator<Item = (&'a str, String)>, selected: Option<&str>) -> Vec<Opt> {
    items
        .map(|(code, name)| Opt {
            selected: Some(code) == selected,
            code: code.to_string(),
            name,
        })
        .collect()
}

#[get("/staff")]
pub async fn queue(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    params: web::Query<QueueParams>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    let catalog = state.catalog();
    let now = state.now();
    let tz = state.tz;
    let raw = req.query_string().to_string();
    let filter = queue_filter(&params).page(locale)?;
    let shown = filter.clone();
    let role = user.role;
    let loaded = {
        let catalog = catalog.clone();
        state
            .db
            .run(move |conn| load_queue(conn, &catalog, &user, &filter, now))
            .await
    };
    let (rows, counts, next, department, error) = match loaded {
        Ok(p) => (p.rows, p.counts, p.next, p.department, None),
        Err(ServiceError::Invalid(errors)) => {
            let text = field_messages(page.tr, &errors)
                .into_values()
                .collect::<Vec<_>>()
                .join(" ");
            (vec![], vec![], None, None, Some(text))
        }
        Err(e) => return Err(e).page(locale),
    };
    let tr = page.tr;
    let lines = rows
        .iter()
        .map(|r| {
            let due = r.due_at.map(|d| d.and_utc());
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
            }
        })
        .collect();
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
    let view = QueuePage {
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
        next_link,
        departments: if matches!(role, Role::Intake | Role::Leader) {
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

// ---------------------------------------------------------------- a case

/// One input of an action form.
pub enum Field {
    Reason,
    Note,
    Text,
    LegalBasis,
    Days(u32),
    Outcome(Vec<Opt>),
    Department(Vec<Opt>),
    Channel(Vec<Opt>),
}

pub struct ActionForm {
    /// The action's name in URLs (`extension/approve`).
    pub path: String,
    /// For element ids (`extension-approve`).
    pub id: String,
    pub label: String,
    pub fields: Vec<Field>,
    pub values: ActionInput,
    pub errors: BTreeMap<String, String>,
    pub open: bool,
    /// Answer templates to start from (written answers only).
    pub templates: Vec<Opt>,
}

impl ActionForm {
    pub fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

pub struct StaffEvent {
    pub at: String,
    pub text: EventText,
    pub internal: bool,
    pub actor: String,
}

#[derive(Template)]
#[template(path = "staff_case.html")]
struct CasePage {
    page: PageCtx,
    number: String,
    title: String,
    description: String,
    address: Option<String>,
    area: String,
    category: String,
    channel: String,
    state: String,
    state_code: String,
    department: String,
    submitted_at: String,
    due: Option<String>,
    overdue: bool,
    answer_due: Option<String>,
    confidential: bool,
    objection_from: Option<String>,
    extension: Option<String>,
    /// A report about an official: the department it concerns.
    concerned: Option<String>,
    /// The leader who has the case in personal charge.
    supervisor: Option<String>,
    can_supervise: bool,
    attachments: Vec<crate::web::pages::case::AttachmentLine>,
    may_see_identity: bool,
    identity: Option<Identity>,
    timeline: Vec<StaffEvent>,
    forms: Vec<ActionForm>,
    done: Option<String>,
}

fn fields_for(
    kind: ActionKind,
    case: &StaffCase,
    catalog: &Catalog,
    tr: crate::i18n::Tr,
    max_days: u32,
) -> Vec<Field> {
    use ActionKind as K;
    let locale = tr.locale();
    let departments = |exclude: &str| {
        Field::Department(
            catalog
                .departments
                .iter()
                .filter(|d| d.code != exclude && !(kind == K::Reroute && d.is_intake))
                .map(|d| Opt {
                    code: d.code.clone(),
                    name: d.names.get(locale).to_string(),
                    selected: false,
                })
                .collect(),
        )
    };
    let written = || {
        vec![
            Field::Outcome(
                Outcome::ALL
                    .iter()
                    .map(|o| Opt {
                        code: o.as_str().to_string(),
                        name: tr.t(&format!("outcome.{}", o.as_str())).to_string(),
                        selected: false,
                    })
                    .collect(),
            ),
            Field::Text,
            Field::LegalBasis,
        ]
    };
    match kind {
        K::NotAccept => vec![
            Field::Channel(
                catalog
                    .category(&case.record.category_code)
                    .map(|c| c.channel_codes.as_slice())
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(|code| catalog.channel(code))
                    .map(|ch| Opt {
                        code: ch.code.clone(),
                        name: ch.names.get(locale).to_string(),
                        selected: false,
                    })
                    .collect(),
            ),
            Field::Reason,
        ],
        K::Object | K::ConfirmAssignment | K::RefuseExtension => vec![Field::Reason],
        K::Reroute | K::Transfer => vec![departments(&case.record.department_code), Field::Reason],
        K::RequestExtension => vec![Field::Days(max_days), Field::Reason],
        K::Answer | K::AnswerReview | K::AnswerReReview => written(),
        K::Note => vec![Field::Note],
        _ => vec![],
    }
}

/// An action's name as people read it.
fn action_label(tr: crate::i18n::Tr, kind: ActionKind) -> &'static str {
    tr.t(&format!("action.{}", kind.as_str().replace(['/', '-'], "_")))
}

/// What the case page needs, around the service's view.
struct Failed {
    kind: ActionKind,
    values: ActionInput,
    errors: BTreeMap<String, String>,
}

/// What a case page shows beyond the case itself.
#[derive(Default)]
struct Extras<'a> {
    identity: Option<Identity>,
    failed: Option<Failed>,
    done: Option<String>,
    templates: &'a [TemplateRecord],
    chosen: Option<&'a TemplateRecord>,
}

fn case_view(page: PageCtx, state: &App, case: StaffCase, extras: Extras<'_>) -> CasePage {
    let Extras {
        identity,
        failed,
        done,
        templates,
        chosen,
    } = extras;
    let tr = page.tr;
    let locale = tr.locale();
    let catalog = state.catalog();
    let tz = state.tz;
    let now = state.now();
    let r = &case.record;
    let state_code = CaseState::parse(&r.state);
    let due = r.due_at.map(|d| d.and_utc());
    let forms = case
        .available
        .iter()
        .filter(|k| **k != ActionKind::Note || !case.available.is_empty())
        .map(|kind| {
            let mut form = ActionForm {
                path: kind.as_str().to_string(),
                id: kind.as_str().replace('/', "-"),
                label: action_label(tr, *kind).to_string(),
                fields: fields_for(
                    *kind,
                    &case,
                    &catalog,
                    tr,
                    state
                        .policies()
                        .for_category(&catalog, &case.record.category_code)
                        .max_extension_days,
                ),
                values: ActionInput::default(),
                errors: BTreeMap::new(),
                open: false,
                templates: Vec::new(),
            };
            if matches!(
                kind,
                ActionKind::Answer | ActionKind::AnswerReview | ActionKind::AnswerReReview
            ) {
                form.templates = templates
                    .iter()
                    .map(|t| Opt {
                        code: t.id.to_string(),
                        name: t.title.clone(),
                        selected: chosen.is_some_and(|c| c.id == t.id),
                    })
                    .collect();
                if let Some(t) = chosen {
                    form.values.outcome = t.outcome.clone();
                    form.values.text = t.body.clone();
                    form.values.legal_basis = t.legal_basis.clone();
                    form.open = true;
                }
            }
            if let Some(f) = failed.as_ref().filter(|f| f.kind == *kind) {
                form.values = f.values.clone();
                form.errors = f.errors.clone();
                form.open = true;
            }
            form
        })
        .collect();
    CasePage {
        number: r.tracking_number.clone(),
        title: r.title.clone(),
        description: r.description.clone(),
        address: r.address.clone(),
        area: area_path_name(&catalog, locale, &r.area_code),
        category: category_name(&catalog, locale, &r.category_code),
        channel: tr.t(&format!("channel.{}", r.channel)).to_string(),
        state: state_code
            .map(|s| state_name(tr, s).to_string())
            .unwrap_or_else(|| r.state.clone()),
        state_code: r.state.clone(),
        department: department_name(&catalog, locale, &r.department_code),
        submitted_at: date_time(locale, r.submitted_at.and_utc(), tz),
        due: due.map(|d| date(locale, d, tz)),
        overdue: state_code.is_some_and(CaseState::awaits_department) && due.is_some_and(|d| d < now),
        answer_due: r.answer_due_at.map(|d| date(locale, d.and_utc(), tz)),
        confidential: r.confidential,
        objection_from: r
            .objection_from
            .as_deref()
            .map(|c| department_name(&catalog, locale, c)),
        extension: r
            .extension_state
            .as_deref()
            .map(|e| tr.t(&format!("extension.{e}")).to_string()),
        concerned: r
            .concerned_department
            .as_deref()
            .map(|c| department_name(&catalog, locale, c)),
        supervisor: r.supervisor_id.and_then(|id| case.actors.get(&id).cloned()),
        can_supervise: r.supervisor_id.is_none()
            && page.user.as_ref().is_some_and(|u| u.is_leader)
            && state_code.is_some_and(|s| !s.is_terminal()),
        attachments: case
            .attachments
            .iter()
            .map(|a| {
                crate::web::pages::case::AttachmentLine::new(
                    a,
                    &format!("/staff/cases/{}/attachments", r.tracking_number),
                    "",
                )
            })
            .collect(),
        may_see_identity: case.may_see_identity,
        identity,
        timeline: case
            .timeline
            .iter()
            .rev()
            .map(|e| StaffEvent {
                at: date_time(locale, e.at, tz),
                text: event_text(tr, &catalog, tz, &e.kind, e.data.as_ref()),
                internal: e.visibility == Visibility::Internal,
                actor: match e.actor_id.and_then(|id| case.actors.get(&id)) {
                    Some(name) => name.clone(),
                    None => tr.t(&format!("actor.{}", e.actor_kind.as_str())).to_string(),
                },
            })
            .collect(),
        forms,
        done: done.and_then(|kind| {
            ActionKind::parse(&kind).map(|k| tr.f("case.done", &[("action", action_label(tr, k))]))
        }),
        page,
    }
}

async fn load_case(
    state: &App,
    user: StaffUser,
    number: TrackingNumber,
    now: DateTime<Utc>,
) -> Result<StaffCase, ServiceError> {
    let rules = state.rules();
    state
        .db
        .run(move |conn| staff_case(conn, rules.rules(), &user, &number, now))
        .await
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
    template: Option<i32>,
}

/// The templates for this case's category, and the one chosen (if any).
async fn templates_of(
    state: &App,
    user: &StaffUser,
    category: &str,
    chosen: Option<i32>,
) -> Result<(Vec<TemplateRecord>, Option<TemplateRecord>), ServiceError> {
    let (user, category) = (user.clone(), category.to_string());
    state
        .db
        .run(move |conn| {
            let list = crate::service::templates::usable(conn, &user, Some(&category))?;
            let chosen = chosen.and_then(|id| list.iter().find(|t| t.id == id).cloned());
            Ok((list, chosen))
        })
        .await
}

#[get("/staff/cases/{number}")]
pub async fn case_page(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    path: web::Path<String>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    let number = parse_number(&path).page(locale)?;
    let case = load_case(&state, user.clone(), number, state.now())
        .await
        .page(locale)?;
    let (templates, chosen) = templates_of(&state, &user, &case.record.category_code, query.template)
        .await
        .page(locale)?;
    let view = case_view(
        page,
        &state,
        case,
        Extras {
            done: query.done.clone(),
            templates: &templates,
            chosen: chosen.as_ref(),
            ..Extras::default()
        },
    );
    Ok(html(StatusCode::OK, view.render()))
}

/// A file the resident added, for staff who may see the case (the read is recorded).
#[get("/staff/cases/{number}/attachments/{id}")]
pub async fn attachment(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, PageError> {
    let locale = PageCtx::staff(&req, &session, &user).locale();
    let (raw, id) = path.into_inner();
    let number = parse_number(&raw).page(locale)?;
    let caller = crate::service::caller::Caller::Staff(user);
    let file = crate::service::attachments::fetch(&state, &caller, number, id)
        .await
        .page(locale)?;
    crate::web::upload::serve(file).await.page(locale)
}

#[post("/staff/cases/{number}/identity")]
pub async fn show_identity(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    if !csrf::verify(&session, &form.csrf) {
        return Err(AppError::Forbidden { key: "err.csrf" }).page(locale);
    }
    let number = parse_number(&path).page(locale)?;
    let now = state.now();
    let rules = state.rules();
    let revealed = {
        let (user, number) = (user.clone(), number.clone());
        state
            .db
            .write(move |conn| reveal_identity(conn, rules.rules(), &user, &number, now))
            .await
            .page(locale)?
    };
    let case = load_case(&state, user.clone(), number, now).await.page(locale)?;
    let (templates, _) = templates_of(&state, &user, &case.record.category_code, None)
        .await
        .page(locale)?;
    let view = case_view(
        page,
        &state,
        case,
        Extras {
            identity: Some(revealed),
            templates: &templates,
            ..Extras::default()
        },
    );
    Ok(html(StatusCode::OK, view.render()))
}

#[derive(Deserialize)]
pub struct ActionFormBody {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    input: ActionInput,
}

#[post("/staff/cases/{number}/act/{action:.+}")]
pub async fn act_on_case(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    path: web::Path<(String, String)>,
    form: web::Form<ActionFormBody>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    let (raw_number, name) = path.into_inner();
    let number = parse_number(&raw_number).page(locale)?;
    let kind = ActionKind::parse(&name)
        .ok_or_else(AppError::not_found)
        .page(locale)?;
    let form = form.into_inner();
    let now = state.now();
    let fail = |errors: BTreeMap<String, String>| Failed {
        kind,
        values: form.input.clone(),
        errors,
    };
    let failed = if !csrf::verify(&session, &form.csrf) {
        Some(fail(BTreeMap::from([(
            "form".to_string(),
            page.t("err.csrf").to_string(),
        )])))
    } else {
        match Action::parse(kind, &form.input) {
            Err(errors) => Some(fail(field_messages(page.tr, &errors))),
            Ok(action) => {
                let rules = state.rules();
                let actor = user.actor();
                let target = number.clone();
                match state
                    .db
                    .write(move |conn| act(conn, rules.rules(), &actor, &target, &action, now))
                    .await
                {
                    Ok(_) => {
                        return Ok(see_other(&format!(
                            "/staff/cases/{}?done={}",
                            number,
                            encode(kind.as_str())
                        )));
                    }
                    Err(ServiceError::Invalid(errors)) => Some(fail(field_messages(page.tr, &errors))),
                    Err(e @ (ServiceError::Conflict { .. } | ServiceError::Forbidden { .. })) => {
                        let message = AppError::from(e).message(page.tr);
                        Some(fail(BTreeMap::from([("form".to_string(), message)])))
                    }
                    Err(e) => return Err(e).page(locale),
                }
            }
        }
    };
    let status = if failed.as_ref().is_some_and(|f| f.errors.contains_key("form")) {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let case = load_case(&state, user.clone(), number, now).await.page(locale)?;
    let (templates, _) = templates_of(&state, &user, &case.record.category_code, None)
        .await
        .page(locale)?;
    let view = case_view(
        page,
        &state,
        case,
        Extras {
            failed,
            templates: &templates,
            ..Extras::default()
        },
    );
    Ok(html(status, view.render()))
}

// ---------------------------------------------------------------- password

#[derive(Template)]
#[template(path = "staff_password.html")]
struct PasswordPage {
    page: PageCtx,
    errors: BTreeMap<String, String>,
    done: bool,
}

#[get("/staff/password")]
pub async fn password_form(req: HttpRequest, session: Session, SignedIn(user): SignedIn) -> HttpResponse {
    let view = PasswordPage {
        page: PageCtx::staff(&req, &session, &user),
        errors: BTreeMap::new(),
        done: false,
    };
    html(StatusCode::OK, view.render())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    repeat_password: String,
}

#[post("/staff/password")]
pub async fn change_password(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    let mut view = PasswordPage {
        errors: BTreeMap::new(),
        done: false,
        page,
    };
    if !csrf::verify(&session, &form.csrf) {
        view.errors.insert("form".into(), view.page.t("err.csrf").into());
    } else if form.new_password != form.repeat_password {
        view.errors.insert(
            "repeat_password".into(),
            view.page.t("err.password_mismatch").into(),
        );
    } else {
        match change_own_password(&state, &user, &form.current_password, &form.new_password).await {
            Ok(()) => {
                // Every earlier session ended; this one continues under the new credentials.
                let fresh = StaffUser {
                    credentials_version: user.credentials_version + 1,
                    ..user
                };
                remember(&state, &session, &fresh).await.page(locale)?;
                view.page.csrf = csrf::token(&session);
                view.done = true;
                return Ok(html(StatusCode::OK, view.render()));
            }
            Err(ServiceError::Invalid(errors)) => view.errors = field_messages(view.page.tr, &errors),
            Err(e) => return Err(e).page(locale),
        }
    }
    Ok(html(StatusCode::UNPROCESSABLE_ENTITY, view.render()))
}

// ---------------------------------------------------------------- recording on a resident's behalf

fn intake_only(user: &StaffUser, state: &App) -> Result<(), AppError> {
    let intake = state.catalog().intake().code.clone();
    if user.role == Role::Intake || user.department.as_deref() == Some(intake.as_str()) {
        Ok(())
    } else {
        Err(AppError::Forbidden { key: "deny.role" })
    }
}

fn channel_options(tr: crate::i18n::Tr, selected: &str) -> Vec<Opt> {
    [Channel::Phone, Channel::Letter, Channel::Visit]
        .iter()
        .map(|c| Opt {
            code: c.as_str().to_string(),
            name: tr.t(&format!("channel.{}", c.as_str())).to_string(),
            selected: c.as_str() == selected,
        })
        .collect()
}

#[get("/staff/record")]
pub async fn record_form(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    intake_only(&user, &state).page(page.locale())?;
    let channels = channel_options(page.tr, "phone");
    Ok(render_form(
        page,
        &state.catalog(),
        FileForm::default(),
        BTreeMap::new(),
        StatusCode::OK,
        "/staff/record",
        channels,
        Vec::new(),
    ))
}

#[post("/staff/record")]
pub async fn record(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    form: web::Form<FileForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    intake_only(&user, &state).page(locale)?;
    let form = form.into_inner();
    let catalog = state.catalog();
    let channels = channel_options(page.tr, &form.channel);
    let channel = Channel::parse(&form.channel)
        .filter(|c| matches!(c, Channel::Phone | Channel::Letter | Channel::Visit));
    let parsed = NewCase::parse(
        &form.to_input(),
        &catalog,
        locale,
        channel.unwrap_or(Channel::Phone),
    );
    let problems = match (&parsed, channel, csrf::verify(&session, &form.csrf)) {
        (_, _, false) => Some(BTreeMap::from([(
            "form".to_string(),
            page.t("err.csrf").to_string(),
        )])),
        (Err(errors), _, _) => Some(super::file::form_messages(&page, errors)),
        (Ok(_), None, _) => Some(BTreeMap::from([(
            "channel".to_string(),
            page.t("err.channel_record").to_string(),
        )])),
        (Ok(_), Some(_), true) => None,
    };
    let (Some(mut case), None) = (parsed.ok(), &problems) else {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(render_form(
            page,
            &catalog,
            form,
            problems.unwrap_or_default(),
            status,
            "/staff/record",
            channels,
            Vec::new(),
        ));
    };
    case.recorded_by = Some(user.id);
    let filed = crate::service::file_case::file(&state, case, Default::default())
        .await
        .page(locale)?;
    metrics::counter!("cases_filed_total", "channel" => filed_channel(&form.channel)).increment(1);
    // The receipt carries the private link to pass on to the resident.
    Ok(see_other(&format!(
        "/cases/{}/receipt?token={}",
        filed.tracking_number,
        encode(&filed.access_token)
    )))
}

fn filed_channel(code: &str) -> &'static str {
    Channel::parse(code).map(Channel::as_str).unwrap_or("phone")
}

// ---------------------------------------------------------------- answer templates

pub struct TemplateLine {
    pub id: i32,
    pub title: String,
    pub category: String,
    pub department: String,
    pub outcome: String,
    pub body: String,
    pub legal_basis: String,
    pub removable: bool,
}

#[derive(Template)]
#[template(path = "staff_templates.html")]
struct TemplatesPage {
    page: PageCtx,
    lines: Vec<TemplateLine>,
    may_manage: bool,
    categories: Vec<Opt>,
    outcomes: Vec<Opt>,
    values: crate::service::templates::TemplateInput,
    errors: BTreeMap<String, String>,
}

async fn templates_page(
    page: PageCtx,
    state: &App,
    user: StaffUser,
    values: crate::service::templates::TemplateInput,
    errors: BTreeMap<String, String>,
) -> Result<TemplatesPage, ServiceError> {
    let tr = page.tr;
    let locale = tr.locale();
    let catalog = state.catalog();
    let may_manage = crate::service::templates::may_manage(&user);
    let own = user.department.clone();
    let is_admin = user.role == Role::Admin;
    let list = state
        .db
        .run(move |conn| crate::service::templates::usable(conn, &user, None))
        .await?;
    Ok(TemplatesPage {
        lines: list
            .into_iter()
            .map(|t| TemplateLine {
                removable: may_manage && (is_admin || t.department_code == own),
                id: t.id,
                category: category_name(&catalog, locale, &t.category_code),
                department: t
                    .department_code
                    .as_deref()
                    .map(|d| department_name(&catalog, locale, d))
                    .unwrap_or_else(|| tr.t("templates.shared").to_string()),
                outcome: tr.t(&format!("outcome.{}", t.outcome)).to_string(),
                title: t.title,
                body: t.body,
                legal_basis: t.legal_basis,
            })
            .collect(),
        may_manage,
        categories: opts(
            catalog
                .categories
                .iter()
                .map(|c| (c.code.as_str(), c.names.get(locale).to_string())),
            Some(values.category.as_str()),
        ),
        outcomes: opts(
            Outcome::ALL
                .iter()
                .map(|o| (o.as_str(), tr.t(&format!("outcome.{}", o.as_str())).to_string())),
            Some(values.outcome.as_str()),
        ),
        values,
        errors,
        page,
    })
}

#[get("/staff/templates")]
pub async fn templates_list(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    let view = templates_page(page, &state, user, Default::default(), BTreeMap::new())
        .await
        .page(locale)?;
    Ok(html(StatusCode::OK, view.render()))
}

#[derive(Deserialize)]
pub struct TemplateForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    input: crate::service::templates::TemplateInput,
}

#[post("/staff/templates")]
pub async fn create_template(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    form: web::Form<TemplateForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    let form = form.into_inner();
    let errors = if !csrf::verify(&session, &form.csrf) {
        BTreeMap::from([("form".to_string(), page.t("err.csrf").to_string())])
    } else {
        let (catalog, now, input, author) = (state.catalog(), state.now(), form.input.clone(), user.clone());
        match state
            .db
            .write(move |conn| crate::service::templates::create(conn, &catalog, &author, &input, now))
            .await
        {
            Ok(()) => return Ok(see_other("/staff/templates")),
            Err(ServiceError::Invalid(errors)) => field_messages(page.tr, &errors),
            Err(e) => return Err(e).page(locale),
        }
    };
    let view = templates_page(page, &state, user, form.input, errors)
        .await
        .page(locale)?;
    Ok(html(StatusCode::UNPROCESSABLE_ENTITY, view.render()))
}

#[post("/staff/templates/{id}/delete")]
pub async fn delete_template(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    id: web::Path<i32>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    let locale = PageCtx::staff(&req, &session, &user).locale();
    if !csrf::verify(&session, &form.csrf) {
        return Err(AppError::Forbidden { key: "err.csrf" }).page(locale);
    }
    let id = id.into_inner();
    state
        .db
        .write(move |conn| crate::service::templates::delete(conn, &user, id))
        .await
        .page(locale)?;
    Ok(see_other("/staff/templates"))
}
