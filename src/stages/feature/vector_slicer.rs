//! `VectorSlicer` and the selector models `ChiSqSelectorModel`, `UnivariateFeatureSelectorModel`
//! (3.1+), `VarianceThresholdSelectorModel` (3.1+): all pick features by index
//! (spark-format.md 7.20, 7.31). Selectors sort their `selectedFeatures` first; the slicer
//! keeps the order given. Dense input gives dense output; sparse input is sliced with
//! re-numbered indices, as `SparseVector.slice` does.

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::plan::step::{produce, slot};
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult, Want};
use crate::spark::{parquet, Metadata};

#[derive(Debug, Clone)]
pub struct VectorSliceStep {
    pub input: SlotIndex,
    pub output: SlotIndex,
    pub indices: Vec<u32>,
}

impl VectorSliceStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        produce(slots, self.output, |slots, out| {
            let x = slot(slots, self.input);
            if x.null {
                return Err(Fault::new(ScoreErrorKind::NullValue, self.input));
            }
            let v = &x.vec;
            if self.indices.iter().any(|&i| i as usize >= v.size) {
                return Err(Fault::new(ScoreErrorKind::BadVectorSize, self.input));
            }
            out.null = false;
            if v.sparse {
                out.vec.reset_sparse(self.indices.len());
                for (k, &i) in self.indices.iter().enumerate() {
                    if let Ok(pos) = v.indices.binary_search(&i) {
                        out.vec.indices.push(k as u32);
                        out.vec
                            .values
                            .push(v.values.get(pos).copied().unwrap_or(0.0));
                    }
                }
            } else {
                out.vec.reset_dense(0);
                out.vec.size = self.indices.len();
                for &i in &self.indices {
                    out.vec
                        .values
                        .push(v.values.get(i as usize).copied().unwrap_or(0.0));
                }
            }
            Ok(Flow::Continue)
        })
    }
}

fn check_indices(meta: &Metadata, indices: &[i64], max: u64) -> Result<Vec<u32>, LoadError> {
    indices
        .iter()
        .map(|&i| {
            u32::try_from(i)
                .ok()
                .filter(|&i| u64::from(i) < max)
                .ok_or_else(|| {
                    meta.error(
                        LoadErrorKind::BadData,
                        format!("feature index {i} is out of range"),
                    )
                })
        })
        .collect()
}

/// `VectorSlicer`: `indices` then `names` (names need per-slot attributes, which a saved model
/// does not carry: rejected unless empty).
pub fn lower_slicer(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let raw = meta.opt_i64_array("indices")?.unwrap_or_default();
    let names = meta.opt_str_array("names")?.unwrap_or_default();
    if !names.is_empty() {
        return Err(meta.error(
            LoadErrorKind::UnsupportedStage,
            "VectorSlicer by `names` needs the input column's attribute names, which Spark does not save; use `indices`",
        ));
    }
    let indices = check_indices(meta, &raw, c.limits().max_vector_width)?;
    lower_slice(c, meta, "inputCol", indices)
}

/// The selector models: `selectedFeatures` from the data, sorted.
pub fn lower_selector(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let raw = table.decode(row, "selectedFeatures", |d| d.i64_list())?;
    let mut indices = check_indices(meta, &raw, c.limits().max_vector_width)?;
    indices.sort_unstable();
    lower_slice(c, meta, "featuresCol", indices)
}

fn lower_slice(
    c: &mut Compiler<'_>,
    meta: &Metadata,
    input_param: &str,
    indices: Vec<u32>,
) -> Result<(), LoadError> {
    let input_name = meta.str_or(input_param, "features")?;
    let output_name = meta.str_or("outputCol", &format!("{}__output", meta.uid))?;
    c.begin_stage(meta, vec![("indices".into(), format!("{indices:?}"))])?;
    let input = c.input(meta, &input_name, Want::Vector(None))?;
    let output = c.output(meta, &output_name, ColumnType::Vector, Some(indices.len()))?;
    c.push(Step::VectorSlice(VectorSliceStep {
        input,
        output,
        indices,
    }));
    Ok(())
}
