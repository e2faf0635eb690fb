//! Photos and PDFs added to a case: checked and cleaned, written under the data
//! directory, recorded against the case, and handed out only to who may see the case.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::ServiceError;
use super::auth::StaffUser;
use super::cases::{ResidentProof, resident_case_by};
use super::workflow::Rules;
use crate::db::DbConn;
use crate::db::attachments::{self as store, AttachmentRecord, NewAttachment};
use crate::db::cases::{CaseRecord, find_by_tracking_number};
use crate::domain::timeline::hex;
use crate::domain::tracking::TrackingNumber;
use crate::domain::upload::{Kind, MAX_FILES, clean, display_name};

/// A file as it arrived.
#[derive(Debug, Clone)]
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A file checked, cleaned and named, ready to write.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub kind: Kind,
    pub display_name: String,
    pub stored_name: String,
    pub bytes: Vec<u8>,
    pub sha256: String,
}

/// Who asks for a file.
#[derive(Debug, Clone)]
pub enum Viewer {
    Resident(ResidentProof),
    Staff(StaffUser),
}

/// Checks and cleans every upload; the first bad one refuses them all, by name.
pub fn prepare(uploads: Vec<Upload>) -> Result<Vec<Prepared>, ServiceError> {
    if uploads.len() > MAX_FILES {
        return Err(ServiceError::Conflict {
            key: "err.too_many_files",
        });
    }
    uploads
        .into_iter()
        .map(|upload| {
            let (kind, bytes) = clean(&upload.bytes).map_err(|error| ServiceError::Upload {
                name: upload.name.clone(),
                error,
            })?;
            let mut id = [0u8; 18];
            rand::rng().fill_bytes(&mut id);
            Ok(Prepared {
                display_name: display_name(&upload.name, kind),
                stored_name: format!("{}.{}", URL_SAFE_NO_PAD.encode(id), kind.extension()),
                sha256: hex(&Sha256::digest(&bytes)),
                kind,
                bytes,
            })
        })
        .collect()
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
    if store::count_for(conn, record.id)? as usize + adding > MAX_FILES {
        return Err(ServiceError::Conflict {
            key: "err.too_many_files",
        });
    }
    Ok(record)
}

/// Writes the files (before the rows that name them, so no row points at nothing).
pub fn write_files(data_dir: &Path, case_id: i64, files: &[Prepared]) -> std::io::Result<()> {
    let dir = case_dir(data_dir, case_id);
    std::fs::create_dir_all(&dir)?;
    for file in files {
        let path = dir.join(&file.stored_name);
        let partial = dir.join(format!("{}.part", file.stored_name));
        std::fs::write(&partial, &file.bytes)?;
        std::fs::rename(&partial, &path)?;
    }
    Ok(())
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
            size_bytes: f.bytes.len() as i64,
            sha256: f.sha256.clone(),
            created_at: now.naive_utc(),
        })
        .collect();
    store::insert(conn, &rows)?;
    tracing::info!(case = case_id, files = rows.len(), "attachments added");
    Ok(store::list_for(conn, case_id)?)
}

/// The case's files for someone already allowed to see the case.
pub fn list(conn: &mut DbConn, case_id: i64) -> Result<Vec<AttachmentRecord>, ServiceError> {
    Ok(store::list_for(conn, case_id)?)
}

/// One file, if `viewer` may see the case; a staff read is recorded like any read of
/// what a resident sent.
pub fn open(
    conn: &mut DbConn,
    rules: Rules<'_>,
    number: &TrackingNumber,
    id: i64,
    viewer: &Viewer,
    now: DateTime<Utc>,
) -> Result<AttachmentRecord, ServiceError> {
    let case = find_by_tracking_number(conn, number.as_str())?.ok_or(ServiceError::NotFound)?;
    match viewer {
        Viewer::Resident(proof) => {
            resident_case_by(conn, rules, number, proof, now)?;
        }
        Viewer::Staff(user) => {
            super::workflow::staff_case(conn, rules, user, number, now)?;
            crate::db::users::log_access(conn, user.id, case.id, "attachment", now.naive_utc())?;
        }
    }
    store::find(conn, case.id, id)?.ok_or(ServiceError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::upload::UploadError;
    use crate::domain::upload::fixtures::jpeg_with_location;

    #[test]
    fn prepared_files_are_clean_named_and_hashed() {
        let files = prepare(vec![Upload {
            name: "IMG_0001.JPG".into(),
            bytes: jpeg_with_location(),
        }])
        .unwrap();
        assert_eq!(files[0].display_name, "IMG_0001.jpg");
        assert!(files[0].stored_name.ends_with(".jpg") && files[0].stored_name.len() > 20);
        assert_eq!(files[0].sha256.len(), 64);
        assert!(!files[0].bytes.windows(3).any(|w| w == b"GPS"));
    }

    #[test]
    fn one_bad_file_refuses_the_lot_by_name() {
        let err = prepare(vec![
            Upload {
                name: "ok.jpg".into(),
                bytes: jpeg_with_location(),
            },
            Upload {
                name: "照片.jpg".into(),
                bytes: b"MZ\x90\0".to_vec(),
            },
        ])
        .unwrap_err();
        assert!(matches!(
            err,
            ServiceError::Upload { ref name, error: UploadError::Unsupported } if name == "照片.jpg"
        ));
        let six = vec![
            Upload {
                name: "a.jpg".into(),
                bytes: jpeg_with_location(),
            };
            6
        ];
        assert!(matches!(prepare(six), Err(ServiceError::Conflict { .. })));
    }
}
