//! `GET /routing/suggest?text=`: the categories and departments the text most likely
//! belongs to, with the terms that weighed most. Public, as the routing rules are.

use actix_web::{HttpResponse, get, web};
use serde::Deserialize;

use crate::web::App;
use crate::web::error::{ApiError, Localize};
use crate::web::locale::Lang;

#[derive(Debug, Deserialize)]
pub struct SuggestQuery {
    #[serde(default)]
    pub text: String,
}

#[get("/routing/suggest")]
pub async fn suggest(
    state: web::Data<App>,
    Lang(locale): Lang,
    query: web::Query<SuggestQuery>,
) -> Result<HttpResponse, ApiError> {
    let view = crate::service::suggest::suggest(&state, &query.text, locale)
        .await
        .api(locale)?;
    Ok(HttpResponse::Ok().json(view))
}
