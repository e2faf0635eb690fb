//! Photos and PDFs added to a case: checked and cleaned, written under the data
//! directory, recorded against the case, and handed out only to who may see the case.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::ServiceError;
use super::caller::Caller;
use super::cases::{ResidentProof, resident_case_by};
use super::workflow::Rules;
use crate::app::App;
use crate::db::DbConn;
use crate::db::attachments::{self as store, AttachmentRecord, NewAttachment};
use crate::db::cases::{CaseRecord, find_by_tracking_number};
use crate::domain::timeline::hex;
use crate::domain::tracking::TrackingNumber;
use crate::domain::upload::{
    CleanError, Kind, MAX_BYTES, MAX_FILES, UploadError, clean_into, disguised_name, display_name,
};

/// A file as it arrived: its name and where its bytes wait (removed when dropped).
#[derive(Debug)]
pub struct Received {
    pub name: String,
    pub path: tempfile::TempPath,
    pub size: u64,
}

/// A file checked, cleaned, named and written into the case's directory.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub kind: Kind,
    pub display_name: String,
    pub stored_name: String,
    pub size: u64,
    pub sha256: String,
}

/// A file of a case as its readers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentView {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

impl From<AttachmentRecord> for AttachmentView {
    fn from(a: AttachmentRecord) -> Self {
        AttachmentView {
            id: a.id,
            name: a.display_name,
            content_type: a.content_type,
            size: a.size_bytes,
            sha256: a.sha256,
            created_at: a.created_at.and_utc(),
        }
    }
}

/// A stored file on its way to a reader allowed to see it.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub path: PathBuf,
    pub kind: Kind,
    pub name: String,
    pub size: u64,
}

/// A case found to take files from this resident, before anything of the upload is
/// read; only [`admit`] makes one.
#[derive(Debug)]
pub struct Admission {
    case_id: i64,
}

/// Whether the caller may add files to the case now, settled before the body of the
/// upload is read: the resident while their proof holds and the case has room; staff
/// only the signed agreement of a mediation they may mediate (what else they found goes
/// into the answer).
pub async fn admit(app: &App, caller: &Caller, number: TrackingNumber) -> Result<Admission, ServiceError> {
    let case = match caller {
        Caller::Staff(user) => {
            let user = user.clone();
            app.read(move |conn, rules, _| {
                let case = super::workflow::agreement_case(conn, rules, &user, &number)?;
                has_room(conn, &case, 1)?;
                Ok::<_, ServiceError>(case)
            })
            .await?
        }
        other => {
            let proof = other.resident()?.clone();
            app.read(move |conn, rules, now| may_add(conn, rules, &number, &proof, 1, now))
                .await?
        }
    };
    Ok(Admission { case_id: case.id })
}

fn has_room(conn: &mut DbConn, case: &CaseRecord, adding: usize) -> Result<(), ServiceError> {
    if store::count_for(conn, case.id)? as usize + adding > MAX_FILES {
        return Err(ServiceError::Conflict {
            key: "err.too_many_files",
        });
    }
    Ok(())
}

/// Adds the received files to the admitted case: cleaned into the case's directory and
/// recorded, or nothing at all. Returns all the case's files.
pub async fn add(
    app: &App,
    admission: Admission,
    files: Vec<Received>,
) -> Result<Vec<AttachmentView>, ServiceError> {
    if files.is_empty() {
        return Err(ServiceError::Invalid(
            crate::domain::field_error::FieldErrors::single(
                "file",
                crate::domain::field_error::FieldError::new("err.file_missing"),
            ),
        ));
    }
    let case_id = admission.case_id;
    let data_dir = app.settings.data_dir.clone();
    let prepared = {
        let dir = data_dir.clone();
        tokio::task::spawn_blocking(move || prepare(&dir, case_id, &files))
            .await
            .map_err(|e| ServiceError::Internal(format!("cleaning uploads: {e}")))??
    };
    let files = prepared.clone();
    let recorded = app
        .write(move |conn, _, now| record(conn, case_id, &files, now))
        .await;
    match recorded {
        Ok(all) => Ok(all.into_iter().map(AttachmentView::from).collect()),
        Err(e) => {
            remove_files(&data_dir, case_id, &prepared);
            Err(e)
        }
    }
}

/// One file of a case, for the resident whose case it is or staff who may see it (a
/// staff read is recorded like any read of what a resident sent).
pub async fn fetch(
    app: &App,
    caller: &Caller,
    number: TrackingNumber,
    id: i64,
) -> Result<StoredFile, ServiceError> {
    let caller = caller.clone();
    let record = app
        .write(move |conn, rules, now| open(conn, rules, &number, id, &caller, now))
        .await?;
    let kind = Kind::from_mime(&record.content_type)
        .ok_or_else(|| ServiceError::Internal(format!("stored type {}", record.content_type)))?;
    Ok(StoredFile {
        path: file_path(&app.settings.data_dir, &record),
        kind,
        size: u64::try_from(record.size_bytes).unwrap_or(0),
        name: record.display_name,
    })
}

/// Counts and hashes what passes through to the file.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    size: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn random_name() -> String {
    let mut id = [0u8; 18];
    rand::rng().fill_bytes(&mut id);
    URL_SAFE_NO_PAD.encode(id)
}

/// The name as a message may show it: without what could disguise it.
fn shown_name(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_control() && !crate::domain::text::is_invisible_control(*c))
        .collect()
}

/// Checks and cleans every upload into the case's directory, streaming from its spooled
/// file; the first bad one refuses them all, by name, and leaves nothing written.
pub fn prepare(data_dir: &Path, case_id: i64, uploads: &[Received]) -> Result<Vec<Prepared>, ServiceError> {
    if uploads.len() > MAX_FILES {
        return Err(ServiceError::Conflict {
            key: "err.too_many_files",
        });
    }
    let dir = case_dir(data_dir, case_id);
    std::fs::create_dir_all(&dir)
        .map_err(|e| ServiceError::Internal(format!("creating {}: {e}", dir.display())))?;
    let mut prepared: Vec<Prepared> = Vec::with_capacity(uploads.len());
    for upload in uploads {
        match prepare_one(&dir, upload) {
            Ok(file) => prepared.push(file),
            Err(e) => {
                remove_files(data_dir, case_id, &prepared);
                return Err(e);
            }
        }
    }
    Ok(prepared)
}

fn prepare_one(dir: &Path, upload: &Received) -> Result<Prepared, ServiceError> {
    let refused = |error| ServiceError::Upload {
        name: shown_name(&upload.name),
        error,
    };
    if disguised_name(&upload.name) {
        return Err(refused(UploadError::DisguisedName));
    }
    if upload.size > MAX_BYTES as u64 {
        return Err(refused(UploadError::TooLarge));
    }
    let io = |e: std::io::Error| ServiceError::Internal(format!("storing an upload: {e}"));
    let source = std::fs::File::open(&upload.path).map_err(io)?;
    let stem = random_name();
    let partial = dir.join(format!("{stem}.part"));
    let target = std::fs::File::create(&partial).map_err(io)?;
    let mut out = Hashing {
        inner: std::io::BufWriter::new(target),
        hasher: Sha256::new(),
        size: 0,
    };
    let cleaned = clean_into(source, &mut out).and_then(|kind| {
        out.flush()?;
        Ok(kind)
    });
    let kind = match cleaned {
        Ok(kind) => kind,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(match e {
                CleanError::Refused(error) => refused(error),
                CleanError::Io(e) => io(e),
            });
        }
    };
    let stored_name = format!("{stem}.{}", kind.extension());
    if let Err(e) = std::fs::rename(&partial, dir.join(&stored_name)) {
        let _ = std::fs::remove_file(&partial);
        return Err(io(e));
    }
    Ok(Prepared {
        display_name: display_name(&upload.name, kind),
        stored_name,
        size: out.size,
        sha256: hex(&out.hasher.finalize()),
        kind,
    })
}

/// Where a case's files live.
pub fn case_dir(data_dir: &Path, case_id: i64) -> PathBuf {
    data_dir.join("attachments").join(case_id.to_string())
}

pub fn file_path(data_dir: &Path, record: &AttachmentRecord) -> PathBuf {
    case_dir(data_dir, record.case_id).join(&record.stored_name)
}

/// The case the resident may add files to, and how many it has; refuses early what the
/// final write would refuse anyway.
pub fn may_add(
    conn: &mut DbConn,
    rules: Rules<'_>,
    number: &TrackingNumber,
    proof: &ResidentProof,
    adding: usize,
    now: DateTime<Utc>,
) -> Result<CaseRecord, ServiceError> {
    resident_case_by(conn, rules, number, proof, now)?;
    let record = find_by_tracking_number(conn, number.as_str())?.ok_or(ServiceError::NotFound)?;
    has_room(conn, &record, adding)?;
    Ok(record)
}

/// Removes files whose rows were not written.
pub fn remove_files(data_dir: &Path, case_id: i64, files: &[Prepared]) {
    let dir = case_dir(data_dir, case_id);
    for file in files {
        if let Err(e) = std::fs::remove_file(dir.join(&file.stored_name)) {
            tracing::warn!(error = %e, file = %file.stored_name, "could not remove an unrecorded upload");
        }
    }
}

/// Records written files against the case, within the limit (checked again under the
/// case's lock).
pub fn record(
    conn: &mut DbConn,
    case_id: i64,
    files: &[Prepared],
    now: DateTime<Utc>,
) -> Result<Vec<AttachmentRecord>, ServiceError> {
    store::lock_case(conn, case_id)?;
    if store::count_for(conn, case_id)? as usize + files.len() > MAX_FILES {
        return Err(ServiceError::Conflict {
            key: "err.too_many_files",
        });
    }
    let rows: Vec<NewAttachment> = files
        .iter()
        .map(|f| NewAttachment {
            case_id,
            stored_name: f.stored_name.clone(),
            display_name: f.display_name.clone(),
            content_type: f.kind.mime().into(),
            size_bytes: i64::try_from(f.size).unwrap_or(i64::MAX),
            sha256: f.sha256.clone(),
            created_at: now.naive_utc(),
        })
        .collect();
    store::insert(conn, &rows)?;
    tracing::info!(case = case_id, files = rows.len(), "attachments added");
    Ok(store::list_for(conn, case_id)?)
}

/// The case's files for someone already allowed to see the case.
pub fn list(conn: &mut DbConn, case_id: i64) -> Result<Vec<AttachmentView>, ServiceError> {
    Ok(store::list_for(conn, case_id)?
        .into_iter()
        .map(AttachmentView::from)
        .collect())
}

/// One file, if `viewer` may see the case; a staff read is recorded like any read of
/// what a resident sent.
pub fn open(
    conn: &mut DbConn,
    rules: Rules<'_>,
    number: &TrackingNumber,
    id: i64,
    caller: &Caller,
    now: DateTime<Utc>,
) -> Result<AttachmentRecord, ServiceError> {
    let case = find_by_tracking_number(conn, number.as_str())?.ok_or(ServiceError::NotFound)?;
    match caller {
        Caller::Staff(user) => {
            super::workflow::staff_case(conn, rules, user, number, now)?;
            crate::db::users::log_access(conn, user.id, case.id, "attachment", now.naive_utc())?;
        }
        other => {
            resident_case_by(conn, rules, number, other.resident()?, now)?;
        }
    }
    store::find(conn, case.id, id)?.ok_or(ServiceError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::upload::fixtures::jpeg_with_location;

    fn received(dir: &Path, name: &str, bytes: &[u8]) -> Received {
        let mut file = tempfile::NamedTempFile::new_in(dir).unwrap();
        file.write_all(bytes).unwrap();
        Received {
            name: name.into(),
            size: bytes.len() as u64,
            path: file.into_temp_path(),
        }
    }

    fn files_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|d| {
                d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    #[test]
    fn prepared_files_are_clean_named_hashed_and_written() {
        let data = tempfile::tempdir().unwrap();
        let upload = received(data.path(), "IMG_0001.JPG", &jpeg_with_location());
        let files = prepare(data.path(), 7, &[upload]).unwrap();
        assert_eq!(files[0].display_name, "IMG_0001.jpg");
        assert!(files[0].stored_name.ends_with(".jpg") && files[0].stored_name.len() > 20);
        assert_eq!(files[0].sha256.len(), 64);
        let stored = std::fs::read(case_dir(data.path(), 7).join(&files[0].stored_name)).unwrap();
        assert_eq!(stored.len() as u64, files[0].size);
        assert_eq!(hex(&Sha256::digest(&stored)), files[0].sha256);
        assert!(!stored.windows(3).any(|w| w == b"GPS"));
        assert_eq!(
            files_in(&case_dir(data.path(), 7)),
            vec![files[0].stored_name.clone()]
        );
    }

    #[test]
    fn one_bad_file_refuses_the_lot_by_name_and_leaves_nothing() {
        let data = tempfile::tempdir().unwrap();
        let err = prepare(
            data.path(),
            7,
            &[
                received(data.path(), "ok.jpg", &jpeg_with_location()),
                received(data.path(), "照片.jpg", b"MZ\x90\0"),
            ],
        )
        .unwrap_err();
        assert!(matches!(
            err,
            ServiceError::Upload { ref name, error: UploadError::Unsupported } if name == "照片.jpg"
        ));
        assert!(
            files_in(&case_dir(data.path(), 7)).is_empty(),
            "nothing left behind"
        );
        let six: Vec<Received> = (0..6)
            .map(|_| received(data.path(), "a.jpg", &jpeg_with_location()))
            .collect();
        assert!(matches!(
            prepare(data.path(), 7, &six),
            Err(ServiceError::Conflict { .. })
        ));
    }

    #[test]
    fn a_disguised_name_is_refused_and_shown_without_its_trick() {
        let data = tempfile::tempdir().unwrap();
        let err = prepare(
            data.path(),
            7,
            &[received(
                data.path(),
                "photo\u{202E}gpj.exe",
                &jpeg_with_location(),
            )],
        )
        .unwrap_err();
        assert!(matches!(
            err,
            ServiceError::Upload { ref name, error: UploadError::DisguisedName } if name == "photogpj.exe"
        ));
    }
}
