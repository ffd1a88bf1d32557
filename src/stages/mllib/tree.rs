//! mllib tree models: `tree.DecisionTreeModel`, `tree.model.RandomForestModel`,
//! `tree.model.GradientBoostedTreesModel` (format 1.0). Data rows: `treeId, nodeId,
//! predict{predict, prob}, impurity, isLeaf, split{feature, threshold, featureType,
//! categories}, leftNodeId, rightNodeId, infoGain`, node ids numbered as a binary heap from 1.
//! `predict`: continuous splits go left iff `x <= threshold`; categorical ones iff the value
//! is one of `categories`. Forests vote (classification, weighted, ties to the smallest
//! label) or average; boosted trees sum weighted predictions (classification: `> 0` → 1).

use serde_json::Value;

use crate::error::{LoadError, LoadErrorKind};
use crate::kernels::tree::{InputNode, InputSplit};
use crate::plan::{Compiler, Flow, Slot, SlotIndex, Step, StepResult};
use crate::spark::{parquet, Datum, Metadata};
use crate::stages::tree::{empty_model, push_tree, LeafStats, ReadNode, TreeModel};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combine {
    Single,
    Vote,
    Average,
    /// Boosted sum; `true` thresholds at 0 for classification.
    Sum(bool),
}

#[derive(Debug, Clone)]
pub struct MllibTreeStep {
    pub input: SlotIndex,
    pub output: SlotIndex,
    pub model: TreeModel,
    pub combine: Combine,
    pub scratch: SlotIndex,
    /// Vote tallies per tree (label, weight), reused per row.
    pub votes: SlotIndex,
}

impl MllibTreeStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let mut sum = 0.0;
        let mut single = f64::NAN;
        let mut tally = slots.get_mut(self.votes).map(|s| std::mem::take(&mut s.vec)).unwrap_or_default();
        tally.indices.clear();
        tally.values.clear();
        let model = &self.model;
        let combine = self.combine;
        model.traverse(slots, self.input, self.scratch, |tree, leaf| {
            let p = model.leaf_prediction(leaf);
            let w = model.weights.get(tree).copied().unwrap_or(1.0);
            match combine {
                Combine::Single => single = p,
                Combine::Vote => {
                    let label = p as i32 as u32;
                    match tally.indices.iter().position(|&l| l == label) {
                        Some(k) => {
                            if let Some(v) = tally.values.get_mut(k) {
                                *v += w;
                            }
                        }
                        None => {
                            tally.indices.push(label);
                            tally.values.push(w);
                        }
                    }
                }
                Combine::Average | Combine::Sum(_) => sum += p * w,
            }
        })?;
        let prediction = match combine {
            Combine::Single => single,
            Combine::Vote => {
                let mut best: Option<(u32, f64)> = None;
                for (&l, &w) in tally.indices.iter().zip(&tally.values) {
                    best = match best {
                        Some((bl, bw)) if bw > w || (bw == w && bl < l) => Some((bl, bw)),
                        _ => Some((l, w)),
                    };
                }
                best.map_or(f64::NAN, |(l, _)| f64::from(l as i32))
            }
            Combine::Average => sum / model.weights.iter().sum::<f64>(),
            Combine::Sum(true) => f64::from(u8::from(sum > 0.0)),
            Combine::Sum(false) => sum,
        };
        if let Some(s) = slots.get_mut(self.votes) {
            s.vec = tally;
        }
        if let Some(s) = slots.get_mut(self.output) {
            s.set_num(prediction);
        }
        Ok(Flow::Continue)
    }
}

fn node(row: &[Datum], cols: &[usize; 6]) -> Result<(i64, i64, f64, InputSplit, i64, i64), LoadError> {
    let get = |k: usize| row.get(cols[k]).ok_or_else(|| LoadError::bad_data("short row"));
    let id = get(0)?.as_i64()?;
    let predict = get(1)?.field("predict")?.as_f64()?;
    let is_leaf = get(2)?.as_bool()?;
    let split = get(3)?;
    let left = if get(4)?.is_null() { -1 } else { get(4)?.as_i64()? };
    let right = if get(5)?.is_null() { -1 } else { get(5)?.as_i64()? };
    let s = if is_leaf || split.is_null() {
        InputSplit::Leaf
    } else {
        let feature = split.field("feature")?.as_i64()?;
        match split.field("featureType")?.as_i64()? {
            0 => InputSplit::Continuous { feature, threshold: split.field("threshold")?.as_f64()? },
            _ => {
                let cats = split.field("categories")?.f64_list()?;
                // "contains" semantics: with at most half of k categories on the left, the
                // kernel sends every other value (and non-integers) right.
                let max = cats.iter().copied().fold(0.0f64, f64::max);
                let k = ((2 * cats.len()) as f64).max(max + 1.0) as i64;
                InputSplit::Categorical { feature, num_categories: k, left_categories: cats }
            }
        }
    };
    Ok((id, 0, predict, s, left, right))
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let cols = [
        table.column_index("nodeId")?,
        table.column_index("predict")?,
        table.column_index("isLeaf")?,
        table.column_index("split")?,
        table.column_index("leftNodeId")?,
        table.column_index("rightNodeId")?,
    ];
    let tree_col = table.column_index("treeId")?;
    let mut trees: std::collections::BTreeMap<i64, Vec<(i64, f64, InputSplit, i64, i64)>> = Default::default();
    for row in &table.rows {
        let tree = row.get(tree_col).ok_or_else(|| LoadError::bad_data("short row"))?.as_i64().map_err(|e| e.in_file(&table.file))?;
        let (id, _, predict, split, left, right) = node(row, &cols).map_err(|e| e.in_file(&table.file))?;
        trees.entry(tree).or_default().push((id, predict, split, left, right));
    }
    let extra = |key: &str| meta.raw.get("metadata").and_then(|m| m.get(key)).or_else(|| meta.raw.get(key));
    let algo = extra("algo").and_then(Value::as_str).unwrap_or("Classification").to_string();
    let strategy = extra("combiningStrategy").and_then(Value::as_str).unwrap_or("").to_string();
    let weights: Vec<f64> = extra("treeWeights")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_else(|| vec![1.0; trees.len()]);
    if weights.len() != trees.len() {
        return Err(meta.error(LoadErrorKind::BadData, format!("{} trees but {} tree weights", trees.len(), weights.len())));
    }
    let classification = algo == "Classification";
    let combine = match (meta.short_class(), strategy.as_str(), classification) {
        ("DecisionTreeModel", _, _) => Combine::Single,
        (_, "Vote", _) => Combine::Vote,
        (_, "Average", _) => Combine::Average,
        (_, "Sum", c) => Combine::Sum(c),
        (_, other, _) => return Err(meta.error(LoadErrorKind::BadMetadata, format!("unknown combiningStrategy `{other}`"))),
    };
    let mut model: TreeModel = empty_model(LeafStats::None);
    for (tree, mut nodes) in trees {
        // Heap ids → 0..n-1 in id order (children keep larger ids than their parent).
        nodes.sort_by_key(|n| n.0);
        let rank = |id: i64| nodes.binary_search_by_key(&id, |n| n.0).map_or(-1, |r| r as i64);
        let read: Vec<ReadNode> = nodes
            .iter()
            .enumerate()
            .map(|(r, (_, predict, split, left, right))| ReadNode {
                node: InputNode {
                    id: r as i64,
                    left: if matches!(split, InputSplit::Leaf) { -1 } else { rank(*left) },
                    right: if matches!(split, InputSplit::Leaf) { -1 } else { rank(*right) },
                    split: split.clone(),
                },
                prediction: *predict,
                stats: Vec::new(),
            })
            .collect();
        push_tree(c, &mut model, read, None, &table.file, Some(tree)).map_err(|e| e.in_stage(&meta.uid, &meta.class))?;
    }
    model.weights = weights;
    c.begin_stage(meta, vec![("algo".into(), algo), ("trees".into(), model.weights.len().to_string())])?;
    let (input, output) = super::columns(c, meta, None)?;
    let scratch = c.hidden(crate::plan::ColumnType::Vector);
    let votes = c.hidden(crate::plan::ColumnType::Vector);
    c.push(Step::MllibTree(MllibTreeStep { input, output, model, combine, scratch, votes }));
    Ok(())
}
