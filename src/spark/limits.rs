//! Caps on everything read from disk, checked before anything is allocated from a size found
//! in a file. Adjustable through `LoadOptions`.

use crate::error::{LoadError, LoadErrorKind};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadLimits {
    /// Largest metadata JSON file, in bytes.
    pub max_metadata_bytes: u64,
    /// Largest single Parquet file, in bytes.
    pub max_parquet_bytes: u64,
    /// Most rows read from one stage's Parquet data (all part files together).
    pub max_rows: u64,
    /// Largest uncompressed column chunk a Parquet footer may declare, in bytes.
    pub max_uncompressed_bytes: u64,
    /// Widest vector (features, vocabulary, hash space) a stage may declare.
    pub max_vector_width: u64,
    /// Most nodes in one tree.
    pub max_tree_nodes: u64,
    /// Deepest tree (Spark itself stops at 30).
    pub max_tree_depth: u32,
    /// Deepest nesting of pipelines and wrapper models.
    pub max_nesting: u32,
    /// Most stages in the flattened pipeline.
    pub max_stages: u64,
}

impl Default for LoadLimits {
    fn default() -> Self {
        LoadLimits {
            max_metadata_bytes: 64 << 20,
            max_parquet_bytes: 2 << 30,
            max_rows: 50_000_000,
            max_uncompressed_bytes: 4 << 30,
            max_vector_width: 1 << 28,
            max_tree_nodes: 1 << 22,
            max_tree_depth: 64,
            max_nesting: 16,
            max_stages: 10_000,
        }
    }
}

/// Fails with `LimitExceeded` when `found > limit`.
pub fn check(what: &'static str, found: u64, limit: u64) -> Result<(), LoadError> {
    if found > limit {
        Err(LoadError::new(
            LoadErrorKind::LimitExceeded,
            format!("{what} is {found}, above the limit of {limit}"),
        ))
    } else {
        Ok(())
    }
}
