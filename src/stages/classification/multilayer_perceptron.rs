//! `org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel`
//! (spark-format.md 9.7). Data: ≤ 2.4 `layers, weights`; 3.0+ `weights` with `layers` in the
//! params. Affine blocks are column-major `W` (n_out × n_in) then the bias; hidden layers use
//! the sigmoid, the last a softmax (max-shifted, divided by the sum). From 2.3 (SPARK-12664) the
//! model is probabilistic: raw = last affine output, probability = its softmax (Spark 2.4.8
//! writes both columns); before, it writes only the prediction.

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::plan::step::{put_slot_vec, slot, take_slot_vec};
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult};
use crate::spark::{parquet, Metadata, SparkVersion};
use crate::stages::predictor::{self, ClassifierOutputs};

#[derive(Debug, Clone)]
pub struct MlpStep {
    pub features: SlotIndex,
    pub layers: Vec<usize>,
    pub weights: Vec<f64>,
    pub outputs: ClassifierOutputs,
    pub thresholds: Option<Vec<f64>>,
    /// Two ping-pong activation buffers.
    pub scratch: [SlotIndex; 2],
    pub fma: bool,
    pub semantics: SparkVersion,
}

/// Spark's softmax layer: max-shift, exp, divide by the sum.
fn softmax_divide(v: &mut [f64]) {
    let max = v.iter().copied().fold(f64::MIN, f64::max);
    let mut sum = 0.0;
    for x in v.iter_mut() {
        *x = (*x - max).exp();
        sum += *x;
    }
    for x in v.iter_mut() {
        *x /= sum;
    }
}

impl MlpStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let n_in = self.layers.first().copied().unwrap_or(0);
        let x = slot(slots, self.features);
        if x.null {
            return Err(Fault::new(ScoreErrorKind::NullValue, self.features));
        }
        if x.vec.size != n_in {
            return Err(Fault::new(ScoreErrorKind::BadVectorSize, self.features));
        }
        let mut a = take_slot_vec(slots, self.scratch[0]);
        let mut z = take_slot_vec(slots, self.scratch[1]);
        a.copy_from(&slot(slots, self.features).vec);
        a.densify(&mut z.values);
        let mut offset = 0usize;
        let last = self.layers.len().saturating_sub(2);
        for (l, pair) in self.layers.windows(2).enumerate() {
            let (n_in, n_out) = (pair[0], pair[1]);
            let w = self
                .weights
                .get(offset..offset + n_in * n_out)
                .unwrap_or(&[]);
            let b = self
                .weights
                .get(offset + n_in * n_out..offset + (n_in + 1) * n_out)
                .unwrap_or(&[]);
            offset += (n_in + 1) * n_out;
            z.reset_dense(n_out);
            for (o, zo) in z.values.iter_mut().enumerate() {
                // dgemm with beta = 1 accumulates onto the bias, input by input.
                let mut acc = b.get(o).copied().unwrap_or(0.0);
                for (i, &ai) in a.values.iter().enumerate() {
                    let wi = w.get(o + i * n_out).copied().unwrap_or(0.0);
                    acc = if self.fma {
                        ai.mul_add(wi, acc)
                    } else {
                        acc + wi * ai
                    };
                }
                *zo = acc;
            }
            if l < last {
                for v in z.values.iter_mut() {
                    *v = 1.0 / (1.0 + (-*v).exp());
                }
            }
            std::mem::swap(&mut a, &mut z);
        }
        // `a` holds the raw output of the last affine layer.
        z.copy_from(&a);
        softmax_divide(&mut z.values);
        let prediction = if self.outputs.raw.is_some() || self.outputs.probability.is_none() {
            match &self.thresholds {
                Some(t) => predictor::probability_to_prediction(&z.values, Some(t), self.semantics),
                None => predictor::argmax(&a.values) as f64,
            }
        } else {
            predictor::probability_to_prediction(
                &z.values,
                self.thresholds.as_deref(),
                self.semantics,
            )
        };
        predictor::write_outputs(slots, &self.outputs, &a.values, &z.values, prediction);
        put_slot_vec(slots, self.scratch[0], a);
        put_slot_vec(slots, self.scratch[1], z);
        Ok(Flow::Continue)
    }
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let row = table.single_row()?;
    let weights = table.decode(row, "weights", |d| {
        Ok(d.to_vector(c.limits().max_vector_width)?.to_dense())
    })?;
    let layers = if table.has_column("layers") {
        table.decode(row, "layers", |d| d.i64_list())?
    } else {
        meta.opt_i64_array("layers")?
            .ok_or_else(|| meta.error(LoadErrorKind::BadMetadata, "param `layers` is not set"))?
    };
    let layers: Vec<usize> = layers
        .iter()
        .map(|&l| {
            usize::try_from(l)
                .ok()
                .filter(|&l| l > 0 && (l as u64) <= c.limits().max_vector_width)
        })
        .collect::<Option<_>>()
        .ok_or_else(|| {
            meta.error(
                LoadErrorKind::BadData,
                "layer sizes must be positive and within limits",
            )
        })?;
    let expected: usize = layers.windows(2).map(|p| (p[0] + 1) * p[1]).sum();
    if layers.len() < 2 || weights.len() != expected {
        return Err(meta
            .error(
                LoadErrorKind::BadData,
                format!(
                    "{} weights for layers {layers:?} (expected {expected})",
                    weights.len()
                ),
            )
            .in_column("weights"));
    }
    let num_classes = layers.last().copied().unwrap_or(0);
    c.begin_stage(meta, vec![("layers".into(), format!("{layers:?}"))])?;
    let semantics = c.semantics();
    let features = predictor::features_input(c, meta, layers.first().copied())?;
    let outputs = if semantics.at_least(2, 3) {
        predictor::classifier_outputs(c, meta, num_classes, true)?
    } else {
        ClassifierOutputs {
            raw: None,
            probability: None,
            prediction: predictor::regressor_output(c, meta)?,
        }
    };
    let thresholds = if semantics.at_least(2, 3) {
        predictor::thresholds(meta, num_classes)?
    } else {
        None
    };
    let scratch = [c.hidden(ColumnType::Vector), c.hidden(ColumnType::Vector)];
    c.push(Step::Mlp(MlpStep {
        features,
        layers,
        weights,
        outputs,
        thresholds,
        scratch,
        fma: semantics.at_least(3, 2),
        semantics,
    }));
    Ok(())
}
