//! Spark's tree models (spark-format.md 9.2–9.4): reading node rows, grouping ensembles by
//! tree, validating and flattening every tree (`kernels::tree`), and the traversal shared by
//! the six model classes.
//!
//! Layouts read: single trees store one `NodeData` row per node in `data/` (columns `id,
//! prediction, impurity, impurityStats, [rawCount,] gain, leftChild, rightChild, split`; the
//! `rawCount` column exists from 3.0); ensembles store rows `treeID, nodeData` in `data/` and
//! `treeID, metadata, weights` in `treesMetadata/` (named `_1, _2, _3` by Spark 4.1+, so that
//! table is read by position). Rows may be spread over any number of part files, some empty.

pub mod decision_tree;
pub mod gbt;
pub mod random_forest;

use std::collections::BTreeMap;

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::kernels::tree::{Features, Forest, InputNode, InputSplit, TreeError};
use crate::plan::step::{put_slot_vec, slot, take_slot_vec};
use crate::plan::{ColumnType, Compiler, Fault, Nominal, Slot, SlotIndex, VecBuf, Want};
use crate::spark::columns::{self, ColumnPath};
use crate::spark::{parquet, Datum, Metadata, Table};

/// Which per-leaf statistics a model keeps besides `prediction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeafStats {
    None,
    /// Class counts (`impurityStats`) of exactly this length.
    Classes(usize),
    /// Variance from `impurityStats = [count, sum, sumSquares]` (`varianceCol`).
    Variance,
}

/// A loaded tree model: the flattened forest plus per-leaf values.
#[derive(Debug, Clone)]
pub struct TreeModel {
    pub forest: Forest,
    /// Per leaf number: Spark's node `prediction`.
    pub prediction: Vec<f64>,
    /// Per leaf number: stats (stride `stats_len`): class counts or one variance.
    pub stats: Vec<f64>,
    pub stats_len: usize,
    /// Per tree (treeID order): `treesMetadata` weights; 1.0 for a single tree.
    pub weights: Vec<f64>,
}

impl TreeModel {
    /// Stats of a leaf.
    #[inline]
    pub fn leaf_stats(&self, leaf: u32) -> &[f64] {
        let start = leaf as usize * self.stats_len;
        self.stats.get(start..start + self.stats_len).unwrap_or(&[])
    }

    #[inline]
    pub fn leaf_prediction(&self, leaf: u32) -> f64 {
        self.prediction
            .get(leaf as usize)
            .copied()
            .unwrap_or(f64::NAN)
    }

    /// Index of `leaf` among its tree's leaves in pre-order (Spark's `predictLeaf`).
    #[inline]
    pub fn leaf_rank(&self, tree: usize, leaf: u32) -> f64 {
        f64::from(leaf.saturating_sub(self.forest.first_leaf.get(tree).copied().unwrap_or(0)))
    }

    /// Walks every tree for the row's features, calling `visit(tree, leaf)` in tree order.
    /// A NULL vector fails as Spark's UDF does; so does a split on a feature index beyond
    /// the vector (Spark's `Vector.apply` throws), and only when the walk reaches it.
    #[inline]
    pub fn traverse(
        &self,
        slots: &mut [Slot],
        features: SlotIndex,
        scratch: SlotIndex,
        visit: impl FnMut(usize, u32),
    ) -> Result<(), Fault> {
        self.with_features(slots, features, scratch, |f, dense, codes| {
            self.forest.traverse(f, dense, codes, visit)
        })
    }

    /// `traverse` handing each tree's leaf `prediction`: `visit(tree, value)`. The forest
    /// must have been given `prediction` with `Forest::set_leaf_values`.
    #[inline]
    pub fn traverse_values(
        &self,
        slots: &mut [Slot],
        features: SlotIndex,
        scratch: SlotIndex,
        visit: impl FnMut(usize, f64),
    ) -> Result<(), Fault> {
        self.with_features(slots, features, scratch, |f, dense, codes| {
            self.forest
                .traverse_values(f, dense, codes, &self.prediction, visit)
        })
    }

    /// Runs a walk over the row's feature vector with the scratch buffers of slot `scratch`.
    #[inline]
    fn with_features(
        &self,
        slots: &mut [Slot],
        features: SlotIndex,
        scratch: SlotIndex,
        walk: impl FnOnce(Features<'_>, &mut Vec<f64>, &mut Vec<u32>) -> Result<(), u32>,
    ) -> Result<(), Fault> {
        let mut buf = take_slot_vec(slots, scratch);
        let result = {
            let s = slot(slots, features);
            if s.null {
                Err(Fault::new(ScoreErrorKind::NullValue, features))
            } else {
                let x = &s.vec;
                let f = if x.sparse {
                    Features::Sparse {
                        size: x.size,
                        indices: &x.indices,
                        values: &x.values,
                    }
                } else {
                    Features::Dense(&x.values)
                };
                walk(f, &mut buf.values, &mut buf.indices)
                    .map_err(|_| Fault::new(ScoreErrorKind::BadVectorSize, features))
            }
        };
        put_slot_vec(slots, scratch, buf);
        result
    }
}

/// The optional `leafCol` output (3.0+): leaf index per tree, a double for a single tree and
/// a dense vector for ensembles.
#[derive(Debug, Clone, Copy)]
pub struct LeafColumn {
    pub slot: SlotIndex,
    pub vector: bool,
}

impl LeafColumn {
    pub fn declare(
        c: &mut Compiler<'_>,
        meta: &Metadata,
        num_trees: usize,
        vector: bool,
    ) -> Result<Option<Self>, LoadError> {
        let name = meta.str_or("leafCol", "")?;
        if name.is_empty() {
            return Ok(None);
        }
        let (ty, width) = if vector {
            (ColumnType::Vector, Some(num_trees))
        } else {
            (ColumnType::Double, None)
        };
        let slot = c.output(meta, &name, ty, width)?;
        Ok(Some(LeafColumn { slot, vector }))
    }

    /// Takes the output buffer before a traversal.
    #[inline]
    pub fn begin(&self, slots: &mut [Slot], num_trees: usize) -> VecBuf {
        let mut v = take_slot_vec(slots, self.slot);
        v.reset_dense(if self.vector { num_trees } else { 1 });
        v
    }

    #[inline]
    pub fn finish(&self, slots: &mut [Slot], v: VecBuf) {
        let first = v.values.first().copied().unwrap_or(f64::NAN);
        put_slot_vec(slots, self.slot, v);
        if let Some(s) = slots.get_mut(self.slot) {
            if self.vector {
                s.null = false;
            } else {
                s.set_num(first);
            }
        }
    }
}

/// Sets the prediction column's nominal attribute as a classifier does.
pub fn nominal_prediction(c: &mut Compiler<'_>, slot: Option<SlotIndex>, num_classes: usize) {
    if let Some(s) = slot {
        c.set_nominal(
            s,
            Nominal {
                num_values: num_classes,
                labels: None,
            },
        );
    }
}

/// The features input of a tree model. Trees read features by index and never check the
/// vector's size, so an upstream column's width is accepted as it is.
pub fn features_input(
    c: &mut Compiler<'_>,
    meta: &Metadata,
    num_features: Option<usize>,
) -> Result<SlotIndex, LoadError> {
    let name = meta.str_or("featuresCol", "features")?;
    let want = if c.lookup(&name).is_some() {
        None
    } else {
        num_features
    };
    c.input(meta, &name, Want::Vector(want))
}

/// `numFeatures` from the metadata; −1 (unknown, from old-API conversions) gives `None`.
pub fn num_features(meta: &Metadata, c: &Compiler<'_>) -> Result<Option<usize>, LoadError> {
    let n = meta
        .extra_i64("numFeatures")?
        .ok_or_else(|| meta.error(LoadErrorKind::BadMetadata, "metadata has no `numFeatures`"))?;
    if n == -1 {
        return Ok(None);
    }
    let n = u64::try_from(n)
        .map_err(|_| meta.error(LoadErrorKind::BadMetadata, format!("numFeatures is {n}")))?;
    crate::spark::limits::check("numFeatures", n, c.limits().max_vector_width)
        .map_err(|e| e.in_file(&meta.file))?;
    Ok(Some(n as usize))
}

/// A positive count from the metadata (`numClasses`, `numTrees`).
pub fn extra_count(meta: &Metadata, key: &str, limit: u64) -> Result<usize, LoadError> {
    let n = meta.extra_i64(key)?.ok_or_else(|| {
        meta.error(
            LoadErrorKind::BadMetadata,
            format!("metadata has no `{key}`"),
        )
    })?;
    match u64::try_from(n) {
        Ok(v) if v >= 1 => {
            crate::spark::limits::check("model size", v, limit)
                .map_err(|e| e.in_file(&meta.file))?;
            Ok(v as usize)
        }
        _ => Err(meta.error(LoadErrorKind::BadMetadata, format!("`{key}` is {n}"))),
    }
}

/// One node as read, with the leaf values the model keeps.
pub(crate) struct ReadNode {
    pub(crate) node: InputNode,
    pub(crate) prediction: f64,
    pub(crate) stats: Vec<f64>,
}

fn bad(msg: impl Into<String>) -> LoadError {
    LoadError::new(LoadErrorKind::BadData, msg)
}

/// Decodes one `NodeData` struct; `field(name)` reads a field by name.
fn read_node<'a>(
    field: impl Fn(&str) -> Result<&'a Datum, LoadError>,
    want: LeafStats,
) -> Result<ReadNode, LoadError> {
    let ctx = |name: &'static str| move |e: LoadError| e.in_column(name);
    let id = field("id")?.as_i64().map_err(ctx("id"))?;
    let prediction = field("prediction")?.as_f64().map_err(ctx("prediction"))?;
    let left = field("leftChild")?.as_i64().map_err(ctx("leftChild"))?;
    let right = field("rightChild")?.as_i64().map_err(ctx("rightChild"))?;
    let split = || {
        let s = field("split")?;
        let feature = s
            .field("featureIndex")
            .and_then(Datum::as_i64)
            .map_err(ctx("split"))?;
        let cats = s
            .field("numCategories")
            .and_then(Datum::as_i64)
            .map_err(ctx("split"))?;
        let values = s
            .field("leftCategoriesOrThreshold")
            .and_then(Datum::f64_list)
            .map_err(ctx("split"))?;
        Ok((feature, cats, values))
    };
    let stats = || {
        field("impurityStats")?
            .f64_list()
            .map_err(ctx("impurityStats"))
    };
    make_node(id, prediction, left, right, split, stats, want)
}

/// One node from its fields; `split` and `stats` are read only where the node needs them
/// (a split's condition, a leaf's statistics when the model keeps them).
fn make_node(
    id: i64,
    prediction: f64,
    left: i64,
    right: i64,
    split: impl FnOnce() -> Result<(i64, i64, Vec<f64>), LoadError>,
    stats: impl FnOnce() -> Result<Vec<f64>, LoadError>,
    want: LeafStats,
) -> Result<ReadNode, LoadError> {
    let is_leaf = left == -1;
    let split = if is_leaf {
        InputSplit::Leaf
    } else {
        let (feature, cats, values) = split()?;
        if cats == -1 {
            let [threshold] = values.as_slice() else {
                return Err(bad(format!(
                    "node {id}: a continuous split needs exactly 1 threshold, found {}",
                    values.len()
                ))
                .in_column("split"));
            };
            InputSplit::Continuous {
                feature,
                threshold: *threshold,
            }
        } else {
            InputSplit::Categorical {
                feature,
                num_categories: cats,
                left_categories: values,
            }
        }
    };
    let stats = match want {
        LeafStats::None => Vec::new(),
        _ if !is_leaf => Vec::new(),
        LeafStats::Classes(n) => {
            let s = stats()?;
            if s.len() != n {
                return Err(bad(format!(
                    "leaf {id} has {} class counts for {n} classes",
                    s.len()
                ))
                .in_column("impurityStats"));
            }
            s
        }
        LeafStats::Variance => {
            let s = stats()?;
            let [count, sum, sum_squares] = s.as_slice() else {
                return Err(
                    bad(format!("leaf {id} has {} variance stats, not 3", s.len()))
                        .in_column("impurityStats"),
                );
            };
            // `Variance.calculate`.
            let v = if *count == 0.0 {
                0.0
            } else {
                (sum_squares - (sum * sum) / count) / count
            };
            vec![v]
        }
    };
    Ok(ReadNode {
        node: InputNode {
            id,
            left,
            right,
            split,
        },
        prediction,
        stats,
    })
}

/// The `NodeData` columns of `dir` read column-wise (`spark::columns`), with each row's
/// `treeID` for an ensemble (`nested`: rows are `treeID, nodeData`) or 0 for a single tree.
/// `None` when the files are shaped otherwise; the row reader then takes over.
fn read_nodes_bulk(
    c: &Compiler<'_>,
    dir: &std::path::Path,
    nested: bool,
    want: LeafStats,
) -> Result<Option<Vec<(i64, ReadNode)>>, LoadError> {
    const FIELDS: [(&str, &[&str], bool); 8] = [
        ("id", &[], false),
        ("prediction", &[], false),
        ("leftChild", &[], false),
        ("rightChild", &[], false),
        ("split", &["featureIndex"], false),
        ("split", &["numCategories"], false),
        ("split", &["leftCategoriesOrThreshold"], true),
        ("impurityStats", &[], true),
    ];
    let mut rest: Vec<Vec<&str>> = Vec::new();
    for (field, below, _) in FIELDS {
        let mut r = if nested { vec![field] } else { Vec::new() };
        r.extend_from_slice(below);
        rest.push(r);
    }
    let mut paths: Vec<ColumnPath<'_>> = FIELDS
        .iter()
        .zip(&rest)
        .map(|(&(field, _, list), r)| ColumnPath {
            top: if nested { "nodeData" } else { field },
            position: if nested { 1 } else { usize::MAX },
            rest: r,
            list,
        })
        .collect();
    if want == LeafStats::None {
        paths.pop();
    }
    if nested {
        paths.push(ColumnPath {
            top: "treeID",
            position: 0,
            rest: &[],
            list: false,
        });
    }
    let Some((rows, cols)) = columns::read_columns(&c.read, dir, &paths)? else {
        return Ok(None);
    };
    let ints = |k: usize| cols.get(k).map_or(&[][..], |c| c.ints.as_slice());
    let (ids, lefts, rights) = (ints(0), ints(2), ints(3));
    let (features, cats) = (ints(4), ints(5));
    let predictions = cols.get(1).map_or(&[][..], |c| c.doubles.as_slice());
    let trees = if nested { ints(paths.len() - 1) } else { &[] };
    let empty = columns::Column::default();
    let (values, stats) = (cols.get(6).unwrap_or(&empty), cols.get(7).unwrap_or(&empty));
    let file = c.read.display(dir);
    let mut nodes = Vec::with_capacity(rows);
    for r in 0..rows {
        let (Some(&id), Some(&prediction), Some(&left), Some(&right)) =
            (ids.get(r), predictions.get(r), lefts.get(r), rights.get(r))
        else {
            // A column of the wrong physical type (ints where doubles were expected).
            return Ok(None);
        };
        let split = || {
            let feature = features.get(r).copied().unwrap_or(-1);
            let cats = cats.get(r).copied().unwrap_or(-1);
            Ok((feature, cats, values.list(r).to_vec()))
        };
        let node = make_node(
            id,
            prediction,
            left,
            right,
            split,
            || Ok(stats.list(r).to_vec()),
            want,
        )
        .map_err(|e| {
            let e = if nested { e.in_column("nodeData") } else { e };
            e.in_file(&file)
        })?;
        nodes.push((trees.get(r).copied().unwrap_or(0), node));
    }
    Ok(Some(nodes))
}

fn stats_len(want: LeafStats) -> usize {
    match want {
        LeafStats::None => 0,
        LeafStats::Classes(n) => n,
        LeafStats::Variance => 1,
    }
}

/// Appends one tree's nodes to the model, mapping kernel errors to load errors.
pub(crate) fn push_tree(
    c: &Compiler<'_>,
    model: &mut TreeModel,
    nodes: Vec<ReadNode>,
    num_features: Option<usize>,
    file: &str,
    tree: Option<i64>,
) -> Result<(), LoadError> {
    let limits = c.limits();
    let input: Vec<InputNode> = nodes.iter().map(|n| n.node.clone()).collect();
    let leaves = model
        .forest
        .push_tree(
            &input,
            num_features,
            limits.max_tree_depth,
            limits.max_tree_nodes,
            limits.max_vector_width,
        )
        .map_err(|e| tree_error(e, tree, file))?;
    for p in leaves {
        let Some(n) = nodes.get(p) else { continue };
        model.prediction.push(n.prediction);
        model.stats.extend_from_slice(&n.stats);
    }
    Ok(())
}

fn tree_error(e: TreeError, tree: Option<i64>, file: &str) -> LoadError {
    let kind = if e.is_limit() {
        LoadErrorKind::LimitExceeded
    } else {
        LoadErrorKind::BadData
    };
    let msg = match tree {
        Some(t) => format!("tree {t}: {e}"),
        None => e.to_string(),
    };
    LoadError::new(kind, msg).in_file(file)
}

pub(crate) fn empty_model(want: LeafStats) -> TreeModel {
    TreeModel {
        forest: Forest::new(),
        prediction: Vec::new(),
        stats: Vec::new(),
        stats_len: stats_len(want),
        weights: Vec::new(),
    }
}

/// A single tree: `data/` holds one `NodeData` row per node.
pub fn load_tree(
    c: &Compiler<'_>,
    meta: &Metadata,
    num_features: Option<usize>,
    want: LeafStats,
) -> Result<TreeModel, LoadError> {
    let dir = meta.dir.join("data");
    let file = c.read.display(&dir);
    let nodes = match read_nodes_bulk(c, &dir, false, want)? {
        Some(nodes) => nodes.into_iter().map(|(_, n)| n).collect(),
        None => {
            let table = parquet::read_table(&c.read, &dir)?;
            let mut nodes = Vec::with_capacity(table.rows.len());
            for r in 0..table.rows.len() {
                let node = read_node(|name| table.get(r, name), want)
                    .map_err(|e| e.in_file(&table.file))?;
                nodes.push(node);
            }
            nodes
        }
    };
    let mut model = empty_model(want);
    push_tree(c, &mut model, nodes, num_features, &file, None)?;
    model.forest.seal();
    model.weights.push(1.0);
    Ok(model)
}

/// Column `name` of `table`, or the one at `position` when the names are Spark 4's `_1, _2…`.
fn column_at(table: &Table, name: &str, position: usize) -> Result<usize, LoadError> {
    match table.columns.iter().position(|c| c == name) {
        Some(i) => Ok(i),
        None if position < table.columns.len() => Ok(position),
        None => table.column_index(name),
    }
}

/// An ensemble: `data/` rows `(treeID, nodeData)`, `treesMetadata/` rows `(treeID, metadata,
/// weights)`, both sorted by treeID. `num_trees` is the metadata's `numTrees`.
pub fn load_ensemble(
    c: &Compiler<'_>,
    meta: &Metadata,
    num_features: Option<usize>,
    num_trees: usize,
    want: LeafStats,
) -> Result<TreeModel, LoadError> {
    // treesMetadata: by position, since Spark 4.1+ names the tuple columns `_1, _2, _3`.
    let tm = parquet::read_table(&c.read, &meta.dir.join("treesMetadata"))?;
    if tm.columns.len() < 3 {
        return Err(bad(format!(
            "treesMetadata has {} columns, not 3",
            tm.columns.len()
        ))
        .in_file(&tm.file));
    }
    let mut weights: Vec<(i64, f64)> = Vec::with_capacity(tm.rows.len());
    for row in &tm.rows {
        let id = row
            .first()
            .ok_or_else(|| bad("treesMetadata row is empty"))?
            .as_i64();
        let w = row
            .get(2)
            .ok_or_else(|| bad("treesMetadata row is short"))?
            .as_f64();
        let (id, w) = match (id, w) {
            (Ok(id), Ok(w)) => (id, w),
            (Err(e), _) | (_, Err(e)) => return Err(e.in_file(&tm.file)),
        };
        weights.push((id, w));
    }
    weights.sort_by_key(|(id, _)| *id);
    if weights
        .windows(2)
        .any(|w| w.first().map(|a| a.0) == w.get(1).map(|b| b.0))
    {
        return Err(bad("treesMetadata repeats a treeID").in_file(&tm.file));
    }
    if weights.len() != num_trees {
        return Err(bad(format!(
            "metadata says numTrees = {num_trees} but treesMetadata has {} trees",
            weights.len()
        ))
        .in_file(&tm.file));
    }

    let dir = meta.dir.join("data");
    let file = c.read.display(&dir);
    let mut trees: BTreeMap<i64, Vec<ReadNode>> = BTreeMap::new();
    match read_nodes_bulk(c, &dir, true, want)? {
        Some(nodes) => {
            for (t, node) in nodes {
                trees.entry(t).or_default().push(node);
            }
        }
        None => {
            let data = parquet::read_table(&c.read, &dir)?;
            let tree_col = column_at(&data, "treeID", 0)?;
            let node_col = column_at(&data, "nodeData", 1)?;
            for (r, row) in data.rows.iter().enumerate() {
                let (Some(t), Some(nd)) = (row.get(tree_col), row.get(node_col)) else {
                    return Err(bad(format!("data row {r} is short")).in_file(&data.file));
                };
                let t = t
                    .as_i64()
                    .map_err(|e| e.in_column("treeID").in_file(&data.file))?;
                let node = read_node(|name| nd.field(name), want)
                    .map_err(|e| e.in_column("nodeData").in_file(&data.file))?;
                trees.entry(t).or_default().push(node);
            }
        }
    }
    if trees.len() != weights.len() || trees.keys().zip(&weights).any(|(a, (b, _))| a != b) {
        return Err(bad(format!(
            "data/ holds {} trees whose treeIDs differ from the {} in treesMetadata",
            trees.len(),
            weights.len()
        ))
        .in_file(&file));
    }
    let mut model = empty_model(want);
    for (t, nodes) in trees {
        push_tree(c, &mut model, nodes, num_features, &file, Some(t))?;
    }
    model.forest.seal();
    model.weights = weights.into_iter().map(|(_, w)| w).collect();
    Ok(model)
}
