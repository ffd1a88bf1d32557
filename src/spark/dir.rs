//! Directory walking: which files in a Spark output directory hold data. Spark and Hadoop leave
//! `_SUCCESS` markers and hidden `.crc` checksums beside the data; users commit `.DS_Store` and
//! other files. Only `part-*` text files and `*.parquet` files count.

use std::fs;
use std::path::{Path, PathBuf};

use super::ReadContext;
use crate::error::{LoadError, LoadErrorKind};

fn is_hidden(name: &str) -> bool {
    name.starts_with('.') || name.starts_with('_')
}

/// Sorted file names of a directory, hidden and marker files skipped.
fn visible_files(ctx: &ReadContext<'_>, dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let entries = fs::read_dir(dir).map_err(|e| {
        let kind = if e.kind() == std::io::ErrorKind::NotFound {
            LoadErrorKind::MissingFile
        } else {
            LoadErrorKind::Io
        };
        LoadError::new(kind, format!("cannot read directory: {e}")).in_file(ctx.display(dir))
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| {
            LoadError::new(LoadErrorKind::Io, format!("cannot list directory: {e}"))
                .in_file(ctx.display(dir))
        })?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if is_hidden(name) {
            continue;
        }
        let path = entry.path();
        if path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The metadata text file: `part-00000` (Spark ≤ 3.5) or `part-00000-<uuid>-c000.txt` (4.x).
pub fn metadata_file(ctx: &ReadContext<'_>, dir: &Path) -> Result<PathBuf, LoadError> {
    let meta_dir = dir.join("metadata");
    if !meta_dir.is_dir() {
        return Err(LoadError::new(
            LoadErrorKind::MissingFile,
            "no metadata/ directory: not a saved Spark model",
        )
        .in_file(ctx.display(&meta_dir)));
    }
    visible_files(ctx, &meta_dir)?
        .into_iter()
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("part-"))
        })
        .ok_or_else(|| {
            LoadError::new(
                LoadErrorKind::MissingFile,
                "metadata directory has no part-* file",
            )
            .in_file(ctx.display(&meta_dir))
        })
}

/// Every Parquet part file of a data directory, in name order. Spark may split rows over any
/// number of files (some empty); all are read.
pub fn parquet_files(ctx: &ReadContext<'_>, dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    if !dir.is_dir() {
        return Err(LoadError::new(
            LoadErrorKind::MissingFile,
            "Parquet data directory is missing",
        )
        .in_file(ctx.display(dir)));
    }
    let files: Vec<PathBuf> = visible_files(ctx, dir)?
        .into_iter()
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".parquet"))
        })
        .collect();
    if files.is_empty() {
        return Err(LoadError::new(
            LoadErrorKind::MissingFile,
            "no Parquet data file (*.parquet) in the data directory",
        )
        .in_file(ctx.display(dir)));
    }
    Ok(files)
}
