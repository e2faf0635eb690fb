//! The error summary at the top of a form's page (the GOV.UK pattern): it says how many
//! fields need attention, and each message is a link to its field.

use std::collections::BTreeMap;

use crate::i18n::Tr;

pub struct ErrorSummary {
    pub title: String,
    /// The field's element id and the message, in the form's order of fields.
    pub items: Vec<(String, String)>,
}

impl ErrorSummary {
    /// The summary of `errors` (by field name; "form" is the whole form's), or none.
    /// `id_of` names a field's element: the page knows its ids.
    pub fn new(tr: Tr, errors: &BTreeMap<String, String>, id_of: impl Fn(&str) -> String) -> Option<Self> {
        if errors.is_empty() {
            return None;
        }
        let fields: Vec<_> = errors.iter().filter(|(field, _)| *field != "form").collect();
        let title = match fields.len() {
            0 => tr.t("err.summary_form").to_string(),
            1 => tr.f("err.summary_one", &[("count", "1")]),
            n => tr.f("err.summary", &[("count", &n.to_string())]),
        };
        let whole = errors.get("form").map(|message| (id_of("form"), message.clone()));
        let items = whole
            .into_iter()
            .chain(
                fields
                    .into_iter()
                    .map(|(field, message)| (id_of(field), message.clone())),
            )
            .collect();
        Some(ErrorSummary { title, items })
    }

    /// The summary of an action form whose fields are `{form}-{field}`.
    pub fn of_action(tr: Tr, form_id: &str, errors: &BTreeMap<String, String>) -> Option<Self> {
        Self::new(tr, errors, |field| match field {
            "form" => format!("action-{form_id}"),
            "legal_basis" => format!("{form_id}-basis"),
            field => format!("{form_id}-{field}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::locale::Locale;

    fn errors(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_summary_counts_fields_in_both_languages_and_links_each() {
        let one = ErrorSummary::of_action(Tr(Locale::En), "evaluation", &errors(&[("rating", "Choose one")]));
        let one = one.expect("a summary");
        assert!(one.title.starts_with("1 field needs"), "{}", one.title);
        assert_eq!(
            one.items,
            vec![("evaluation-rating".to_string(), "Choose one".to_string())]
        );
        let two = ErrorSummary::of_action(
            Tr(Locale::ZhCn),
            "answer",
            &errors(&[("legal_basis", "请填写"), ("text", "请填写"), ("form", "未保存")]),
        )
        .expect("a summary");
        assert!(two.title.contains('2'), "{}", two.title);
        assert_eq!(two.items[0].0, "action-answer");
        assert_eq!(two.items[1].0, "answer-basis");
        assert!(ErrorSummary::of_action(Tr(Locale::En), "x", &BTreeMap::new()).is_none());
        let whole = ErrorSummary::of_action(Tr(Locale::En), "x", &errors(&[("form", "Not now")]));
        assert!(!whole.expect("a summary").title.contains('0'));
    }
}
