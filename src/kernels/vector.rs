//! Vector arithmetic in the summation order of Spark's `Vectors` / `BLAS` helpers
//! (spark-format.md 4.1, 4.2, 10.5): sparse dot products, L2 norms, squared distances and
//! MLlib's `fastSquaredDistance`. Sparse arguments are (indices, values) with strictly
//! increasing indices.

use super::blas::Blas;

/// MLlib's `EPSILON` (the machine epsilon found by halving until `1 + eps/2 == 1`).
pub const EPSILON: f64 = f64::EPSILON;

/// `dot(sparse, dense)`: stored entries of `x` in index order, `sum += x_k * y[i_k]`.
#[inline]
pub fn dot_sparse_dense(indices: &[u32], values: &[f64], y: &[f64]) -> f64 {
    let mut sum = 0.0;
    for (&i, &v) in indices.iter().zip(values) {
        sum += v * y.get(i as usize).copied().unwrap_or(0.0);
    }
    sum
}

/// `dot(sparse, sparse)`: products of entries stored in both, in index order.
#[inline]
pub fn dot_sparse_sparse(xi: &[u32], xv: &[f64], yi: &[u32], yv: &[f64]) -> f64 {
    let mut sum = 0.0;
    let mut ky = 0;
    for (&ix, &vx) in xi.iter().zip(xv) {
        while yi.get(ky).is_some_and(|&j| j < ix) {
            ky += 1;
        }
        if yi.get(ky) == Some(&ix) {
            sum += vx * yv.get(ky).copied().unwrap_or(0.0);
            ky += 1;
        }
    }
    sum
}

/// `Vectors.norm(v, 2)`: square root of the sequential sum of squares of the stored values.
#[inline]
pub fn norm2(values: &[f64]) -> f64 {
    let mut sum = 0.0;
    for &v in values {
        sum += v * v;
    }
    sum.sqrt()
}

/// `Vectors.sqdist(dense, dense)`.
#[inline]
pub fn sqdist_dense(a: &[f64], b: &[f64]) -> f64 {
    let mut sum = 0.0;
    for (&x, &y) in a.iter().zip(b) {
        let d = x - y;
        sum += d * d;
    }
    sum
}

/// `Vectors.sqdist(sparse, dense)`: walks every index of the dense vector.
#[inline]
pub fn sqdist_sparse_dense(indices: &[u32], values: &[f64], dense: &[f64]) -> f64 {
    let mut sum = 0.0;
    let mut k = 0;
    for (j, &d) in dense.iter().enumerate() {
        let score = match indices.get(k) {
            Some(&i) if i as usize == j => {
                k += 1;
                values.get(k - 1).copied().unwrap_or(0.0) - d
            }
            _ => d,
        };
        sum += score * score;
    }
    sum
}

/// A point for `fast_squared_distance`: its stored entries and precomputed L2 norm.
#[derive(Debug, Clone, Copy)]
pub struct Point<'a> {
    /// `None` for a dense vector.
    pub indices: Option<&'a [u32]>,
    pub values: &'a [f64],
    pub norm: f64,
}

/// MLlib's `fastSquaredDistance(center, centerNorm, point, pointNorm)` with the center dense.
/// `dense_shortcut`: newer Spark computes the exact distance directly when both are dense.
#[inline]
pub fn fast_squared_distance(
    center: &[f64],
    center_norm: f64,
    p: Point<'_>,
    blas: Blas,
    dense_shortcut: bool,
) -> f64 {
    let exact = |p: &Point<'_>| match p.indices {
        None => sqdist_dense(center, p.values),
        Some(idx) => sqdist_sparse_dense(idx, p.values, center),
    };
    if dense_shortcut && p.indices.is_none() {
        return sqdist_dense(center, p.values);
    }
    let dot = |p: &Point<'_>| match p.indices {
        None => blas.ddot(center, p.values),
        Some(idx) => dot_sparse_dense(idx, p.values, center),
    };
    let sum_squared_norm = center_norm * center_norm + p.norm * p.norm;
    let norm_diff = center_norm - p.norm;
    let precision_bound1 = 2.0 * EPSILON * sum_squared_norm / (norm_diff * norm_diff + EPSILON);
    if precision_bound1 < 1e-6 {
        sum_squared_norm - 2.0 * dot(&p)
    } else if p.indices.is_some() {
        let dot_value = dot(&p);
        let sq = java_max(sum_squared_norm - 2.0 * dot_value, 0.0);
        let precision_bound2 =
            EPSILON * (sum_squared_norm + 2.0 * dot_value.abs()) / (sq + EPSILON);
        if precision_bound2 > 1e-6 {
            exact(&p)
        } else {
            sq
        }
    } else {
        exact(&p)
    }
}

/// Java's `Math.max(a, 0.0)` as Scala's `math.max`: NaN wins (Rust's `f64::max` drops NaN).
#[inline]
pub fn java_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparse_dots_follow_index_order() {
        assert_eq!(
            dot_sparse_dense(&[0, 2], &[2.0, 3.0], &[1.0, 5.0, 4.0]),
            14.0
        );
        assert_eq!(
            dot_sparse_sparse(&[0, 2, 5], &[1.0, 2.0, 3.0], &[2, 3, 5], &[10.0, 1.0, 1.0]),
            23.0
        );
        assert_eq!(dot_sparse_sparse(&[], &[], &[1], &[1.0]), 0.0);
    }

    #[test]
    fn squared_distances_agree_across_representations() {
        let c = [1.0, 2.0, 3.0];
        assert_eq!(sqdist_dense(&c, &[0.0, 2.0, 5.0]), 5.0);
        assert_eq!(sqdist_sparse_dense(&[1, 2], &[2.0, 5.0], &c), 5.0);
        assert_eq!(sqdist_sparse_dense(&[], &[], &c), 14.0);
        let p = Point {
            indices: Some(&[2]),
            values: &[5.0],
            norm: 5.0,
        };
        let d = fast_squared_distance(&c, norm2(&c), p, Blas::F2j, false);
        assert!((d - 9.0).abs() < 1e-12, "{d}");
    }

    #[test]
    fn norm_is_sequential_sum_of_squares() {
        assert_eq!(norm2(&[3.0, 4.0]), 5.0);
        assert!(norm2(&[1e300, 0.0]).is_infinite());
        assert!(java_max(f64::NAN, 0.0).is_nan());
    }
}
