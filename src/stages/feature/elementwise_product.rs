//! `org.apache.spark.ml.feature.ElementwiseProduct` (spark-format.md 7.16), params only:
//! `scalingVec` (a JSON vector). Dense stays dense, sparse keeps its structure.

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::plan::step::{produce, slot};
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult, Want};
use crate::spark::metadata::json_f64_array;
use crate::spark::Metadata;

#[derive(Debug, Clone)]
pub struct ElementwiseProductStep {
    pub input: SlotIndex,
    pub output: SlotIndex,
    pub scaling: Vec<f64>,
}

impl ElementwiseProductStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        produce(slots, self.output, |slots, out| {
            let x = slot(slots, self.input);
            if x.null {
                return Err(Fault::new(ScoreErrorKind::NullValue, self.input));
            }
            if x.vec.size != self.scaling.len() {
                return Err(Fault::new(ScoreErrorKind::BadVectorSize, self.input));
            }
            out.null = false;
            out.vec.copy_from(&x.vec);
            if out.vec.sparse {
                for (i, v) in out.vec.indices.iter().zip(out.vec.values.iter_mut()) {
                    *v *= self.scaling.get(*i as usize).copied().unwrap_or(0.0);
                }
            } else {
                for (v, w) in out.vec.values.iter_mut().zip(&self.scaling) {
                    *v *= w;
                }
            }
            Ok(Flow::Continue)
        })
    }
}

/// Reads `{"type":1,"values":[…]}` or `{"type":0,"size","indices","values"}` as dense.
fn scaling_vec(meta: &Metadata) -> Result<Vec<f64>, LoadError> {
    let bad = || {
        meta.error(
            LoadErrorKind::BadMetadata,
            "param `scalingVec` is not a vector",
        )
    };
    let v = meta
        .param("scalingVec")
        .ok_or_else(|| meta.error(LoadErrorKind::BadMetadata, "param `scalingVec` is not set"))?;
    let values = v.get("values").and_then(json_f64_array).ok_or_else(bad)?;
    match v.get("type").and_then(|t| t.as_i64()) {
        Some(1) => Ok(values),
        Some(0) => {
            let size = v.get("size").and_then(|s| s.as_u64()).ok_or_else(bad)? as usize;
            let indices = v
                .get("indices")
                .and_then(|i| i.as_array())
                .ok_or_else(bad)?;
            let mut dense = vec![0.0; size];
            for (i, x) in indices.iter().zip(values) {
                let slot = i
                    .as_u64()
                    .and_then(|i| dense.get_mut(i as usize))
                    .ok_or_else(bad)?;
                *slot = x;
            }
            Ok(dense)
        }
        _ => Err(bad()),
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let scaling = scaling_vec(meta)?;
    let input_name = meta.required_str("inputCol")?;
    let output_name = meta.str_or("outputCol", &format!("{}__output", meta.uid))?;
    c.begin_stage(meta, vec![("size".into(), scaling.len().to_string())])?;
    let input = c.input(meta, &input_name, Want::Vector(Some(scaling.len())))?;
    let output = c.output(meta, &output_name, ColumnType::Vector, Some(scaling.len()))?;
    c.push(Step::ElementwiseProduct(ElementwiseProductStep {
        input,
        output,
        scaling,
    }));
    Ok(())
}
