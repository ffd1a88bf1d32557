//! `org.apache.spark.ml.classification.RandomForestClassificationModel` and
//! `org.apache.spark.ml.regression.RandomForestRegressionModel` (spark-format.md 9.3), written
//! by 2.0+ (ensemble layout in `tree/mod.rs`; tree weights are ignored, as Spark does).
//!
//! Classifier: raw = Σ over trees (treeID order) of the leaf's class counts divided by their
//! sequential sum (skipped when that sum is 0); probability = raw normalised (8.2);
//! prediction = argmax(raw) or thresholds. Regressor: sequential sum of the leaves'
//! predictions divided by the number of trees.

use super::{LeafColumn, LeafStats, TreeModel};
use crate::error::{LoadError, ScoreErrorKind};
use crate::plan::step::{put_slot_vec, take_slot_vec};
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult, VecBuf};
use crate::spark::{Metadata, SparkVersion};
use crate::stages::predictor::{self, ClassifierOutputs};

#[derive(Debug, Clone)]
pub struct RandomForestClassifierStep {
    pub features: SlotIndex,
    /// Leaf stats hold each leaf's votes `count_i / Σ count` (precomputed: the same division
    /// Spark performs per row).
    pub model: TreeModel,
    pub num_classes: usize,
    pub thresholds: Option<Vec<f64>>,
    pub outputs: ClassifierOutputs,
    pub leaf_col: Option<LeafColumn>,
    pub scratch: SlotIndex,
    pub raw_scratch: SlotIndex,
    pub prob_scratch: SlotIndex,
    pub semantics: SparkVersion,
}

impl RandomForestClassifierStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let mut raw = take_slot_vec(slots, self.raw_scratch);
        raw.reset_dense(self.num_classes);
        let mut leaves = self
            .leaf_col
            .map(|l| l.begin(slots, self.model.forest.num_trees()));
        let walked = self
            .model
            .traverse(slots, self.features, self.scratch, |t, leaf| {
                for (v, &s) in raw.values.iter_mut().zip(self.model.leaf_stats(leaf)) {
                    *v += s;
                }
                if let Some(x) = leaves.as_mut().and_then(|l| l.values.get_mut(t)) {
                    *x = self.model.leaf_rank(t, leaf);
                }
            });
        let result = walked.and_then(|()| self.finish(slots, &raw));
        put_slot_vec(slots, self.raw_scratch, raw);
        if let (Some(l), Some(v)) = (&self.leaf_col, leaves) {
            l.finish(slots, v);
        }
        result.map(|()| Flow::Continue)
    }

    fn finish(&self, slots: &mut [Slot], raw: &VecBuf) -> Result<(), Fault> {
        let mut prob = take_slot_vec(slots, self.prob_scratch);
        let thresholds = self.thresholds.as_deref();
        let ok = if predictor::needs_probability(&self.outputs, thresholds) {
            prob.copy_from(raw);
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
        put_slot_vec(slots, self.prob_scratch, prob);
        if ok {
            Ok(())
        } else {
            Err(Fault::new(ScoreErrorKind::ZeroVector, self.features))
        }
    }
}

#[derive(Debug, Clone)]
pub struct RandomForestRegressorStep {
    pub features: SlotIndex,
    pub model: TreeModel,
    pub prediction: Option<SlotIndex>,
    pub leaf_col: Option<LeafColumn>,
    pub scratch: SlotIndex,
}

impl RandomForestRegressorStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let mut sum = 0.0;
        let mut leaves = self
            .leaf_col
            .map(|l| l.begin(slots, self.model.forest.num_trees()));
        let walked = self
            .model
            .traverse(slots, self.features, self.scratch, |t, leaf| {
                sum += self.model.leaf_prediction(leaf);
                if let Some(x) = leaves.as_mut().and_then(|l| l.values.get_mut(t)) {
                    *x = self.model.leaf_rank(t, leaf);
                }
            });
        if let (Some(l), Some(v)) = (&self.leaf_col, leaves) {
            l.finish(slots, v);
        }
        walked?;
        if let Some(s) = self.prediction.and_then(|i| slots.get_mut(i)) {
            s.set_num(sum / self.model.forest.num_trees() as f64);
        }
        Ok(Flow::Continue)
    }
}

/// Replaces each leaf's class counts by its vote `count_i / total` (`total` summed
/// sequentially; all zeros when `total == 0`, which Spark skips: adding 0.0 is the same).
fn counts_to_votes(model: &mut TreeModel) {
    let n = model.stats_len.max(1);
    for leaf in model.stats.chunks_mut(n) {
        let mut total = 0.0;
        for &c in leaf.iter() {
            total += c;
        }
        for c in leaf.iter_mut() {
            *c = if total != 0.0 { *c / total } else { 0.0 };
        }
    }
}

pub fn lower_classifier(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let num_features = super::num_features(meta, c)?;
    let limit = c.limits().max_vector_width;
    let num_classes = super::extra_count(meta, "numClasses", limit)?;
    let num_trees = super::extra_count(meta, "numTrees", c.limits().max_rows)?;
    let mut model = super::load_ensemble(
        c,
        meta,
        num_features,
        num_trees,
        LeafStats::Classes(num_classes),
    )?;
    counts_to_votes(&mut model);
    let thresholds = predictor::thresholds(meta, num_classes)?;
    c.begin_stage(
        meta,
        vec![
            ("numClasses".into(), num_classes.to_string()),
            (
                "numFeatures".into(),
                num_features.map_or("-1".into(), |n| n.to_string()),
            ),
            ("numTrees".into(), num_trees.to_string()),
        ],
    )?;
    let semantics = c.semantics();
    let features = super::features_input(c, meta, num_features)?;
    let outputs = predictor::classifier_outputs(c, meta, num_classes, true)?;
    let leaf_col = LeafColumn::declare(c, meta, num_trees, true)?;
    let scratch = c.hidden(ColumnType::Vector);
    let raw_scratch = c.hidden(ColumnType::Vector);
    let prob_scratch = c.hidden(ColumnType::Vector);
    c.push(Step::RandomForestClassifier(RandomForestClassifierStep {
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
    let features = super::features_input(c, meta, num_features)?;
    let prediction = predictor::regressor_output(c, meta)?;
    let leaf_col = LeafColumn::declare(c, meta, num_trees, true)?;
    let scratch = c.hidden(ColumnType::Vector);
    c.push(Step::RandomForestRegressor(RandomForestRegressorStep {
        features,
        model,
        prediction,
        leaf_col,
        scratch,
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::tree::Forest;

    #[test]
    fn votes_divide_by_sequential_total_and_zero_totals_vote_nothing() {
        let mut m = TreeModel {
            forest: Forest::new(),
            prediction: vec![0.0, 0.0],
            stats: vec![1.0, 3.0, 0.0, 0.0],
            stats_len: 2,
            weights: vec![1.0],
        };
        counts_to_votes(&mut m);
        assert_eq!(m.stats, vec![0.25, 0.75, 0.0, 0.0]);
    }
}
