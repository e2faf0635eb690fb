//! The vocabulary of a case: its states, how it came in, who may see an event.

/// Declares a string-backed enum with `as_str`, `parse` and `ALL`, stored as text in both
/// databases and spelled the same in the API (and its schema: the texts are `tt`, not
/// `literal`, so derives read them as plain string literals).
macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:tt),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use text_enum;

text_enum! {
    /// Every state of PRODUCT.md's "life of a case".
    CaseState {
        Submitted = "submitted",
        /// Waiting for the resident to confirm by email, where the deployment asks for it.
        Unconfirmed = "unconfirmed",
        Routed = "routed",
        Accepted = "accepted",
        NotAccepted = "not_accepted",
        InProgress = "in_progress",
        Answered = "answered",
        Closed = "closed",
        ReviewRequested = "review_requested",
        UnderReview = "under_review",
        ReviewAnswered = "review_answered",
        ReReviewRequested = "re_review_requested",
        UnderReReview = "under_re_review",
        Final = "final",
        Withdrawn = "withdrawn",
    }
}

text_enum! {
    /// How a case reached us.
    Channel {
        Web = "web",
        Api = "api",
        Phone = "phone",
        Letter = "letter",
        Visit = "visit",
    }
}

text_enum! {
    /// Who may see a timeline event.
    Visibility {
        /// Anyone tracking the number.
        Public = "public",
        /// The resident (private link or account) and staff.
        Resident = "resident",
        /// Staff only.
        Internal = "internal",
    }
}

text_enum! {
    ActorKind {
        Resident = "resident",
        Staff = "staff",
        System = "system",
    }
}

text_enum! {
    /// Staff roles. Staff and heads belong to a department; the intake office (信访办)
    /// triages and places cases; leaders oversee; administrators run the system; a
    /// village liaison (联络员) visits the areas given to them, files what residents
    /// raise there, mediates, and may belong to an office routing rules name.
    Role {
        Intake = "intake",
        Staff = "staff",
        Head = "head",
        Leader = "leader",
        Admin = "admin",
        Liaison = "liaison",
    }
}

text_enum! {
    /// The decision an answer carries.
    Outcome {
        Supported = "supported",
        Explained = "explained",
        NotSupported = "not_supported",
        /// Settled by an agreement between the parties.
        Mediated = "mediated",
    }
}

text_enum! {
    /// A resident's evaluation of an answer.
    Rating {
        Satisfied = "satisfied",
        BasicallySatisfied = "basically_satisfied",
        Unsatisfied = "unsatisfied",
    }
}

impl CaseState {
    /// No further work is expected: the case's story has ended.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            CaseState::NotAccepted | CaseState::Closed | CaseState::Final | CaseState::Withdrawn
        )
    }

    /// States in which the department holding the case has to act.
    pub fn awaits_department(self) -> bool {
        matches!(
            self,
            CaseState::Routed
                | CaseState::Accepted
                | CaseState::InProgress
                | CaseState::ReviewRequested
                | CaseState::UnderReview
                | CaseState::ReReviewRequested
                | CaseState::UnderReReview
        )
    }
}

impl Visibility {
    /// Whether an event of this visibility shows on the resident's own page.
    pub fn shown_to_resident(self) -> bool {
        matches!(self, Visibility::Public | Visibility::Resident)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_through_text() {
        assert_eq!(CaseState::ALL.len(), 15);
        for state in CaseState::ALL {
            assert_eq!(CaseState::parse(state.as_str()), Some(*state));
            let json = serde_json::to_string(state).expect("serialize");
            assert_eq!(json, format!("\"{}\"", state.as_str()));
        }
        assert_eq!(CaseState::parse("Routed"), None);
    }

    #[test]
    fn channels_and_visibility_round_trip() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(*c));
        }
        for v in Visibility::ALL {
            assert_eq!(Visibility::parse(v.as_str()), Some(*v));
        }
        assert!(Visibility::Public.shown_to_resident());
        assert!(!Visibility::Internal.shown_to_resident());
    }
}
