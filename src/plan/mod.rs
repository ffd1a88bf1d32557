//! The compiled plan: every column resolved to a slot, every stage lowered to `Step`s, all
//! widths known. Immutable once built and shared between sessions through an `Arc`.

pub mod compile;
pub mod slot;
pub mod step;

pub use compile::{Compiler, Want};
pub use slot::{Slot, TokenBuf, VecArray, VecBuf};
pub use step::{Fault, Flow, Step, StepResult};

use crate::spark::SparkVersion;

/// Index of a column's slot in a session.
pub type SlotIndex = usize;

/// The Spark SQL type of a column as mlscore stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnType {
    Double,
    /// Spark `int` (KMeans prediction, ALS ids); held as f64 in `Slot::num`.
    Int,
    /// Spark `float` (ALS prediction); held as f64 in `Slot::num`.
    Float,
    Bool,
    String,
    Vector,
    StringArray,
    /// Spark `array<vector>` (the LSH models' `hashes`).
    VectorArray,
}

impl ColumnType {
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            ColumnType::Double | ColumnType::Int | ColumnType::Float | ColumnType::Bool
        )
    }
    /// Spark's `simpleString` of the type.
    pub fn spark_name(self) -> &'static str {
        match self {
            ColumnType::Double => "double",
            ColumnType::Int => "int",
            ColumnType::Float => "float",
            ColumnType::Bool => "boolean",
            ColumnType::String => "string",
            ColumnType::Vector => "vector",
            ColumnType::StringArray => "array<string>",
            ColumnType::VectorArray => "array<vector>",
        }
    }
}

/// Whether a column is given by the caller, produced by a stage, or internal scratch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Input,
    Output,
    Hidden,
}

/// Nominal (categorical) attribute Spark attaches to a double column's metadata (section 6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nominal {
    pub num_values: usize,
    pub labels: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ColumnSpec {
    pub name: String,
    pub ty: ColumnType,
    /// Vector width when known at load time.
    pub width: Option<usize>,
    pub role: Role,
    /// Index of the stage that produced it (outputs only).
    pub stage: Option<usize>,
    pub nominal: Option<Nominal>,
    /// A vector column whose slot attributes include nominal ones (a VectorAssembler over a
    /// StringIndexer output): each slot's number of nominal values, 1 for a numeric or binary
    /// slot. `None` when every slot is numeric. Interaction one-hot expands nominal slots.
    pub slot_values: Option<Vec<usize>>,
    /// A vector column's per-slot ML attribute names, where Spark's transform would carry
    /// them (OneHotEncoder, VectorAssembler); VectorSlicer selects by these `names`.
    pub slot_names: Option<Vec<NameRun>>,
}

/// A run of consecutive slot attribute names: `prefix` followed by each of `names`, or by
/// the slot's index within the run when `names` is `None` (`width` slots). Runs keep a wide
/// vector's index names (`features_0` … `features_262143`) from being spelled out at load.
#[derive(Debug, Clone, PartialEq)]
pub struct NameRun {
    pub prefix: String,
    pub names: Option<Vec<String>>,
    pub width: usize,
}

/// The slot whose attribute name is `name` in `runs`, as Spark's `AttributeGroup.getAttr`.
pub fn find_slot_name(runs: &[NameRun], name: &str) -> Option<usize> {
    let mut offset = 0;
    for run in runs {
        if let Some(rest) = name.strip_prefix(run.prefix.as_str()) {
            let found = match &run.names {
                Some(names) => names.iter().position(|n| n == rest),
                // Only the canonical spelling: `i.to_string()` has no sign or leading zero.
                None => rest
                    .parse::<usize>()
                    .ok()
                    .filter(|&i| i < run.width && i.to_string() == rest),
            };
            if let Some(i) = found {
                return Some(offset + i);
            }
        }
        offset += run.width;
    }
    None
}

/// One stage of the flattened pipeline, as `inspect` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct StageInfo {
    pub uid: String,
    pub class: String,
    pub spark_version: String,
    /// Params that matter for scoring, as `name=value` text.
    pub params: Vec<(String, String)>,
}

/// The whole compiled model.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Class of the top-level directory (PipelineModel, a bare model, CrossValidatorModel…).
    pub root_class: String,
    pub spark_version: Option<SparkVersion>,
    pub spark_version_text: String,
    /// Semantics scoring follows (the writer's version unless overridden).
    pub semantics: SparkVersion,
    pub columns: Vec<ColumnSpec>,
    /// Raw input slots, in the order stages first asked for them.
    pub inputs: Vec<SlotIndex>,
    /// Output slots in the order Spark's transform appends them.
    pub outputs: Vec<SlotIndex>,
    /// Columns a stage removed from Spark's output (RFormula's ColumnPruner).
    pub dropped: Vec<SlotIndex>,
    pub steps: Vec<Step>,
    /// Stage index of each step, for error records.
    pub step_stage: Vec<u32>,
    pub stages: Vec<StageInfo>,
}

impl Plan {
    pub fn input_index(&self, name: &str) -> Option<usize> {
        self.inputs
            .iter()
            .position(|&s| self.columns.get(s).is_some_and(|c| c.name == name))
    }
    pub fn output_index(&self, name: &str) -> Option<usize> {
        self.outputs
            .iter()
            .position(|&s| self.columns.get(s).is_some_and(|c| c.name == name))
    }
}

#[cfg(test)]
mod name_tests {
    use super::*;

    #[test]
    fn slot_names_resolve_through_runs() {
        let runs = [
            NameRun {
                prefix: String::new(),
                names: Some(vec!["x".into()]),
                width: 1,
            },
            NameRun {
                prefix: "v_".into(),
                names: None,
                width: 3,
            },
            NameRun {
                prefix: "c_".into(),
                names: Some(vec!["red".into(), "blue".into()]),
                width: 2,
            },
        ];
        assert_eq!(find_slot_name(&runs, "x"), Some(0));
        assert_eq!(find_slot_name(&runs, "v_2"), Some(3));
        assert_eq!(find_slot_name(&runs, "c_blue"), Some(5));
        for absent in ["v_3", "v_02", "v_+1", "c_green", "y"] {
            assert_eq!(find_slot_name(&runs, absent), None, "{absent}");
        }
    }
}
