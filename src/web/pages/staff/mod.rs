//! The staff workspace: sign in, the queue, a case with everything that may be done to it,
//! the resident's identity on request (recorded), a password change, cases recorded on
//! a resident's behalf by the intake office, and answer templates.

mod account;
mod acting;
mod agreement;
mod case;
mod hint;
mod on_behalf;
mod sign_in;
mod templates;
mod worklist;

pub use account::{change_password, password_form};
pub use acting::{act_on_case, attachment, case_page, show_identity};
pub use agreement::add_agreement;
pub use on_behalf::{record, record_form, recorded};
pub use sign_in::{login, login_form, logout};
pub use templates::{create_template, delete_template, templates_list};
pub use worklist::queue;

use serde::Deserialize;

use crate::web::forms::csrf_field;
use crate::web::pages::file::Opt;

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}
csrf_field!(CsrfForm);

pub(super) fn opts<'a>(items: impl Iterator<Item = (&'a str, String)>, selected: Option<&str>) -> Vec<Opt> {
    items
        .map(|(code, name)| Opt {
            selected: Some(code) == selected,
            code: code.to_string(),
            name,
        })
        .collect()
}
