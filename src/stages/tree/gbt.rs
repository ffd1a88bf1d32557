//! `org.apache.spark.ml.classification.GBTClassificationModel` and
//! `org.apache.spark.ml.regression.GBTRegressionModel` (spark-format.md 9.4), written by 2.0+
//! (ensemble layout in `tree/mod.rs`; the trees are regression trees).
//!
//! `margin = ddot(treePredictions, treeWeights)` in the BLAS order of the scoring version
//! (`kernels::blas`). Regressor: prediction = margin. Classifier (binary): raw = `[-m, m]`,
//! `p0 = 1/(1 + exp(2m))` (LogLoss on raw0), `p1 = 1 - p0`, prediction = argmax(raw) or
//! thresholds. Before 2.2 the classifier was a plain predictor: only the prediction column,
//! `m > 0`.

use super::{LeafColumn, LeafStats, TreeModel};
use crate::error::LoadError;
use crate::kernels::blas::Blas;
use crate::plan::step::{put_slot_vec, return_scratch, take_scratch, take_slot_vec};
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult};
use crate::spark::{Metadata, SparkVersion};
use crate::stages::predictor::{self, ClassifierOutputs};

/// Shared by both GBT models: the tree walk and the weighted margin.
#[derive(Debug, Clone)]
pub struct Boosted {
    pub features: SlotIndex,
    pub model: TreeModel,
    pub leaf_col: Option<LeafColumn>,
    pub scratch: SlotIndex,
    /// Holds the per-tree predictions of the current row.
    pub preds_scratch: SlotIndex,
    pub blas: Blas,
}

impl Boosted {
    /// The margin of the row (and the leaf column when produced).
    #[inline]
    fn margin(&self, slots: &mut [Slot]) -> Result<f64, Fault> {
        let trees = self.model.forest.num_trees();
        let mut preds = take_scratch(slots, self.preds_scratch);
        // Every entry is written by the walk; only the length needs setting.
        preds.resize(trees, 0.0);
        let mut leaves = self.leaf_col.map(|l| l.begin(slots, trees));
        let walked = if leaves.is_none() {
            // Without the leaf column only values are needed: one load per tree.
            self.model
                .traverse_values(slots, self.features, self.scratch, |t, value| {
                    if let Some(p) = preds.get_mut(t) {
                        *p = value;
                    }
                })
        } else {
            self.model
                .traverse(slots, self.features, self.scratch, |t, leaf| {
                    if let Some(p) = preds.get_mut(t) {
                        *p = self.model.leaf_prediction(leaf);
                    }
                    if let Some(x) = leaves.as_mut().and_then(|l| l.values.get_mut(t)) {
                        *x = self.model.leaf_rank(t, leaf);
                    }
                })
        };
        let margin = self.blas.ddot(&preds, &self.model.weights);
        return_scratch(slots, self.preds_scratch, preds);
        if let (Some(l), Some(v)) = (&self.leaf_col, leaves) {
            l.finish(slots, v);
        }
        walked.map(|()| margin)
    }
}

#[derive(Debug, Clone)]
pub struct GbtClassifierStep {
    pub boosted: Boosted,
    pub thresholds: Option<Vec<f64>>,
    pub outputs: ClassifierOutputs,
    pub raw_scratch: SlotIndex,
    pub prob_scratch: SlotIndex,
    pub semantics: SparkVersion,
}

impl GbtClassifierStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let m = self.boosted.margin(slots)?;
        let mut raw = take_slot_vec(slots, self.raw_scratch);
        raw.reset_dense(2);
        let mut prob = take_slot_vec(slots, self.prob_scratch);
        prob.reset_dense(2);
        if let ([r0, r1], [p0, p1]) = (raw.values.as_mut_slice(), prob.values.as_mut_slice()) {
            *r0 = -m;
            *r1 = m;
            *p0 = log_loss_probability(*r0);
            *p1 = 1.0 - *p0;
        }
        let p = predictor::prediction_from(
            &self.outputs,
            self.thresholds.as_deref(),
            self.semantics,
            &raw.values,
            &prob.values,
        );
        predictor::write_outputs(slots, &self.outputs, &raw.values, &prob.values, p);
        put_slot_vec(slots, self.raw_scratch, raw);
        put_slot_vec(slots, self.prob_scratch, prob);
        Ok(Flow::Continue)
    }
}

/// `LogLoss.computeProbability(raw0)` = `1 / (1 + exp(-2 * raw0))`, with `raw0 = -margin`.
#[inline]
fn log_loss_probability(raw0: f64) -> f64 {
    1.0 / (1.0 + (-2.0 * raw0).exp())
}

#[derive(Debug, Clone)]
pub struct GbtRegressorStep {
    pub boosted: Boosted,
    pub prediction: Option<SlotIndex>,
}

impl GbtRegressorStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let m = self.boosted.margin(slots)?;
        if let Some(s) = self.prediction.and_then(|i| slots.get_mut(i)) {
            s.set_num(m);
        }
        Ok(Flow::Continue)
    }
}

fn load(
    c: &mut Compiler<'_>,
    meta: &Metadata,
) -> Result<(TreeModel, Option<usize>, usize), LoadError> {
    let num_features = super::num_features(meta, c)?;
    let num_trees = super::extra_count(meta, "numTrees", c.limits().max_rows)?;
    let model = super::load_ensemble(c, meta, num_features, num_trees, LeafStats::None)?;
    c.begin_stage(
        meta,
        vec![
            (
                "numFeatures".into(),
                num_features.map_or("-1".into(), |n| n.to_string()),
            ),
            ("numTrees".into(), num_trees.to_string()),
        ],
    )?;
    Ok((model, num_features, num_trees))
}

fn boosted(
    c: &mut Compiler<'_>,
    meta: &Metadata,
    mut model: TreeModel,
    num_features: Option<usize>,
) -> Result<Boosted, LoadError> {
    let features = super::features_input(c, meta, num_features)?;
    model.forest.set_leaf_values(&model.prediction);
    Ok(Boosted {
        features,
        model,
        leaf_col: None,
        scratch: c.hidden(ColumnType::Vector),
        preds_scratch: c.hidden(ColumnType::Vector),
        blas: Blas::for_version(c.semantics()),
    })
}

pub fn lower_classifier(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let (model, num_features, num_trees) = load(c, meta)?;
    let semantics = c.semantics();
    let thresholds = predictor::thresholds(meta, 2)?;
    let mut b = boosted(c, meta, model, num_features)?;
    let outputs = if semantics.at_least(2, 2) {
        predictor::classifier_outputs(c, meta, 2, true)?
    } else {
        // 2.0/2.1: a `PredictionModel` with only `predictionCol`.
        let prediction = predictor::regressor_output(c, meta)?;
        super::nominal_prediction(c, prediction, 2);
        ClassifierOutputs {
            raw: None,
            probability: None,
            prediction,
        }
    };
    b.leaf_col = LeafColumn::declare(c, meta, num_trees, true)?;
    let raw_scratch = c.hidden(ColumnType::Vector);
    let prob_scratch = c.hidden(ColumnType::Vector);
    c.push(Step::GbtClassifier(GbtClassifierStep {
        boosted: b,
        thresholds: if semantics.at_least(2, 2) {
            thresholds
        } else {
            None
        },
        outputs,
        raw_scratch,
        prob_scratch,
        semantics,
    }));
    Ok(())
}

pub fn lower_regressor(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let (model, num_features, num_trees) = load(c, meta)?;
    let mut b = boosted(c, meta, model, num_features)?;
    let prediction = predictor::regressor_output(c, meta)?;
    b.leaf_col = LeafColumn::declare(c, meta, num_trees, true)?;
    c.push(Step::GbtRegressor(GbtRegressorStep {
        boosted: b,
        prediction,
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probability_of_class_zero_is_sigmoid_of_minus_twice_the_margin() {
        let m = 0.75f64;
        assert!((log_loss_probability(-m) - 1.0 / (1.0 + (2.0 * m).exp())).abs() < 1e-16);
        assert_eq!(log_loss_probability(-0.0), 0.5);
        assert_eq!(log_loss_probability(f64::NEG_INFINITY), 0.0);
        assert_eq!(log_loss_probability(f64::INFINITY), 1.0);
        assert!(log_loss_probability(f64::NAN).is_nan());
    }
}
