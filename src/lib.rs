//! mlscore: scores Apache Spark ML models saved with `model.write().save(dir)` without a JVM.
//!
//! Load a directory once into a [`Model`] (an immutable compiled plan), open one [`Session`]
//! per thread, set inputs and score. Layers: `spark` (format readers) → `stages` (what each
//! Spark class means) → `plan` (compiled steps) → `kernels` (arithmetic) → `session`.
//!
//! ```no_run
//! let model = mlscore::Model::load("tests/spark/fixtures/spark-3.5.9/census_lr/model")?;
//! let mut session = model.session();
//! // set inputs by index (see model.inputs()), then:
//! let outcome = session.score();
//! # Ok::<(), mlscore::LoadError>(())
//! ```

#![deny(unsafe_code)]
// `LoadError` carries its context (file, stage, class, column) by value: it is built only on
// the cold load path, where its size costs nothing, and boxing it would burden every stage.
#![allow(clippy::result_large_err)]

pub mod error;
pub mod json;
pub mod kernels;
pub mod model;
pub mod plan;
pub mod session;
pub mod spark;
pub mod stages;

#[allow(unsafe_code)]
pub mod ffi;

pub use error::{BatchError, LoadError, LoadErrorKind, ScoreError, ScoreErrorKind};
pub use model::{FlatColumn, FlatInput, FlatLayout, LoadOptions, Model};
pub use plan::{ColumnSpec, ColumnType, Role};
pub use session::{FlatNum, InputValue, Outcome, Session, Value};
pub use spark::{LoadLimits, SparkVersion, VectorAttributes};

/// Crate version, as in Cargo.toml.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
