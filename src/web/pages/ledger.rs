//! `/reports/ledger.xlsx|.csv?area=&month=`: an area's ledger of a month for download —
//! a liaison's own areas, or any for leaders, administrators and the intake office
//! (session or bearer token, as the register).

use actix_web::http::header::{CONTENT_DISPOSITION, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;

use crate::service::reports::Month;
use crate::web::App;
use crate::web::auth::staff_from;
use crate::web::error::{AppError, Localize, PageError};

#[derive(Debug, Deserialize)]
pub struct LedgerQuery {
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub month: String,
}

/// The month asked for (`YYYY-MM`), this one when absent.
pub fn month_of(state: &App, text: &str) -> Result<Month, AppError> {
    match text.trim() {
        "" => Ok(Month::of(crate::domain::deadline::local_date(
            state.now(),
            state.tz,
        ))),
        text => Month::parse(text).ok_or_else(|| {
            AppError::Invalid(crate::domain::field_error::FieldErrors::single(
                "month",
                crate::domain::field_error::FieldError::new("err.month"),
            ))
        }),
    }
}

#[get("/reports/ledger.{format}")]
pub async fn download(
    req: HttpRequest,
    state: web::Data<App>,
    path: web::Path<String>,
    query: web::Query<LedgerQuery>,
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
    let month = month_of(&state, &query.month).page(locale)?;
    let ledger = crate::service::ledger::of_month(&state, &user, query.area.trim(), month)
        .await
        .page(locale)?;
    let catalog = state.catalog();
    let rows = crate::export::ledger_rows(&catalog, &ledger);
    let name = format!("huiying-ledger-{}-{}.{format}", ledger.area, ledger.month);
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(name)],
    };
    let headers = &crate::export::LEDGER_HEADERS;
    Ok(if format == "xlsx" {
        let bytes = crate::export::table_xlsx("台账", headers, &rows, state.tz)
            .map_err(AppError::internal)
            .page(locale)?;
        HttpResponse::Ok()
            .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .insert_header((CONTENT_DISPOSITION, disposition))
            .body(bytes)
    } else {
        HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((CONTENT_DISPOSITION, disposition))
            .body(crate::export::table_csv(headers, rows.into_iter(), state.tz))
    })
}
