//! `org.apache.spark.ml.regression.IsotonicRegressionModel` (spark-format.md 10.3). Data:
//! `boundaries, predictions, isotonic`. The feature is a double column, or element
//! `featureIndex` of a vector column. Prediction follows mllib's `predict`: Java binary
//! search (boundaries may repeat), clamp outside, linear interpolation between.

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::kernels::search::java_binary_search;
use crate::plan::step::slot;
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult, Want};
use crate::spark::{parquet, Metadata};

#[derive(Debug, Clone)]
pub struct IsotonicStep {
    pub features: SlotIndex,
    /// `Some(index)` when the features column is a vector.
    pub feature_index: Option<usize>,
    pub prediction: Option<SlotIndex>,
    pub boundaries: Vec<f64>,
    pub predictions: Vec<f64>,
}

impl IsotonicStep {
    #[inline]
    pub fn predict(&self, x: f64) -> f64 {
        let (b, p) = (&self.boundaries, &self.predictions);
        let first = p.first().copied().unwrap_or(f64::NAN);
        let last = p.last().copied().unwrap_or(f64::NAN);
        match java_binary_search(b, x) {
            Ok(i) => p.get(i).copied().unwrap_or(f64::NAN),
            Err(0) => first,
            Err(i) if i == b.len() => last,
            Err(i) => match (b.get(i - 1), p.get(i - 1), b.get(i), p.get(i)) {
                (Some(&x1), Some(&y1), Some(&x2), Some(&y2)) => {
                    y1 + (y2 - y1) * (x - x1) / (x2 - x1)
                }
                _ => f64::NAN,
            },
        }
    }

    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let s = slot(slots, self.features);
        if s.null {
            // A double column goes through a UDF on a primitive Double: NULL in, NULL out. A
            // vector UDF receives the null and raises.
            if self.feature_index.is_none() {
                if let Some(o) = self.prediction.and_then(|p| slots.get_mut(p)) {
                    o.set_null();
                }
                return Ok(Flow::Continue);
            }
            return Err(Fault::new(ScoreErrorKind::NullValue, self.features));
        }
        let x = match self.feature_index {
            Some(i) => {
                if i >= s.vec.size {
                    return Err(Fault::new(ScoreErrorKind::BadVectorSize, self.features));
                }
                s.vec.get(i)
            }
            None => s.num,
        };
        let y = self.predict(x);
        if let Some(o) = self.prediction.and_then(|p| slots.get_mut(p)) {
            o.set_num(y);
        }
        Ok(Flow::Continue)
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let boundaries = table.decode(row, "boundaries", |d| d.f64_list())?;
    let predictions = table.decode(row, "predictions", |d| d.f64_list())?;
    if boundaries.len() != predictions.len() || boundaries.is_empty() {
        return Err(meta
            .error(
                LoadErrorKind::BadData,
                "boundaries and predictions differ in length or are empty",
            )
            .in_file(&table.file));
    }
    let feature_index = usize::try_from(meta.i64_or("featureIndex", 0)?)
        .map_err(|_| meta.error(LoadErrorKind::BadMetadata, "negative featureIndex"))?;
    c.begin_stage(
        meta,
        vec![("boundaries".into(), boundaries.len().to_string())],
    )?;
    let name = meta.str_or("featuresCol", "features")?;
    let features = c.input(meta, &name, Want::NumericOrVector)?;
    let is_vector = c
        .column(features)
        .is_some_and(|col| col.ty == ColumnType::Vector);
    let prediction = crate::stages::predictor::regressor_output(c, meta)?;
    c.push(Step::Isotonic(IsotonicStep {
        features,
        feature_index: is_vector.then_some(feature_index),
        prediction,
        boundaries,
        predictions,
    }));
    Ok(())
}
