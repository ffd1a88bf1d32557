//! `org.apache.spark.ml.clustering.KMeansModel` (spark-format.md 10.5). Reads the 1.6 layout
//! (one row, `clusterCenters: array<vector>`) and the 2.0+ layout (rows `clusterIdx,
//! clusterCenter`, any number of part files). The prediction column is an `int`.
//!
//! Spark's reader rebuilds the model as `new MLlibKMeansModel(clusterCenters)`, whose distance
//! measure is the default: a loaded model scores with Euclidean distance whatever its
//! `distanceMeasure` param (2.4+) says, `cosine` included (Spark 3.5.9 and 4.3.0 fixtures).
//!
//! Distances are MLlib's `fastSquaredDistance` with precomputed norms, which requires both
//! norms >= 0 (a NaN feature raises where a distance is measured). Spark 3.1+ prunes with
//! precomputed center-pair statistics when `k < 1000` and `k² · numFeatures < 10⁶` (triangle
//! inequality, early return when the point is within half the distance from a center to its
//! nearest other center); otherwise, and before 3.1, every center is scanned with the norm
//! lower bound. Both are reproduced because their tie and NaN outcomes differ.

use crate::error::{LoadError, LoadErrorKind, ScoreErrorKind};
use crate::kernels::blas::Blas;
use crate::kernels::vector::{fast_squared_distance, norm2, Point};
use crate::plan::step::slot;
use crate::plan::{ColumnType, Compiler, Fault, Flow, Slot, SlotIndex, Step, StepResult};
use crate::spark::{parquet, Datum, Metadata, SparkVector};
use crate::stages::predictor;

#[derive(Debug, Clone)]
pub struct KMeansStep {
    pub features: SlotIndex,
    pub prediction: SlotIndex,
    pub dim: usize,
    /// Row-major k × dim, dense.
    pub centers: Vec<f64>,
    pub norms: Vec<f64>,
    /// Packed upper-triangular statistics (3.1+, small models), `None` for the plain scan.
    pub statistics: Option<Vec<f64>>,
    /// Both-dense pairs use the exact distance directly (newer `fastSquaredDistance`).
    pub dense_shortcut: bool,
    pub blas: Blas,
}

/// `Utils.indexUpperTriangular(n, i, j)`.
#[inline]
fn tri(n: usize, i: usize, j: usize) -> usize {
    if i <= j {
        n * i - i * (i + 1) / 2 + j
    } else {
        n * j - j * (j + 1) / 2 + i
    }
}

impl KMeansStep {
    fn center(&self, i: usize) -> &[f64] {
        self.centers
            .get(i * self.dim..(i + 1) * self.dim)
            .unwrap_or(&[])
    }

    fn norm(&self, i: usize) -> f64 {
        self.norms.get(i).copied().unwrap_or(0.0)
    }

    /// `fastSquaredDistance(center_i, point)`.
    #[inline]
    fn distance(&self, i: usize, p: Point<'_>) -> f64 {
        fast_squared_distance(
            self.center(i),
            self.norm(i),
            p,
            self.blas,
            self.dense_shortcut,
        )
    }

    /// Whether the norm lower bound `(‖c‖ - ‖p‖)² < best` lets center `i` be tried (false for
    /// NaN, as Spark's `<`).
    #[inline]
    fn may_beat(&self, i: usize, p: &Point<'_>, best: f64) -> bool {
        let norm_diff = self.norm(i) - p.norm;
        norm_diff * norm_diff < best
    }

    /// `EuclideanDistanceMeasure.findClosest(centers, statistics, point)` (3.1+).
    fn closest_pruned(&self, stats: &[f64], p: Point<'_>) -> usize {
        let k = self.norms.len();
        let stat = |i: usize| stats.get(i).copied().unwrap_or(f64::NAN);
        let mut best = self.distance(0, p);
        if best < stat(0) {
            return 0;
        }
        let mut best_index = 0;
        for i in 1..k {
            if self.may_beat(i, &p, best) && stat(tri(k, i, best_index)) < best {
                let d = self.distance(i, p);
                if d < stat(tri(k, i, i)) {
                    return i;
                }
                if d < best {
                    best = d;
                    best_index = i;
                }
            }
        }
        best_index
    }

    /// `findClosest(centers, point)`: every center, with the norm lower bound.
    fn closest_scan(&self, p: Point<'_>) -> usize {
        let mut best = f64::INFINITY;
        let mut best_index = 0;
        for i in 0..self.norms.len() {
            if !self.may_beat(i, &p, best) {
                continue;
            }
            let d = self.distance(i, p);
            if d < best {
                best = d;
                best_index = i;
            }
        }
        best_index
    }

    #[inline]
    pub fn run(&self, slots: &mut [Slot]) -> StepResult {
        let s = slot(slots, self.features);
        if s.null {
            return Err(Fault::new(ScoreErrorKind::NullValue, self.features));
        }
        let x = &s.vec;
        // `fastSquaredDistance` requires equal sizes, then both norms >= 0 (NaN fails).
        if x.size != self.dim {
            return Err(Fault::new(ScoreErrorKind::BadVectorSize, self.features));
        }
        let p = Point {
            indices: x.sparse.then_some(x.indices.as_slice()),
            values: &x.values,
            norm: norm2(&x.values),
        };
        // The pruned search (3.1+) always measures center 0, which raises for a NaN norm; the
        // plain scan measures only centers that pass the norm lower bound, and none does for a
        // NaN norm, so it predicts 0 (Spark 2.4.8).
        if p.norm.is_nan() && self.statistics.is_some() {
            return Err(Fault::new(ScoreErrorKind::NanValue, self.features));
        }
        let k = match &self.statistics {
            Some(stats) => self.closest_pruned(stats, p),
            None => self.closest_scan(p),
        };
        if let Some(out) = slots.get_mut(self.prediction) {
            out.set_num(k as f64);
        }
        Ok(Flow::Continue)
    }
}

fn read_centers(c: &Compiler<'_>, meta: &Metadata) -> Result<Vec<SparkVector>, LoadError> {
    let table = parquet::read_table(&c.read, &meta.dir.join("data"))?;
    let max = c.limits().max_vector_width;
    if table.has_column("clusterCenters") {
        // 1.6: a single row holding every center.
        let row = table.single_row()?;
        return table.decode(row, "clusterCenters", |d| {
            d.as_list()?.iter().map(|v| v.to_vector(max)).collect()
        });
    }
    // ml 2.0+: `clusterIdx, clusterCenter`; old RDD mllib KMeansModel: `id, point`.
    let (idx_col, center_col) = if table.has_column("point") {
        ("id", "point")
    } else {
        ("clusterIdx", "clusterCenter")
    };
    let mut rows: Vec<(i64, SparkVector)> = Vec::with_capacity(table.rows.len());
    for r in 0..table.rows.len() {
        let idx = table.decode(r, idx_col, Datum::as_i64)?;
        let v = table.decode(r, center_col, |d| d.to_vector(max))?;
        rows.push((idx, v));
    }
    rows.sort_by_key(|(i, _)| *i);
    for (k, (i, _)) in rows.iter().enumerate() {
        if *i != k as i64 {
            return Err(meta
                .error(
                    LoadErrorKind::BadData,
                    format!("{idx_col} values are not 0..{}: found {i}", rows.len()),
                )
                .in_file(&table.file)
                .in_column(idx_col));
        }
    }
    Ok(rows.into_iter().map(|(_, v)| v).collect())
}

pub fn lower(c: &mut Compiler<'_>, meta: &Metadata) -> Result<(), LoadError> {
    let measure = meta.str_or("distanceMeasure", "euclidean")?;
    if measure != "euclidean" && measure != "cosine" {
        return Err(meta.error(
            LoadErrorKind::BadMetadata,
            format!("unknown distanceMeasure `{measure}`"),
        ));
    }
    let centers = read_centers(c, meta)?;
    let Some(dim) = centers.first().map(|v| v.size) else {
        return Err(meta.error(
            LoadErrorKind::BadData,
            "KMeans model has no cluster centers",
        ));
    };
    if centers.iter().any(|v| v.size != dim) {
        return Err(meta.error(LoadErrorKind::BadData, "cluster centers differ in size"));
    }
    let k = centers.len();
    crate::spark::limits::check(
        "matrix cells",
        (k as u64).saturating_mul(dim as u64),
        c.limits().max_vector_width,
    )
    .map_err(|e| e.in_file(&meta.file))?;
    c.begin_stage(
        meta,
        vec![
            ("k".into(), k.to_string()),
            ("numFeatures".into(), dim.to_string()),
            (
                "distanceMeasure".into(),
                format!("{measure} (scored as euclidean)"),
            ),
        ],
    )?;
    let semantics = c.semantics();
    // Spark's centers are dense (cluster means); a sparse stored center is densified, with its
    // norm taken over its stored values as Spark's `VectorWithNorm` does.
    let norms: Vec<f64> = centers.iter().map(|v| norm2(&v.values)).collect();
    let mut flat = Vec::with_capacity(k * dim);
    for v in &centers {
        flat.extend(v.to_dense());
    }
    let mut step = KMeansStep {
        features: 0,
        prediction: 0,
        dim,
        centers: flat,
        norms,
        statistics: None,
        dense_shortcut: semantics.at_least(3, 0),
        blas: Blas::for_version(semantics),
    };
    // `shouldComputeStatistics(k) && shouldComputeStatisticsLocally(k, numFeatures)`.
    let small = k < 1000 && (k as u64) * (k as u64) * (dim as u64) < 1_000_000;
    if semantics.at_least(3, 1) && small {
        step.statistics = Some(statistics(&step));
    }
    step.features = predictor::features_input(c, meta, Some(dim))?;
    let name = meta.str_or("predictionCol", "prediction")?;
    step.prediction = c.output(meta, &name, ColumnType::Int, None)?;
    c.push(Step::KMeans(step));
    Ok(())
}

/// `EuclideanDistanceMeasure.computeStatistics(centers)`: for each center pair, a quarter of
/// their squared distance (`distance` = sqrt of the fast squared distance, squared again);
/// on the diagonal, each center's smallest such bound. A single center gets `[NaN]`.
fn statistics(s: &KMeansStep) -> Vec<f64> {
    let k = s.norms.len();
    if k == 1 {
        return vec![f64::NAN];
    }
    let mut packed = vec![0.0; k * (k + 1) / 2];
    let mut diag = vec![f64::INFINITY; k];
    for i in 0..k {
        for j in i + 1..k {
            let cj = Point {
                indices: None,
                values: s.center(j),
                norm: s.norm(j),
            };
            let d = s.distance(i, cj).sqrt();
            let stat = 0.25 * d * d;
            if let Some(p) = packed.get_mut(tri(k, i, j)) {
                *p = stat;
            }
            for m in [i, j] {
                if let Some(dm) = diag.get_mut(m) {
                    if stat < *dm {
                        *dm = stat;
                    }
                }
            }
        }
    }
    for (i, d) in diag.iter().enumerate() {
        if let Some(p) = packed.get_mut(tri(k, i, i)) {
            *p = *d;
        }
    }
    packed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(centers: &[&[f64]], pruned: bool) -> KMeansStep {
        let mut s = KMeansStep {
            features: 0,
            prediction: 1,
            dim: centers[0].len(),
            centers: centers.iter().flat_map(|c| c.iter().copied()).collect(),
            norms: centers.iter().map(|c| norm2(c)).collect(),
            statistics: None,
            dense_shortcut: true,
            blas: Blas::Java11,
        };
        if pruned {
            s.statistics = Some(statistics(&s));
        }
        s
    }

    fn predict(s: &KMeansStep, x: &[f64]) -> usize {
        let p = Point {
            indices: None,
            values: x,
            norm: norm2(x),
        };
        match &s.statistics {
            Some(st) => s.closest_pruned(st, p),
            None => s.closest_scan(p),
        }
    }

    #[test]
    fn pruned_and_scan_agree_away_from_ties() {
        let centers: [&[f64]; 3] = [&[0.0, 0.0], &[10.0, 0.0], &[0.0, 10.0]];
        for pruned in [false, true] {
            let s = step(&centers, pruned);
            assert_eq!(predict(&s, &[9.0, 1.0]), 1);
            assert_eq!(predict(&s, &[1.0, 8.0]), 2);
            assert_eq!(predict(&s, &[1.0, 1.0]), 0);
        }
    }

    #[test]
    fn equidistant_points_follow_each_search_order() {
        // Unit centers and the zero vector: all distances are 1. The scan keeps the first;
        // the pruned search moves on while a center's bound is below the best distance.
        let centers: [&[f64]; 3] = [&[1.0, 0.0], &[0.0, 1.0], &[-1.0, 0.0]];
        assert_eq!(predict(&step(&centers, false), &[0.0, 0.0]), 0);
        let s = step(&centers, true);
        // stat(0,1) = 0.5 < 1, d(1) = 1 is not below stat(1,1) = 0.5 nor below best: stays 0.
        assert_eq!(predict(&s, &[0.0, 0.0]), 0);
    }

    #[test]
    fn packed_index_matches_spark() {
        assert_eq!(tri(3, 0, 0), 0);
        assert_eq!(tri(3, 0, 2), 2);
        assert_eq!(tri(3, 1, 1), 3);
        assert_eq!(tri(3, 2, 1), 4);
        assert_eq!(tri(3, 2, 2), 5);
    }
}
