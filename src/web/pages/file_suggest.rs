//! The form's first step for a resident unsure of the category: what they typed comes
//! back with the categories their description most likely fits, offered first.

use std::collections::BTreeMap;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use super::PageCtx;
use super::file::{Extras, FileForm, Opt, render_form};
use crate::domain::catalog::Catalog;
use crate::web::App;
use crate::web::error::{Localize, PageError};

/// A category the model finds likely for the description, as the form offers it.
pub struct Suggested {
    pub code: String,
    pub name: String,
    pub percent: u32,
}

impl FileForm {
    /// The resident pressed "suggest a category": not a filing yet.
    pub fn asks_for_suggestions(&self) -> bool {
        self.step == "suggest"
    }
}

/// The form again, with what the resident typed and, first in the category list, the
/// categories their description most likely fits.
pub async fn suggestion_step(
    state: &App,
    page: PageCtx,
    catalog: &Catalog,
    mut form: FileForm,
    action: &str,
    channels: Vec<Opt>,
) -> Result<HttpResponse, PageError> {
    let locale = page.locale();
    form.step.clear();
    let text = format!("{}\n{}", form.title, form.description);
    let suggested = crate::service::suggest::suggest(state, &text, locale)
        .await
        .page(locale)?
        .categories
        .into_iter()
        .map(|c| Suggested {
            percent: (c.score * 100.0).round() as u32,
            code: c.code,
            name: c.name,
        })
        .collect();
    Ok(render_form(
        page,
        catalog,
        form,
        BTreeMap::new(),
        StatusCode::OK,
        action,
        Extras { channels, suggested },
    ))
}
