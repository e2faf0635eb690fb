//! "Is this the same problem?": a step of its own between the form and the receipt, when
//! open cases like the one being filed exist. Supporting one of them, or filing anyway,
//! needs nothing typed again: the form travels in hidden fields.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use super::file::{FileForm, SimilarLine};
use super::{PageCtx, html};

#[derive(Template)]
#[template(path = "file_similar.html")]
struct SimilarPage {
    page: PageCtx,
    form: FileForm,
    similar: Vec<SimilarLine>,
    /// Where the form posts (the resident's or the intake office's).
    action: String,
}

/// The step's page: the matches, each to support, and the form to file anyway.
pub fn similar_step(page: PageCtx, form: FileForm, similar: Vec<SimilarLine>, action: &str) -> HttpResponse {
    let view = SimilarPage {
        page,
        form,
        similar,
        action: action.to_string(),
    };
    html(StatusCode::OK, view.render())
}
