//! The compiled plan: every column resolved to a slot, every stage lowered to `Step`s, all
//! widths known. Immutable once built and shared between sessions through an `Arc`.

pub mod compile;
pub mod fuse;
pub mod slot;
pub mod step;

pub use compile::{Compiler, Want};
pub use slot::{Slot, TokenBuf, VecArray, VecBuf};
pub use step::{Fault, Flow, Step, StepResult};

use crate::error::{LoadError, LoadErrorKind};
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

/// A run of consecutive slot attribute names, so a wide vector's index names
/// (`features_0` … `features_262143`) are not spelled out at load.
#[derive(Debug, Clone, PartialEq)]
pub struct NameRun {
    pub prefix: String,
    pub names: RunNames,
    pub width: usize,
}

/// How the slots of a `NameRun` are named.
#[derive(Debug, Clone, PartialEq)]
pub enum RunNames {
    /// Slot `k` is `prefix` + `names[k]`.
    Listed(Vec<String>),
    /// Slot `k` is `prefix` + `(first + k)`: VectorAssembler's name for a vector slot
    /// without one (`first` is the slot's index within that vector).
    Indexed { first: usize },
    /// Attributes without a name (Spark's `ml_attr` allows them): `names` cannot select
    /// them, and a VectorAssembler names them by index.
    Unnamed,
}

impl NameRun {
    pub fn listed(names: Vec<String>) -> NameRun {
        NameRun {
            prefix: String::new(),
            width: names.len(),
            names: RunNames::Listed(names),
        }
    }

    /// The name of slot `k` of this run (`k < width`), `None` for an unnamed slot.
    pub fn name_at(&self, k: usize) -> Option<String> {
        match &self.names {
            RunNames::Listed(names) => names.get(k).map(|n| format!("{}{n}", self.prefix)),
            RunNames::Indexed { first } => Some(format!("{}{}", self.prefix, first + k)),
            RunNames::Unnamed => None,
        }
    }
}

/// Runs for one name per slot (`None`: unnamed), grouping neighbours of the same kind.
pub fn runs_from_names(names: Vec<Option<String>>) -> Vec<NameRun> {
    let mut runs: Vec<NameRun> = Vec::new();
    for name in names {
        match (name, runs.last_mut()) {
            (
                Some(n),
                Some(NameRun {
                    names: RunNames::Listed(listed),
                    width,
                    ..
                }),
            ) => {
                listed.push(n);
                *width += 1;
            }
            (Some(n), _) => runs.push(NameRun::listed(vec![n])),
            (
                None,
                Some(NameRun {
                    names: RunNames::Unnamed,
                    width,
                    ..
                }),
            ) => *width += 1,
            (None, _) => runs.push(NameRun {
                prefix: String::new(),
                names: RunNames::Unnamed,
                width: 1,
            }),
        }
    }
    runs
}

/// The name of every slot in `selected` (indices into the vector `runs` name), as Spark's
/// VectorSlicer and selectors carry the chosen attributes into their output.
pub fn select_slot_names(runs: &[NameRun], selected: &[u32]) -> Option<Vec<NameRun>> {
    let mut starts = Vec::with_capacity(runs.len());
    let mut offset = 0;
    for run in runs {
        starts.push(offset);
        offset += run.width;
    }
    let names = selected
        .iter()
        .map(|&i| {
            let i = i as usize;
            let r = starts.partition_point(|&s| s <= i).checked_sub(1)?;
            let run = runs.get(r)?;
            let k = i - starts.get(r)?;
            (k < run.width).then(|| run.name_at(k))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(runs_from_names(names))
}

/// The slot whose attribute name is `name` in `runs`, as Spark's `AttributeGroup.getAttr`:
/// its name-to-index map keeps the last slot of a repeated name.
pub fn find_slot_name(runs: &[NameRun], name: &str) -> Option<usize> {
    let mut offset = 0;
    let mut found = None;
    for run in runs {
        if let Some(rest) = name.strip_prefix(run.prefix.as_str()) {
            let here = match &run.names {
                RunNames::Listed(names) => names.iter().rposition(|n| n == rest),
                // Only the canonical spelling: `i.to_string()` has no sign or leading zero.
                RunNames::Indexed { first } => rest
                    .parse::<usize>()
                    .ok()
                    .filter(|&i| i >= *first && i - first < run.width && i.to_string() == rest)
                    .map(|i| i - first),
                RunNames::Unnamed => None,
            };
            if let Some(i) = here {
                found = Some(offset + i);
            }
        }
        offset += run.width;
    }
    found
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
    /// (stage, slot) for every column a stage reads by name: which stages consume a column.
    pub reads: Vec<(u32, SlotIndex)>,
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

    /// Keeps only the named output columns (as `transform(df).select(...)` would), in Spark's
    /// output order; the others become hidden, which lets `fuse` skip building them. Every
    /// stage still runs, so rows are skipped or fail as without a selection.
    pub fn select_outputs(&mut self, names: &[String]) -> Result<(), LoadError> {
        let available: Vec<&str> = self
            .outputs
            .iter()
            .filter(|s| !self.dropped.contains(s))
            .filter_map(|&s| self.columns.get(s).map(|c| c.name.as_str()))
            .collect();
        for name in names {
            if !available.contains(&name.as_str()) {
                let available = &available[..available.len().min(40)];
                return Err(LoadError::new(
                    LoadErrorKind::BadOption,
                    format!(
                        "selected output is not a column the model produces (outputs: {})",
                        available.join(", ")
                    ),
                )
                .in_column(name));
            }
        }
        let (columns, dropped) = (&mut self.columns, &self.dropped);
        self.outputs.retain(|&s| {
            let keep =
                !dropped.contains(&s) && columns.get(s).is_some_and(|c| names.contains(&c.name));
            if !keep {
                if let Some(c) = columns.get_mut(s) {
                    c.role = Role::Hidden;
                }
            }
            keep
        });
        Ok(())
    }

    /// Whether anything but stage `stage` reads `slot`, or the caller can: the column must
    /// then be built as Spark builds it.
    pub fn read_elsewhere(&self, slot: SlotIndex, stage: u32) -> bool {
        self.outputs.contains(&slot)
            || self
                .reads
                .iter()
                .any(|&(reader, read)| read == slot && reader != stage)
    }
}

#[cfg(test)]
mod name_tests {
    use super::*;

    #[test]
    fn slot_names_resolve_through_runs() {
        let runs = [
            NameRun::listed(vec!["x".into()]),
            NameRun {
                prefix: "v_".into(),
                names: RunNames::Indexed { first: 0 },
                width: 3,
            },
            NameRun {
                prefix: "c_".into(),
                names: RunNames::Listed(vec!["red".into(), "blue".into()]),
                width: 2,
            },
            NameRun {
                prefix: "w_".into(),
                names: RunNames::Indexed { first: 4 },
                width: 2,
            },
            NameRun {
                prefix: String::new(),
                names: RunNames::Unnamed,
                width: 2,
            },
        ];
        assert_eq!(find_slot_name(&runs, "x"), Some(0));
        assert_eq!(find_slot_name(&runs, "v_2"), Some(3));
        assert_eq!(find_slot_name(&runs, "c_blue"), Some(5));
        assert_eq!(find_slot_name(&runs, "w_5"), Some(7));
        for absent in ["v_3", "v_02", "v_+1", "c_green", "y", "w_3", "w_6", "8", ""] {
            assert_eq!(find_slot_name(&runs, absent), None, "{absent}");
        }
    }

    #[test]
    fn a_repeated_name_finds_its_last_slot_as_spark_does() {
        // Spark's VectorAssembler over `v` with slot 3 unnamed and slot 4 named "3" names
        // both `v_3`; VectorSlicer then selects slot 4 (checked with pyspark 3.5.9).
        let runs = [NameRun {
            prefix: "v_".into(),
            names: RunNames::Listed(vec!["a".into(), "3".into(), "a".into()]),
            width: 3,
        }];
        assert_eq!(find_slot_name(&runs, "v_a"), Some(2));
        let runs = [
            NameRun {
                prefix: "v_".into(),
                names: RunNames::Indexed { first: 3 },
                width: 1,
            },
            NameRun {
                prefix: "v_".into(),
                names: RunNames::Listed(vec!["3".into()]),
                width: 1,
            },
        ];
        assert_eq!(find_slot_name(&runs, "v_3"), Some(1));
    }

    #[test]
    fn names_group_into_runs_and_selections_keep_them() {
        let runs = runs_from_names(vec![
            Some("a".into()),
            Some("b".into()),
            None,
            None,
            Some("c".into()),
        ]);
        assert_eq!(runs.len(), 3);
        assert_eq!(runs[1].names, RunNames::Unnamed);
        assert_eq!(runs[1].width, 2);
        assert_eq!(find_slot_name(&runs, "c"), Some(4));
        let picked = select_slot_names(&runs, &[4, 2, 0]).unwrap();
        let names: Vec<Option<String>> = picked
            .iter()
            .flat_map(|r| (0..r.width).map(|k| r.name_at(k)))
            .collect();
        assert_eq!(names, vec![Some("c".into()), None, Some("a".into())]);
        assert_eq!(select_slot_names(&runs, &[5]), None);
    }
}
