//! Recording a phone call, letter or visit as a case, on the resident's behalf.

use std::collections::BTreeMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};

use crate::domain::case::Channel;
use crate::domain::field_error::FieldErrors;
use crate::domain::new_case::{NewCase, contact_time};
use crate::service::caller::{Caller, ResidentProof};
use crate::service::{cases, file_case};
use crate::web::App;
use crate::web::auth::SignedIn;
use crate::web::error::{Localize, PageError};
use crate::web::forms::{Posted, Refused, shown};
use crate::web::pages::file::{Extras, FileForm, Opt, render_form, suggestion_step};
use crate::web::pages::{PageCtx, encode};

use crate::web::pages::see_other;

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

/// The case with the clerk's contact time, or every problem of both at once.
fn with_contact_time(
    parsed: Result<NewCase, FieldErrors>,
    contacted_at: Result<Option<chrono::DateTime<chrono::Utc>>, crate::domain::field_error::FieldError>,
) -> Result<NewCase, FieldErrors> {
    match (parsed, contacted_at) {
        (Ok(mut case), Ok(at)) => {
            case.contacted_at = at;
            Ok(case)
        }
        (Ok(_), Err(e)) => {
            let mut errors = FieldErrors::new();
            errors.add("contacted_at", e);
            Err(errors)
        }
        (Err(mut errors), Err(e)) => {
            errors.add("contacted_at", e);
            Err(errors)
        }
        (Err(errors), Ok(_)) => Err(errors),
    }
}

#[get("/staff/record")]
pub async fn record_form(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    file_case::may_record(&state, &user).page(page.locale())?;
    let channels = channel_options(page.tr, "phone");
    Ok(render_form(
        page,
        &state.catalog(),
        FileForm::default(),
        BTreeMap::new(),
        StatusCode::OK,
        "/staff/record",
        Extras {
            channels,
            ..Extras::default()
        },
    ))
}

#[post("/staff/record")]
pub async fn record(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    posted: Posted<FileForm>,
) -> Result<HttpResponse, PageError> {
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    file_case::may_record(&state, &user).page(locale)?;
    let fresh = posted.is_fresh();
    let form = posted.form;
    let catalog = state.catalog();
    let channels = channel_options(page.tr, &form.channel);
    if fresh && form.asks_for_suggestions() {
        return suggestion_step(&state, page, &catalog, form, "/staff/record", channels).await;
    }
    let channel = Channel::parse(&form.channel)
        .filter(|c| matches!(c, Channel::Phone | Channel::Letter | Channel::Visit));
    let parsed = NewCase::parse(
        &form.to_input(),
        &catalog,
        locale,
        channel.unwrap_or(Channel::Phone),
    );
    let parsed = with_contact_time(parsed, contact_time(&form.contacted_at, state.tz, state.now()));
    let problems = match (&parsed, channel, fresh) {
        (_, _, false) => Some(shown(page.tr, Refused::Stale).page(locale)?.errors),
        (Err(errors), _, _) => Some(crate::web::pages::file::form_messages(&page, errors)),
        (Ok(_), None, _) => Some(BTreeMap::from([(
            "channel".to_string(),
            page.t("err.channel_record").to_string(),
        )])),
        (Ok(_), Some(_), true) => None,
    };
    let (Some(case), None) = (parsed.ok(), &problems) else {
        let status = if fresh {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::FORBIDDEN
        };
        return Ok(render_form(
            page,
            &catalog,
            form,
            problems.unwrap_or_default(),
            status,
            "/staff/record",
            Extras {
                channels,
                ..Extras::default()
            },
        ));
    };
    let filed = file_case::record_for_resident(&state, &user, case)
        .await
        .page(locale)?;
    metrics::counter!("cases_filed_total", "channel" => filed_channel(&form.channel)).increment(1);
    // The clerk's own receipt: the number to read out, the private link to pass on.
    Ok(see_other(&format!(
        "/staff/record/{}?token={}",
        filed.tracking_number,
        encode(&filed.access_token)
    )))
}

#[derive(serde::Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    token: String,
}

#[derive(askama::Template)]
#[template(path = "staff_recorded.html")]
struct RecordedPage {
    page: PageCtx,
    number: String,
    /// With the number, opens the case for a resident without mail.
    code: String,
    private_link: String,
}

/// After saving: the number to read out, the private link, and the ways on.
#[get("/staff/record/{number}")]
pub async fn recorded(
    req: HttpRequest,
    session: Session,
    state: web::Data<App>,
    SignedIn(user): SignedIn,
    number: web::Path<String>,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, PageError> {
    use askama::Template;
    let page = PageCtx::staff(&req, &session, &user);
    let locale = page.locale();
    file_case::may_record(&state, &user).page(locale)?;
    let number = crate::web::query::parse_number(&number).page(locale)?;
    // The token proves this clerk's page is about the case just saved.
    let caller = Caller::Resident(ResidentProof::Token(query.token.clone()));
    let case = cases::for_resident(&state, &caller, number.clone())
        .await
        .page(locale)?;
    let info = req.connection_info();
    let private_link = format!(
        "{}://{}/cases/{}?token={}",
        info.scheme(),
        info.host(),
        case.public.tracking_number,
        encode(&query.token)
    );
    let code = cases::phone_code(&state, &user, &number).page(locale)?;
    let view = RecordedPage {
        code,
        number: case.public.tracking_number,
        private_link,
        page,
    };
    Ok(crate::web::pages::html(StatusCode::OK, view.render()))
}

fn filed_channel(code: &str) -> &'static str {
    Channel::parse(code).map(Channel::as_str).unwrap_or("phone")
}
