//! `org.apache.spark.ml.clustering.BisectingKMeansModel` and the RDD
//! `org.apache.spark.mllib.clustering.BisectingKMeansModel` (spark-format.md 10.6). The ml model
//! saves its mllib parent in `data/` (mllib layout: `data/metadata/part-*` JSON with `rootId`
//! and, from format 2.0, `distanceMeasure`; `data/data/*.parquet` rows `index, size, center,
//! norm, cost, height, children`); an mllib model has that layout at its root.
//!
//! predict (`ClusteringTreeNode.predict`): from the root, move to the child whose
//! `distanceMeasure.cost(child.center, point)` is smallest (Scala `minBy`: the first minimum,
//! a NaN cost never wins), until a leaf; its `index` is the prediction (an int). Costs use the
//! stored center norms. Euclidean: MLlib's `fastSquaredDistance` (a NaN norm raises, as for
//! KMeans); cosine: `1 - dot(center, point) / ‖center‖ / ‖point‖`, a zero-norm point raises.

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::kernels::blas::Blas;
use crate::kernels::vector::{fast_squared_distance, norm2, Point};
use crate::plan::step::slot;
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult};
use crate::spark::{parquet, Datum, Metadata};
use crate::stages::predictor;

#[derive(Debug, Clone)]
pub struct TreeNode {
    /// Cluster index of a leaf (internal nodes have negative indices).
    pub index: i64,
    pub center: Vec<f64>,
    pub norm: f64,
    /// Positions of the children in `BisectingKMeansStep::nodes`, in stored order.
    pub children: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct BisectingKMeansStep {
    pub features: SlotIndex,
    pub prediction: SlotIndex,
    pub dim: usize,
    pub nodes: Vec<TreeNode>,
    pub root: usize,
    pub cosine: bool,
    pub dense_shortcut: bool,
    pub blas: Blas,
}

impl BisectingKMeansStep {
    fn cost(&self, node: &TreeNode, p: Point<'_>) -> f64 {
        if self.cosine {
            let dot = match p.indices {
                None => self.blas.ddot(&node.center, p.values),
                Some(idx) => {
                    let mut s = 0.0;
                    for (&i, &v) in idx.iter().zip(p.values) {
                        s += v * node.center.get(i as usize).copied().unwrap_or(0.0);
                    }
                    s
                }
            };
            1.0 - dot / node.norm / p.norm
        } else {
            fast_squared_distance(&node.center, node.norm, p, self.blas, self.dense_shortcut)
        }
    }

    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let s = slot(slots, self.features);
        if s.null {
            return Err(Fault::new(ScoreErrorKind::NullValue, self.features));
        }
        let x = &s.vec;
        if x.size != self.dim {
            return Err(Fault::new(ScoreErrorKind::BadVectorSize, self.features));
        }
        let p = Point {
            indices: x.sparse.then_some(x.indices.as_slice()),
            values: &x.values,
            norm: norm2(&x.values),
        };
        // Euclidean: `fastSquaredDistance` requires norms >= 0; cosine asserts norms > 0.
        if p.norm.is_nan() {
            return Err(Fault::new(ScoreErrorKind::NanValue, self.features));
        }
        if self.cosine && p.norm <= 0.0 {
            return Err(Fault::new(ScoreErrorKind::ZeroVector, self.features));
        }
        let mut node = self.nodes.get(self.root);
        // The tree has at most `nodes.len()` levels; the bound keeps a corrupt cycle finite.
        for _ in 0..=self.nodes.len() {
            let Some(n) = node else { break };
            let mut best: Option<(&TreeNode, f64)> = None;
            for &c in &n.children {
                let Some(child) = self.nodes.get(c) else {
                    continue;
                };
                let cost = self.cost(child, p);
                // Scala `minBy`: a later child wins only when strictly smaller (never NaN).
                let better = best.is_none_or(|(_, b)| cost < b);
                if better {
                    best = Some((child, cost));
                }
            }
            match best {
                Some((child, _)) => node = Some(child),
                None => break,
            }
        }
        let index = node.map_or(0, |n| n.index);
        if let Some(out) = slots.get_mut(self.prediction) {
            out.set_num(index as f64);
        }
        Ok(Flow::Continue)
    }
}

/// Reads the mllib-format tree rooted at `dir` (`dir/metadata`, `dir/data`).
fn read_tree(
    c: &Compiler<'_>,
    meta: &Metadata,
    dir: &std::path::Path,
) -> Result<(Vec<TreeNode>, usize, bool), LoadError> {
    let old = Metadata::read(&c.read, dir)?;
    let root_id = old.extra_i64("rootId")?.ok_or_else(|| {
        old.error(
            LoadErrorKind::BadMetadata,
            "BisectingKMeansModel metadata has no rootId",
        )
    })?;
    let measure = match old.raw.get("distanceMeasure").and_then(|v| v.as_str()) {
        None | Some("euclidean") => false,
        Some("cosine") => true,
        Some(other) => {
            return Err(old.error(
                LoadErrorKind::BadMetadata,
                format!("unknown distanceMeasure `{other}`"),
            ))
        }
    };
    let table = parquet::read_table(&c.read, &dir.join("data"))?;
    let max = c.limits().max_vector_width;
    let mut raw: Vec<(i64, Vec<f64>, f64, Vec<i64>)> = Vec::with_capacity(table.rows.len());
    for r in 0..table.rows.len() {
        let index = table.decode(r, "index", Datum::as_i64)?;
        let center = table.decode(r, "center", |d| Ok(d.to_vector(max)?.to_dense()))?;
        let norm = table.decode(r, "norm", Datum::as_f64)?;
        let children = table.decode(r, "children", |d| d.i64_list())?;
        raw.push((index, center, norm, children));
    }
    let position = |id: i64| raw.iter().position(|(i, ..)| *i == id);
    let bad = |msg: String| meta.error(LoadErrorKind::BadData, msg).in_file(&table.file);
    let root =
        position(root_id).ok_or_else(|| bad(format!("no node has the root id {root_id}")))?;
    let mut nodes = Vec::with_capacity(raw.len());
    for (index, center, norm, children) in &raw {
        let children = children
            .iter()
            .map(|&ch| {
                position(ch).ok_or_else(|| bad(format!("node {index} has an unknown child {ch}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        nodes.push(TreeNode {
            index: *index,
            center: center.clone(),
            norm: *norm,
            children,
        });
    }
    Ok((nodes, root, measure))
}

/// `ml` (`mllib == false`: the tree is in `data/`) or the RDD `mllib` model (tree at the root).
pub fn lower(c: &mut Compiler<'_>, meta: &Metadata, mllib: bool) -> Result<(), LoadError> {
    let dir = if mllib {
        meta.dir.clone()
    } else {
        meta.dir.join("data")
    };
    let (nodes, root, cosine) = read_tree(c, meta, &dir)?;
    let dim = nodes.get(root).map_or(0, |n| n.center.len());
    if nodes.iter().any(|n| n.center.len() != dim) {
        return Err(meta.error(LoadErrorKind::BadData, "cluster centers differ in size"));
    }
    let leaves = nodes.iter().filter(|n| n.children.is_empty()).count();
    c.begin_stage(
        meta,
        vec![
            ("k".into(), leaves.to_string()),
            ("numFeatures".into(), dim.to_string()),
            (
                "distanceMeasure".into(),
                if cosine { "cosine" } else { "euclidean" }.into(),
            ),
        ],
    )?;
    let semantics = c.semantics();
    let (features, prediction) = if mllib {
        let f = c.input(meta, "features", crate::plan::Want::Vector(Some(dim)))?;
        (f, c.output(meta, "prediction", ColumnType::Int, None)?)
    } else {
        let f = predictor::features_input(c, meta, Some(dim))?;
        let name = meta.str_or("predictionCol", "prediction")?;
        (f, c.output(meta, &name, ColumnType::Int, None)?)
    };
    c.push(Step::BisectingKMeans(BisectingKMeansStep {
        features,
        prediction,
        dim,
        nodes,
        root,
        cosine,
        dense_shortcut: semantics.at_least(3, 0),
        blas: Blas::for_version(semantics),
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(index: i64, center: &[f64], children: Vec<usize>) -> TreeNode {
        TreeNode {
            index,
            center: center.to_vec(),
            norm: norm2(center),
            children,
        }
    }

    #[test]
    fn walks_to_the_closest_leaf() {
        // root(-1) -> [a(-2) -> leaves 0, 1], leaf 2
        let nodes = vec![
            node(-1, &[0.0, 0.0], vec![1, 4]),
            node(-2, &[0.0, 1.0], vec![2, 3]),
            node(0, &[-1.0, 1.0], vec![]),
            node(1, &[1.0, 1.0], vec![]),
            node(2, &[0.0, -5.0], vec![]),
        ];
        let step = BisectingKMeansStep {
            features: 0,
            prediction: 1,
            dim: 2,
            nodes,
            root: 0,
            cosine: false,
            dense_shortcut: true,
            blas: Blas::Java11,
        };
        for (x, want) in [([0.9, 1.2], 1.0), ([-0.7, 0.5], 0.0), ([0.0, -3.0], 2.0)] {
            let mut slots = vec![Slot::default(), Slot::default()];
            slots[0].null = false;
            slots[0].vec.set_dense(&x);
            assert!(step.run(&mut slots).is_ok());
            assert_eq!(slots[1].num, want);
        }
    }
}
