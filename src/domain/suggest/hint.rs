//! What a suggestion means to whoever holds the case: the intake office is told where the
//! text says it belongs; a department holding a case that reads like another's business
//! is told early, while it may still object or transfer.

use super::{Scored, Suggestion};

/// Below this a department is not told its case may be another's: a weak hint is noise.
pub const ELSEWHERE_CONFIDENCE: f32 = 0.6;

#[derive(Debug, Clone, PartialEq)]
pub enum Hint {
    /// At the intake office, which places the case: the likeliest department and category.
    Place {
        department: Scored,
        category: Option<Scored>,
        /// The words of the text that weighed most.
        terms: Vec<String>,
    },
    /// With a department, which may still object or transfer: it reads like another's.
    Elsewhere { department: Scored, terms: Vec<String> },
}

/// Where the case stands for the person looking at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holder<'a> {
    pub department: &'a str,
    /// The viewer may re-route it now (the intake office holding it).
    pub may_reroute: bool,
    /// The viewer may object to it or transfer it now (within the window for objections).
    pub may_send_away: bool,
}

pub fn hint(s: &Suggestion, holder: Holder<'_>) -> Option<Hint> {
    let top = s.departments.first()?;
    if holder.may_reroute {
        return (top.code != holder.department).then(|| Hint::Place {
            department: top.clone(),
            category: s.categories.first().cloned(),
            terms: s.terms.clone(),
        });
    }
    (holder.may_send_away && top.code != holder.department && top.score >= ELSEWHERE_CONFIDENCE).then(|| {
        Hint::Elsewhere {
            department: top.clone(),
            terms: s.terms.clone(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scored(code: &str, score: f32) -> Scored {
        Scored {
            code: code.into(),
            score,
        }
    }

    fn suggestion(department: &str, score: f32) -> Suggestion {
        Suggestion {
            categories: vec![scored("noise", 0.9)],
            departments: vec![scored(department, score), scored("other", 1.0 - score)],
            terms: vec!["噪音".into()],
        }
    }

    fn holder(department: &str, may_reroute: bool, may_send_away: bool) -> Holder<'_> {
        Holder {
            department,
            may_reroute,
            may_send_away,
        }
    }

    #[test]
    fn the_intake_office_is_told_where_it_belongs_however_sure() {
        assert_eq!(
            hint(&suggestion("environment", 0.3), holder("intake", true, false)),
            Some(Hint::Place {
                department: scored("environment", 0.3),
                category: Some(scored("noise", 0.9)),
                terms: vec!["噪音".into()],
            })
        );
    }

    #[test]
    fn a_department_is_told_only_when_sure_and_still_able_to_act() {
        let h = |d, s, send| hint(&suggestion(d, s), holder("transport", false, send));
        assert_eq!(
            h("environment", 0.8, true),
            Some(Hint::Elsewhere {
                department: scored("environment", 0.8),
                terms: vec!["噪音".into()],
            })
        );
        assert_eq!(h("environment", 0.5, true), None, "not sure enough");
        assert_eq!(h("environment", 0.8, false), None, "past the time to object");
        assert_eq!(h("transport", 0.9, true), None, "it is theirs");
    }

    #[test]
    fn no_suggestion_no_hint() {
        assert_eq!(hint(&Suggestion::default(), holder("intake", true, true)), None);
    }
}
