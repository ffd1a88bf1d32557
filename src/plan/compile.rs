//! `Compiler`: what stages lower into. It owns the column schema while loading (names resolved
//! to slots once, here), the raw inputs discovered along the way, and the step list.

use std::collections::HashMap;

use super::{
    ColumnSpec, ColumnType, NameRun, Nominal, Plan, Role, RunNames, SlotIndex, StageInfo, Step,
};
use crate::error::{LoadError, LoadErrorKind};
use crate::spark::{LoadLimits, Metadata, ReadContext, SparkVersion, VectorAttributes};
use crate::stages::feature::cast::CastToString;

/// What a stage accepts for an input column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// Any numeric column, read from `Slot::num` (Spark casts to double).
    Numeric,
    /// A string; numeric columns are cast with Spark's string cast (StringIndexer does this).
    String,
    /// A vector of the given width, if the stage knows it.
    Vector(Option<usize>),
    /// Numeric or vector (VectorAssembler); a raw input defaults to double.
    NumericOrVector,
    /// Numeric or string (FeatureHasher); a raw input defaults to double.
    NumericOrString,
    StringArray,
    /// Any type (SQLTransformer reads columns as they are); a raw input defaults to double.
    Any,
}

pub struct Compiler<'a> {
    pub read: ReadContext<'a>,
    /// Forced scoring semantics (`LoadOptions`); `None` follows each stage's writer.
    pub semantics_override: Option<SparkVersion>,
    /// Caller-declared types of raw inputs (e.g. a raw vector column and its width).
    pub declared: &'a HashMap<String, (ColumnType, Option<usize>)>,
    /// Columns the caller's rows will have, if known (`LoadOptions::available_inputs`).
    pub available: Option<&'a std::collections::HashSet<String>>,
    /// Caller-declared ML attributes of raw input vectors (`LoadOptions::declared_attributes`).
    pub attributes: Option<&'a HashMap<String, VectorAttributes>>,
    columns: Vec<ColumnSpec>,
    by_name: HashMap<String, SlotIndex>,
    inputs: Vec<SlotIndex>,
    outputs: Vec<SlotIndex>,
    dropped: Vec<SlotIndex>,
    steps: Vec<Step>,
    step_stage: Vec<u32>,
    stages: Vec<StageInfo>,
    /// (stage, slot) for every column a stage resolved as an input.
    reads: Vec<(u32, SlotIndex)>,
    current: Option<(usize, SparkVersion)>,
    pub depth: u32,
    private_outputs: u32,
    /// rawPrediction slot of the classifier lowered last (OneVsRest reads its sub-models').
    pub last_raw_prediction: Option<SlotIndex>,
    /// Set once a stage has listed every column that exists (a SQLTransformer SELECT without
    /// `*`): later stages may no longer discover raw inputs.
    pub closed_schema: bool,
}

fn default_version() -> SparkVersion {
    SparkVersion::new(3, 5)
}

impl<'a> Compiler<'a> {
    pub fn new(
        read: ReadContext<'a>,
        semantics_override: Option<SparkVersion>,
        declared: &'a HashMap<String, (ColumnType, Option<usize>)>,
    ) -> Self {
        Compiler {
            read,
            semantics_override,
            declared,
            available: None,
            attributes: None,
            columns: Vec::new(),
            by_name: HashMap::new(),
            inputs: Vec::new(),
            outputs: Vec::new(),
            dropped: Vec::new(),
            steps: Vec::new(),
            step_stage: Vec::new(),
            stages: Vec::new(),
            reads: Vec::new(),
            current: None,
            depth: 0,
            private_outputs: 0,
            last_raw_prediction: None,
            closed_schema: false,
        }
    }

    pub fn limits(&self) -> &LoadLimits {
        self.read.limits
    }

    /// Adds a param to the current stage's description (one known only after its inputs
    /// resolved, such as VectorSlicer's final indices).
    pub fn add_stage_param(&mut self, name: &str, value: String) {
        if let Some(stage) = self.current.and_then(|(i, _)| self.stages.get_mut(i)) {
            stage.params.push((name.to_string(), value));
        }
    }

    /// Starts a stage: later steps and errors are attributed to it.
    pub fn begin_stage(
        &mut self,
        meta: &Metadata,
        params: Vec<(String, String)>,
    ) -> Result<usize, LoadError> {
        crate::spark::limits::check(
            "stage count",
            self.stages.len() as u64 + 1,
            self.read.limits.max_stages,
        )
        .map_err(|e| e.in_file(&meta.file))?;
        let index = self.stages.len();
        self.stages.push(StageInfo {
            uid: meta.uid.clone(),
            class: meta.class.clone(),
            spark_version: meta.spark_version_text.clone(),
            params,
        });
        let version = self
            .semantics_override
            .or(meta.spark_version)
            .unwrap_or_else(default_version);
        self.current = Some((index, version));
        Ok(index)
    }

    /// The Spark version whose formulas the current stage follows.
    pub fn semantics(&self) -> SparkVersion {
        self.current.map(|(_, v)| v).unwrap_or_else(default_version)
    }

    pub fn push(&mut self, step: Step) {
        let stage = self.current.map(|(i, _)| i as u32).unwrap_or(0);
        self.steps.push(step);
        self.step_stage.push(stage);
    }

    pub fn column(&self, slot: SlotIndex) -> Option<&ColumnSpec> {
        self.columns.get(slot)
    }

    pub fn lookup(&self, name: &str) -> Option<SlotIndex> {
        self.by_name.get(name).copied()
    }

    /// Whether `name` is neither produced by an earlier stage nor among the caller's columns.
    pub fn is_absent(&self, name: &str) -> bool {
        self.lookup(name).is_none() && self.available.is_some_and(|a| !a.contains(name))
    }

    /// Resolves an input column, creating a raw input when no earlier stage produced it.
    pub fn input(
        &mut self,
        meta: &Metadata,
        name: &str,
        want: Want,
    ) -> Result<SlotIndex, LoadError> {
        let err = |msg: String| meta.error(LoadErrorKind::Schema, msg).in_column(name);
        let Some(slot) = self.lookup(name) else {
            if self.closed_schema {
                return Err(err(
                    "no such column: an earlier SQLTransformer's SELECT did not keep it".into(),
                ));
            }
            let declared = self.declared.get(name).copied();
            let (ty, width) = match declared {
                Some((ty, width)) => (ty, width),
                None => match want {
                    Want::Numeric | Want::NumericOrVector | Want::NumericOrString | Want::Any => {
                        (ColumnType::Double, None)
                    }
                    Want::String => (ColumnType::String, None),
                    Want::Vector(w) => (ColumnType::Vector, w),
                    Want::StringArray => (ColumnType::StringArray, None),
                },
            };
            let attributes = self.attributes.and_then(|a| a.get(name));
            let (ty, width, names) = match attributes {
                Some(attrs) => {
                    let runs = self.declared_runs(meta, name, attrs, declared)?;
                    (ColumnType::Vector, Some(attrs.width), Some(runs))
                }
                None => (ty, width, None),
            };
            let slot = self.add(name, ty, width, Role::Input);
            if let Some(col) = self.columns.get_mut(slot) {
                col.slot_names = names;
            }
            self.inputs.push(slot);
            self.note_read(slot);
            return self.check_input(meta, slot, name, want);
        };
        if self.dropped.contains(&slot) {
            return Err(err("column was removed by an earlier stage".into()));
        }
        self.note_read(slot);
        self.check_input(meta, slot, name, want)
    }

    fn note_read(&mut self, slot: SlotIndex) {
        let stage = self.current.map(|(i, _)| i as u32).unwrap_or(0);
        self.reads.push((stage, slot));
    }

    /// A raw input's declared attributes as name runs, once checked against the rest of
    /// the declaration. Errors name the stage that first reads the column.
    fn declared_runs(
        &self,
        meta: &Metadata,
        name: &str,
        attrs: &VectorAttributes,
        declared: Option<(ColumnType, Option<usize>)>,
    ) -> Result<Vec<NameRun>, LoadError> {
        let err = |msg: String| {
            meta.error(
                LoadErrorKind::BadOption,
                format!("declared vector attributes: {msg}"),
            )
            .in_column(name)
        };
        attrs.check().map_err(err)?;
        crate::spark::limits::check(
            "declared vector width",
            attrs.width as u64,
            self.read.limits.max_vector_width,
        )
        .map_err(|e| e.in_column(name))?;
        match declared {
            Some((ty, _)) if ty != ColumnType::Vector => {
                return Err(err(format!(
                    "the column is declared as {}",
                    ty.spark_name()
                )))
            }
            Some((_, Some(w))) if w != attrs.width => {
                return Err(err(format!(
                    "{} slots, but the column is declared with width {w}",
                    attrs.width
                )))
            }
            _ => {}
        }
        // Named slots as listed runs, the gaps between them as unnamed runs.
        let mut runs: Vec<NameRun> = Vec::new();
        let mut next = 0;
        for (i, n) in &attrs.names {
            if *i > next {
                runs.push(NameRun {
                    prefix: String::new(),
                    names: RunNames::Unnamed,
                    width: i - next,
                });
            }
            match runs.last_mut() {
                Some(NameRun {
                    names: RunNames::Listed(listed),
                    width,
                    ..
                }) if *i == next => {
                    listed.push(n.clone());
                    *width += 1;
                }
                _ => runs.push(NameRun::listed(vec![n.clone()])),
            }
            next = i + 1;
        }
        if attrs.width > next {
            runs.push(NameRun {
                prefix: String::new(),
                names: RunNames::Unnamed,
                width: attrs.width - next,
            });
        }
        Ok(runs)
    }

    fn check_input(
        &mut self,
        meta: &Metadata,
        slot: SlotIndex,
        name: &str,
        want: Want,
    ) -> Result<SlotIndex, LoadError> {
        let err = |msg: String| meta.error(LoadErrorKind::Schema, msg).in_column(name);
        let Some(col) = self.columns.get_mut(slot) else {
            return Err(err("internal: unknown slot".into()));
        };
        match (want, col.ty) {
            (Want::Numeric, t) if t.is_numeric() => Ok(slot),
            (Want::NumericOrVector, t) if t.is_numeric() || t == ColumnType::Vector => Ok(slot),
            (Want::NumericOrString, t) if t.is_numeric() || t == ColumnType::String => Ok(slot),
            (Want::String, ColumnType::String) => Ok(slot),
            (Want::String, t) if t.is_numeric() => {
                // StringIndexer casts numeric columns to string with Spark's cast rules.
                let is_int = matches!(t, ColumnType::Int | ColumnType::Bool);
                let hidden = self.hidden(ColumnType::String);
                self.push(Step::CastToString(CastToString {
                    from: slot,
                    to: hidden,
                    is_int,
                }));
                Ok(hidden)
            }
            (Want::Vector(w), ColumnType::Vector) => match (w, col.width) {
                (Some(w), Some(have)) if w != have => Err(err(format!(
                    "vector width is {have} but the stage expects {w}"
                ))),
                (Some(w), None) => {
                    col.width = Some(w);
                    Ok(slot)
                }
                _ => Ok(slot),
            },
            (Want::StringArray, ColumnType::StringArray) => Ok(slot),
            (Want::Any, _) => Ok(slot),
            (want, ty) => Err(err(format!(
                "column has type {} but the stage needs {}",
                ty.spark_name(),
                match want {
                    Want::Numeric => "a number",
                    Want::String => "a string",
                    Want::Vector(_) => "a vector",
                    Want::NumericOrVector => "a number or a vector",
                    Want::NumericOrString => "a number or a string",
                    Want::StringArray => "an array of strings",
                    Want::Any => "any type",
                }
            ))),
        }
    }

    /// Declares a stage output column. Spark refuses to overwrite an existing column.
    pub fn output(
        &mut self,
        meta: &Metadata,
        name: &str,
        ty: ColumnType,
        width: Option<usize>,
    ) -> Result<SlotIndex, LoadError> {
        if self.private_outputs > 0 {
            // Inside a wrapper (OneVsRest): the sub-model's columns are temporary in Spark too.
            let slot = self.hidden(ty);
            if let Some(col) = self.columns.get_mut(slot) {
                col.width = width;
            }
            return Ok(slot);
        }
        if self.lookup(name).is_some() {
            return Err(meta
                .error(LoadErrorKind::Schema, "output column already exists")
                .in_column(name));
        }
        let slot = self.add(name, ty, width, Role::Output);
        if let Some(col) = self.columns.get_mut(slot) {
            col.stage = self.current.map(|(i, _)| i);
        }
        self.outputs.push(slot);
        Ok(slot)
    }

    /// Between `begin_private` and `end_private`, stage outputs are hidden scratch columns:
    /// wrappers such as OneVsRest run sub-models whose columns Spark drops again.
    pub fn begin_private(&mut self) {
        self.private_outputs += 1;
    }

    pub fn end_private(&mut self) {
        self.private_outputs = self.private_outputs.saturating_sub(1);
    }

    /// The stage currently being lowered (its index in the flattened stage list).
    pub fn current_stage(&self) -> Option<usize> {
        self.current.map(|(i, _)| i)
    }

    /// Makes `stage` current again after lowering nested stages.
    pub fn resume_stage(&mut self, stage: usize, meta: &Metadata) {
        let version = self
            .semantics_override
            .or(meta.spark_version)
            .unwrap_or_else(default_version);
        self.current = Some((stage, version));
    }

    /// Types a raw input more precisely than `Want` could (ALS ids are ints), unless the
    /// caller declared its type.
    pub fn prefer_type(&mut self, slot: SlotIndex, ty: ColumnType) {
        if let Some(col) = self.columns.get_mut(slot) {
            if col.role == Role::Input && !self.declared.contains_key(&col.name) {
                col.ty = ty;
            }
        }
    }

    /// Sets the nominal attribute of a produced column (StringIndexer, Bucketizer…).
    pub fn set_nominal(&mut self, slot: SlotIndex, nominal: Nominal) {
        if let Some(col) = self.columns.get_mut(slot) {
            col.nominal = Some(nominal);
        }
    }

    /// Sets the per-slot nominal value counts of a produced vector column (VectorAssembler).
    pub fn set_slot_values(&mut self, slot: SlotIndex, values: Vec<usize>) {
        if let Some(col) = self.columns.get_mut(slot) {
            col.slot_values = Some(values);
        }
    }

    /// Sets the per-slot attribute names of a produced vector column.
    pub fn set_slot_names(&mut self, slot: SlotIndex, names: Vec<NameRun>) {
        if let Some(col) = self.columns.get_mut(slot) {
            col.slot_names = Some(names);
        }
    }

    /// Scratch storage for a step, invisible to callers.
    pub fn hidden(&mut self, ty: ColumnType) -> SlotIndex {
        let name = format!("__hidden_{}", self.columns.len());
        let slot = self.columns.len();
        self.columns.push(ColumnSpec {
            name,
            ty,
            width: None,
            role: Role::Hidden,
            stage: None,
            nominal: None,
            slot_values: None,
            slot_names: None,
        });
        slot
    }

    /// Names of the columns later stages can see so far (inputs and outputs, minus dropped).
    pub fn visible_columns(&self) -> Vec<String> {
        let mut names: Vec<(SlotIndex, String)> =
            self.by_name.iter().map(|(n, &s)| (s, n.clone())).collect();
        names.sort();
        names.into_iter().map(|(_, n)| n).collect()
    }

    /// Removes a column from the visible output (ColumnPruner).
    pub fn drop_column(&mut self, name: &str) {
        if let Some(slot) = self.by_name.remove(name) {
            self.dropped.push(slot);
        }
    }

    fn add(&mut self, name: &str, ty: ColumnType, width: Option<usize>, role: Role) -> SlotIndex {
        let slot = self.columns.len();
        self.columns.push(ColumnSpec {
            name: name.to_string(),
            ty,
            width,
            role,
            stage: None,
            nominal: None,
            slot_values: None,
            slot_names: None,
        });
        self.by_name.insert(name.to_string(), slot);
        slot
    }

    pub fn finish(self, root: &Metadata) -> Plan {
        let semantics = self
            .semantics_override
            .or(root.spark_version)
            .unwrap_or_else(default_version);
        Plan {
            root_class: root.class.clone(),
            spark_version: root.spark_version,
            spark_version_text: root.spark_version_text.clone(),
            semantics,
            columns: self.columns,
            inputs: self.inputs,
            outputs: self.outputs,
            dropped: self.dropped,
            steps: self.steps,
            step_stage: self.step_stage,
            stages: self.stages,
            reads: self.reads,
        }
    }
}
