//! Open311 GeoReport v2's answers, as JSON values (the web layer writes them as XML or
//! JSON): discovery, the services (our categories), a service's definition, and the
//! requests (our cases) with only what the public may see.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};

use super::ServiceError;
use crate::app::App;
use crate::db::open311::{RequestFilter, RequestRow, requests};
use crate::domain::case::CaseState;
use crate::domain::catalog::Catalog;
use crate::domain::locale::Locale;
use crate::domain::open311::status;
use crate::domain::text::redact;

/// The specification's name for itself, as discovery gives it.
pub const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";
/// When this endpoint's behaviour last changed.
pub const CHANGESET: &str = "2026-12-02T00:00:00+08:00";
/// The longest span of dates one `GET requests` may ask for.
pub const MAX_DAYS: i64 = 90;
pub const MAX_PAGE_SIZE: i64 = 1000;

/// An Open311 refusal: its HTTP status and what it says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {description}")]
pub struct Refusal {
    pub status: u16,
    pub description: String,
}

fn refuse(status: u16, description: impl Into<String>) -> Refusal {
    Refusal {
        status,
        description: description.into(),
    }
}

/// A datetime as the spec wants it: ISO 8601 with the local offset.
pub fn w3c(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// Whether a `jurisdiction_id` given by a client names this portal.
pub fn check_jurisdiction(app: &App, given: Option<&str>) -> Result<(), Refusal> {
    match (
        given.filter(|g| !g.is_empty()),
        app.settings.open311_jurisdiction.as_deref(),
    ) {
        (None, _) => Ok(()),
        (Some(g), Some(ours)) if g == ours => Ok(()),
        (Some(g), _) => Err(refuse(404, format!("jurisdiction_id {g} is not served here"))),
    }
}

pub fn discovery(app: &App) -> Value {
    let catalog = app.catalog();
    let contact = catalog.intake();
    let contact = [
        Some(contact.names.zh.clone()).filter(|n| !n.is_empty()),
        contact.contact.phone.clone(),
        contact.contact.address.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    json!({
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": format!("{}/admin", app.settings.public_url()),
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": format!("{}/open311/v2", app.settings.public_url()),
            "changeset": CHANGESET,
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    })
}

/// One service per category in use (reports about officials included: they may be filed,
/// only never listed).
pub fn services(catalog: &Catalog, locale: Locale) -> Value {
    let list: Vec<Value> = catalog
        .categories
        .iter()
        .filter(|c| c.active)
        .map(|c| {
            let group = catalog
                .group(&c.group_code)
                .map(|g| g.names.get(locale).to_string());
            let keywords = format!("{},{}", c.names.zh, c.names.en);
            json!({
                "service_code": c.code,
                "service_name": c.names.get(locale),
                "description": c.names.get(locale),
                // The area is always asked for (when no location is given).
                "metadata": true,
                "type": "realtime",
                "keywords": keywords,
                "group": group.unwrap_or_default(),
            })
        })
        .collect();
    Value::Array(list)
}

/// A service's definition: its one attribute, the area, as a list of area codes.
pub fn definition(catalog: &Catalog, code: &str, locale: Locale) -> Result<Value, Refusal> {
    let category = catalog
        .category(code)
        .filter(|c| c.active)
        .ok_or_else(|| refuse(404, format!("service_code {code} not found")))?;
    let values: Vec<Value> = catalog
        .areas
        .iter()
        .filter(|a| a.active)
        .map(|a| {
            let path = catalog.area_path(&a.code).unwrap_or_default();
            let name = path
                .iter()
                .rev()
                .filter_map(|c| catalog.area(c))
                .map(|a| a.names.get(locale))
                .collect::<Vec<_>>()
                .join(" › ");
            json!({ "key": a.code, "name": name })
        })
        .collect();
    let (description, datatype_description) = match locale {
        Locale::ZhCn => ("问题发生的地区（未提供坐标时必填）", "地区代码"),
        Locale::En => (
            "Where the problem is (required when no location is given)",
            "An area code",
        ),
    };
    Ok(json!({
        "service_code": category.code,
        "attributes": [{
            "variable": true,
            "code": "area",
            "datatype": "singlevaluelist",
            "required": false,
            "datatype_description": datatype_description,
            "order": 1,
            "description": description,
            "values": values,
        }],
    }))
}

/// What `GET requests` asks.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub ids: Vec<String>,
    pub service_codes: Vec<String>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub status: Option<String>,
    pub page: i64,
    pub page_size: i64,
}

fn parse_w3c(text: &str, field: &str) -> Result<DateTime<Utc>, Refusal> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            refuse(
                400,
                format!("{field} must be a W3C datetime, e.g. 2026-12-01T00:00:00+08:00"),
            )
        })
}

impl Query {
    /// From the query string's parameters (each as given).
    pub fn parse(
        ids: Option<&str>,
        codes: Option<&str>,
        start: Option<&str>,
        end: Option<&str>,
        status: Option<&str>,
        page: Option<&str>,
        page_size: Option<&str>,
    ) -> Result<Query, Refusal> {
        let list = |v: Option<&str>| -> Vec<String> {
            v.unwrap_or("")
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        };
        let number = |v: Option<&str>, field: &str, default: i64| -> Result<i64, Refusal> {
            match v.map(str::trim).filter(|v| !v.is_empty()) {
                None => Ok(default),
                Some(v) => v
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| refuse(400, format!("{field} must be a whole number from 1"))),
            }
        };
        let status = match status.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s @ ("open" | "closed")) => Some(s.to_string()),
            Some(other) => return Err(refuse(400, format!("status {other} is neither open nor closed"))),
        };
        let page_size = number(page_size, "page_size", 100)?;
        if page_size > MAX_PAGE_SIZE {
            return Err(refuse(400, format!("page_size may be at most {MAX_PAGE_SIZE}")));
        }
        Ok(Query {
            ids: list(ids),
            service_codes: list(codes),
            start: start
                .filter(|s| !s.trim().is_empty())
                .map(|s| parse_w3c(s, "start_date"))
                .transpose()?,
            end: end
                .filter(|s| !s.trim().is_empty())
                .map(|s| parse_w3c(s, "end_date"))
                .transpose()?,
            status,
            page: number(page, "page", 1)?,
            page_size,
        })
    }

    /// The span of dates asked for: the last 90 days by default, never longer.
    pub fn span(&self, now: DateTime<Utc>) -> Result<(DateTime<Utc>, DateTime<Utc>), Refusal> {
        let (start, end) = match (self.start, self.end) {
            (Some(s), Some(e)) => (s, e),
            (Some(s), None) => (s, (s + Duration::days(MAX_DAYS)).min(now)),
            (None, Some(e)) => (e - Duration::days(MAX_DAYS), e),
            (None, None) => (now - Duration::days(MAX_DAYS), now),
        };
        if end < start {
            return Err(refuse(400, "end_date is before start_date"));
        }
        if end - start > Duration::days(MAX_DAYS) {
            return Err(refuse(400, format!("at most {MAX_DAYS} days at a time")));
        }
        Ok((start, end))
    }
}

fn request_json(catalog: &Catalog, locale: Locale, tz: Tz, row: &RequestRow) -> Value {
    let state = CaseState::parse(&row.state).unwrap_or(CaseState::Submitted);
    let tr = crate::i18n::Tr(locale);
    let public = row.publish_consent && !row.confidential;
    let category = catalog.category(&row.category_code);
    let at = |t: NaiveDateTime| w3c(t.and_utc(), tz);
    json!({
        "service_request_id": row.tracking_number,
        "status": status(state),
        "status_notes": tr.t(&format!("state.{}", state.as_str())),
        "service_name": category.map(|c| c.names.get(locale)).unwrap_or(&row.category_code),
        "service_code": row.category_code,
        "description": if public { format!("{}\n{}", redact(&row.title), redact(&row.description)) } else { String::new() },
        "agency_responsible": crate::format::department_name(catalog, locale, &row.department_code),
        "service_notice": "",
        "requested_datetime": at(row.submitted_at),
        "updated_datetime": at(row.updated_at),
        "expected_datetime": row.due_at.map(at).unwrap_or_default(),
        "address": if public { row.address.as_deref().map(redact).unwrap_or_default() } else { String::new() },
        "lat": if public { row.latitude.map(Value::from).unwrap_or(Value::Null) } else { Value::Null },
        "long": if public { row.longitude.map(Value::from).unwrap_or(Value::Null) } else { Value::Null },
        "media_url": "",
    })
}

/// The requests asked for, newest first, with only what the public may see. Reports
/// about officials are never listed.
pub async fn list(app: &App, query: Query, locale: Locale) -> Result<Value, ServiceError> {
    let catalog = app.catalog();
    let (start, end) = query.span(app.now()).map_err(to_service)?;
    let hidden = catalog.report_categories();
    let filter = RequestFilter {
        numbers: query.ids.clone(),
        categories: query.service_codes.clone(),
        hidden,
        from: Some(start.naive_utc()),
        to: Some(end.naive_utc()),
        ended: query.status.as_deref().map(|s| s == "closed"),
        terminal_states: CaseState::ALL
            .iter()
            .filter(|s| s.is_terminal())
            .map(|s| s.as_str())
            .collect(),
        offset: (query.page - 1) * query.page_size,
        limit: query.page_size,
    };
    let tz = app.tz;
    let rows = app
        .read(move |conn, _, _| Ok::<_, ServiceError>(requests(conn, &filter)?))
        .await?;
    Ok(Value::Array(
        rows.iter()
            .map(|r| request_json(&catalog, locale, tz, r))
            .collect(),
    ))
}

/// One request by its number, as an array of one (the spec's shape).
pub async fn one(app: &App, number: &str, locale: Locale) -> Result<Value, ServiceError> {
    let query = Query {
        ids: vec![number.to_string()],
        page: 1,
        page_size: 1,
        ..Query::default()
    };
    let found = list(app, query, locale).await?;
    match found.as_array().map(Vec::len) {
        Some(1) => Ok(found),
        _ => Err(ServiceError::NotFound),
    }
}

/// A refusal carried through the service's error type (400 as invalid input).
fn to_service(r: Refusal) -> ServiceError {
    let mut errors = crate::domain::field_error::FieldErrors::new();
    errors.add(
        "open311",
        crate::domain::field_error::FieldError::new("err.catalog").with("message", r.description),
    );
    ServiceError::Invalid(errors)
}

/// What `POST requests` carries, by the spec's names (`attribute[area]` is the area).
#[derive(Debug, Clone, Default)]
pub struct Filing {
    pub api_key: String,
    pub jurisdiction_id: Option<String>,
    pub service_code: String,
    pub lat: Option<String>,
    pub long: Option<String>,
    pub address_string: String,
    pub address_id: String,
    pub area: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub description: String,
}

/// The most characters a request's description may have.
pub const MAX_DESCRIPTION: usize = 4000;

impl Filing {
    /// From the body's name–value pairs (form-urlencoded, or a JSON object's fields).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, String)>) -> Filing {
        let mut f = Filing::default();
        for (name, value) in pairs {
            let value = value.trim().to_string();
            match name {
                "api_key" => f.api_key = value,
                "jurisdiction_id" => f.jurisdiction_id = Some(value),
                "service_code" => f.service_code = value,
                "lat" => f.lat = Some(value),
                "long" => f.long = Some(value),
                "address_string" => f.address_string = value,
                "address_id" => f.address_id = value,
                "attribute[area]" | "attribute[area][]" => f.area = value,
                "email" => f.email = value,
                "first_name" => f.first_name = value,
                "last_name" => f.last_name = value,
                "phone" => f.phone = value,
                "description" => f.description = value,
                // device_id, account_id, media_url and other attributes are not kept.
                _ => {}
            }
        }
        f
    }

    /// Who is writing: a Chinese name is surname then given name, without a space.
    fn name(&self) -> String {
        let (first, last) = (self.first_name.as_str(), self.last_name.as_str());
        let cjk = |s: &str| s.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        match (first.is_empty(), last.is_empty()) {
            (false, false) if cjk(first) && cjk(last) => format!("{last}{first}"),
            (false, false) => format!("{first} {last}"),
            (false, true) => first.to_string(),
            (true, _) => last.to_string(),
        }
    }
}

/// Files an Open311 request through the same use case as the form (validation, routing,
/// receipt mail when there is an address), as the key's client.
pub async fn file(app: &App, filing: Filing, locale: Locale) -> Result<Value, Refusal> {
    let key = super::api_keys::authenticate(app, &filing.api_key)
        .await
        .map_err(|e| refuse(500, e.to_string()))?
        .ok_or_else(|| refuse(403, "api_key is missing, wrong or revoked"))?;
    check_jurisdiction(app, filing.jurisdiction_id.as_deref())?;
    app.key_filings.check(&key, app.now()).map_err(|secs| {
        refuse(
            429,
            format!("this key's filing limit is reached: try again in {secs} s"),
        )
    })?;
    let catalog = app.catalog();
    if !catalog.category(&filing.service_code).is_some_and(|c| c.active) {
        return Err(refuse(
            400,
            format!("service_code {:?} is not a service here", filing.service_code),
        ));
    }
    let area = [filing.area.as_str(), filing.address_id.as_str()]
        .into_iter()
        .find(|code| catalog.area(code).is_some_and(|a| a.active))
        .map(str::to_string)
        .ok_or_else(|| {
            refuse(
                400,
                "a location is needed: attribute[area] or address_id with an area code from the service definition \
                 (areas here have no coordinates to match lat/long against)",
            )
        })?;
    if filing.description.chars().count() > MAX_DESCRIPTION {
        return Err(refuse(
            400,
            format!("description may have at most {MAX_DESCRIPTION} characters"),
        ));
    }
    let number = |v: &Option<String>| v.as_deref().and_then(|v| v.parse::<f64>().ok());
    let title: String = filing.description.chars().take(24).collect();
    let input = crate::domain::new_case::CaseInput {
        category: filing.service_code.clone(),
        area,
        title: title.trim().to_string(),
        description: filing.description.clone(),
        address: Some(filing.address_string.clone()).filter(|a| !a.is_empty()),
        lat: number(&filing.lat),
        long: number(&filing.long),
        resident: crate::domain::new_case::ResidentInput {
            name: filing.name(),
            phone: Some(filing.phone.clone()).filter(|p| !p.is_empty()),
            email: Some(filing.email.clone()).filter(|e| !e.is_empty()),
        },
        confidential: false,
        publish_consent: false,
        concerned_department: None,
    };
    let mut case =
        crate::domain::new_case::NewCase::parse(&input, &catalog, locale, crate::domain::case::Channel::Api)
            .map_err(|errors| {
                let said: Vec<String> = errors
                    .iter()
                    .map(|(field, e)| format!("{field}: {}", crate::i18n::field_error(locale, e)))
                    .collect();
                refuse(400, said.join("; "))
            })?;
    case.via = Some(key.name.clone());
    let filed = super::file_case::file(app, case, super::file_case::FilingOptions::default())
        .await
        .map_err(|e| match e {
            ServiceError::Conflict { key } => refuse(400, crate::i18n::Tr(locale).t(key)),
            other => refuse(500, other.to_string()),
        })?;
    let notice = crate::i18n::Tr(locale).f(
        "open311.notice",
        &[
            ("department", filed.department.names.get(locale)),
            (
                "due",
                &crate::format::date(locale, filed.acceptance_due_at, app.tz),
            ),
        ],
    );
    Ok(json!([{
        "service_request_id": filed.tracking_number.as_str(),
        "service_notice": notice,
        "account_id": Value::Null,
    }]))
}

/// The mySociety updates extension: each public step that changed a request's status
/// between two moments (at most 90 days; the last day by default), oldest first.
pub async fn updates(
    app: &App,
    start: Option<&str>,
    end: Option<&str>,
    locale: Locale,
) -> Result<Value, Refusal> {
    let query = Query::parse(None, None, start, end, None, None, None)?;
    let now = app.now();
    let (from, to) = match (query.start, query.end) {
        (None, None) => (now - Duration::days(1), now),
        _ => query.span(now)?,
    };
    let catalog = app.catalog();
    let hidden = catalog.report_categories();
    let rows = app
        .read(move |conn, _, _| {
            Ok::<_, ServiceError>(crate::db::open311::updates(
                conn,
                crate::domain::open311::UPDATE_KINDS,
                &hidden,
                from.naive_utc(),
                to.naive_utc(),
                MAX_PAGE_SIZE,
            )?)
        })
        .await
        .map_err(|e| refuse(500, e.to_string()))?;
    let tr = crate::i18n::Tr(locale);
    let list = rows
        .iter()
        .filter_map(|r| {
            let state = crate::domain::open311::state_after(&r.kind)?;
            let data = serde_json::from_str::<crate::domain::timeline::EventData>(&r.payload).ok();
            let text = crate::format::event_text(tr, &catalog, app.tz, &r.kind, data.as_ref());
            Some(json!({
                "update_id": r.id.to_string(),
                "service_request_id": r.tracking_number,
                "status": crate::domain::open311::update_status(state),
                "updated_datetime": w3c(r.at.and_utc(), app.tz),
                "description": text.summary,
                "media_url": "",
            }))
        })
        .collect();
    Ok(Value::Array(list))
}
