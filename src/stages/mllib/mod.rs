//! Old RDD-based `org.apache.spark.mllib` models saved with `model.save(sc, path)`: metadata
//! `{"class", "version": "1.0"|"2.0", …}` and Parquet data. Their input is one feature vector
//! (column `features`) and their output what `predict` returns (column `prediction`).

pub mod linear;
pub mod naive_bayes;
pub mod tree;

use crate::error::LoadError;
use crate::plan::{ColumnType, Compiler, SlotIndex, Want};
use crate::spark::Metadata;

/// The `features` input and `prediction` output every mllib model uses here.
pub fn columns(c: &mut Compiler<'_>, meta: &Metadata, num_features: Option<usize>) -> Result<(SlotIndex, SlotIndex), LoadError> {
    let input = c.input(meta, "features", Want::Vector(num_features))?;
    let output = c.output(meta, "prediction", ColumnType::Double, None)?;
    Ok((input, output))
}
