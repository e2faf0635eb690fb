//! The routing model's hint on a staff case page, in words for whoever holds the case.

use crate::domain::catalog::Catalog;
use crate::format::{category_name, department_name};

/// The routing model's hint, worded for whoever holds the case.
pub struct HintLine {
    pub message: String,
    /// Set at the intake office: one click places the case there.
    pub reroute_to: Option<(String, String)>,
    /// The reason the one-click re-route records.
    pub reason: String,
    /// The category the one-click re-route corrects the case to, if the model's differs.
    pub category: Option<String>,
    /// "Words that weighed most: …", when there are any.
    pub terms: Option<String>,
}

fn terms_line(tr: crate::i18n::Tr, terms: &[String]) -> Option<String> {
    (!terms.is_empty()).then(|| tr.f("hint.terms", &[("terms", &tr.list(terms))]))
}

pub(super) fn hint_line(
    tr: crate::i18n::Tr,
    catalog: &Catalog,
    hint: &crate::domain::suggest::hint::Hint,
    current_category: &str,
) -> HintLine {
    use crate::domain::suggest::hint::Hint;
    let locale = tr.locale();
    let percent = |score: f32| format!("{}%", (score * 100.0).round() as u32);
    let reason = tr.t("hint.reason").to_string();
    match hint {
        Hint::Place {
            department,
            category,
            terms,
        } => {
            let category_change = category
                .as_ref()
                .map(|c| &c.code)
                .filter(|c| **c != current_category);
            let name = department_name(catalog, locale, &department.code);
            let category = category
                .as_ref()
                .map(|c| {
                    tr.f(
                        "hint.category",
                        &[
                            ("category", &category_name(catalog, locale, &c.code)),
                            ("score", &percent(c.score)),
                        ],
                    )
                })
                .unwrap_or_default();
            HintLine {
                message: tr.f(
                    "hint.place",
                    &[
                        ("department", &name),
                        ("score", &percent(department.score)),
                        ("category", &category),
                    ],
                ),
                reroute_to: Some((
                    department.code.clone(),
                    match category_change {
                        Some(c) => tr.f(
                            "hint.reroute_category",
                            &[
                                ("department", &name),
                                ("category", &category_name(catalog, locale, c)),
                            ],
                        ),
                        None => tr.f("hint.reroute", &[("department", &name)]),
                    },
                )),
                reason,
                category: category_change.cloned(),
                terms: terms_line(tr, terms),
            }
        }
        Hint::Elsewhere { department, terms } => HintLine {
            message: tr.f(
                "hint.elsewhere",
                &[
                    ("department", &department_name(catalog, locale, &department.code)),
                    ("score", &percent(department.score)),
                ],
            ),
            reroute_to: None,
            reason,
            category: None,
            terms: terms_line(tr, terms),
        },
    }
}
