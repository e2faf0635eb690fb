//! The data downloads (everything kept about a resident, or one case; tables as XLSX
//! or CSV), shared by the pages and the API.

use actix_web::HttpResponse;
use actix_web::http::header::{CONTENT_DISPOSITION, ContentDisposition, DispositionParam, DispositionType};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};

use crate::domain::catalog::Catalog;
use crate::domain::locale::Locale;
use crate::format::rfc3339;
use crate::service::caller::Caller;
use crate::service::residents::{self, Export};
use crate::web::App;
use crate::web::api::cases::ResidentCaseView;
use crate::web::error::AppError;

/// Everything kept about a resident, as one JSON document.
pub fn export_json(catalog: &Catalog, locale: Locale, tz: Tz, export: &Export, now: DateTime<Utc>) -> Value {
    json!({
        "exported_at": rfc3339(now),
        "account": export.account.as_ref().map(|a| json!({
            "email": a.email,
            "locale": a.locale,
            "created_at": rfc3339(a.created_at),
            "last_seen_at": rfc3339(a.last_seen_at),
        })),
        "cases": export.cases.iter().map(|c| ResidentCaseView::of(catalog, locale, tz, c)).collect::<Vec<_>>(),
        "supports": export.supports.iter().map(|(number, s)| json!({
            "tracking_number": number,
            "email": s.email,
            "created_at": rfc3339(s.created_at),
            "confirmed_at": s.confirmed_at.map(rfc3339),
        })).collect::<Vec<_>>(),
    })
}

/// A JSON download, named for what it holds.
pub fn download(body: &Value, name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((
            CONTENT_DISPOSITION,
            ContentDisposition {
                disposition: DispositionType::Attachment,
                parameters: vec![DispositionParam::Filename(name.to_string())],
            },
        ))
        .content_type("application/json; charset=utf-8")
        .body(serde_json::to_string_pretty(body).unwrap_or_default())
}

/// A table as a spreadsheet (`xlsx`) or CSV download, named `name.format`; any other
/// format is not found.
pub fn table(
    format: &str,
    name: &str,
    sheet: &str,
    headers: &[&str],
    rows: Vec<Vec<crate::export::Cell>>,
    tz: Tz,
) -> Result<HttpResponse, AppError> {
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(format!("{name}.{format}"))],
    };
    match format {
        "xlsx" => {
            let bytes = crate::export::table_xlsx(sheet, headers, &rows, tz).map_err(AppError::internal)?;
            Ok(HttpResponse::Ok()
                .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                .insert_header((CONTENT_DISPOSITION, disposition))
                .body(bytes))
        }
        "csv" => Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((CONTENT_DISPOSITION, disposition))
            .body(crate::export::table_csv(headers, rows.into_iter(), tz))),
        _ => Err(AppError::not_found()),
    }
}

/// The start of every table download: its format (`xlsx` or `csv`, anything else is not
/// found) and the staff member or token holder asking, whom the service then checks.
pub async fn table_reader(
    req: &actix_web::HttpRequest,
    state: &App,
    format: &str,
) -> Result<(Locale, crate::service::auth::StaffUser), crate::web::error::PageError> {
    use crate::web::error::Localize;
    let locale = crate::web::locale::locale_of(req);
    if format != "xlsx" && format != "csv" {
        return Err(AppError::not_found()).page(locale);
    }
    let user = crate::web::auth::staff_from(req, state)
        .await
        .page(locale)?
        .ok_or(AppError::unauthenticated())
        .page(locale)?;
    Ok((locale, user))
}

/// The export of one case for whoever proves it is theirs.
pub async fn case_export(
    state: &App,
    locale: Locale,
    caller: &Caller,
    number: crate::domain::tracking::TrackingNumber,
) -> Result<Value, AppError> {
    let export = residents::export_one(state, caller, number).await?;
    Ok(export_json(
        &state.catalog(),
        locale,
        state.tz,
        &export,
        state.now(),
    ))
}
