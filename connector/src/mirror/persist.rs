//! The last snapshot, saved in the data directory after each sync, so that
//! a restart can serve the catalog while Odoo is unreachable.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Snapshot;

/// The format of the saved file; a file of another format is not read.
const FORMAT: u32 = 1;

/// Why the saved snapshot could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotFileError {
    /// The file could not be read or written.
    #[error("cannot use the saved snapshot {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a snapshot this version can read.
    #[error("the saved snapshot {path} is unreadable: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

#[derive(Serialize)]
struct SavedRef<'a> {
    format: u32,
    snapshot: &'a Snapshot,
}

#[derive(Deserialize)]
struct Saved {
    format: u32,
    snapshot: serde_json::Value,
}

impl Snapshot {
    /// Writes the snapshot to `path`, replacing the file atomically (a
    /// crash leaves the previous file whole).
    pub fn save(&self, path: &Path) -> Result<(), SnapshotFileError> {
        let io = |source| SnapshotFileError::Io {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let partial = path.with_extension("partial");
        let mut file = std::io::BufWriter::new(std::fs::File::create(&partial).map_err(io)?);
        serde_json::to_writer(
            &mut file,
            &SavedRef {
                format: FORMAT,
                snapshot: self,
            },
        )
        .map_err(|e| SnapshotFileError::Format {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        let file = file.into_inner().map_err(|e| io(e.into_error()))?;
        file.sync_all().map_err(io)?;
        drop(file);
        std::fs::rename(&partial, path).map_err(io)
    }

    /// Reads a snapshot saved by [`Snapshot::save`] and derives its pricing
    /// context and search index again.
    pub fn load(path: &Path) -> Result<Snapshot, SnapshotFileError> {
        let bytes = std::fs::read(path).map_err(|source| SnapshotFileError::Io {
            path: path.to_owned(),
            source,
        })?;
        let format = |message: String| SnapshotFileError::Format {
            path: path.to_owned(),
            message,
        };
        let saved: Saved = serde_json::from_slice(&bytes).map_err(|e| format(e.to_string()))?;
        if saved.format != FORMAT {
            return Err(format(format!(
                "format {} (this version reads {FORMAT})",
                saved.format
            )));
        }
        let mut snapshot: Snapshot =
            serde_json::from_value(saved.snapshot).map_err(|e| format(e.to_string()))?;
        snapshot.derive();
        Ok(snapshot)
    }
}
