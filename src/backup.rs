//! `huiying backup` and `huiying restore`: one tar archive with what a portal needs to
//! serve again — a consistent copy of the SQLite database (taken while it serves), the
//! session and audit keys, the attachments — and a manifest naming every file with its
//! size and SHA-256 and the migrations the copy has. Restoring checks all of it first and
//! refuses a damaged archive, or one from a newer release than this binary. With
//! PostgreSQL the database is copied by `pg_dump` and the archive holds the rest.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::Settings;
use crate::db::conn::{applied_migrations, copy_sqlite_into, known_migration_versions};
use crate::db::{Backend, Db};

const FORMAT: &str = "huiying-backup/1";
const MANIFEST: &str = "manifest.json";
/// The database copy's name in the archive and in a restored data dir.
const DATABASE_FILE: &str = "huiying.db";

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub format: String,
    pub created_at: String,
    pub release: String,
    /// `sqlite` (the copy is in the archive) or `postgres` (use the `pg_dump` taken with it).
    pub backend: String,
    /// Versions of the migrations the database had.
    pub migrations: Vec<String>,
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileEntry {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

fn digest_of(path: &Path) -> anyhow::Result<(u64, String)> {
    let mut file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((size, crate::domain::timeline::hex(&hasher.finalize())))
}

/// The files of the data dir a backup keeps: the keys and the attachments.
fn kept_files(data_dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut files = Vec::new();
    for key in ["session.key", "audit.key"] {
        if data_dir.join(key).is_file() {
            files.push(key.to_string());
        }
    }
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> anyhow::Result<()> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(());
        };
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                walk(root, &path, out)?;
            } else if let Ok(relative) = path.strip_prefix(root) {
                out.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
        Ok(())
    }
    walk(data_dir, &data_dir.join("attachments"), &mut files)?;
    files.sort();
    Ok(files)
}

/// Writes the archive `to` from the portal `settings` describe, while it may be serving.
pub fn backup(settings: &Settings, to: &Path) -> anyhow::Result<Manifest> {
    let db = Db::open(&settings.database_url(), 2).context("opening the database")?;
    let staging = tempfile::tempdir_in(
        to.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new(".")),
    )?;
    let mut conn = db.get()?;
    let migrations = applied_migrations(&mut conn)?;
    let mut sources: Vec<(String, PathBuf)> = Vec::new();
    if db.backend() == Backend::Sqlite {
        let copy = staging.path().join(DATABASE_FILE);
        copy_sqlite_into(&mut conn, &copy).context("copying the database")?;
        sources.push((DATABASE_FILE.to_string(), copy));
    }
    drop(conn);
    for file in kept_files(&settings.data_dir)? {
        let path = settings.data_dir.join(&file);
        sources.push((format!("data/{file}"), path));
    }
    let mut files = Vec::new();
    for (name, path) in &sources {
        let (size, sha256) = digest_of(path)?;
        files.push(FileEntry {
            path: name.clone(),
            size,
            sha256,
        });
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        created_at: chrono::Utc::now().to_rfc3339(),
        release: env!("CARGO_PKG_VERSION").into(),
        backend: match db.backend() {
            Backend::Sqlite => "sqlite".into(),
            Backend::Postgres => "postgres".into(),
        },
        migrations,
        files,
    };
    let partial = to.with_extension("partial");
    {
        let out =
            std::fs::File::create(&partial).with_context(|| format!("creating {}", partial.display()))?;
        let mut archive = tar::Builder::new(std::io::BufWriter::new(out));
        let json = serde_json::to_vec_pretty(&manifest)?;
        let mut header = tar::Header::new_gnu();
        header.set_size(json.len() as u64);
        header.set_mode(0o600);
        header.set_cksum();
        archive.append_data(&mut header, MANIFEST, json.as_slice())?;
        for (name, path) in &sources {
            archive.append_path_with_name(path, name)?;
        }
        archive.into_inner()?.flush()?;
    }
    // Only a complete archive gets the name asked for.
    std::fs::rename(&partial, to)?;
    Ok(manifest)
}

/// Unpacks the archive into `data_dir` (new or empty) after checking every file against
/// the manifest; returns the manifest.
pub fn restore(from: &Path, data_dir: &Path) -> anyhow::Result<Manifest> {
    if data_dir.exists() && std::fs::read_dir(data_dir)?.next().is_some() {
        bail!(
            "{} is not empty: restore into a new data directory",
            data_dir.display()
        );
    }
    let staging = tempfile::tempdir()?;
    let file = std::fs::File::open(from).with_context(|| format!("opening {}", from.display()))?;
    let mut archive = tar::Archive::new(std::io::BufReader::new(file));
    for entry in archive.entries().context("not a backup archive")? {
        let mut entry = entry.context("the archive is damaged")?;
        let path = entry.path()?.into_owned();
        if path.is_absolute()
            || path
                .components()
                .any(|c| matches!(c, std::path::Component::ParentDir))
        {
            bail!("the archive names a file outside it: {}", path.display());
        }
        let target = staging.path().join(&path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        entry.unpack(&target).context("the archive is damaged")?;
    }
    let manifest: Manifest = serde_json::from_slice(
        &std::fs::read(staging.path().join(MANIFEST)).context("the archive has no manifest")?,
    )
    .context("the manifest is damaged")?;
    if manifest.format != FORMAT {
        bail!(
            "this is a {:?} archive; this release reads {FORMAT}",
            manifest.format
        );
    }
    let backend = match manifest.backend.as_str() {
        "sqlite" => Backend::Sqlite,
        "postgres" => Backend::Postgres,
        other => bail!("the manifest names an unknown database {other:?}"),
    };
    let known = known_migration_versions(backend);
    if let Some(newer) = manifest.migrations.iter().find(|m| !known.contains(m)) {
        bail!(
            "the backup is of a newer release ({}, migration {newer}); restore it with that release",
            manifest.release
        );
    }
    for entry in &manifest.files {
        let path = staging.path().join(&entry.path);
        let (size, sha256) = digest_of(&path).with_context(|| format!("{} is missing", entry.path))?;
        if size != entry.size || sha256 != entry.sha256 {
            bail!(
                "{} is damaged (its checksum does not match the manifest)",
                entry.path
            );
        }
    }
    std::fs::create_dir_all(data_dir)?;
    for entry in &manifest.files {
        let relative = entry.path.strip_prefix("data/").unwrap_or(&entry.path);
        let target = data_dir.join(relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::rename(staging.path().join(&entry.path), &target)
            .or_else(|_| std::fs::copy(staging.path().join(&entry.path), &target).map(|_| ()))?;
    }
    Ok(manifest)
}
