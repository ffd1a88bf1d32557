//! Old RDD-based `org.apache.spark.mllib` models saved with `model.save(sc, path)`: metadata
//! `{"class", "version": "1.0"|"2.0", …}` and Parquet data. Their input is one feature vector
//! (column `features`) and their output what `predict` returns (column `prediction`).

pub mod linear;
pub mod matrix_factorization;
pub mod naive_bayes;
pub mod tree;
pub mod word2vec;

use crate::error::LoadError;
use crate::plan::{ColumnType, Compiler, SlotIndex, Want};
use crate::spark::parquet::Table;
use crate::spark::{Metadata, SparkVersion};

/// The `features` input and `prediction` output every mllib model uses here.
pub fn columns(
    c: &mut Compiler<'_>,
    meta: &Metadata,
    num_features: Option<usize>,
) -> Result<(SlotIndex, SlotIndex), LoadError> {
    let input = c.input(meta, "features", Want::Vector(num_features))?;
    let output = c.output(meta, "prediction", ColumnType::Double, None)?;
    Ok((input, output))
}

/// mllib metadata records a format version only; the Spark version that wrote the model is in
/// its Parquet footers. Returns `meta` with that version when the metadata has none, so that
/// `begin_stage` picks the writer's semantics (e.g. Scala 2.13 collections from Spark 4).
pub fn with_writer_version(meta: &Metadata, table: &Table) -> Metadata {
    let mut meta = meta.clone();
    if meta.spark_version.is_none() {
        if let Some(text) = &table.spark_version {
            meta.spark_version = SparkVersion::parse(text);
            meta.spark_version_text.clone_from(text);
        }
    }
    meta
}
