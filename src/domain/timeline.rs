//! Timeline events and their hash chain. Each event's hash covers its own content and the
//! previous event's hash, so altering or removing any row breaks every hash after it.
//!
//! The hash is an HMAC-SHA256 under a key kept outside the database (`ChainKey`): whoever
//! can write to the database but does not hold the key cannot recompute the chain after
//! changing a row. Events recorded before the deployment had a key carry plain SHA-256
//! hashes; the head of each such chain is sealed with the key once (an anchor), which
//! protects them the same way.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::case::{ActorKind, Channel, Outcome, Rating, Visibility};
use super::routing::RouteReason;

/// What happened, with what it needs to be told in either language later.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, strum::IntoStaticStr, strum::VariantNames)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum EventData {
    /// The case was received.
    Received {
        channel: Channel,
        /// When the call, letter or visit came in, if before it was recorded.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        contacted_at: Option<DateTime<Utc>>,
        /// The client it came through (an Open311 key's name).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via: Option<String>,
    },
    /// Routing placed the case with a department.
    Routed {
        department: String,
        #[serde(flatten)]
        reason: RouteReason,
    },
    Accepted {
        answer_due: DateTime<Utc>,
    },
    NotAccepted {
        reason: String,
        channel: String,
    },
    /// The department says the case is not its business; it goes back to the intake office.
    Objected {
        department: String,
        reason: String,
    },
    /// The intake office placed a case it held with a department.
    Rerouted {
        from: String,
        department: String,
        reason: String,
        /// The category the intake office corrected it to, if it did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        category: Option<String>,
    },
    /// The intake office turned an objection down: the case goes back where it was.
    AssignmentConfirmed {
        department: String,
        reason: String,
    },
    Transferred {
        from: String,
        department: String,
        reason: String,
        acceptance_due: DateTime<Utc>,
    },
    Started,
    ExtensionRequested {
        days: u32,
        reason: String,
    },
    ExtensionApproved {
        days: u32,
        reason: String,
        answer_due: DateTime<Utc>,
    },
    ExtensionRefused {
        reason: String,
    },
    Answered {
        outcome: Outcome,
        text: String,
        legal_basis: String,
    },
    Note {
        text: String,
    },
    Withdrawn,
    Confirmed,
    Evaluated {
        rating: Rating,
        comment: String,
    },
    ReviewRequested {
        reason: String,
        department: String,
    },
    ReviewAccepted {
        answer_due: DateTime<Utc>,
    },
    ReviewAnswered {
        outcome: Outcome,
        text: String,
        legal_basis: String,
    },
    ReReviewRequested {
        reason: String,
        department: String,
    },
    ReReviewAccepted {
        answer_due: DateTime<Utc>,
    },
    ReReviewAnswered {
        outcome: Outcome,
        text: String,
        legal_basis: String,
    },
    /// A review hearing started; the clock stops (the deadline it set aside is kept).
    HearingStarted {
        due_at: Option<DateTime<Utc>>,
    },
    HearingEnded {
        paused_days: u32,
        due_at: Option<DateTime<Utc>>,
    },
    /// Marked as a major or urgent matter, and why.
    MarkedMajor {
        reason: String,
    },
    ClearedMajor {
        reason: String,
    },
    /// The parties agreed: the agreement's content (People's Mediation Law, art. 29) and
    /// the day until which they may jointly ask the court to confirm it (art. 33).
    Mediated {
        facts: String,
        agreement: String,
        performance_deadline: chrono::NaiveDate,
        performance: String,
        court_confirmation_by: chrono::NaiveDate,
    },
    /// Mediation did not settle it: the case goes on as any other.
    MediationFailed {
        facts: String,
        reason: String,
    },
    /// Closed after a satisfied evaluation or when the evaluation window ran out.
    Closed {
        after: CloseReason,
    },
    /// The resident booked a slot on a leader's reception day.
    ReceptionBooked {
        date: chrono::NaiveDate,
        starts_at: String,
        place: String,
        leader: String,
    },
    ReceptionCancelled {
        date: chrono::NaiveDate,
    },
    /// The leader's office called the reception day off, with the booking on it.
    ReceptionDayCancelled {
        date: chrono::NaiveDate,
        reason: String,
    },
    /// The leader's record of the meeting (or that the resident did not come).
    ReceptionHeld {
        date: chrono::NaiveDate,
        leader: String,
        attended: bool,
        outcome: String,
    },
    /// A leader took the case into personal charge (包案).
    /// The resident's name, contact details, address and files were removed, this many
    /// years after the case ended (the retention period); the case and its story stay.
    IdentityRemoved {
        years: u32,
    },
    Supervised {
        leader: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    Satisfied,
    WindowExpired,
    /// A filing that had to be confirmed by email and never was: no department saw it.
    NotConfirmed,
}

impl EventData {
    /// The event's kind: its serde tag, from the variant's name by the same rule.
    pub fn kind(&self) -> &'static str {
        self.into()
    }
}

/// An event ready to be appended: everything but its place in the chain.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub data: EventData,
    pub visibility: Visibility,
    pub actor_kind: ActorKind,
    pub actor_id: Option<i32>,
    pub at: DateTime<Utc>,
}

/// An event with its position and hashes, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainedEvent {
    pub case_id: i64,
    pub seq: i32,
    pub kind: String,
    pub visibility: Visibility,
    pub actor_kind: ActorKind,
    pub actor_id: Option<i32>,
    pub payload: String,
    pub at: DateTime<Utc>,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash before the first event of a case.
pub const GENESIS: &str = "";

/// The fields an event's hash covers, in a fixed order with lengths so that no two
/// different events can encode to the same bytes.
pub struct HashInput<'a> {
    pub case_id: i64,
    pub seq: i32,
    pub kind: &'a str,
    pub visibility: &'a str,
    pub actor_kind: &'a str,
    pub actor_id: Option<i32>,
    pub payload: &'a str,
    pub at: DateTime<Utc>,
    pub prev_hash: &'a str,
}

/// The secret that keys the chain. Never stored in the database, never printed.
#[derive(Clone)]
pub struct ChainKey(Vec<u8>);

impl ChainKey {
    pub fn new(bytes: Vec<u8>) -> ChainKey {
        ChainKey(bytes)
    }

    fn mac(&self) -> Hmac<Sha256> {
        <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("an HMAC takes a key of any length")
    }

    /// A fingerprint of the key, stored with the database so that starting with another
    /// key (which would leave every earlier event unverifiable) is refused.
    pub fn check_value(&self) -> String {
        let mut mac = self.mac();
        mac.update(b"huiying audit key check v1");
        hex(&mac.finalize().into_bytes())
    }

    /// The seal over a chain's head as it stood before the key existed.
    pub fn anchor_seal(&self, case_id: i64, seq: i32, hash: &str) -> String {
        let mut mac = self.mac();
        mac.update(b"huiying anchor v1");
        for field in [&case_id.to_be_bytes()[..], &seq.to_be_bytes(), hash.as_bytes()] {
            mac.update(&(field.len() as u64).to_be_bytes());
            mac.update(field);
        }
        hex(&mac.finalize().into_bytes())
    }
}

impl ChainKey {
    /// The eight-digit code a resident reached only by phone or letter is told with the
    /// case's number: together they open the case's private page. Derived from the
    /// deployment's key under a purpose of its own, so nothing is stored and the code
    /// cannot be guessed from the number.
    pub fn phone_code(&self, number: &str) -> String {
        let mut mac = self.mac();
        mac.update(b"huiying phone code v1");
        mac.update(number.as_bytes());
        let bytes = mac.finalize().into_bytes();
        let mut first = [0u8; 8];
        first.copy_from_slice(&bytes[..8]);
        format!("{:08}", u64::from_be_bytes(first) % 100_000_000)
    }
}

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChainKey([hidden])")
    }
}

impl HashInput<'_> {
    /// Feeds every field, each prefixed by its length, so no two events encode alike.
    fn feed(&self, mut update: impl FnMut(&[u8])) {
        let mut field = |bytes: &[u8]| {
            update(&(bytes.len() as u64).to_be_bytes());
            update(bytes);
        };
        field(&self.case_id.to_be_bytes());
        field(&self.seq.to_be_bytes());
        field(self.kind.as_bytes());
        field(self.visibility.as_bytes());
        field(self.actor_kind.as_bytes());
        field(
            self.actor_id
                .map(|id| id.to_string())
                .unwrap_or_default()
                .as_bytes(),
        );
        field(self.payload.as_bytes());
        field(&self.at.timestamp_micros().to_be_bytes());
        field(self.prev_hash.as_bytes());
    }

    /// The event's hash: an HMAC under the deployment's key.
    pub fn hash(&self, key: &ChainKey) -> String {
        let mut mac = key.mac();
        self.feed(|bytes| mac.update(bytes));
        hex(&mac.finalize().into_bytes())
    }

    /// The plain SHA-256 that events recorded before the key existed carry.
    pub fn legacy_hash(&self) -> String {
        let mut h = Sha256::new();
        self.feed(|bytes| h.update(bytes));
        hex(&h.finalize())
    }
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 0xf) as usize] as char);
    }
    s
}

/// Links new events onto a case's chain whose last event is (`last_seq`, `last_hash`).
pub fn chain(
    key: &ChainKey,
    case_id: i64,
    last_seq: i32,
    last_hash: &str,
    events: Vec<NewEvent>,
) -> Vec<ChainedEvent> {
    let mut prev = last_hash.to_string();
    let mut out = Vec::with_capacity(events.len());
    for (offset, event) in events.into_iter().enumerate() {
        let seq = last_seq + 1 + offset as i32;
        let payload = serde_json::to_string(&event.data).unwrap_or_default();
        let kind = event.data.kind();
        let hash = HashInput {
            case_id,
            seq,
            kind,
            visibility: event.visibility.as_str(),
            actor_kind: event.actor_kind.as_str(),
            actor_id: event.actor_id,
            payload: &payload,
            at: event.at,
            prev_hash: &prev,
        }
        .hash(key);
        out.push(ChainedEvent {
            case_id,
            seq,
            kind: kind.to_string(),
            visibility: event.visibility,
            actor_kind: event.actor_kind,
            actor_id: event.actor_id,
            payload,
            at: event.at,
            prev_hash: std::mem::replace(&mut prev, hash.clone()),
            hash,
        });
    }
    out
}

#[cfg(test)]
mod kind_tests {
    use super::*;

    /// The tags serde reads, as its error for an unknown one lists them.
    fn serde_tags() -> Vec<String> {
        let err = serde_json::from_str::<EventData>(r#"{"kind":"?"}"#)
            .unwrap_err()
            .to_string();
        let list = err
            .split("expected one of ")
            .nth(1)
            .expect("serde lists the variants");
        list.split(", ")
            .map(|t| {
                t.trim_matches(|c: char| c == '`' || c.is_whitespace() || c == ',')
                    .to_string()
            })
            .map(|t| t.split('`').next().unwrap_or_default().to_string())
            .collect()
    }

    #[test]
    fn kinds_are_the_serde_tags() {
        use strum::VariantNames;
        let ours: Vec<String> = EventData::VARIANTS.iter().map(|v| v.to_string()).collect();
        assert_eq!(ours, serde_tags());
        let event = EventData::ReReviewAccepted {
            answer_due: chrono::Utc::now(),
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["kind"], event.kind());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_phone_code_is_eight_digits_of_its_number_and_key_only() {
        let key = ChainKey::new(vec![1; 32]);
        let code = key.phone_code("2612010000001");
        assert_eq!(code.len(), 8);
        assert!(code.chars().all(|c| c.is_ascii_digit()));
        assert_eq!(code, key.phone_code("2612010000001"), "the same every time");
        assert_ne!(code, key.phone_code("2612010000002"));
        assert_ne!(code, ChainKey::new(vec![2; 32]).phone_code("2612010000001"));
    }

    fn received(at: DateTime<Utc>) -> NewEvent {
        NewEvent {
            data: EventData::Received {
                channel: Channel::Web,
                contacted_at: None,
                via: None,
            },
            visibility: Visibility::Public,
            actor_kind: ActorKind::Resident,
            actor_id: None,
            at,
        }
    }

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 8, 0, 0)
            .single()
            .expect("valid")
    }

    fn key() -> ChainKey {
        ChainKey::new(b"a test key of thirty-two bytes!!".to_vec())
    }

    #[test]
    fn without_the_key_the_chain_cannot_be_recomputed() {
        let event = chain(&key(), 1, 0, GENESIS, vec![received(at())]).remove(0);
        let input = HashInput {
            case_id: event.case_id,
            seq: event.seq,
            kind: &event.kind,
            visibility: event.visibility.as_str(),
            actor_kind: event.actor_kind.as_str(),
            actor_id: event.actor_id,
            payload: &event.payload,
            at: event.at,
            prev_hash: &event.prev_hash,
        };
        assert_eq!(input.hash(&key()), event.hash);
        assert_ne!(input.legacy_hash(), event.hash, "plain SHA-256 is not it");
        let other = ChainKey::new(b"another key entirely, 32 bytes!!".to_vec());
        assert_ne!(input.hash(&other), event.hash, "nor another key");
        assert_ne!(key().check_value(), other.check_value());
        assert_ne!(key().anchor_seal(1, 2, "abc"), key().anchor_seal(1, 2, "abd"));
        assert_eq!(format!("{:?}", key()), "ChainKey([hidden])");
    }

    #[test]
    fn events_link_to_their_predecessor() {
        let events = chain(&key(), 1, 0, GENESIS, vec![received(at()), received(at())]);
        assert_eq!(events[0].seq, 1);
        assert_eq!(events[0].prev_hash, GENESIS);
        assert_eq!(events[1].seq, 2);
        assert_eq!(events[1].prev_hash, events[0].hash);
        assert_eq!(events[0].hash.len(), 64);
        let more = chain(&key(), 1, 2, &events[1].hash, vec![received(at())]);
        assert_eq!(more[0].seq, 3);
        assert_eq!(more[0].prev_hash, events[1].hash);
    }

    #[test]
    fn any_change_changes_the_hash() {
        let base = chain(&key(), 1, 0, GENESIS, vec![received(at())]).remove(0);
        let rehash = |f: &dyn Fn(&mut HashInput)| {
            let mut input = HashInput {
                case_id: base.case_id,
                seq: base.seq,
                kind: &base.kind,
                visibility: base.visibility.as_str(),
                actor_kind: base.actor_kind.as_str(),
                actor_id: base.actor_id,
                payload: &base.payload,
                at: base.at,
                prev_hash: &base.prev_hash,
            };
            f(&mut input);
            input.hash(&key())
        };
        assert_eq!(rehash(&|_| {}), base.hash);
        assert_ne!(rehash(&|i| i.case_id = 2), base.hash);
        assert_ne!(rehash(&|i| i.seq = 2), base.hash);
        assert_ne!(rehash(&|i| i.visibility = "internal"), base.hash);
        assert_ne!(rehash(&|i| i.actor_id = Some(1)), base.hash);
        assert_ne!(rehash(&|i| i.payload = "{}"), base.hash);
        assert_ne!(
            rehash(&|i| i.at = at() + chrono::Duration::microseconds(1)),
            base.hash
        );
        assert_ne!(rehash(&|i| i.prev_hash = "x"), base.hash);
    }

    #[test]
    fn payload_names_the_kind_and_routing_reason() {
        let routed = EventData::Routed {
            department: "env".into(),
            reason: RouteReason::Rule {
                rule_id: 3,
                category: Some("noise".into()),
                area: None,
            },
        };
        let json = serde_json::to_value(&routed).expect("json");
        assert_eq!(json["kind"], "routed");
        assert_eq!(json["by"], "rule");
        assert_eq!(json["rule_id"], 3);
        let back: EventData = serde_json::from_value(json).expect("parse");
        assert_eq!(back, routed);
    }
}
