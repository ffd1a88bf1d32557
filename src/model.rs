//! `Model`: a loaded, compiled, immutable Spark model, cheap to clone and share across threads.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::error::{LoadError, LoadErrorKind, ScoreError, ScoreErrorKind, NO_INDEX};
use crate::plan::{ColumnSpec, ColumnType, Compiler, Plan, Role, SlotIndex, StageInfo};
use crate::session::{InputValue, Session};
use crate::spark::{LoadLimits, Metadata, ReadContext, SparkVersion, VectorAttributes};

/// How to load: limits on what is read from disk, the scoring semantics, declared inputs.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub limits: LoadLimits,
    /// Score with this Spark version's formulas instead of the writer's.
    pub semantics: Option<SparkVersion>,
    /// Types of raw input columns the model files cannot tell (e.g. a raw vector column's width,
    /// or a VectorAssembler input that is a vector, not a double).
    pub declared_inputs: HashMap<String, (ColumnType, Option<usize>)>,
    /// The columns the caller's rows will have, when known. Spark 3+'s StringIndexer skips
    /// an input column the DataFrame lacks (typically the label at scoring time) instead of
    /// failing; with this set, mlscore does the same. `None`: every input is expected.
    pub available_inputs: Option<std::collections::HashSet<String>>,
    /// ML attributes (width and slot names) of raw input vector columns, which Spark reads
    /// from the DataFrame's schema and the model files do not hold: a VectorSlicer selecting
    /// by `names` from a raw input needs them.
    pub declared_attributes: HashMap<String, VectorAttributes>,
    /// The output columns the caller reads (`select_outputs`); `None`: all of them.
    pub outputs: Option<Vec<String>>,
}

impl LoadOptions {
    pub fn declare_input(&mut self, name: &str, ty: ColumnType, width: Option<usize>) -> &mut Self {
        self.declared_inputs.insert(name.to_string(), (ty, width));
        self
    }

    /// Declares raw input vector column `name` with one attribute name per slot (so the
    /// vector's width is `names.len()`), as its `ml_attr` metadata would in Spark. Declaring
    /// a column again replaces the earlier attributes. Checked at load: names must be
    /// non-empty and distinct, and agree with a width given to `declare_input`.
    pub fn declare_vector_attributes(&mut self, name: &str, names: Vec<String>) -> &mut Self {
        self.declare_attributes(name, VectorAttributes::named(names))
    }

    /// Declares raw input vector column `name`'s attributes as Spark's metadata JSON gives
    /// them (see `VectorAttributes::from_spark_json`: a list of names, `{"ml_attr": ...}`,
    /// a StructField or a whole schema).
    pub fn declare_vector_metadata(
        &mut self,
        name: &str,
        json: &str,
    ) -> Result<&mut Self, LoadError> {
        let attributes = VectorAttributes::from_spark_json(json, name)?;
        Ok(self.declare_attributes(name, attributes))
    }

    /// Keeps only these output columns, as `transform(df).select(...)` in Spark: the model's
    /// outputs are then these, in Spark's order, and intermediate columns no one reads are
    /// not built (`plan::fuse`), which makes scoring faster. Every stage still runs, so a row
    /// is skipped or fails exactly as without a selection. Calling it again adds names.
    /// Checked at load: each name must be a column the model produces.
    pub fn select_outputs<S: AsRef<str>>(&mut self, names: &[S]) -> &mut Self {
        let selected = self.outputs.get_or_insert_with(Vec::new);
        for n in names {
            if !selected.iter().any(|s| s == n.as_ref()) {
                selected.push(n.as_ref().to_string());
            }
        }
        self
    }

    /// Declares raw input vector column `name`'s attributes, slots without a name included.
    pub fn declare_attributes(&mut self, name: &str, attributes: VectorAttributes) -> &mut Self {
        self.declared_attributes
            .insert(name.to_string(), attributes);
        self
    }
}

#[derive(Debug, Clone)]
pub struct Model {
    inner: Arc<Compiled>,
}

#[derive(Debug)]
struct Compiled {
    plan: Plan,
    flat: Result<FlatLayout, ScoreError>,
    /// Slot and type of each raw input, so setting an input is one lookup per call.
    input_slots: Vec<(SlotIndex, ColumnType)>,
}

/// How a flat numeric row maps onto the model's raw inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlatInput {
    /// Every raw input is numeric: row element `i` is input `i` (the input slots, in order).
    Scalars(Vec<SlotIndex>),
    /// The only raw input is a vector of known width: the row is that vector, dense.
    Vector(SlotIndex),
}

/// One output column's place in a flat output row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlatColumn {
    /// Index into `Model::outputs`.
    pub output: usize,
    pub slot: SlotIndex,
    /// First element in the flat output row.
    pub offset: usize,
    /// 1 for a number, the vector width for a vector.
    pub width: usize,
    pub vector: bool,
    /// Stage that produced the column (for error records).
    pub stage: u32,
}

/// The flat numeric view of a model: inputs as one row of numbers, outputs as the numeric
/// columns (vectors flattened, dense) of the last stage that produces numeric columns, in
/// Spark's output order. For a classifier that is rawPrediction, probability, prediction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlatLayout {
    pub input: FlatInput,
    pub input_width: usize,
    pub outputs: Vec<FlatColumn>,
    pub output_width: usize,
}

impl FlatLayout {
    /// `Err(NotFlat)` when inputs are mixed (strings, several vectors, a vector of unknown
    /// width) or no stage produces numeric columns of known width.
    fn of(plan: &Plan) -> Result<FlatLayout, ScoreError> {
        let not_flat = ScoreError::argument(ScoreErrorKind::NotFlat);
        let ty = |s: &SlotIndex| plan.columns.get(*s).map(|c| (c.ty, c.width));
        let (input, input_width) = match plan.inputs.as_slice() {
            [slot] if ty(slot).is_some_and(|(t, _)| t == ColumnType::Vector) => {
                let width = ty(slot).and_then(|(_, w)| w).ok_or(not_flat)?;
                (FlatInput::Vector(*slot), width)
            }
            slots
                if !slots.is_empty()
                    && slots
                        .iter()
                        .all(|s| ty(s).is_some_and(|(t, _)| t.is_numeric())) =>
            {
                (FlatInput::Scalars(slots.to_vec()), slots.len())
            }
            _ => return Err(not_flat),
        };
        let numeric = |c: &ColumnSpec| c.ty.is_numeric() || c.ty == ColumnType::Vector;
        let last_stage = plan
            .outputs
            .iter()
            .filter(|s| !plan.dropped.contains(s))
            .filter_map(|&s| plan.columns.get(s))
            .filter(|c| numeric(c) && c.role == Role::Output)
            .filter_map(|c| c.stage)
            .max()
            .ok_or(not_flat)?;
        let mut outputs = Vec::new();
        let mut offset = 0;
        for (k, &slot) in plan.outputs.iter().enumerate() {
            let Some(col) = plan.columns.get(slot) else {
                continue;
            };
            if col.stage != Some(last_stage) || !numeric(col) || plan.dropped.contains(&slot) {
                continue;
            }
            let vector = col.ty == ColumnType::Vector;
            let width = if vector {
                col.width.ok_or(not_flat)?
            } else {
                1
            };
            outputs.push(FlatColumn {
                output: k,
                slot,
                offset,
                width,
                vector,
                stage: last_stage as u32,
            });
            offset += width;
        }
        Ok(FlatLayout {
            input,
            input_width,
            outputs,
            output_width: offset,
        })
    }
}

impl Model {
    pub fn load(dir: impl AsRef<Path>) -> Result<Model, LoadError> {
        Self::load_with(dir, &LoadOptions::default())
    }

    pub fn load_with(dir: impl AsRef<Path>, options: &LoadOptions) -> Result<Model, LoadError> {
        let root = dir.as_ref();
        if !root.is_dir() {
            return Err(LoadError::new(
                LoadErrorKind::MissingFile,
                "model directory does not exist",
            )
            .in_file(root.display()));
        }
        let read = ReadContext {
            root,
            limits: &options.limits,
        };
        let meta = Metadata::read(&read, root)?;
        let mut compiler = Compiler::new(read, options.semantics, &options.declared_inputs);
        compiler.available = options.available_inputs.as_ref();
        compiler.attributes = Some(&options.declared_attributes);
        crate::stages::lower(&mut compiler, &meta)?;
        let mut plan = compiler.finish(&meta);
        if let Some(names) = &options.outputs {
            plan.select_outputs(names)
                .map_err(|e| e.in_file(root.display()))?;
            crate::plan::fuse::fuse(&mut plan);
        }
        let flat = FlatLayout::of(&plan);
        let input_slots = plan
            .inputs
            .iter()
            .filter_map(|&slot| plan.columns.get(slot).map(|c| (slot, c.ty)))
            .collect();
        Ok(Model {
            inner: Arc::new(Compiled {
                plan,
                flat,
                input_slots,
            }),
        })
    }

    pub fn plan(&self) -> &Plan {
        &self.inner.plan
    }

    /// Slot and type of each raw input, in `Model::inputs` order.
    pub(crate) fn input_slots(&self) -> &[(SlotIndex, ColumnType)] {
        &self.inner.input_slots
    }

    /// The flat numeric view (see `FlatLayout`), or `NotFlat`.
    pub fn flat(&self) -> Result<&FlatLayout, ScoreError> {
        self.inner.flat.as_ref().map_err(|e| *e)
    }

    /// A typed row as the flat numeric row `Session::score_flat` takes: the numbers (a NULL
    /// becomes NaN, since flat rows cannot hold NULL), or the single vector's dense values.
    /// `None` when the model is not flat or a value does not fit.
    pub fn flat_row(&self, row: &[InputValue]) -> Option<Vec<f64>> {
        let flat = self.flat().ok()?;
        match &flat.input {
            FlatInput::Scalars(_) => row
                .iter()
                .map(|v| match v {
                    InputValue::Num(x) => Some(*x),
                    InputValue::Null => Some(f64::NAN),
                    _ => None,
                })
                .collect(),
            FlatInput::Vector(_) => match row.first()? {
                InputValue::Vector(v) if v.size == flat.input_width => {
                    let mut dense = vec![0.0; v.size];
                    v.for_each_active(|i, x| {
                        if let Some(d) = dense.get_mut(i) {
                            *d = x;
                        }
                    });
                    Some(dense)
                }
                InputValue::Null => Some(vec![f64::NAN; flat.input_width]),
                _ => None,
            },
        }
    }

    /// Index of the raw input called `name`.
    pub fn input_index(&self, name: &str) -> Option<usize> {
        self.plan().input_index(name)
    }

    /// Index of the output column called `name`.
    pub fn output_index(&self, name: &str) -> Option<usize> {
        self.plan().output_index(name)
    }

    /// Raw input columns the caller provides, in the order of `Session::set_*` indices.
    pub fn inputs(&self) -> impl Iterator<Item = &ColumnSpec> + '_ {
        self.plan()
            .inputs
            .iter()
            .filter_map(|&s| self.plan().columns.get(s))
    }

    /// Columns the stages produce, in Spark's output order.
    pub fn outputs(&self) -> impl Iterator<Item = &ColumnSpec> + '_ {
        self.plan()
            .outputs
            .iter()
            .filter_map(|&s| self.plan().columns.get(s))
    }

    pub fn stages(&self) -> &[StageInfo] {
        &self.plan().stages
    }

    /// The writer's `sparkVersion` text (empty for old `mllib` models).
    pub fn spark_version(&self) -> &str {
        &self.plan().spark_version_text
    }

    pub fn session(&self) -> Session {
        Session::new(self.clone())
    }

    /// Renders a scoring error with stage uid, class and column name.
    pub fn describe_error(&self, e: &ScoreError) -> String {
        let mut s = String::new();
        let _ = self.write_error(e, &mut s);
        s
    }

    /// Writes what `describe_error` returns into any writer, allocating nothing itself (the C
    /// API renders into the caller's buffer this way).
    pub fn write_error(&self, e: &ScoreError, w: &mut dyn fmt::Write) -> fmt::Result {
        let plan = self.plan();
        if let Some(st) = plan
            .stages
            .get(e.stage as usize)
            .filter(|_| e.stage != NO_INDEX)
        {
            write!(
                w,
                "stage {} ({}): ",
                st.uid,
                crate::error::short_class(&st.class)
            )?;
        }
        if let Some(col) = plan
            .columns
            .get(e.column as usize)
            .filter(|_| e.column != NO_INDEX)
        {
            if col.role != Role::Hidden {
                write!(w, "column `{}`: ", col.name)?;
            }
        }
        w.write_str(e.kind.describe())
    }
}

impl Model {
    /// Top-N recommendations from the model's ALS stage, as Spark's `recommendForUserSubset`
    /// (`for_user`) or `recommendForItemSubset` give them: ids and ratings best first, ties by
    /// ascending id, into `ids` and `ratings` (N is the shorter length; parallel arrays so C,
    /// Java and Python callers can pass their own buffers). Returns how many were written: 0 for an id without factors (Spark
    /// returns no row), `None` when the model has no ALS stage. Allocates nothing.
    pub fn recommend(
        &self,
        for_user: bool,
        id: i32,
        ids: &mut [i32],
        ratings: &mut [f32],
    ) -> Option<usize> {
        self.plan().steps.iter().find_map(|s| match s {
            crate::plan::Step::Als(als) => Some(als.recommend(for_user, id, ids, ratings)),
            _ => None,
        })
    }
}
