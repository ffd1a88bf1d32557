//! `org.apache.spark.ml.feature.PCAModel` (spark-format.md 7.15): `y = pcᵀ·x`, k outputs.
//! Reads `pc` (all versions) and ignores `explainedVariance` (2.0+). Dense input follows
//! dgemv "T" (one sequential dot per output, FMA from Spark 3.2); sparse input loops over
//! the stored entries.

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::kernels::blas::Blas;
use crate::plan::step::{produce, slot};
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult, Want};
use crate::spark::{parquet, Metadata};

#[derive(Debug, Clone)]
pub struct PcaStep {
    pub input: SlotIndex,
    pub output: SlotIndex,
    pub num_features: usize,
    pub k: usize,
    /// Row j holds principal component j (a column of Spark's `pc`), length num_features.
    pub components: Vec<f64>,
    pub blas: Blas,
}

impl PcaStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        produce(slots, self.output, |slots, out| {
            let x = slot(slots, self.input);
            if x.null {
                return Err(Fault::new(ScoreErrorKind::NullValue, self.input));
            }
            if x.vec.size != self.num_features {
                return Err(Fault::new(ScoreErrorKind::BadVectorSize, self.input));
            }
            out.null = false;
            out.vec.reset_dense(self.k);
            for (j, y) in out.vec.values.iter_mut().enumerate() {
                let row = self
                    .components
                    .get(j * self.num_features..(j + 1) * self.num_features)
                    .unwrap_or(&[]);
                *y = if x.vec.sparse {
                    x.vec.dot(row)
                } else {
                    self.blas.gemv_row(row, &x.vec.values)
                };
            }
            Ok(Flow::Continue)
        })
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let pc = table.decode(row, "pc", |d| d.to_matrix(c.limits().max_vector_width))?;
    let (num_features, k) = (pc.rows, pc.cols);
    if k == 0 {
        return Err(meta
            .error(
                LoadErrorKind::BadData,
                "principal component matrix has no columns",
            )
            .in_column("pc"));
    }
    let mut components = Vec::with_capacity(num_features * k);
    for j in 0..k {
        for i in 0..num_features {
            components.push(pc.get(i, j));
        }
    }
    let input_name = meta.str_or("inputCol", "features")?;
    let output_name = meta.str_or("outputCol", &format!("{}__output", meta.uid))?;
    c.begin_stage(
        meta,
        vec![
            ("k".into(), k.to_string()),
            ("numFeatures".into(), num_features.to_string()),
        ],
    )?;
    let blas = Blas::for_version(c.semantics());
    let input = c.input(meta, &input_name, Want::Vector(Some(num_features)))?;
    let output = c.output(meta, &output_name, ColumnType::Vector, Some(k))?;
    c.push(Step::Pca(PcaStep {
        input,
        output,
        num_features,
        k,
        components,
        blas,
    }));
    Ok(())
}
