//! A liaison's work as JSON: `POST /visits` records a visit with the cases it files.
//! Mediation and major matters are actions on a case (`POST /cases/{n}/mediation`,
//! `/major`, `/major/clear`).

use actix_web::{HttpResponse, get, post, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::doc::Errors;
use crate::service::visits::{self, VisitInput};
use crate::web::App;
use crate::web::auth::ApiStaff;
use crate::web::error::{ApiError, AppError, Localize};
use crate::web::locale::Lang;

#[derive(Serialize, ToSchema)]
pub struct VisitFiled {
    pub id: i32,
    pub cases: Vec<FiledFromVisit>,
}

#[derive(Serialize, ToSchema)]
pub struct FiledFromVisit {
    pub tracking_number: String,
    /// The department the case was routed to.
    pub department: String,
}

/// Records a liaison's visit to one of their areas, and files each problem raised as a
/// case for the residents (channel `visit`), all at once or nothing; with no case, the
/// notes say that nothing was raised. Field errors name the case: `cases[1].title`.
#[utoipa::path(
    tag = "liaisons",
    request_body = VisitInput,
    responses((status = 201, body = VisitFiled), Errors),
    security(("staff_token" = []))
)]
#[post("/visits")]
pub async fn record_visit(
    state: web::Data<App>,
    Lang(locale): Lang,
    ApiStaff(user): ApiStaff,
    body: web::Json<VisitInput>,
) -> Result<HttpResponse, ApiError> {
    let recorded = visits::record(&state, &user, body.into_inner())
        .await
        .map_err(AppError::from)
        .api(locale)?;
    Ok(HttpResponse::Created().json(VisitFiled {
        id: recorded.id,
        cases: recorded
            .cases
            .into_iter()
            .map(|c| FiledFromVisit {
                tracking_number: c.tracking_number,
                department: c.department,
            })
            .collect(),
    }))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerParams {
    /// An area code (its villages included).
    #[serde(default)]
    area: String,
    /// `YYYY-MM`; this month when absent.
    #[serde(default)]
    month: String,
}

/// An area's ledger (台账) of a month: visits, the cases they filed, mediations and how
/// they ended, the cases still open with their deadlines; no resident's identity. A
/// liaison's own areas, or any for leaders, administrators and the intake office. Also
/// `/reports/ledger.xlsx` and `.csv`.
#[utoipa::path(
    tag = "liaisons",
    params(LedgerParams),
    responses((status = 200, body = crate::service::ledger::Ledger), Errors),
    security(("staff_token" = []))
)]
#[get("/ledger")]
pub async fn ledger(
    state: web::Data<App>,
    Lang(locale): Lang,
    ApiStaff(user): ApiStaff,
    query: web::Query<LedgerParams>,
) -> Result<HttpResponse, ApiError> {
    let month = crate::web::pages::ledger::month_of(&state, &query.month).api(locale)?;
    let ledger = crate::service::ledger::of_month(&state, &user, query.area.trim(), month)
        .await
        .api(locale)?;
    Ok(HttpResponse::Ok().json(ledger))
}
