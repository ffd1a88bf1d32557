//! Decision-tree forests flattened for scoring, and their traversal (spark-format.md 9.2).
//!
//! Every tree is laid out breadth-first in one node array shared by the forest, with the two
//! children of a split stored next to each other: a step is `left + !(x <= threshold)`, a
//! conditional add with no branch. A leaf is a node whose threshold is NaN and whose `left` is
//! its own index minus one, so stepping from a leaf stays on it (`x <= NaN` is false for every
//! x). That lets the fast path walk each tree a fixed number of steps (its depth) and walk
//! `LANES` trees side by side, so their dependent loads overlap instead of queueing. When every
//! split fits the binned form (`Binned`, the usual case), all trees advance one level per pass
//! instead, each step one shift of a 64-bit word by a per-row feature code.
//!
//! Categorical splits are answered from a per-row category code of their feature and a
//! 64-bit answer word, selected against the continuous answer with masks: a data-dependent
//! branch per node would mispredict and stall every lane (see `Forest::step`).
//!
//! Spark's traversal rules: a continuous split goes left iff `x[f] <= threshold` (NaN right);
//! a categorical split with left set L over k categories goes left iff x is in L when
//! `|L| <= k/2`, and iff x is not in the complement of L otherwise, so values outside
//! 0..k-1 (or fractional, or NaN) go right in the first case and left in the second.

use std::fmt;

/// Marks a categorical split in `FlatNode::feature`.
const CATEGORICAL: u32 = 1 << 31;
/// Marks a categorical split over more than `NARROW` categories.
const WIDE: u32 = 1 << 30;
/// The feature index bits of `FlatNode::feature`.
const FEATURE: u32 = WIDE - 1;
/// Categorical splits over at most this many categories keep their whole answer in one
/// 64-bit word: bit c for category c < k, and bits k..=63 for every other value.
const NARROW: u32 = 63;
/// Trees walked side by side on the fast path.
const LANES: usize = 12;
/// Code slots of the binned traversal (one `u8` index each).
const CODES: usize = 256;
/// Largest feature prefix densified from a sparse input to take the fast path.
const DENSIFY_LIMIT: usize = 1 << 13;

/// One node. Leaves: `threshold` NaN, `feature` 0, `left` = own index - 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlatNode {
    /// Continuous split threshold; for categorical splits the bits encode the split (see
    /// `Forest::push_categories`).
    pub threshold: f64,
    /// Feature index; for categorical splits (`CATEGORICAL` set, and `WIDE` over more than 63
    /// categories) the slot of the feature in `Forest::categorical_features`.
    pub feature: u32,
    /// Index of the left child; the right child is `left + 1`.
    pub left: u32,
}

/// A tree as Spark stores it: nodes with ids, child ids, and splits.
#[derive(Debug, Clone, PartialEq)]
pub struct InputNode {
    pub id: i64,
    pub left: i64,
    pub right: i64,
    pub split: InputSplit,
}

#[derive(Debug, Clone, PartialEq)]
pub enum InputSplit {
    Leaf,
    Continuous {
        feature: i64,
        threshold: f64,
    },
    Categorical {
        feature: i64,
        num_categories: i64,
        left_categories: Vec<f64>,
    },
}

/// Why a tree cannot be flattened.
#[derive(Debug, Clone, PartialEq)]
pub enum TreeError {
    Empty,
    BadIds(String),
    BadChild {
        node: i64,
        child: i64,
    },
    SharedChild {
        child: i64,
    },
    Unreachable {
        count: usize,
    },
    TooDeep {
        depth: usize,
        limit: u32,
    },
    TooManyNodes {
        count: usize,
        limit: u64,
    },
    BadFeature {
        node: i64,
        feature: i64,
        num_features: Option<usize>,
    },
    BadCategories {
        node: i64,
        detail: String,
    },
}

impl TreeError {
    /// Whether the tree broke a configured load limit rather than Spark's format.
    pub fn is_limit(&self) -> bool {
        matches!(
            self,
            TreeError::TooDeep { .. } | TreeError::TooManyNodes { .. }
        )
    }
}

impl fmt::Display for TreeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TreeError::Empty => write!(f, "tree has no nodes"),
            TreeError::BadIds(d) => write!(f, "node ids are not 0..n-1: {d}"),
            TreeError::BadChild { node, child } => {
                write!(
                    f,
                    "node {node} has child {child}, which is not a later node of the tree"
                )
            }
            TreeError::SharedChild { child } => write!(f, "node {child} is the child of two nodes"),
            TreeError::Unreachable { count } => {
                write!(f, "{count} node(s) are not reachable from the root")
            }
            TreeError::TooDeep { depth, limit } => {
                write!(f, "tree depth is {depth}, above the limit of {limit}")
            }
            TreeError::TooManyNodes { count, limit } => {
                write!(f, "tree has {count} nodes, above the limit of {limit}")
            }
            TreeError::BadFeature {
                node,
                feature,
                num_features,
            } => match num_features {
                Some(n) => write!(
                    f,
                    "node {node} splits on feature {feature}, not below numFeatures {n}"
                ),
                None => write!(f, "node {node} splits on feature {feature}"),
            },
            TreeError::BadCategories { node, detail } => write!(f, "node {node}: {detail}"),
        }
    }
}

/// A feature vector as the traversal reads it.
#[derive(Debug, Clone, Copy)]
pub enum Features<'a> {
    Dense(&'a [f64]),
    Sparse {
        size: usize,
        indices: &'a [u32],
        values: &'a [f64],
    },
}

impl Features<'_> {
    /// `x(i)` as Spark's `Vector.apply`; `None` when `i` is out of range (Spark throws).
    #[inline]
    fn get(&self, i: usize) -> Option<f64> {
        match *self {
            Features::Dense(v) => v.get(i).copied(),
            Features::Sparse {
                size,
                indices,
                values,
            } => {
                if i >= size {
                    return None;
                }
                let Ok(i) = u32::try_from(i) else {
                    return Some(0.0);
                };
                match indices.binary_search(&i) {
                    Ok(k) => values.get(k).copied(),
                    Err(_) => Some(0.0),
                }
            }
        }
    }
}

/// All trees of a model, flattened.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Forest {
    /// Node 0 is a placeholder that is never visited, so every leaf has `left = index - 1`.
    pub nodes: Vec<FlatNode>,
    /// Per node: leaf number (forest-wide, pre-order within each tree), `u32::MAX` for splits.
    pub leaf_of: Vec<u32>,
    /// Per tree: root node index.
    pub roots: Vec<u32>,
    /// Per tree: longest root-to-leaf path, in edges.
    pub depths: Vec<u32>,
    /// Per tree: number of its first leaf (leaf ranks within a tree are `leaf - first`).
    pub first_leaf: Vec<u32>,
    /// Whether any split is categorical (selects the traversal that handles both kinds).
    pub has_categorical: bool,
    /// Features used by categorical splits; a categorical node's `feature` field holds its
    /// position here (its slot in the per-row category codes).
    pub categorical_features: Vec<u32>,
    /// Left-category bitsets of wide categorical splits.
    pub category_bits: Vec<u64>,
    /// Largest feature index of any split; `None` when every tree is a single leaf.
    pub max_feature: Option<usize>,
    pub num_leaves: u32,
    /// The forest with every split answered from a per-row code below 64, when it fits (see
    /// `Binned`); built by `seal` once every tree is in.
    binned: Option<Binned>,
    /// Per node, the value `set_leaf_values` gave its leaf (NaN for a split), so
    /// `traverse_values` reads a tree's value with one load from the node the binned walk
    /// ends on instead of two (leaf number, then value).
    node_values: Vec<f64>,
}

/// A forest whose splits all read one small code per (feature, kind) and a 64-bit word.
///
/// Spark bins each continuous feature once per training (`maxBins`, 32 by default), so all
/// trees of a model split a feature on few distinct thresholds. With the feature's distinct
/// thresholds sorted, `T[0] < … < T[m-1]` (m ≤ 63), the row's code is its rank, the count of
/// `T[j] < v` (m for NaN), and the split on `T[j]` goes right iff the code is above j:
/// `!(v <= T[j])` exactly, NaN included. Narrow categorical splits already answer from a
/// code (`category_code`). So every step is one shift of the node's word by one code, with
/// no per-kind selection, and the per-row work is one rank per feature.
#[derive(Debug, Clone, Default, PartialEq)]
struct Binned {
    /// Parallel to `Forest::nodes` (same indices, so leaf numbers and roots carry over).
    nodes: Vec<BinNode>,
    /// Per code slot: the feature it reads and, for a continuous feature, the range of its
    /// sorted distinct thresholds in `thresholds` (`None` for a categorical feature).
    slots: Vec<(u32, Option<(u32, u32)>)>,
    thresholds: Vec<f64>,
    /// `nodes.len() - 1`, one less than a power of two: a step indexes with `i & node_mask`,
    /// which the compiler sees is in bounds, so the walk has no bounds check (padding nodes
    /// are leaves stepping to themselves). Codes live in a 256-entry table indexed by a `u8`
    /// for the same reason, so at most 256 slots.
    node_mask: usize,
    /// Longest tree, in steps.
    depth: u32,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct BinNode {
    /// Bit c set when a row whose code is c goes right; all set on a leaf, which (with
    /// `left = index - 1`) makes a leaf step to itself.
    right: u64,
    left: u32,
    slot: u8,
}

impl Forest {
    pub fn new() -> Forest {
        Forest {
            nodes: vec![FlatNode {
                threshold: f64::NAN,
                feature: 0,
                left: 0,
            }],
            leaf_of: vec![u32::MAX],
            ..Forest::default()
        }
    }

    pub fn num_trees(&self) -> usize {
        self.roots.len()
    }

    /// Validates one tree in Spark's node form and appends it. Returns, in leaf-number order,
    /// the position in `nodes` of each of its leaves. `num_features` bounds split features
    /// (`None` when the model does not record it); `max_categories` bounds the categories of
    /// one split (and so the bitset memory of all splits, see `push_categories`).
    pub fn push_tree(
        &mut self,
        nodes: &[InputNode],
        num_features: Option<usize>,
        max_depth: u32,
        max_nodes: u64,
        max_categories: u64,
    ) -> Result<Vec<usize>, TreeError> {
        let n = nodes.len();
        if n == 0 {
            return Err(TreeError::Empty);
        }
        if n as u64 > max_nodes {
            return Err(TreeError::TooManyNodes {
                count: n,
                limit: max_nodes,
            });
        }
        let base = self.nodes.len();
        if (base + n) as u64 >= u64::from(u32::MAX >> 1) {
            return Err(TreeError::TooManyNodes {
                count: base + n,
                limit: u64::from(u32::MAX >> 1),
            });
        }
        // Position of each id: Spark sorts by id and requires ids 0..n-1.
        let mut pos = vec![usize::MAX; n];
        for (k, node) in nodes.iter().enumerate() {
            let slot = usize::try_from(node.id).ok().and_then(|i| pos.get_mut(i));
            match slot {
                Some(p) if *p == usize::MAX => *p = k,
                Some(_) => return Err(TreeError::BadIds(format!("id {} appears twice", node.id))),
                None => return Err(TreeError::BadIds(format!("id {} with {n} nodes", node.id))),
            }
        }
        // Children must be later ids (Spark builds parents after children, in id order), each
        // referenced once; together with reachability this makes a tree without cycles.
        let mut parent_seen = vec![false; n];
        for node in nodes {
            if matches!(node.split, InputSplit::Leaf) {
                continue;
            }
            for child in [node.left, node.right] {
                let ok = child > node.id && usize::try_from(child).is_ok_and(|c| c < n);
                if !ok {
                    return Err(TreeError::BadChild {
                        node: node.id,
                        child,
                    });
                }
                let seen = parent_seen
                    .get_mut(child as usize)
                    .ok_or(TreeError::BadChild {
                        node: node.id,
                        child,
                    })?;
                if *seen {
                    return Err(TreeError::SharedChild { child });
                }
                *seen = true;
            }
        }
        // Breadth-first layout: (input position, depth) in visiting order; children pairs get
        // consecutive slots in the order their parents are visited.
        let mut order: Vec<(usize, u32)> = Vec::with_capacity(n);
        let root = pos.first().copied().unwrap_or(usize::MAX);
        order.push((root, 0));
        let mut head = 0;
        while let Some(&(p, depth)) = order.get(head) {
            head += 1;
            let node = nodes.get(p).ok_or(TreeError::Empty)?;
            if matches!(node.split, InputSplit::Leaf) {
                continue;
            }
            if depth >= max_depth {
                return Err(TreeError::TooDeep {
                    depth: depth as usize + 1,
                    limit: max_depth,
                });
            }
            for child in [node.left, node.right] {
                let cp = pos
                    .get(child as usize)
                    .copied()
                    .ok_or(TreeError::BadChild {
                        node: node.id,
                        child,
                    })?;
                order.push((cp, depth + 1));
            }
        }
        if order.len() != n {
            return Err(TreeError::Unreachable {
                count: n - order.len(),
            });
        }
        let mut slot_of = vec![0u32; n];
        for (k, &(p, _)) in order.iter().enumerate() {
            if let Some(s) = slot_of.get_mut(p) {
                *s = (base + k) as u32;
            }
        }
        // Leaf numbers follow Spark's `predictLeaf`: pre-order, left before right.
        let mut leaf_positions = Vec::new();
        let mut stack = vec![root];
        while let Some(p) = stack.pop() {
            let node = nodes.get(p).ok_or(TreeError::Empty)?;
            if matches!(node.split, InputSplit::Leaf) {
                leaf_positions.push(p);
            } else {
                stack.push(pos.get(node.right as usize).copied().unwrap_or(usize::MAX));
                stack.push(pos.get(node.left as usize).copied().unwrap_or(usize::MAX));
            }
        }
        let first_leaf = self.num_leaves;
        let mut leaf_number = vec![u32::MAX; n];
        for (k, &p) in leaf_positions.iter().enumerate() {
            if let Some(l) = leaf_number.get_mut(p) {
                *l = first_leaf + k as u32;
            }
        }
        let mut max_feature = self.max_feature;
        let mut tree_depth = 0u32;
        let mut new_nodes = Vec::with_capacity(n);
        let mut new_leaf_of = Vec::with_capacity(n);
        for (k, &(p, depth)) in order.iter().enumerate() {
            let node = nodes.get(p).ok_or(TreeError::Empty)?;
            let index = (base + k) as u32;
            tree_depth = tree_depth.max(depth);
            let left_slot = |child: i64| {
                pos.get(child as usize)
                    .and_then(|&cp| slot_of.get(cp))
                    .copied()
            };
            let flat = match &node.split {
                InputSplit::Leaf => FlatNode {
                    threshold: f64::NAN,
                    feature: 0,
                    left: index - 1,
                },
                InputSplit::Continuous { feature, threshold } => {
                    let f = check_feature(node.id, *feature, num_features)?;
                    max_feature = Some(max_feature.map_or(f, |m| m.max(f)));
                    let left = left_slot(node.left).ok_or(TreeError::BadChild {
                        node: node.id,
                        child: node.left,
                    })?;
                    FlatNode {
                        threshold: *threshold,
                        feature: f as u32,
                        left,
                    }
                }
                InputSplit::Categorical {
                    feature,
                    num_categories,
                    left_categories,
                } => {
                    let f = check_feature(node.id, *feature, num_features)?;
                    max_feature = Some(max_feature.map_or(f, |m| m.max(f)));
                    let (split, slot, wide) = self.push_categories(
                        node.id,
                        f,
                        *num_categories,
                        left_categories,
                        max_categories,
                    )?;
                    let left = left_slot(node.left).ok_or(TreeError::BadChild {
                        node: node.id,
                        child: node.left,
                    })?;
                    FlatNode {
                        threshold: f64::from_bits(split),
                        feature: slot | CATEGORICAL | if wide { WIDE } else { 0 },
                        left,
                    }
                }
            };
            // The right child sits right after the left one by construction.
            if !matches!(node.split, InputSplit::Leaf) {
                let right = pos
                    .get(node.right as usize)
                    .and_then(|&cp| slot_of.get(cp))
                    .copied();
                if right != Some(flat.left + 1) {
                    return Err(TreeError::BadChild {
                        node: node.id,
                        child: node.right,
                    });
                }
            }
            new_nodes.push(flat);
            new_leaf_of.push(leaf_number.get(p).copied().unwrap_or(u32::MAX));
        }
        self.nodes.extend(new_nodes);
        self.leaf_of.extend(new_leaf_of);
        self.roots.push(base as u32);
        self.depths.push(tree_depth);
        self.first_leaf.push(first_leaf);
        self.num_leaves = first_leaf + leaf_positions.len() as u32;
        self.max_feature = max_feature;
        Ok(leaf_positions)
    }

    /// Checks a categorical split; returns its threshold bits, the code slot of its feature
    /// and whether it is wide. Narrow splits (k <= 63): the bits are the answer itself, bit c
    /// set when category c goes left and bits k..=63 set when every other value does. Wide
    /// splits: the index of their bitset's first word in `category_bits` | k << 32 | (other
    /// values go left) << 63.
    fn push_categories(
        &mut self,
        node: i64,
        feature: usize,
        k: i64,
        left: &[f64],
        max_categories: u64,
    ) -> Result<(u64, u32, bool), TreeError> {
        let bad = |detail: String| TreeError::BadCategories { node, detail };
        let k = u32::try_from(k)
            .ok()
            .filter(|&k| k < 1 << 31)
            .ok_or_else(|| bad(format!("numCategories {k}")))?;
        if u64::from(k) > max_categories {
            return Err(bad(format!(
                "{k} categories, above the limit of {max_categories}"
            )));
        }
        for &c in left {
            // Spark requires 0 <= c < k; it only ever writes whole numbers.
            if !(c >= 0.0 && c < f64::from(k) && c.fract() == 0.0) {
                return Err(bad(format!(
                    "left category {c} is not a whole number in 0..{k}"
                )));
            }
        }
        // Spark keeps the smaller side: with |L| > k/2 it tests "not in the complement", so
        // values outside 0..k-1 go left.
        let other_left = left.len() > (k / 2) as usize;
        self.has_categorical = true;
        let slot = match self
            .categorical_features
            .iter()
            .position(|&g| g as usize == feature)
        {
            Some(slot) => slot,
            None => {
                self.categorical_features.push(feature as u32);
                self.categorical_features.len() - 1
            }
        } as u32;
        if k <= NARROW {
            // The whole answer in one word: bit c for category c, bits k..=63 for the rest.
            let mut word = if other_left { u64::MAX << k } else { 0 };
            for &c in left {
                word |= 1u64 << (c as u32);
            }
            return Ok((word, slot, false));
        }
        let words = (k as usize).div_ceil(64);
        let word = self.category_bits.len();
        // All wide bitsets together: about a word per node, plus room for one split as wide
        // as allowed, so hostile models cannot allocate far beyond their node count.
        let budget = self.nodes.len() as u64 + (1 << 16) + max_categories / 64;
        if (word + words) as u64 > budget {
            return Err(bad(format!(
                "categorical splits need {} words of category bits, above the limit of {budget}",
                word + words
            )));
        }
        let word32 = u32::try_from(word).map_err(|_| bad("too many categorical splits".into()))?;
        self.category_bits.resize(word + words, 0);
        for &c in left {
            let c = c as usize;
            if let Some(w) = self.category_bits.get_mut(word + c / 64) {
                *w |= 1u64 << (c % 64);
            }
        }
        Ok((
            u64::from(word32) | (u64::from(k) << 32) | (u64::from(other_left) << 63),
            slot,
            true,
        ))
    }

    /// Whether a wide categorical split (bits packed by `push_categories`) sends `v` right.
    /// `v as u32` saturates and maps NaN to 0, so `f64::from(c) == v` holds exactly for
    /// whole numbers in u32 range, -0.0 included.
    #[inline(never)]
    fn wide_categorical_right(&self, packed: u64, v: f64) -> u32 {
        let word = packed as u32 as usize;
        let k = (packed >> 32) as u32 & 0x7fff_ffff;
        let c = v as u32;
        let left = if f64::from(c) == v && c < k {
            let bits = self
                .category_bits
                .get(word + (c as usize >> 6))
                .copied()
                .unwrap_or(0);
            (bits >> (c & 63)) & 1 == 1
        } else {
            packed >> 63 == 1
        };
        u32::from(!left)
    }

    /// Whether a narrow categorical split (threshold bits = its answer word) sends a value of
    /// category code `code` (see `category_code`) right.
    #[inline(always)]
    fn narrow_categorical_right(word: u64, code: u32) -> u32 {
        ((word >> (code & 63)) as u32 & 1) ^ 1
    }

    /// One step from node `i` for a vector holding every split feature. `!(v <= t)` rather
    /// than `v > t`: NaN must go right, and a leaf's NaN threshold must send every value right.
    ///
    /// With categorical splits in the forest, `codes` holds each categorical feature's
    /// category code for this row and both answers are computed and one selected with masks:
    /// a data-dependent branch per node would stall all lanes. The code and word loads depend
    /// only on the node, so they overlap the feature load. Wide splits (k > 63, rare: Spark's
    /// `maxBins` defaults to 32) take a branch.
    #[inline(always)]
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    fn step<const CAT: bool>(&self, x: &[f64], codes: &[u32], i: u32) -> u32 {
        let Some(n) = self.nodes.get(i as usize) else {
            return i;
        };
        // For a categorical node `f` is a code slot, below the number of categorical features
        // and so inside `x`; the value read is discarded.
        let f = (n.feature & FEATURE) as usize;
        let v = x.get(f).copied().unwrap_or(f64::NAN);
        let right = u32::from(!(v <= n.threshold));
        if !CAT {
            return n.left + right;
        }
        if n.feature & WIDE != 0 {
            let v = x
                .get(self.feature_of(n.feature))
                .copied()
                .unwrap_or(f64::NAN);
            return n.left + self.wide_categorical_right(n.threshold.to_bits(), v);
        }
        // Continuous nodes read code slot 0 (it exists), so no index depends on the node kind
        // and every bounds check passes.
        let is_cat = n.feature >> 31;
        let code = codes
            .get(f & (is_cat as usize).wrapping_neg())
            .copied()
            .unwrap_or(NARROW);
        let cat_right = Self::narrow_categorical_right(n.threshold.to_bits(), code);
        n.left + ((right & (is_cat ^ 1)) | (cat_right & is_cat))
    }

    /// The vector index a node reads: its feature, or for a categorical node the feature of
    /// its code slot.
    #[inline]
    fn feature_of(&self, field: u32) -> usize {
        let f = field & FEATURE;
        if field & CATEGORICAL != 0 {
            self.categorical_features
                .get(f as usize)
                .map_or(usize::MAX, |&g| g as usize)
        } else {
            f as usize
        }
    }

    /// Walks all trees for a dense vector holding every split feature, `LANES` at a time.
    #[inline]
    fn walk_fast<const CAT: bool>(
        &self,
        x: &[f64],
        codes: &[u32],
        visit: &mut impl FnMut(usize, u32),
    ) {
        self.walk_lanes(visit, |i| self.step::<CAT>(x, codes, i));
    }

    /// Walks all trees `LANES` at a time with `step` (node index to next node index), each
    /// tree its depth in steps, then calls `visit(tree, leaf)` in tree order.
    #[inline(always)]
    fn walk_lanes(&self, visit: &mut impl FnMut(usize, u32), step: impl Fn(u32) -> u32) {
        let trees = self.roots.len();
        // Lanes past the last tree park on the forest's last node, a leaf (the last node of a
        // breadth-first layout has no children); their results are never read.
        let idle = self.nodes.len().saturating_sub(1) as u32;
        let mut t = 0;
        while t < trees {
            let end = (t + LANES).min(trees);
            let mut cur = [idle; LANES];
            let mut depth = 0;
            for (lane, tree) in (t..end).enumerate() {
                if let (Some(c), Some(&r), Some(&d)) = (
                    cur.get_mut(lane),
                    self.roots.get(tree),
                    self.depths.get(tree),
                ) {
                    *c = r;
                    depth = depth.max(d);
                }
            }
            for _ in 0..depth {
                for c in cur.iter_mut() {
                    *c = step(*c);
                }
            }
            for (lane, tree) in (t..end).enumerate() {
                let node = cur.get(lane).copied().unwrap_or(0);
                visit(tree, self.leaf_of.get(node as usize).copied().unwrap_or(0));
            }
            t = end;
        }
    }

    /// Walks one tree reading features one at a time; `Err(feature)` where Spark's
    /// `Vector.apply` would throw (a visited split on a feature the vector lacks).
    #[allow(clippy::neg_cmp_op_on_partial_ord)] // NaN goes right: `!(v <= t)`, not `v > t`.
    fn walk_checked(&self, tree: usize, x: &Features<'_>) -> Result<u32, u32> {
        let mut i = self.roots.get(tree).copied().unwrap_or(0);
        let steps = self.depths.get(tree).copied().unwrap_or(0);
        for _ in 0..steps {
            let Some(n) = self.nodes.get(i as usize) else {
                break;
            };
            if n.left < i {
                break;
            }
            let f = self.feature_of(n.feature);
            let v = x.get(f).ok_or(f as u32)?;
            let right = if n.feature & WIDE != 0 {
                self.wide_categorical_right(n.threshold.to_bits(), v)
            } else if n.feature & CATEGORICAL != 0 {
                Self::narrow_categorical_right(n.threshold.to_bits(), category_code(v))
            } else {
                u32::from(!(v <= n.threshold))
            };
            i = n.left + right;
        }
        Ok(self.leaf_of.get(i as usize).copied().unwrap_or(0))
    }

    /// Builds the binned form (see `Binned`) when every split fits it: continuous features
    /// with at most 63 distinct thresholds, no NaN threshold, no wide categorical split.
    /// Call once all trees are pushed; the other traversals remain for rows it cannot take.
    pub fn seal(&mut self) {
        self.binned = self.build_binned();
    }

    fn build_binned(&self) -> Option<Binned> {
        use std::collections::BTreeMap;
        // Distinct thresholds per continuous feature, by value (-0.0 == 0.0).
        let mut per_feature: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
        for (i, n) in self.nodes.iter().enumerate().skip(1) {
            let split = self.leaf_of.get(i).is_some_and(|&l| l == u32::MAX);
            if !split {
                continue;
            }
            if n.feature & WIDE != 0 {
                return None;
            }
            if n.feature & CATEGORICAL == 0 {
                if n.threshold.is_nan() {
                    return None;
                }
                per_feature.entry(n.feature).or_default().push(n.threshold);
            }
        }
        let mut slots = Vec::new();
        let mut thresholds = Vec::new();
        let mut slot_of: BTreeMap<u32, u32> = BTreeMap::new();
        for (&f, ts) in per_feature.iter_mut() {
            ts.sort_by(f64::total_cmp);
            ts.dedup_by(|a, b| a == b);
            if ts.len() > 63 {
                return None;
            }
            let start = thresholds.len() as u32;
            thresholds.extend_from_slice(ts);
            slot_of.insert(f, slots.len() as u32);
            slots.push((f, Some((start, thresholds.len() as u32))));
        }
        let first_categorical = slots.len() as u32;
        for &g in &self.categorical_features {
            slots.push((g, None));
        }
        if slots.len() > CODES {
            return None;
        }
        let mut nodes = Vec::with_capacity(self.nodes.len());
        for (i, n) in self.nodes.iter().enumerate() {
            let split = i > 0 && self.leaf_of.get(i).is_some_and(|&l| l == u32::MAX);
            let node = if !split {
                BinNode {
                    right: u64::MAX,
                    left: n.left,
                    slot: 0,
                }
            } else if n.feature & CATEGORICAL != 0 {
                BinNode {
                    right: !n.threshold.to_bits(),
                    left: n.left,
                    slot: u8::try_from(first_categorical + (n.feature & FEATURE)).ok()?,
                }
            } else {
                let slot = *slot_of.get(&n.feature)?;
                let &(_, range) = slots.get(slot as usize)?;
                let (start, end) = range?;
                let ts = thresholds.get(start as usize..end as usize)?;
                let j = ts.iter().position(|&t| t == n.threshold)? as u32;
                BinNode {
                    right: u64::MAX << (j + 1),
                    left: n.left,
                    slot: u8::try_from(slot).ok()?,
                }
            };
            nodes.push(node);
        }
        let node_mask = nodes.len().next_power_of_two() - 1;
        while nodes.len() <= node_mask {
            let left = nodes.len() as u32 - 1;
            nodes.push(BinNode {
                right: u64::MAX,
                left,
                slot: 0,
            });
        }
        Some(Binned {
            nodes,
            slots,
            thresholds,
            node_mask,
            depth: self.depths.iter().copied().max().unwrap_or(0),
        })
    }

    /// Walks every tree through the binned form: the codes are computed once from `x`, then
    /// all trees advance one level per pass over `cur` (scratch, one node per tree). The passes
    /// are independent across trees, so the core overlaps many trees' dependent loads with
    /// every lane in a register; trees shorter than the deepest idle on their leaf.
    #[inline]
    fn walk_binned(
        &self,
        b: &Binned,
        x: &[f64],
        cur: &mut Vec<u32>,
        visit: &mut impl FnMut(usize, u32),
    ) {
        self.binned_nodes(b, x, cur);
        for (tree, &node) in cur.iter().enumerate() {
            visit(tree, self.leaf_of.get(node as usize).copied().unwrap_or(0));
        }
    }

    /// Leaves in `cur` the node each tree's binned walk ends on.
    #[inline]
    fn binned_nodes(&self, b: &Binned, x: &[f64], cur: &mut Vec<u32>) {
        let mut codes = [0u8; CODES];
        for (code, &(f, range)) in codes.iter_mut().zip(&b.slots) {
            let v = x.get(f as usize).copied().unwrap_or(f64::NAN);
            *code = match range {
                Some((start, end)) => {
                    let ts = b
                        .thresholds
                        .get(start as usize..end as usize)
                        .unwrap_or(&[]);
                    // A branch-free count beats a binary search over at most 63 values
                    // (it vectorises, and one-hot features have a single threshold).
                    if v.is_nan() {
                        ts.len() as u8
                    } else {
                        ts.iter().map(|&t| u8::from(t < v)).sum()
                    }
                }
                None => category_code(v) as u8,
            };
        }
        let Some(nodes) = b.nodes.get(..=b.node_mask) else {
            return;
        };
        let mask = b.node_mask;
        cur.clear();
        cur.extend_from_slice(&self.roots);
        for _ in 0..b.depth {
            for c in cur.iter_mut() {
                let n = nodes[*c as usize & mask];
                let code = codes[usize::from(n.slot)];
                *c = n.left + ((n.right >> (code & 63)) & 1) as u32;
            }
        }
    }

    /// Indexes one value per leaf (`values[leaf number]`) by node for `traverse_values`.
    pub fn set_leaf_values(&mut self, values: &[f64]) {
        self.node_values = self
            .leaf_of
            .iter()
            .map(|&l| values.get(l as usize).copied().unwrap_or(f64::NAN))
            .collect();
    }

    /// `traverse`, handing `visit(tree, values[leaf])`. `values` must be the slice given to
    /// `set_leaf_values`, which the binned walk reads by node; the other walks read it by leaf.
    #[inline]
    pub fn traverse_values(
        &self,
        x: Features<'_>,
        dense: &mut Vec<f64>,
        codes: &mut Vec<u32>,
        values: &[f64],
        mut visit: impl FnMut(usize, f64),
    ) -> Result<(), u32> {
        if let Some(b) = &self.binned {
            if let Some(v) = self.dense_view(x, dense) {
                self.binned_nodes(b, v, codes);
                for (tree, &node) in codes.iter().enumerate() {
                    visit(
                        tree,
                        self.node_values
                            .get(node as usize)
                            .copied()
                            .unwrap_or(f64::NAN),
                    );
                }
                return Ok(());
            }
        }
        self.traverse(x, dense, codes, |tree, leaf| {
            visit(tree, values.get(leaf as usize).copied().unwrap_or(f64::NAN))
        })
    }

    /// Calls `visit(tree, leaf)` for every tree in order. `dense` and `codes` are scratch
    /// reused between rows: the leading features of a sparse vector, densified, and the
    /// category codes of categorical features. `Err(feature)` when a visited split reads a
    /// feature beyond the vector's size, where Spark throws.
    pub fn traverse(
        &self,
        x: Features<'_>,
        dense: &mut Vec<f64>,
        codes: &mut Vec<u32>,
        mut visit: impl FnMut(usize, u32),
    ) -> Result<(), u32> {
        if let Some(v) = self.dense_view(x, dense) {
            self.fast(v, codes, &mut visit);
            return Ok(());
        }
        for tree in 0..self.roots.len() {
            visit(tree, self.walk_checked(tree, &x)?);
        }
        Ok(())
    }

    /// The leading features the fast walks read, as a dense slice: a dense vector itself, or
    /// a sparse one densified into `dense`. `None` when the vector is too short for some
    /// split (the checked walk then fails only if it reaches one) or too wide to densify.
    #[inline]
    fn dense_view<'a>(&self, x: Features<'a>, dense: &'a mut Vec<f64>) -> Option<&'a [f64]> {
        let needed = self.max_feature.map_or(0, |m| m + 1);
        match x {
            Features::Dense(v) if v.len() >= needed => Some(v),
            Features::Sparse {
                size,
                indices,
                values,
            } if size >= needed && needed <= DENSIFY_LIMIT => {
                dense.clear();
                dense.resize(needed.max(1), 0.0);
                for (&i, &v) in indices.iter().zip(values) {
                    match dense.get_mut(i as usize) {
                        Some(s) => *s = v,
                        None => break,
                    }
                }
                Some(dense)
            }
            _ => None,
        }
    }

    #[inline]
    fn fast(&self, x: &[f64], codes: &mut Vec<u32>, visit: &mut impl FnMut(usize, u32)) {
        if let Some(b) = &self.binned {
            self.walk_binned(b, x, codes, visit);
            return;
        }
        if !self.has_categorical {
            self.walk_fast::<false>(x, &[], visit);
            return;
        }
        // One category code per categorical feature for the row, read by every split on it.
        codes.clear();
        for &f in &self.categorical_features {
            codes.push(x.get(f as usize).map_or(NARROW, |&v| category_code(v)));
        }
        self.walk_fast::<true>(x, codes, visit);
    }
}

/// A value's category code for narrow splits: the category when `v` is a whole number
/// below 63 (-0.0 is category 0), else 63, whose bit holds where other values go. `v as u32`
/// saturates and maps NaN to 0, so `f64::from(c) == v` holds exactly for whole numbers.
#[inline]
fn category_code(v: f64) -> u32 {
    let c = v as u32;
    // Branch-free: a category's value decides nothing about the next one.
    let whole = u32::from(f64::from(c) == v) & u32::from(c < NARROW);
    (c | (whole.wrapping_sub(1) & NARROW)) & NARROW
}

fn check_feature(node: i64, feature: i64, num_features: Option<usize>) -> Result<usize, TreeError> {
    let bad = TreeError::BadFeature {
        node,
        feature,
        num_features,
    };
    let f = usize::try_from(feature).map_err(|_| bad.clone())?;
    if num_features.is_some_and(|n| f >= n) || f >= WIDE as usize {
        return Err(bad);
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(id: i64) -> InputNode {
        InputNode {
            id,
            left: -1,
            right: -1,
            split: InputSplit::Leaf,
        }
    }

    fn cont(id: i64, left: i64, right: i64, feature: i64, threshold: f64) -> InputNode {
        InputNode {
            id,
            left,
            right,
            split: InputSplit::Continuous { feature, threshold },
        }
    }

    /// Spark pre-order ids: 0 splits x0 <= 1; left is a leaf (1); right (2) splits x1 <= 0.
    fn small() -> Vec<InputNode> {
        vec![
            cont(0, 1, 2, 0, 1.0),
            leaf(1),
            cont(2, 3, 4, 1, 0.0),
            leaf(3),
            leaf(4),
        ]
    }

    fn leaves(f: &Forest, x: Features<'_>) -> Result<Vec<u32>, u32> {
        let mut out = Vec::new();
        let (mut dense, mut codes) = (Vec::new(), Vec::new());
        f.traverse(x, &mut dense, &mut codes, |_, l| out.push(l))?;
        Ok(out)
    }

    #[test]
    fn continuous_splits_go_left_on_equal_and_right_on_nan() {
        let mut f = Forest::new();
        let pos = f.push_tree(&small(), Some(2), 64, 100, 100).unwrap();
        // Pre-order leaves: ids 1, 3, 4.
        assert_eq!(
            pos.iter().map(|&p| small()[p].id).collect::<Vec<_>>(),
            vec![1, 3, 4]
        );
        assert_eq!(leaves(&f, Features::Dense(&[1.0, 5.0])).unwrap(), vec![0]);
        assert_eq!(
            leaves(&f, Features::Dense(&[f64::NAN, 0.0])).unwrap(),
            vec![1]
        );
        assert_eq!(
            leaves(&f, Features::Dense(&[1.5, f64::NAN])).unwrap(),
            vec![2]
        );
        assert_eq!(
            leaves(&f, Features::Dense(&[f64::INFINITY, -0.0])).unwrap(),
            vec![1]
        );
    }

    #[test]
    fn short_vectors_fail_only_when_the_missing_feature_is_visited() {
        let mut f = Forest::new();
        f.push_tree(&small(), Some(2), 64, 100, 100).unwrap();
        assert_eq!(leaves(&f, Features::Dense(&[0.5])).unwrap(), vec![0]);
        assert_eq!(leaves(&f, Features::Dense(&[2.0])), Err(1));
        let sparse = Features::Sparse {
            size: 1,
            indices: &[0],
            values: &[2.0],
        };
        assert_eq!(leaves(&f, sparse), Err(1));
        let sparse = Features::Sparse {
            size: 2,
            indices: &[0],
            values: &[2.0],
        };
        assert_eq!(leaves(&f, sparse).unwrap(), vec![1]);
    }

    fn categorical(k: i64, left_categories: Vec<f64>) -> Vec<InputNode> {
        vec![
            InputNode {
                id: 0,
                left: 1,
                right: 2,
                split: InputSplit::Categorical {
                    feature: 0,
                    num_categories: k,
                    left_categories,
                },
            },
            leaf(1),
            leaf(2),
        ]
    }

    #[test]
    fn categorical_splits_follow_spark_complement_rule() {
        for k in [4, 100] {
            let mut f = Forest::new();
            // L = {1}: |L| <= k/2, so only 1 goes left; 70, 1.5, NaN go right.
            f.push_tree(&categorical(k, vec![1.0]), Some(2), 64, 100, 1000)
                .unwrap();
            // L = all but {2}: Spark tests "not in {2}", so 70, 1.5, NaN go left.
            let most: Vec<f64> = (0..k).filter(|&c| c != 2).map(|c| c as f64).collect();
            f.push_tree(&categorical(k, most), Some(2), 64, 100, 1000)
                .unwrap();
            // A continuous tree alongside, so the mixed path runs.
            f.push_tree(&small(), Some(2), 64, 100, 1000).unwrap();
            let go = |v: f64| leaves(&f, Features::Dense(&[v, 0.0])).unwrap();
            let checked = |v: f64| -> Vec<u32> {
                (0..3)
                    .map(|t| f.walk_checked(t, &Features::Dense(&[v, 0.0])).unwrap())
                    .collect()
            };
            for (v, want) in [
                (1.0, [0, 2, 4]),
                (-0.0, [1, 2, 4]),
                (2.0, [1, 3, 5]),
                (70.0, [1, 2, 5]),
                (1.5, [1, 2, 5]),
                (f64::NAN, [1, 2, 5]),
                (-1.0, [1, 2, 4]),
                (1e300, [1, 2, 5]),
            ] {
                assert_eq!(go(v), want, "k={k} v={v}");
                assert_eq!(checked(v), want, "k={k} v={v}");
            }
        }
    }

    #[test]
    fn rejects_malformed_trees() {
        let mut f = Forest::new();
        let cyclic = vec![cont(0, 1, 0, 0, 1.0), leaf(1)];
        assert!(matches!(
            f.push_tree(&cyclic, None, 64, 100, 100),
            Err(TreeError::BadChild { .. })
        ));
        let missing = vec![cont(0, 1, 5, 0, 1.0), leaf(1)];
        assert!(matches!(
            f.push_tree(&missing, None, 64, 100, 100),
            Err(TreeError::BadChild { .. })
        ));
        let dup = vec![leaf(0), leaf(0)];
        assert!(matches!(
            f.push_tree(&dup, None, 64, 100, 100),
            Err(TreeError::BadIds(_))
        ));
        let orphan = vec![leaf(0), leaf(1)];
        assert!(matches!(
            f.push_tree(&orphan, None, 64, 100, 100),
            Err(TreeError::Unreachable { .. })
        ));
        assert!(matches!(
            f.push_tree(&small(), Some(1), 64, 100, 100),
            Err(TreeError::BadFeature { .. })
        ));
        assert!(matches!(
            f.push_tree(&small(), None, 1, 100, 100),
            Err(TreeError::TooDeep { .. })
        ));
        assert!(matches!(
            f.push_tree(&small(), None, 64, 4, 100),
            Err(TreeError::TooManyNodes { .. })
        ));
        assert_eq!(f.num_trees(), 0);
    }

    #[test]
    fn many_trees_match_checked_walk() {
        // 20 trees of depth 2 on alternating features; fast and checked paths agree.
        let mut f = Forest::new();
        for t in 0..20 {
            let th = t as f64 / 10.0;
            let tree = vec![
                cont(0, 1, 4, t % 3, th),
                cont(1, 2, 3, (t + 1) % 3, -th),
                leaf(2),
                leaf(3),
                leaf(4),
            ];
            f.push_tree(&tree, Some(3), 64, 100, 100).unwrap();
        }
        for x in [
            [0.0, 0.5, -1.0],
            [2.0, -3.0, 0.1],
            [f64::NAN, 1.0, 1.0],
            [-0.5, -0.5, -0.5],
        ] {
            let fast = leaves(&f, Features::Dense(&x)).unwrap();
            let checked: Vec<u32> = (0..20)
                .map(|t| f.walk_checked(t, &Features::Dense(&x)).unwrap())
                .collect();
            assert_eq!(fast, checked);
            let idx: Vec<u32> = (0..3).collect();
            let sparse = leaves(
                &f,
                Features::Sparse {
                    size: 3,
                    indices: &idx,
                    values: &x,
                },
            )
            .unwrap();
            assert_eq!(fast, sparse);
        }
    }
}
