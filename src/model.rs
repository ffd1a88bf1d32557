//! `Model`: a loaded, compiled, immutable Spark model, cheap to clone and share across threads.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::error::{LoadError, LoadErrorKind, ScoreError, NO_INDEX};
use crate::plan::{ColumnSpec, ColumnType, Compiler, Plan, StageInfo};
use crate::session::Session;
use crate::spark::{LoadLimits, Metadata, ReadContext, SparkVersion};

/// How to load: limits on what is read from disk, the scoring semantics, declared inputs.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub limits: LoadLimits,
    /// Score with this Spark version's formulas instead of the writer's.
    pub semantics: Option<SparkVersion>,
    /// Types of raw input columns the model files cannot tell (e.g. a raw vector column's width,
    /// or a VectorAssembler input that is a vector, not a double).
    pub declared_inputs: HashMap<String, (ColumnType, Option<usize>)>,
}

impl LoadOptions {
    pub fn declare_input(&mut self, name: &str, ty: ColumnType, width: Option<usize>) -> &mut Self {
        self.declared_inputs.insert(name.to_string(), (ty, width));
        self
    }
}

#[derive(Debug, Clone)]
pub struct Model {
    plan: Arc<Plan>,
}

impl Model {
    pub fn load(dir: impl AsRef<Path>) -> Result<Model, LoadError> {
        Self::load_with(dir, &LoadOptions::default())
    }

    pub fn load_with(dir: impl AsRef<Path>, options: &LoadOptions) -> Result<Model, LoadError> {
        let root = dir.as_ref();
        if !root.is_dir() {
            return Err(LoadError::new(LoadErrorKind::MissingFile, "model directory does not exist")
                .in_file(root.display()));
        }
        let read = ReadContext { root, limits: &options.limits };
        let meta = Metadata::read(&read, root)?;
        let mut compiler = Compiler::new(read, options.semantics, &options.declared_inputs);
        crate::stages::lower(&mut compiler, &meta)?;
        Ok(Model { plan: Arc::new(compiler.finish(&meta)) })
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Raw input columns the caller provides, in the order of `Session::set_*` indices.
    pub fn inputs(&self) -> impl Iterator<Item = &ColumnSpec> + '_ {
        self.plan.inputs.iter().filter_map(|&s| self.plan.columns.get(s))
    }

    /// Columns the stages produce, in Spark's output order.
    pub fn outputs(&self) -> impl Iterator<Item = &ColumnSpec> + '_ {
        self.plan.outputs.iter().filter_map(|&s| self.plan.columns.get(s))
    }

    pub fn stages(&self) -> &[StageInfo] {
        &self.plan.stages
    }

    /// The writer's `sparkVersion` text (empty for old `mllib` models).
    pub fn spark_version(&self) -> &str {
        &self.plan.spark_version_text
    }

    pub fn session(&self) -> Session {
        Session::new(self.clone())
    }

    /// Renders a scoring error with stage uid, class and column name.
    pub fn describe_error(&self, e: &ScoreError) -> String {
        let mut s = String::new();
        if e.stage != NO_INDEX {
            if let Some(st) = self.plan.stages.get(e.stage as usize) {
                s.push_str(&format!("stage {} ({}): ", st.uid, crate::error::short_class(&st.class)));
            }
        }
        if e.column != NO_INDEX {
            if let Some(col) = self.plan.columns.get(e.column as usize) {
                if col.role != crate::plan::Role::Hidden {
                    s.push_str(&format!("column `{}`: ", col.name));
                }
            }
        }
        s.push_str(e.kind.describe());
        s
    }
}

impl Model {
    /// Top-N recommendations from the model's ALS stage, as Spark's `recommendForUserSubset`
    /// (`for_user`) or `recommendForItemSubset` give them: (id, rating) best first into `out`
    /// (its length is N). Returns how many were written: 0 for an id without factors (Spark
    /// returns no row), `None` when the model has no ALS stage. Allocates nothing.
    pub fn recommend(&self, for_user: bool, id: i32, out: &mut [(i32, f32)]) -> Option<usize> {
        self.plan.steps.iter().find_map(|s| match s {
            crate::plan::Step::Als(als) => Some(als.recommend(for_user, id, out)),
            _ => None,
        })
    }
}
