//! `org.apache.spark.ml.classification.DecisionTreeClassificationModel` and
//! `org.apache.spark.ml.regression.DecisionTreeRegressionModel` (spark-format.md 9.2), written
//! by 2.0+ (node rows with `rawCount` from 3.0; see `tree/mod.rs`).
//!
//! Classifier: rawPrediction = the leaf's `impurityStats` (class counts), probability = raw
//! normalised (8.2: 3.0+ raises on a zero or negative vector), prediction = argmax(raw) or
//! thresholds; when neither raw nor probability is produced Spark's `predict` returns the
//! leaf's stored `prediction`. Regressor: the leaf's `prediction`, optional `varianceCol`
//! (leaf impurity variance) and, from 3.0, optional `leafCol`.

use super::{LeafColumn, LeafStats, TreeModel};
use crate::error::{LoadError, ScoreErrorKind};
use crate::plan::step::{put_slot_vec, take_slot_vec};
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult};
use crate::spark::{Metadata, SparkVersion};
use crate::stages::predictor::{self, ClassifierOutputs};

#[derive(Debug, Clone)]
pub struct DecisionTreeClassifierStep {
    pub features: SlotIndex,
    pub model: TreeModel,
    pub num_classes: usize,
    pub thresholds: Option<Vec<f64>>,
    pub outputs: ClassifierOutputs,
    pub leaf_col: Option<LeafColumn>,
    /// Densified sparse features.
    pub scratch: SlotIndex,
    pub raw_scratch: SlotIndex,
    pub prob_scratch: SlotIndex,
    pub semantics: SparkVersion,
}

impl DecisionTreeClassifierStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let mut found = (0usize, 0u32);
        self.model
            .traverse(slots, self.features, self.scratch, |t, leaf| {
                found = (t, leaf)
            })?;
        let (tree, leaf) = found;
        if self.outputs.raw.is_none() && self.outputs.probability.is_none() {
            // `predict` is overridden to return the leaf's stored prediction.
            if let Some(s) = self.outputs.prediction.and_then(|i| slots.get_mut(i)) {
                s.set_num(self.model.leaf_prediction(leaf));
            }
        } else {
            let mut raw = take_slot_vec(slots, self.raw_scratch);
            raw.set_dense(self.model.leaf_stats(leaf));
            let mut prob = take_slot_vec(slots, self.prob_scratch);
            let thresholds = self.thresholds.as_deref();
            let ok = if predictor::needs_probability(&self.outputs, thresholds) {
                prob.copy_from(&raw);
                predictor::normalize_in_place(&mut prob.values, self.semantics)
            } else {
                true
            };
            if ok {
                let p = predictor::prediction_from(
                    &self.outputs,
                    thresholds,
                    self.semantics,
                    &raw.values,
                    &prob.values,
                );
                predictor::write_outputs(slots, &self.outputs, &raw.values, &prob.values, p);
            }
            put_slot_vec(slots, self.raw_scratch, raw);
            put_slot_vec(slots, self.prob_scratch, prob);
            if !ok {
                return Err(Fault::new(ScoreErrorKind::ZeroVector, self.features));
            }
        }
        if let Some(l) = &self.leaf_col {
            let mut v = l.begin(slots, 1);
            if let Some(x) = v.values.first_mut() {
                *x = self.model.leaf_rank(tree, leaf);
            }
            l.finish(slots, v);
        }
        Ok(Flow::Continue)
    }
}

#[derive(Debug, Clone)]
pub struct DecisionTreeRegressorStep {
    pub features: SlotIndex,
    pub model: TreeModel,
    pub prediction: Option<SlotIndex>,
    pub variance: Option<SlotIndex>,
    pub leaf_col: Option<LeafColumn>,
    pub scratch: SlotIndex,
}

impl DecisionTreeRegressorStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let mut found = (0usize, 0u32);
        self.model
            .traverse(slots, self.features, self.scratch, |t, leaf| {
                found = (t, leaf)
            })?;
        let (tree, leaf) = found;
        if let Some(s) = self.prediction.and_then(|i| slots.get_mut(i)) {
            s.set_num(self.model.leaf_prediction(leaf));
        }
        if let Some(s) = self.variance.and_then(|i| slots.get_mut(i)) {
            s.set_num(
                self.model
                    .leaf_stats(leaf)
                    .first()
                    .copied()
                    .unwrap_or(f64::NAN),
            );
        }
        if let Some(l) = &self.leaf_col {
            let mut v = l.begin(slots, 1);
            if let Some(x) = v.values.first_mut() {
                *x = self.model.leaf_rank(tree, leaf);
            }
            l.finish(slots, v);
        }
        Ok(Flow::Continue)
    }
}

pub fn lower_classifier(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let num_features = super::num_features(meta, c)?;
    let num_classes = super::extra_count(meta, "numClasses", c.limits().max_vector_width)?;
    let model = super::load_tree(c, meta, num_features, LeafStats::Classes(num_classes))?;
    let thresholds = predictor::thresholds(meta, num_classes)?;
    c.begin_stage(
        meta,
        vec![
            ("numClasses".into(), num_classes.to_string()),
            (
                "numFeatures".into(),
                num_features.map_or("-1".into(), |n| n.to_string()),
            ),
            (
                "numNodes".into(),
                (model.forest.nodes.len() - 1).to_string(),
            ),
            (
                "depth".into(),
                model
                    .forest
                    .depths
                    .first()
                    .copied()
                    .unwrap_or(0)
                    .to_string(),
            ),
        ],
    )?;
    let semantics = c.semantics();
    let features = super::features_input(c, meta, num_features)?;
    let outputs = predictor::classifier_outputs(c, meta, num_classes, true)?;
    let leaf_col = LeafColumn::declare(c, meta, 1, false)?;
    let scratch = c.hidden(ColumnType::Vector);
    let raw_scratch = c.hidden(ColumnType::Vector);
    let prob_scratch = c.hidden(ColumnType::Vector);
    c.push(Step::DecisionTreeClassifier(DecisionTreeClassifierStep {
        features,
        model,
        num_classes,
        thresholds,
        outputs,
        leaf_col,
        scratch,
        raw_scratch,
        prob_scratch,
        semantics,
    }));
    Ok(())
}

pub fn lower_regressor(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let num_features = super::num_features(meta, c)?;
    let variance_name = meta.opt_str("varianceCol")?.filter(|n| !n.is_empty());
    let want = if variance_name.is_some() {
        LeafStats::Variance
    } else {
        LeafStats::None
    };
    let model = super::load_tree(c, meta, num_features, want)?;
    c.begin_stage(
        meta,
        vec![
            (
                "numFeatures".into(),
                num_features.map_or("-1".into(), |n| n.to_string()),
            ),
            (
                "numNodes".into(),
                (model.forest.nodes.len() - 1).to_string(),
            ),
            (
                "depth".into(),
                model
                    .forest
                    .depths
                    .first()
                    .copied()
                    .unwrap_or(0)
                    .to_string(),
            ),
        ],
    )?;
    let features = super::features_input(c, meta, num_features)?;
    let prediction = predictor::regressor_output(c, meta)?;
    let variance = match variance_name {
        Some(n) => Some(c.output(meta, &n, ColumnType::Double, None)?),
        None => None,
    };
    let leaf_col = LeafColumn::declare(c, meta, 1, false)?;
    let scratch = c.hidden(ColumnType::Vector);
    c.push(Step::DecisionTreeRegressor(DecisionTreeRegressorStep {
        features,
        model,
        prediction,
        variance,
        leaf_col,
        scratch,
    }));
    Ok(())
}
