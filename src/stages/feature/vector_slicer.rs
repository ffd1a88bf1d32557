//! `VectorSlicer` and the selector models `ChiSqSelectorModel`, `UnivariateFeatureSelectorModel`
//! (3.1+), `VarianceThresholdSelectorModel` (3.1+): all pick features by index
//! (spark-format.md 7.20, 7.31). Selectors sort their `selectedFeatures` first; the slicer
//! keeps the order given. Dense input gives dense output; sparse input is sliced with
//! re-numbered indices, as `SparseVector.slice` does.

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::plan::step::{produce, slot};
use crate::plan::{
    find_slot_name, ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult, Want,
};
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

/// `VectorSlicer`: `indices` then `names`. Names resolve through the input column's slot
/// attribute names, which exist when an earlier stage of the pipeline made the vector
/// (VectorAssembler, OneHotEncoder); for a raw input vector Spark reads them from the
/// DataFrame's schema, which the saved model does not hold.
pub fn lower_slicer(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let raw = meta.opt_i64_array("indices")?.unwrap_or_default();
    let names = meta.opt_str_array("names")?.unwrap_or_default();
    let mut indices = check_indices(meta, &raw, c.limits().max_vector_width)?;
    if !names.is_empty() {
        let input_name = meta.str_or("inputCol", "features")?;
        let known = c
            .lookup(&input_name)
            .and_then(|slot| c.column(slot))
            .and_then(|col| col.slot_names.clone());
        let Some(known) = known else {
            return Err(meta
                .error(
                    LoadErrorKind::UnsupportedStage,
                    "VectorSlicer by `names` needs the input vector's attribute names: no \
                     earlier stage names its slots (a raw input vector's names live in the \
                     DataFrame's schema, which Spark does not save); use `indices`",
                )
                .in_column(&input_name));
        };
        for n in &names {
            let i = find_slot_name(&known, n).ok_or_else(|| {
                meta.error(
                    LoadErrorKind::Schema,
                    format!("VectorSlicer name `{n}` is not an attribute of the input vector"),
                )
                .in_column(&input_name)
            })?;
            indices.push(i as u32);
        }
        let mut seen = indices.clone();
        seen.sort_unstable();
        if seen.windows(2).any(|w| w[0] == w[1]) {
            return Err(meta.error(
                LoadErrorKind::BadMetadata,
                "VectorSlicer `indices` and `names` select a feature twice",
            ));
        }
    }
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
