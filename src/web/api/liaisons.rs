//! A liaison's work as JSON: `POST /visits` records a visit with the cases it files.
//! Mediation and major matters are actions on a case (`POST /cases/{n}/mediation`,
//! `/major`, `/major/clear`).

use actix_web::{HttpResponse, post, web};
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
