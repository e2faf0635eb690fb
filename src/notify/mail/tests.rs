//! Every mail renders in both languages, and says what it said when its snapshot was
//! reviewed.

use super::*;
use crate::domain::catalog::Catalog;

fn catalog() -> Catalog {
    crate::service::demo::catalog_for_tests()
}

/// One of every kind of mail.
fn every_mail(sealer: &Sealer) -> Vec<MailData> {
    // A fixed moment, so the snapshots say the same dates on every run.
    let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 26, 2, 0, 0)
        .single()
        .expect("valid time");
    let n = "2611260000019".to_string();
    let d = "environment".to_string();
    vec![
        MailData::Receipt {
            number: n.clone(),
            sealed_token: sealer.seal("tok"),
            department: d.clone(),
            acceptance_due: at,
        },
        MailData::Assignment {
            number: n.clone(),
            department: d.clone(),
            category: "noise".into(),
            area: "LJ-CG-DM".into(),
            title: "标题".into(),
            due: Some(at),
        },
        MailData::Accepted {
            number: n.clone(),
            department: d.clone(),
            answer_due: at,
        },
        MailData::NotAccepted {
            number: n.clone(),
            department: d.clone(),
            reason: "r".into(),
            channel: "court".into(),
        },
        MailData::Transferred {
            number: n.clone(),
            department: d.clone(),
            reason: "r".into(),
        },
        MailData::ExtensionRequested {
            number: n.clone(),
            department: d.clone(),
            days: 5,
            reason: "r".into(),
        },
        MailData::ExtensionApproved {
            number: n.clone(),
            days: 5,
            reason: "r".into(),
            answer_due: at,
        },
        MailData::Answered {
            number: n.clone(),
            department: d.clone(),
            outcome: Outcome::Supported,
            text: "t".into(),
            legal_basis: "b".into(),
            window_end: Some(at),
        },
        MailData::ReviewRequested {
            number: n.clone(),
            department: d.clone(),
            stage: Stage::Review,
            due: Some(at),
        },
        MailData::ReviewRequested {
            number: n.clone(),
            department: d.clone(),
            stage: Stage::ReReview,
            due: None,
        },
        MailData::ReviewAccepted {
            number: n.clone(),
            department: d.clone(),
            stage: Stage::Review,
            answer_due: at,
        },
        MailData::ReviewAccepted {
            number: n.clone(),
            department: d.clone(),
            stage: Stage::ReReview,
            answer_due: at,
        },
        MailData::ReviewDecided {
            number: n.clone(),
            department: d.clone(),
            stage: Stage::Review,
            outcome: Outcome::Explained,
            text: "t".into(),
            legal_basis: "b".into(),
            window_end: Some(at),
        },
        MailData::ReviewDecided {
            number: n.clone(),
            department: d.clone(),
            stage: Stage::ReReview,
            outcome: Outcome::NotSupported,
            text: "t".into(),
            legal_basis: "b".into(),
            window_end: None,
        },
        MailData::Closed {
            number: n.clone(),
            satisfied: true,
        },
        MailData::Closed {
            number: n.clone(),
            satisfied: false,
        },
        MailData::Withdrawn {
            number: n.clone(),
            department: d.clone(),
            title: "标题".into(),
        },
        MailData::Unsatisfied {
            number: n.clone(),
            department: d.clone(),
            comment: "c".into(),
        },
        MailData::Reminder {
            number: n.clone(),
            department: d.clone(),
            state: CaseState::Routed,
            title: "标题".into(),
            due: at,
        },
        MailData::MajorMatter {
            number: n.clone(),
            department: d.clone(),
            title: "标题".into(),
            reason: "涉及三十余户居民的房屋安全".into(),
        },
        MailData::Answered {
            number: n.clone(),
            department: d.clone(),
            outcome: Outcome::Mediated,
            text: "双方同意由施工方每晚十点后停工，并赔偿二百元。".into(),
            legal_basis: crate::domain::workflow::MEDIATION_BASIS.into(),
            window_end: Some(at),
        },
        MailData::Escalation {
            number: n.clone(),
            department: d.clone(),
            state: CaseState::Accepted,
            title: "标题".into(),
            due: at,
        },
        MailData::Digest {
            month: "2026-11".into(),
            lines: vec![DigestLine {
                department: d,
                received: 3,
                answered: 2,
                overdue: 1,
            }],
        },
        MailData::SignInLink {
            sealed_token: sealer.seal("sign-in-token"),
        },
        MailData::SupportConfirm {
            number: n.clone(),
            sealed_token: sealer.seal("support-token"),
        },
        MailData::FilingConfirm {
            number: n.clone(),
            sealed_token: sealer.seal("confirm-token"),
            sealed_access: sealer.seal("access-token"),
        },
        MailData::PublicUpdate {
            number: n.clone(),
            event: crate::domain::timeline::EventData::Accepted { answer_due: at },
            support: Some(7),
        },
        MailData::Reception {
            number: n.clone(),
            date: chrono::NaiveDate::from_ymd_opt(2026, 12, 10).expect("date"),
            starts_at: "09:00".into(),
            place: "市民中心三楼接待室".into(),
            leader: "王市长".into(),
            reminder: false,
        },
        MailData::Reception {
            number: n.clone(),
            date: chrono::NaiveDate::from_ymd_opt(2026, 12, 10).expect("date"),
            starts_at: "09:00".into(),
            place: "市民中心三楼接待室".into(),
            leader: "王市长".into(),
            reminder: true,
        },
        MailData::ReceptionList {
            date: chrono::NaiveDate::from_ymd_opt(2026, 12, 10).expect("date"),
            starts_at: "09:00".into(),
            place: "市民中心三楼接待室".into(),
            lines: vec![ReceptionLine {
                number: n.clone(),
                title: "标题".into(),
            }],
        },
        MailData::ReceptionDayCancelled {
            number: n.clone(),
            date: chrono::NaiveDate::from_ymd_opt(2026, 12, 10).expect("date"),
            reason: "领导临时公务外出".into(),
        },
        MailData::Supervised {
            number: n.clone(),
            leader: "王市长".into(),
        },
    ]
}

#[test]
fn link_mails_carry_their_links_opened() {
    let catalog = catalog();
    let sealer = Sealer::generate();
    let env = MailEnv {
        catalog: &catalog,
        tz: chrono_tz::Asia::Shanghai,
        base_url: "http://portal.test",
        sealer: &sealer,
        now: chrono::Utc::now(),
    };
    let text = |data: MailData| render(&data, Locale::ZhCn, &env).expect("renders").text;
    let sign_in = text(MailData::SignInLink {
        sealed_token: sealer.seal("abc"),
    });
    assert!(
        sign_in.contains("http://portal.test/account/link?token=abc"),
        "{sign_in}"
    );
    let confirm = text(MailData::FilingConfirm {
        number: "2611260000019".into(),
        sealed_token: sealer.seal("c1"),
        sealed_access: sealer.seal("a1"),
    });
    assert!(confirm.contains("/filings/confirm?token=c1"));
    assert!(confirm.contains("/cases/2611260000019?token=a1"));
    let news = text(MailData::PublicUpdate {
        number: "2611260000019".into(),
        event: crate::domain::timeline::EventData::Withdrawn,
        support: Some(7),
    });
    assert!(news.contains("2611260000019") && news.contains("附议"), "{news}");
    // The stop link carries the support sealed, under its own purpose.
    let sealed = news
        .split("/supports/stop?token=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a stop link");
    let sealed = percent_encoding::percent_decode_str(sealed)
        .decode_utf8()
        .expect("utf-8");
    let opened = sealer.open(&sealed).expect("opens");
    assert_eq!(support_of_stop_secret(&opened), Some(7));
    assert_eq!(support_of_stop_secret("abc"), None);
    let older = text(MailData::PublicUpdate {
        number: "2611260000019".into(),
        event: crate::domain::timeline::EventData::Withdrawn,
        support: None,
    });
    assert!(!older.contains("/supports/stop"));
}

#[test]
fn every_mail_renders_in_both_languages_without_a_raw_message_key() {
    let catalog = catalog();
    let sealer = Sealer::generate();
    let env = MailEnv {
        catalog: &catalog,
        tz: chrono_tz::Asia::Shanghai,
        base_url: "http://portal.test",
        sealer: &sealer,
        now: chrono::Utc::now(),
    };
    for data in every_mail(&sealer) {
        for locale in Locale::ALL {
            let mail = render(&data, locale, &env).expect("renders");
            for part in [&mail.subject, &mail.text, &mail.html] {
                assert!(
                    !part.contains("mail.") && !part.contains("outcome.") && !part.contains("state."),
                    "{:?} {locale:?}: {part}",
                    data.kind()
                );
                assert!(
                    !part.contains('{'),
                    "an unfilled placeholder in {:?}: {part}",
                    data.kind()
                );
            }
            assert!(mail.html.contains("<html lang="));
            assert!(!mail.subject.is_empty());
        }
        let json = serde_json::to_string(&data).expect("serialises");
        assert_eq!(serde_json::from_str::<MailData>(&json).expect("parses"), data);
    }
}

#[test]
fn html_mail_escapes_what_residents_and_staff_wrote() {
    let catalog = catalog();
    let sealer = Sealer::generate();
    let env = MailEnv {
        catalog: &catalog,
        tz: chrono_tz::Asia::Shanghai,
        base_url: "http://portal.test",
        sealer: &sealer,
        now: chrono::Utc::now(),
    };
    let data = MailData::Answered {
        number: "1".into(),
        department: "environment".into(),
        outcome: Outcome::Supported,
        text: "<script>alert(1)</script>".into(),
        legal_basis: "b".into(),
        window_end: None,
    };
    let mail = render(&data, Locale::ZhCn, &env).expect("renders");
    assert!(!mail.html.contains("<script>"));
    assert!(
        mail.text.contains("<script>alert(1)</script>"),
        "plain text stays as written"
    );
}

/// Where the reviewed snapshots are: one file per mail and language.
fn golden_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/mail")
}

/// A sealed value differs on every run (its nonce); what it opens to is what matters.
fn without_nonces(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some((i, len)) = ["/supports/stop?token=", "?token=m."]
        .iter()
        .filter_map(|mark| rest.find(mark).map(|i| (i, mark.len())))
        .min()
    {
        let (head, tail) = rest.split_at(i + len);
        out.push_str(head);
        out.push_str("SEALED");
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || "-_%=".contains(c)))
            .unwrap_or(tail.len());
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Each mail, in each language, says exactly what its reviewed snapshot says. After a
/// deliberate change, `UPDATE_GOLDEN=1 cargo test golden` writes the new snapshots, to
/// be reviewed in the diff like code.
#[test]
fn every_mail_says_what_its_reviewed_snapshot_says() {
    let catalog = catalog();
    let sealer = Sealer::generate();
    let env = MailEnv {
        catalog: &catalog,
        tz: chrono_tz::Asia::Shanghai,
        base_url: "http://portal.test",
        sealer: &sealer,
        now: chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 26, 2, 0, 0)
            .single()
            .expect("valid time"),
    };
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let dir = golden_dir();
    let mut seen = std::collections::BTreeMap::<&str, usize>::new();
    let mut wrong = Vec::new();
    let mut written = std::collections::BTreeSet::new();
    for data in every_mail(&sealer) {
        let n = seen.entry(data.mail()).or_default();
        *n += 1;
        let name = match *n {
            1 => data.mail().to_string(),
            n => format!("{}-{n}", data.mail()),
        };
        for locale in Locale::ALL {
            let mail = render(&data, locale, &env).expect("renders");
            let shown = without_nonces(&format!(
                "Subject: {}\n\n{}\n----- html -----\n{}\n",
                mail.subject,
                mail.text.trim_end(),
                mail.html.trim_end()
            ));
            let file = dir.join(format!("{name}.{}.txt", locale.as_str()));
            written.insert(file.clone());
            if update {
                std::fs::create_dir_all(&dir).expect("golden dir");
                std::fs::write(&file, &shown).expect("snapshot written");
                continue;
            }
            match std::fs::read_to_string(&file) {
                Ok(expected) if expected == shown => {}
                Ok(expected) => wrong.push(format!(
                    "{} differs:\n--- snapshot\n{expected}\n--- now\n{shown}",
                    file.display()
                )),
                Err(_) => wrong.push(format!("{} is missing", file.display())),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{}\n(after a deliberate change: UPDATE_GOLDEN=1 cargo test golden, then review the diff)",
        wrong.join("\n\n")
    );
    // Every snapshot belongs to a mail that still exists.
    let stale: Vec<_> = std::fs::read_dir(&dir)
        .expect("golden dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| !written.contains(p))
        .collect();
    assert!(stale.is_empty(), "snapshots of mails that are gone: {stale:?}");
}
