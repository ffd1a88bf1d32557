//! Readers for the directory layout Spark's `MLWriter` produces: metadata JSON, Parquet data,
//! and the typed values inside (vectors, matrices). Knows nothing about what a stage means.

pub mod columns;
pub mod dir;
pub mod limits;
pub mod metadata;
pub mod ml_attr;
pub mod parquet;
pub mod version;

use std::path::Path;

pub use limits::LoadLimits;
pub use metadata::Metadata;
pub use ml_attr::VectorAttributes;
pub use parquet::{Datum, Matrix, SparkVector, Table};
pub use version::SparkVersion;

/// What every reader needs: the model root (so messages name files relative to it) and limits.
#[derive(Debug, Clone, Copy)]
pub struct ReadContext<'a> {
    pub root: &'a Path,
    pub limits: &'a LoadLimits,
}

impl ReadContext<'_> {
    /// A path as users see it in messages: relative to the model directory they passed.
    pub fn display(&self, path: &Path) -> String {
        match path.strip_prefix(self.root) {
            Ok(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
            _ => path.display().to_string(),
        }
    }
}
