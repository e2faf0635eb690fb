//! The leader's pages: the public list of reception days, the month's days and the form
//! to publish one, a day's queue with meetings and personal charge, the cases in personal
//! charge, the monthly review and the register downloads.

use std::collections::BTreeMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::http::header::{
    CONTENT_DISPOSITION, ContentDisposition, DispositionParam, DispositionType, LOCATION,
};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use chrono::Duration;
use serde::Deserialize;

use super::file::Opt;
use super::{PageCtx, html};
use crate::charts::{self, BLUE, Bar, ORANGE, Series};
use crate::db::reception::DaySummary;
use crate::domain::case::{CaseState, Role};
use crate::domain::catalog::Catalog;
use crate::domain::deadline::local_date;
use crate::domain::local_path::LocalPath;
use crate::domain::locale::Locale;
use crate::domain::metrics::{Figures, Rate};
use crate::format::{
    area_path_name, category_name, date, department_name, event_text, local_day, state_name,
};
use crate::i18n::Tr;
use crate::service::ServiceError;
use crate::service::auth::StaffUser;
use crate::service::reception::{self, DayInput};
use crate::service::reports::{self, Month};
use crate::web::App;
use crate::web::api::cases::parse_number;
use crate::web::auth::{SignedIn, staff_from};
use crate::web::csrf;
use crate::web::error::{AppError, Localize, PageError, field_messages};

/// A reception day as lists show it.
pub struct DayLine {
    pub id: i32,
    pub date: String,
    pub iso: String,
    pub time: String,
    pub leader: String,
    pub place: String,
    pub capacity: i32,
    pub booked: i64,
    pub remaining: i64,
    pub scope: String,
}

impl DayLine {
    pub fn new(catalog: &Catalog, tr: Tr, d: &DaySummary) -> Self {
        let locale = tr.locale();
        let mut scope: Vec<String> = d
            .day
            .categories
            .split_whitespace()
            .map(|c| category_name(catalog, locale, c))
            .collect();
        scope.extend(
            d.day
                .areas
                .split_whitespace()
                .map(|a| area_path_name(catalog, locale, a)),
        );
        DayLine {
            id: d.day.id,
            date: local_day(locale, d.day.day),
            iso: d.day.day.to_string(),
            time: format!("{}–{}", d.day.starts_at, d.day.ends_at),
            leader: d.leader.clone(),
            place: d.day.place.clone(),
            capacity: d.day.capacity,
            booked: d.booked,
            remaining: (i64::from(d.day.capacity) - d.booked).max(0),
            scope: if scope.is_empty() {
                tr.t("reception.any_scope").to_string()
            } else {
                scope.join("、")
            },
        }
    }
}

fn leaders_only(user: &StaffUser, locale: Locale) -> Result<(), PageError> {
    if matches!(user.role, Role::Leader | Role::Admin) {
        Ok(())
    } else {
        Err(AppError::Forbidden { key: "deny.role" }).page(locale)
    }
}

#[derive(Template)]
#[template(path = "reception.html")]
struct ReceptionPage {
    page: PageCtx,
    days: Vec<DayLine>,
}

/// The coming reception days, for everyone.
#[get("/reception")]
pub async fn public_days(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::new(&req, &session);
    let locale = page.locale();
    let today = local_date(state.now(), state.tz);
    let days = state
        .db
        .run(move |conn| reception::days_between(conn, today + Duration::days(1), today + Duration::days(92)))
        .await
        .page(locale)?;
    let catalog = state.catalog();
    let view = ReceptionPage {
        days: days.iter().map(|d| DayLine::new(&catalog, page.tr, d)).collect(),
        page,
    };
    Ok(html(StatusCode::OK, view.render()))
}

/// A case a leader has in personal charge.
pub struct ChargeLine {
    pub number: String,
    pub title: String,
    pub state: String,
    pub department: String,
    pub due: Option<String>,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "leader.html")]
struct LeaderPage {
    page: PageCtx,
    month: String,
    previous: String,
    next: String,
    /// The heading of the days listed: the month's, or from this month on.
    days_heading: String,
    days: Vec<DayLine>,
    form: DayInput,
    leaders: Vec<Opt>,
    categories: Vec<Opt>,
    areas: Vec<Opt>,
    errors: BTreeMap<String, String>,
    charge: Vec<ChargeLine>,
    is_leader: bool,
    done: bool,
}

impl LeaderPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

#[derive(Deserialize)]
pub struct MonthQuery {
    month: Option<String>,
    done: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn leader_page(
    state: &App,
    page: PageCtx,
    user: StaffUser,
    month: Month,
    form: DayInput,
    errors: BTreeMap<String, String>,
    status: StatusCode,
    done: bool,
) -> Result<HttpResponse, PageError> {
    let locale = page.locale();
    let catalog = state.catalog();
    let now = state.now();
    let is_leader = user.role == Role::Leader;
    // This month's view runs on into the coming weeks, so the desk always shows what is next.
    let today = local_date(now, state.tz);
    let current = month == Month::of(today);
    let until = if current {
        month.last_day().max(today + Duration::days(92))
    } else {
        month.last_day()
    };
    let (days, leaders, charged) = state
        .db
        .run(move |conn| {
            let days = reception::days_between(conn, month.first_day(), until)?;
            let leaders = crate::db::users::leader_accounts(conn)?;
            let charged = if is_leader {
                reception::supervised(conn, &user)?
            } else {
                Vec::new()
            };
            Ok::<_, ServiceError>((days, leaders, charged))
        })
        .await
        .page(locale)?;
    let wanted_leader = form.leader.clone().unwrap_or_default();
    let chosen = |list: &[String], code: &str| list.iter().any(|c| c == code);
    let view = LeaderPage {
        days_heading: page.tr.f(
            if current {
                "leader.days_from"
            } else {
                "leader.days_of"
            },
            &[("month", &month.label())],
        ),
        month: month.label(),
        previous: month.previous().label(),
        next: month.next().label(),
        days: days.iter().map(|d| DayLine::new(&catalog, page.tr, d)).collect(),
        leaders: leaders
            .into_iter()
            .map(|(username, name)| Opt {
                selected: username == wanted_leader,
                code: username,
                name,
            })
            .collect(),
        categories: catalog
            .categories
            .iter()
            .map(|c| Opt {
                code: c.code.clone(),
                name: c.names.get(locale).to_string(),
                selected: chosen(&form.categories, &c.code),
            })
            .collect(),
        areas: catalog
            .areas
            .iter()
            .filter(|a| a.level <= 2)
            .map(|a| Opt {
                code: a.code.clone(),
                name: area_path_name(&catalog, locale, &a.code),
                selected: chosen(&form.areas, &a.code),
            })
            .collect(),
        charge: charged
            .into_iter()
            .map(|c| {
                let state_code = CaseState::parse(&c.state);
                let due = c.due_at.map(|d| d.and_utc());
                ChargeLine {
                    state: state_code
                        .map(|s| state_name(page.tr, s).to_string())
                        .unwrap_or_else(|| c.state.clone()),
                    department: department_name(&catalog, locale, &c.department_code),
                    overdue: state_code.is_some_and(|s| !s.is_terminal()) && due.is_some_and(|d| d < now),
                    due: due.map(|d| date(locale, d, state.tz)),
                    number: c.tracking_number,
                    title: c.title,
                }
            })
            .collect(),
        is_leader,
        done,
        form,
        errors,
        page,
    };
    Ok(html(status, view.render()))
}

fn month_or_now(state: &App, text: Option<&str>) -> Month {
    text.and_then(Month::parse)
        .unwrap_or_else(|| Month::of(local_date(state.now(), state.tz)))
}

#[get("/leader")]
pub async fn dashboard(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    query: web::Query<MonthQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    leaders_only(&user, page.locale())?;
    let month = month_or_now(&state, query.month.as_deref());
    let done = query.done.is_some();
    leader_page(
        &state,
        page,
        user,
        month,
        DayInput::default(),
        BTreeMap::new(),
        StatusCode::OK,
        done,
    )
    .await
}

#[derive(Deserialize)]
pub struct DayForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    input: DayInput,
}

#[post("/leader/days")]
pub async fn create_day(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    form: web::Form<DayForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    leaders_only(&user, locale)?;
    let form = form.into_inner();
    let month = Month::parse(form.input.date.get(..7).unwrap_or_default())
        .unwrap_or_else(|| Month::of(local_date(state.now(), state.tz)));
    if !csrf::verify(&session, &form.csrf) {
        let errors = BTreeMap::from([("form".to_string(), page.t("err.csrf").to_string())]);
        return leader_page(
            &state,
            page,
            user,
            month,
            form.input,
            errors,
            StatusCode::FORBIDDEN,
            false,
        )
        .await;
    }
    let (catalog, now) = (state.catalog(), state.now());
    let today = local_date(now, state.tz);
    let (actor, input) = (user.clone(), form.input.clone());
    let created = state
        .db
        .write(move |conn| reception::create_day(conn, &catalog, &actor, &input, today, now))
        .await;
    match created {
        Ok(_) => Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, format!("/leader?month={}&done=1", month.label())))
            .finish()),
        Err(ServiceError::Invalid(errors)) => {
            let messages = field_messages(page.tr, &errors);
            leader_page(
                &state,
                page,
                user,
                month,
                form.input,
                messages,
                StatusCode::UNPROCESSABLE_ENTITY,
                false,
            )
            .await
        }
        Err(e) => Err(e).page(locale),
    }
}

/// One booked case in the day's queue, as the page shows it.
pub struct QueueCard {
    pub position: usize,
    pub booking: i32,
    pub number: String,
    pub category: String,
    pub department: String,
    pub state: String,
    pub due: Option<String>,
    pub overdue: bool,
    pub review_request: bool,
    pub earlier: i64,
    /// What the resident wrote and the timeline: for the leaders who receive them only.
    pub content: Option<CardContent>,
    pub recorded: Option<(bool, String)>,
    pub supervised: bool,
}

pub struct CardContent {
    pub title: String,
    pub description: String,
    pub timeline: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "leader_day.html")]
struct DayPage {
    page: PageCtx,
    day: DayLine,
    cards: Vec<QueueCard>,
    is_leader: bool,
    /// The day's own leader records the meetings.
    is_own_day: bool,
    /// Meetings are recorded on the day or after.
    has_come: bool,
    /// The day may still be called off (it has not passed and is not called off).
    may_cancel: bool,
    /// When and why the day was called off, as the page says it.
    cancelled: Option<String>,
    /// An error by the booking it concerns; booking 0 is the day's own form.
    error: Option<(i32, String)>,
    /// How many residents were told of the day being called off, just now.
    cancelled_count: Option<usize>,
}

async fn day_page(
    state: &App,
    page: PageCtx,
    user: StaffUser,
    day_id: i32,
    error: Option<(i32, String)>,
    status: StatusCode,
    cancelled_count: Option<usize>,
) -> Result<HttpResponse, PageError> {
    let locale = page.locale();
    let now = state.now();
    let is_leader = user.role == Role::Leader;
    let user_id = user.id;
    let queue = state
        .db
        .run(move |conn| reception::day_queue(conn, &user, day_id, now))
        .await
        .page(locale)?;
    let catalog = state.catalog();
    let cards = queue
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| QueueCard {
            position: i + 1,
            booking: e.booking.id,
            number: e.case.tracking_number.clone(),
            category: category_name(&catalog, locale, &e.case.category_code),
            department: department_name(&catalog, locale, &e.case.department_code),
            state: CaseState::parse(&e.case.state)
                .map(|s| state_name(page.tr, s).to_string())
                .unwrap_or_else(|| e.case.state.clone()),
            due: e.case.due_at.map(|d| date(locale, d.and_utc(), state.tz)),
            overdue: e.overdue,
            review_request: e.review_request,
            earlier: e.earlier,
            content: e.case.content.as_ref().map(|c| CardContent {
                title: c.title.clone(),
                description: c.description.clone(),
                timeline: c
                    .timeline
                    .iter()
                    .map(|t| {
                        (
                            date(locale, t.at, state.tz),
                            event_text(page.tr, &catalog, state.tz, &t.kind, t.data.as_ref()).summary,
                        )
                    })
                    .collect(),
            }),
            recorded: e.booking.met_at.map(|_| {
                (
                    e.booking.attended.unwrap_or(false),
                    e.booking.outcome.clone().unwrap_or_default(),
                )
            }),
            supervised: e.case.supervised,
        })
        .collect();
    let today = local_date(now, state.tz);
    let record = &queue.day.day;
    let view = DayPage {
        day: DayLine::new(&catalog, page.tr, &queue.day),
        cards,
        is_leader,
        is_own_day: is_leader && record.leader_id == user_id,
        has_come: today >= record.day,
        may_cancel: record.cancelled_at.is_none() && record.day >= today,
        cancelled: record.cancelled_at.map(|at| {
            page.tr.f(
                "reception.cancelled_banner",
                &[
                    ("at", &date(locale, at.and_utc(), state.tz)),
                    ("reason", record.cancel_reason.as_deref().unwrap_or_default()),
                ],
            )
        }),
        error,
        cancelled_count,
        page,
    };
    Ok(html(status, view.render()))
}

#[get("/leader/days/{id}")]
pub async fn day(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    path: web::Path<i32>,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    leaders_only(&user, page.locale())?;
    day_page(
        &state,
        page,
        user,
        path.into_inner(),
        None,
        StatusCode::OK,
        query.cancelled,
    )
    .await
}

#[derive(Deserialize)]
pub struct DayQuery {
    /// Set after calling the day off: how many residents were told.
    cancelled: Option<usize>,
}

#[derive(Deserialize)]
pub struct CancelDayForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

#[post("/leader/days/{id}/cancel")]
pub async fn cancel_day(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    path: web::Path<i32>,
    form: web::Form<CancelDayForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    leaders_only(&user, locale)?;
    let day_id = path.into_inner();
    let refused = |page: PageCtx, user: StaffUser, message: String, status: StatusCode| {
        let state = state.clone();
        async move { day_page(&state, page, user, day_id, Some((0, message)), status, None).await }
    };
    if !csrf::verify(&session, &form.csrf) {
        let message = page.t("err.csrf").to_string();
        return refused(page, user, message, StatusCode::FORBIDDEN).await;
    }
    let (rules, now, actor, reason) = (state.rules(), state.now(), user.clone(), form.reason.clone());
    let cancelled = state
        .db
        .write(move |conn| reception::cancel_day(conn, rules.rules(), &actor, day_id, &reason, now))
        .await;
    match cancelled {
        Ok(count) => Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, format!("/leader/days/{day_id}?cancelled={count}")))
            .finish()),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict { .. })) => {
            let error = AppError::from(e);
            let message = error.form_message(page.tr);
            refused(page, user, message, error.status()).await
        }
        Err(e) => Err(e).page(locale),
    }
}

#[derive(Deserialize)]
pub struct MeetingForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    attended: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    day: i32,
}

#[post("/leader/bookings/{id}/meeting")]
pub async fn meeting(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    path: web::Path<i32>,
    form: web::Form<MeetingForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    leaders_only(&user, locale)?;
    let booking = path.into_inner();
    if !csrf::verify(&session, &form.csrf) {
        let message = page.t("err.csrf").to_string();
        return day_page(
            &state,
            page,
            user,
            form.day,
            Some((booking, message)),
            StatusCode::FORBIDDEN,
            None,
        )
        .await;
    }
    let (rules, now) = (state.rules(), state.now());
    let attended = form.attended == "yes";
    let (actor, outcome) = (user.clone(), form.outcome.clone());
    let recorded = state
        .db
        .write(move |conn| {
            let meeting = reception::Meeting {
                booking,
                attended,
                outcome: &outcome,
            };
            reception::record_meeting(conn, rules.rules(), &actor, meeting, now)
        })
        .await;
    match recorded {
        Ok(_) => Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, format!("/leader/days/{}#booking-{booking}", form.day)))
            .finish()),
        Err(
            e @ (ServiceError::Invalid(_) | ServiceError::Conflict { .. } | ServiceError::Forbidden { .. }),
        ) => {
            let error = AppError::from(e);
            let message = error.form_message(page.tr);
            day_page(
                &state,
                page,
                user,
                form.day,
                Some((booking, message)),
                error.status(),
                None,
            )
            .await
        }
        Err(e) => Err(e).page(locale),
    }
}

#[derive(Deserialize)]
pub struct SuperviseForm {
    #[serde(default)]
    csrf: String,
    /// Where to come back to (a path on this site).
    #[serde(default)]
    back: String,
}

#[post("/leader/cases/{number}/supervise")]
pub async fn supervise(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    path: web::Path<String>,
    form: web::Form<SuperviseForm>,
) -> Result<HttpResponse, PageError> {
    let locale = PageCtx::staff(&req, &session, &user).locale();
    let number = parse_number(&path).page(locale)?;
    if !csrf::verify(&session, &form.csrf) {
        return Err(AppError::Forbidden { key: "err.csrf" }).page(locale);
    }
    let (rules, now) = (state.rules(), state.now());
    let target = number.clone();
    state
        .db
        .write(move |conn| reception::supervise(conn, rules.rules(), &user, &target, now))
        .await
        .page(locale)?;
    let back = LocalPath::parse_or(Some(&form.back), &format!("/staff/cases/{number}"));
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, back.as_str()))
        .finish())
}

/// A department's line in the report table.
pub struct FiguresLine {
    pub rank: usize,
    pub department: String,
    pub received: u32,
    pub accepted: u32,
    pub answered: u32,
    pub closed: u32,
    pub overdue_now: u32,
    pub on_time: String,
    pub median_days: String,
    pub response: String,
    pub resolution: String,
    pub satisfaction: String,
}

fn percent(rate: &Rate) -> String {
    rate.percent()
        .map(|p| format!("{p:.1}%"))
        .unwrap_or_else(|| "—".into())
}

impl FiguresLine {
    fn new(rank: usize, name: String, f: &Figures) -> Self {
        FiguresLine {
            rank,
            department: name,
            received: f.received,
            accepted: f.accepted,
            answered: f.answered,
            closed: f.closed,
            overdue_now: f.overdue_now,
            on_time: percent(&f.on_time),
            median_days: f
                .median_days_to_answer
                .map(|d| format!("{d:.1}"))
                .unwrap_or_else(|| "—".into()),
            response: percent(&f.response),
            resolution: percent(&f.resolution),
            satisfaction: percent(&f.satisfaction),
        }
    }
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    page: PageCtx,
    month: String,
    previous: String,
    next: String,
    lines: Vec<FiguresLine>,
    total: FiguresLine,
    top_categories: Vec<(String, u32)>,
    top_areas: Vec<(String, u32)>,
    reception_line: String,
    trend_chart: String,
    on_time_chart: String,
    category_chart: String,
    register_from: String,
    register_to: String,
}

#[get("/reports/monthly")]
pub async fn monthly(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    query: web::Query<MonthQuery>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx {
        wide: true,
        ..PageCtx::staff(&req, &session, &user)
    };
    let locale = page.locale();
    leaders_only(&user, locale)?;
    let month = month_or_now(&state, query.month.as_deref());
    let catalog = state.catalog();
    let (tz, now, codes) = (
        state.tz,
        state.now(),
        crate::web::api::leaders::departments(&catalog),
    );
    let report = state
        .db
        .run(move |conn| reports::monthly(conn, &codes, &user, month, tz, now))
        .await
        .page(locale)?;
    let tr = page.tr;
    let name = |code: &str| department_name(&catalog, locale, code);
    let lines: Vec<FiguresLine> = report
        .review
        .departments
        .iter()
        .enumerate()
        .map(|(i, f)| FiguresLine::new(i + 1, name(&f.department), f))
        .collect();
    let trend_chart = charts::lines(
        tr.t("report.trend"),
        &report.trend.iter().map(|(m, _, _)| m.clone()).collect::<Vec<_>>(),
        &[
            Series {
                name: tr.t("report.received").into(),
                values: report.trend.iter().map(|(_, r, _)| *r).collect(),
                colour: BLUE,
            },
            Series {
                name: tr.t("report.answered").into(),
                values: report.trend.iter().map(|(_, _, a)| *a).collect(),
                colour: ORANGE,
            },
        ],
    );
    let on_time_chart = charts::bars(
        tr.t("report.on_time"),
        &report
            .review
            .departments
            .iter()
            .filter(|f| f.on_time.denominator > 0)
            .map(|f| Bar {
                label: name(&f.department),
                value: f.on_time.percent().unwrap_or(0.0),
                shown: percent(&f.on_time),
            })
            .collect::<Vec<_>>(),
        Some(100.0),
        BLUE,
    );
    let category_chart = charts::bars(
        tr.t("report.by_category"),
        &report
            .review
            .top_categories
            .iter()
            .map(|(code, n)| Bar {
                label: category_name(&catalog, locale, code),
                value: f64::from(*n),
                shown: n.to_string(),
            })
            .collect::<Vec<_>>(),
        None,
        ORANGE,
    );
    let view = ReportPage {
        month: month.label(),
        previous: month.previous().label(),
        next: month.next().label(),
        total: FiguresLine::new(0, tr.t("report.all").into(), &report.review.total),
        lines,
        top_categories: report
            .review
            .top_categories
            .iter()
            .map(|(c, n)| (category_name(&catalog, locale, c), *n))
            .collect(),
        top_areas: report
            .review
            .top_areas
            .iter()
            .map(|(a, n)| (area_path_name(&catalog, locale, a), *n))
            .collect(),
        reception_line: {
            let (days, places, booked, attended) = report.reception;
            tr.f(
                "report.reception_line",
                &[
                    ("days", &days.to_string()),
                    ("places", &places.to_string()),
                    ("booked", &booked.to_string()),
                    ("attended", &attended.to_string()),
                ],
            )
        },
        trend_chart,
        on_time_chart,
        category_chart,
        register_from: month.first_day().to_string(),
        register_to: month.last_day().to_string(),
        page,
    };
    Ok(html(StatusCode::OK, view.render()))
}

#[derive(Deserialize)]
pub struct RangeQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// The register as XLSX or CSV, for leaders and administrators signed in or with a token.
#[get("/reports/register.{format}")]
pub async fn register(
    req: HttpRequest,
    state: web::Data<App>,
    path: web::Path<String>,
    query: web::Query<RangeQuery>,
) -> Result<HttpResponse, PageError> {
    let locale = crate::web::locale::locale_of(&req);
    let format = path.into_inner();
    if format != "xlsx" && format != "csv" {
        return Err(AppError::not_found()).page(locale);
    }
    let user = staff_from(&req, &state)
        .await
        .page(locale)?
        .ok_or(AppError::unauthenticated())
        .page(locale)?;
    leaders_only(&user, locale)?;
    let (from, to) = reports::register_range(&query.from, &query.to).page(locale)?;
    let (tz, now) = (state.tz, state.now());
    let rows = state
        .db
        .run(move |conn| reports::register(conn, &user, from, to, tz, now))
        .await
        .page(locale)?;
    let catalog = state.catalog();
    let name = format!("huiying-register-{from}-{to}.{format}");
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(name)],
    };
    let response = if format == "xlsx" {
        let bytes = crate::export::xlsx(&catalog, &rows, tz)
            .map_err(|e| AppError::internal(e))
            .page(locale)?;
        HttpResponse::Ok()
            .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .insert_header((CONTENT_DISPOSITION, disposition))
            .body(bytes)
    } else {
        HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((CONTENT_DISPOSITION, disposition))
            .body(crate::export::csv(&catalog, &rows, tz))
    };
    Ok(response)
}
