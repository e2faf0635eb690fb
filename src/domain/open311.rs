//! Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2): the two formats, our
//! states in its terms, and the XML its clients read. Answers are built once as JSON
//! values and written in either format, so both always say the same.

use serde_json::Value;

use super::case::CaseState;

/// `.xml` or `.json`, as the path's suffix says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xml,
    Json,
}

impl Format {
    pub fn parse(suffix: &str) -> Option<Format> {
        match suffix {
            "xml" => Some(Format::Xml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Xml => "text/xml; charset=utf-8",
            Format::Json => "application/json; charset=utf-8",
        }
    }
}

/// A request's status: `closed` once nothing more is expected of it, `open` before.
pub fn status(state: CaseState) -> &'static str {
    if state.is_terminal() { "closed" } else { "open" }
}

/// The status of an update in the mySociety extension's words (what FixMyStreet-style
/// clients show), from the state a step left the case in.
pub fn update_status(state: CaseState) -> &'static str {
    use CaseState as S;
    match state {
        S::Submitted | S::Unconfirmed => "for_triage",
        S::Routed => "open",
        S::Accepted => "action_scheduled",
        S::InProgress => "in_progress",
        S::ReviewRequested | S::UnderReview | S::ReReviewRequested | S::UnderReReview => "investigating",
        S::Answered | S::ReviewAnswered => "fixed",
        S::NotAccepted => "not_councils_responsibility",
        S::Closed | S::Final => "closed",
        S::Withdrawn => "no_further_action",
    }
}

/// The state a public step leaves the case in, for the steps the updates extension
/// reports (notes, bookings and the like change no status and are not reported).
pub fn state_after(kind: &str) -> Option<CaseState> {
    use CaseState as S;
    Some(match kind {
        "routed" | "transferred" | "rerouted" | "assignment_confirmed" => S::Routed,
        "accepted" => S::Accepted,
        "not_accepted" => S::NotAccepted,
        "started" => S::InProgress,
        "answered" => S::Answered,
        "withdrawn" => S::Withdrawn,
        "review_requested" => S::ReviewRequested,
        "review_accepted" => S::UnderReview,
        "review_answered" => S::ReviewAnswered,
        "re_review_requested" => S::ReReviewRequested,
        "re_review_accepted" => S::UnderReReview,
        "re_review_answered" => S::Final,
        "closed" | "satisfied" | "window_expired" => S::Closed,
        _ => return None,
    })
}

/// The kinds [`state_after`] reports.
pub const UPDATE_KINDS: &[&str] = &[
    "routed",
    "transferred",
    "rerouted",
    "assignment_confirmed",
    "accepted",
    "not_accepted",
    "started",
    "answered",
    "withdrawn",
    "review_requested",
    "review_accepted",
    "review_answered",
    "re_review_requested",
    "re_review_accepted",
    "re_review_answered",
    "closed",
    "satisfied",
    "window_expired",
];

/// The element each item of a list is written as, by the list's name (as the spec's
/// XML examples have them).
fn item_name(list: &str) -> &str {
    match list {
        "services" => "service",
        "service_requests" => "request",
        "service_request_updates" => "request_update",
        "attributes" => "attribute",
        "values" => "value",
        "endpoints" => "endpoint",
        "formats" => "format",
        "errors" => "error",
        other => other,
    }
}

fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
}

fn element(name: &str, value: &Value, out: &mut String) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    match value {
        Value::Null => {}
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => escape(s, out),
        Value::Array(items) => {
            let item = item_name(name);
            for v in items {
                element(item, v, out);
            }
        }
        Value::Object(fields) => {
            for (k, v) in fields {
                element(k, v, out);
            }
        }
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// `value` as the XML document whose root element is `root` (a list's items take the
/// singular names the spec uses: `<services><service>…`).
pub fn xml(root: &str, value: &Value) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    element(root, value, &mut out);
    out
}

/// An answer in `format`: JSON as is, XML under `root`.
pub fn render(format: Format, root: &str, value: &Value) -> String {
    match format {
        Format::Json => value.to_string(),
        Format::Xml => xml(root, value),
    }
}

/// The error list the spec answers with: `[{code, description}]`.
pub fn errors(code: u16, description: &str) -> Value {
    serde_json::json!([{ "code": code, "description": description }])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_take_the_singular_names_of_the_spec() {
        let services = json!([{"service_code": "noise", "service_name": "噪声 & 扰民", "metadata": true}]);
        assert_eq!(
            xml("services", &services),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<services><service><service_code>noise</service_code><service_name>噪声 &amp; 扰民</service_name><metadata>true</metadata></service></services>"
        );
        let e = xml("errors", &errors(404, "no <such> service"));
        assert!(e.ends_with("<errors><error><code>404</code><description>no &lt;such&gt; service</description></error></errors>"), "{e}");
        let nested = json!({"formats": ["text/xml", "application/json"]});
        assert!(
            xml("endpoint", &nested)
                .contains("<formats><format>text/xml</format><format>application/json</format></formats>")
        );
    }

    #[test]
    fn every_state_has_a_status_and_an_update_status() {
        let allowed = [
            "open",
            "in_progress",
            "investigating",
            "action_scheduled",
            "fixed",
            "closed",
            "not_councils_responsibility",
            "no_further_action",
            "internal_referral",
            "duplicate",
            "for_triage",
        ];
        for state in CaseState::ALL {
            assert!(allowed.contains(&update_status(*state)), "{state:?}");
            assert!(["open", "closed"].contains(&status(*state)));
        }
        assert_eq!(
            status(CaseState::Answered),
            "open",
            "the resident may still evaluate it"
        );
        assert_eq!(status(CaseState::Closed), "closed");
    }

    #[test]
    fn every_reported_step_has_a_state_and_others_none() {
        for kind in UPDATE_KINDS {
            assert!(state_after(kind).is_some(), "{kind}");
        }
        assert_eq!(state_after("note"), None);
        assert_eq!(state_after("reception_booked"), None);
        assert_eq!(update_status(state_after("answered").unwrap()), "fixed");
    }

    #[test]
    fn formats_come_from_the_suffix() {
        assert_eq!(Format::parse("xml"), Some(Format::Xml));
        assert_eq!(Format::parse("json"), Some(Format::Json));
        assert_eq!(Format::parse("html"), None);
    }
}
