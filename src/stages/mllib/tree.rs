//! mllib tree models: `tree.DecisionTreeModel`, `tree.model.RandomForestModel`,
//! `tree.model.GradientBoostedTreesModel` (format 1.0). Data rows: `treeId, nodeId,
//! predict{predict, prob}, impurity, isLeaf, split{feature, threshold, featureType,
//! categories}, leftNodeId, rightNodeId, infoGain`, node ids numbered as a binary heap from 1.
//! `predict`: continuous splits go left iff `x <= threshold`; categorical ones iff the value
//! is one of `categories`. Forests vote (classification, weighted) or average; boosted trees
//! sum weighted predictions (classification: `> 0` → 1).
//!
//! Voting is `votes.maxBy(_._2)` over a Scala `mutable.HashMap[Int, Double]`: a tie goes to
//! the label met first in the map's iteration order, which is Scala 2.12's `HashTable` order
//! for Spark < 4 (buckets from the top, so labels 0, 1, 2 tie to 2) and Scala 2.13's for
//! Spark 4 (ascending for small labels). Both orders are reproduced (`VoteOrder`); the
//! writer's Spark version comes from the Parquet footers, as the metadata has none.

use serde_json::Value;

use crate::error::{LoadError, LoadErrorKind};
use crate::kernels::tree::{InputNode, InputSplit};
use crate::plan::{Compiler, Flow, Slot, SlotIndex, Step, StepResult};
use crate::spark::{parquet, Datum, Metadata};
use crate::stages::tree::{empty_model, push_tree, LeafStats, ReadNode, TreeModel};

/// (nodeId, predict, split, leftNodeId, rightNodeId) as read.
type MllibNode = (i64, f64, InputSplit, i64, i64);

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
    /// Vote tallies per tree (label, weight) in first-seen order, reused per row.
    pub votes: SlotIndex,
    pub vote_order: VoteOrder,
}

/// Which Scala `mutable.HashMap` iterates the votes (Spark's Scala version).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteOrder {
    Scala212,
    Scala213,
}

/// `scala.util.hashing.byteswap32`.
fn byteswap32(v: i32) -> i32 {
    v.wrapping_mul(0x9e37_75cd_u32 as i32)
        .swap_bytes()
        .wrapping_mul(0x9e37_75cd_u32 as i32)
}

/// Scala 2.12 `HashTable.index` for an Int key: the top bits of `rotateRight(byteswap32(k),
/// seed)`, where the seed stays `bitCount(16 - 1) = 4` from the initial table.
fn bucket_212(label: i32, len: u32) -> u32 {
    let ones = len - 1;
    ((byteswap32(label) as u32).rotate_right(4) >> ones.leading_zeros()) & ones
}

/// Scala 2.12: the table (16 buckets) doubles after an insertion leaves more than 3/4 of it
/// used, i.e. after the 13th, 25th, 49th… distinct label. Returns how many doublings
/// happened before the entry of 1-based `rank` was inserted, and in all (`n` entries).
fn epochs_212(rank: usize, n: usize) -> (u32, u32) {
    let (mut epoch, mut total, mut at) = (0, 0, 13usize);
    while at <= n {
        if at < rank {
            epoch += 1;
        }
        total += 1;
        at = at.saturating_mul(2).saturating_sub(1);
    }
    (epoch, total)
}

/// True when entry a (label, 1-based first-seen rank) is iterated before entry b by a Scala
/// 2.12 `mutable.HashMap` holding `n` entries. Buckets go from the last to the first; a bucket
/// lists the newest insertion first, and every doubling reverses the older part of a bucket.
fn before_212(a: (i32, usize), b: (i32, usize), n: usize) -> bool {
    let (ea, total) = epochs_212(a.1, n);
    let (eb, _) = epochs_212(b.1, n);
    let len = 16u32 << total.min(26);
    let (ba, bb) = (bucket_212(a.0, len), bucket_212(b.0, len));
    if ba != bb {
        return ba > bb;
    }
    let newer_first = if ea == eb { a.1 > b.1 } else { ea > eb };
    newer_first != ((total - ea.max(eb)) % 2 == 1)
}

/// True when label a is iterated before label b by a Scala 2.13 `mutable.HashMap` whose table
/// has `len` buckets: ascending bucket `hash & (len - 1)`, then ascending hash, where
/// `hash = k ^ (k >>> 16)`.
fn before_213(a: i32, b: i32, len: u32) -> bool {
    let hash = |k: i32| k ^ ((k as u32) >> 16) as i32;
    let (ha, hb) = (hash(a), hash(b));
    let (ia, ib) = (ha as u32 & (len - 1), hb as u32 & (len - 1));
    if ia != ib {
        ia < ib
    } else {
        ha < hb
    }
}

impl MllibTreeStep {
    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let mut sum = 0.0;
        let mut single = f64::NAN;
        let mut tally = slots
            .get_mut(self.votes)
            .map(|s| std::mem::take(&mut s.vec))
            .unwrap_or_default();
        tally.indices.clear();
        tally.values.clear();
        // Scala 2.13's table size: it doubles on any `update` (new key or not) that finds
        // `size + 1 >= 3/4 · buckets`.
        let mut len_213 = 16u32;
        let model = &self.model;
        let combine = self.combine;
        let walked = model.traverse(slots, self.input, self.scratch, |tree, leaf| {
            let p = model.leaf_prediction(leaf);
            let w = model.weights.get(tree).copied().unwrap_or(1.0);
            match combine {
                Combine::Single => single = p,
                Combine::Vote => {
                    // `tree.predict(features).toInt`, stored as the label's bits.
                    let label = p as i32 as u32;
                    if tally.indices.len() + 1 >= (len_213 as usize * 3 / 4) && len_213 < (1 << 30)
                    {
                        len_213 *= 2;
                    }
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
        });
        if let Err(fault) = walked {
            // Hand the tally buffer back first, so a failing row costs no reallocation.
            if let Some(s) = slots.get_mut(self.votes) {
                s.vec = tally;
            }
            return Err(fault);
        }
        let prediction = match combine {
            Combine::Single => single,
            Combine::Vote => {
                // `maxBy`: the first entry in iteration order with the largest weight.
                let n = tally.indices.len();
                let mut best: Option<(i32, usize, f64)> = None;
                for (k, (&l, &w)) in tally.indices.iter().zip(&tally.values).enumerate() {
                    let (label, rank) = (l as i32, k + 1);
                    best = match best {
                        Some((bl, br, bw)) if bw > w => Some((bl, br, bw)),
                        Some((bl, br, bw)) if bw == w => {
                            let first = match self.vote_order {
                                VoteOrder::Scala212 => before_212((label, rank), (bl, br), n),
                                VoteOrder::Scala213 => before_213(label, bl, len_213),
                            };
                            if first {
                                Some((label, rank, w))
                            } else {
                                Some((bl, br, bw))
                            }
                        }
                        _ => Some((label, rank, w)),
                    };
                }
                best.map_or(f64::NAN, |(l, _, _)| f64::from(l))
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

fn node(
    row: &[Datum],
    cols: &[usize; 6],
) -> Result<(i64, i64, f64, InputSplit, i64, i64), LoadError> {
    let get = |k: usize| {
        row.get(cols[k])
            .ok_or_else(|| LoadError::bad_data("short row"))
    };
    let id = get(0)?.as_i64()?;
    let predict = get(1)?.field("predict")?.as_f64()?;
    let is_leaf = get(2)?.as_bool()?;
    let split = get(3)?;
    let left = if get(4)?.is_null() {
        -1
    } else {
        get(4)?.as_i64()?
    };
    let right = if get(5)?.is_null() {
        -1
    } else {
        get(5)?.as_i64()?
    };
    let s = if is_leaf || split.is_null() {
        InputSplit::Leaf
    } else {
        let feature = split.field("feature")?.as_i64()?;
        match split.field("featureType")?.as_i64()? {
            0 => InputSplit::Continuous {
                feature,
                threshold: split.field("threshold")?.as_f64()?,
            },
            _ => {
                let cats = split.field("categories")?.f64_list()?;
                // "contains" semantics: with at most half of k categories on the left, the
                // kernel sends every other value (and non-integers) right.
                let max = cats.iter().copied().fold(0.0f64, f64::max);
                let k = ((2 * cats.len()) as f64).max(max + 1.0) as i64;
                InputSplit::Categorical {
                    feature,
                    num_categories: k,
                    left_categories: cats,
                }
            }
        }
    };
    Ok((id, 0, predict, s, left, right))
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let meta = &super::with_writer_version(meta, &table);
    let cols = [
        table.column_index("nodeId")?,
        table.column_index("predict")?,
        table.column_index("isLeaf")?,
        table.column_index("split")?,
        table.column_index("leftNodeId")?,
        table.column_index("rightNodeId")?,
    ];
    let tree_col = table.column_index("treeId")?;
    let mut trees: std::collections::BTreeMap<i64, Vec<MllibNode>> = Default::default();
    for row in &table.rows {
        let tree = row
            .get(tree_col)
            .ok_or_else(|| LoadError::bad_data("short row"))?
            .as_i64()
            .map_err(|e| e.in_file(&table.file))?;
        let (id, _, predict, split, left, right) =
            node(row, &cols).map_err(|e| e.in_file(&table.file))?;
        trees
            .entry(tree)
            .or_default()
            .push((id, predict, split, left, right));
    }
    let extra = |key: &str| {
        meta.raw
            .get("metadata")
            .and_then(|m| m.get(key))
            .or_else(|| meta.raw.get(key))
    };
    let algo = extra("algo")
        .and_then(Value::as_str)
        .unwrap_or("Classification")
        .to_string();
    let strategy = extra("combiningStrategy")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let weights: Vec<f64> = extra("treeWeights")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_else(|| vec![1.0; trees.len()]);
    if weights.len() != trees.len() {
        return Err(meta.error(
            LoadErrorKind::BadData,
            format!("{} trees but {} tree weights", trees.len(), weights.len()),
        ));
    }
    let classification = algo == "Classification";
    let combine = match (meta.short_class(), strategy.as_str(), classification) {
        ("DecisionTreeModel", _, _) => Combine::Single,
        (_, "Vote", _) => Combine::Vote,
        (_, "Average", _) => Combine::Average,
        (_, "Sum", c) => Combine::Sum(c),
        (_, other, _) => {
            return Err(meta.error(
                LoadErrorKind::BadMetadata,
                format!("unknown combiningStrategy `{other}`"),
            ))
        }
    };
    let mut model: TreeModel = empty_model(LeafStats::None);
    for (tree, mut nodes) in trees {
        // Heap ids → 0..n-1 in id order (children keep larger ids than their parent).
        nodes.sort_by_key(|n| n.0);
        let rank = |id: i64| {
            nodes
                .binary_search_by_key(&id, |n| n.0)
                .map_or(-1, |r| r as i64)
        };
        let read: Vec<ReadNode> = nodes
            .iter()
            .enumerate()
            .map(|(r, (_, predict, split, left, right))| ReadNode {
                node: InputNode {
                    id: r as i64,
                    left: if matches!(split, InputSplit::Leaf) {
                        -1
                    } else {
                        rank(*left)
                    },
                    right: if matches!(split, InputSplit::Leaf) {
                        -1
                    } else {
                        rank(*right)
                    },
                    split: split.clone(),
                },
                prediction: *predict,
                stats: Vec::new(),
            })
            .collect();
        push_tree(c, &mut model, read, None, &table.file, Some(tree))
            .map_err(|e| e.in_stage(&meta.uid, &meta.class))?;
    }
    model.forest.seal();
    model.weights = weights;
    c.begin_stage(
        meta,
        vec![
            ("algo".into(), algo),
            ("trees".into(), model.weights.len().to_string()),
        ],
    )?;
    let (input, output) = super::columns(c, meta, None)?;
    let scratch = c.hidden(crate::plan::ColumnType::Vector);
    let votes = c.hidden(crate::plan::ColumnType::Vector);
    let vote_order = if c.semantics().at_least(4, 0) {
        VoteOrder::Scala213
    } else {
        VoteOrder::Scala212
    };
    c.push(Step::MllibTree(MllibTreeStep {
        input,
        output,
        model,
        combine,
        scratch,
        votes,
        vote_order,
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The iteration order of labels inserted in the given order, by repeated minimum.
    fn order(labels: &[i32], before: impl Fn((i32, usize), (i32, usize)) -> bool) -> Vec<i32> {
        let mut left: Vec<(i32, usize)> = labels
            .iter()
            .enumerate()
            .map(|(k, &l)| (l, k + 1))
            .collect();
        let mut out = Vec::new();
        while !left.is_empty() {
            let mut best = 0;
            for k in 1..left.len() {
                if before(left[k], left[best]) {
                    best = k;
                }
            }
            out.push(left.remove(best).0);
        }
        out
    }

    #[test]
    fn scala_212_buckets() {
        // Scala 2.12: byteswap32(0..3) → buckets 0, 6, 12, 2 of 16.
        assert_eq!([0, 1, 2, 3].map(|k| bucket_212(k, 16)), [0, 6, 12, 2]);
        assert_eq!(order(&[0, 1, 2], |a, b| before_212(a, b, 3)), vec![2, 1, 0]);
        assert_eq!(order(&[2, 0, 1], |a, b| before_212(a, b, 3)), vec![2, 1, 0]);
        // Labels 1 and 10 share bucket 6: the newer insertion is listed first.
        assert_eq!(order(&[1, 10], |a, b| before_212(a, b, 2)), vec![10, 1]);
        assert_eq!(order(&[10, 1], |a, b| before_212(a, b, 2)), vec![1, 10]);
    }

    #[test]
    fn scala_212_doubling_reverses_older_entries() {
        // 13 labels: the 13th insertion doubles the table to 32 buckets, reversing each
        // bucket's list; 1 and 10 stay together (bucket 13 of 32).
        let labels: Vec<i32> = (0..13).collect();
        let o = order(&labels, |a, b| before_212(a, b, 13));
        let p1 = o.iter().position(|&l| l == 1);
        let p10 = o.iter().position(|&l| l == 10);
        assert!(p1 < p10, "{o:?}");
        assert_eq!(bucket_212(1, 32), bucket_212(10, 32));
    }

    #[test]
    fn scala_213_is_ascending_for_small_labels() {
        assert_eq!(
            order(&[2, 0, 1], |a, b| before_213(a.0, b.0, 16)),
            vec![0, 1, 2]
        );
        // 17 & 15 = 1: bucket 1 comes before bucket 2.
        assert_eq!(
            order(&[2, 17], |a, b| before_213(a.0, b.0, 16)),
            vec![17, 2]
        );
    }
}
