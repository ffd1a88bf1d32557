//! Dot products in the summation order of the BLAS each Spark version calls (spark-format.md
//! 4.2): F2J `ddot` (≤ 3.1) is a plain sequential sum; `Java11BLAS` (3.2+, on Java 11–17) keeps
//! four fused multiply-add partial sums. Spark 4.x on Java 17 uses `VectorBLAS`, whose lane
//! count depends on the CPU; we use the Java11 order there too and rely on the 1e-9 tolerance.

use crate::spark::SparkVersion;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blas {
    /// Netlib F2J: sequential multiply then add.
    F2j,
    /// dev.ludovic.netlib Java11BLAS: 4 FMA partial sums, FMA tail.
    Java11,
}

impl Blas {
    pub fn for_version(v: SparkVersion) -> Blas {
        if v.at_least(3, 2) {
            Blas::Java11
        } else {
            Blas::F2j
        }
    }

    /// `ddot(x, y)` over the common length.
    #[inline]
    pub fn ddot(self, x: &[f64], y: &[f64]) -> f64 {
        let n = x.len().min(y.len());
        let (x, y) = (&x[..n], &y[..n]);
        match self {
            Blas::F2j => {
                let mut s = 0.0;
                for (a, b) in x.iter().zip(y) {
                    s += a * b;
                }
                s
            }
            Blas::Java11 => java11_ddot(x, y),
        }
    }

    /// One output of `dgemv("T")`: the sequential dot of a matrix row (row-major storage) with
    /// `x`; Java11BLAS accumulates with FMA, F2J multiplies then adds.
    #[inline]
    pub fn gemv_row(self, row: &[f64], x: &[f64]) -> f64 {
        let mut acc = 0.0f64;
        match self {
            Blas::F2j => {
                for (a, b) in row.iter().zip(x) {
                    acc += a * b;
                }
            }
            Blas::Java11 => acc = fma_dot(x, row),
        }
        acc
    }
}

// The FMA kernels are compiled twice: with the `fma` target feature, where `mul_add` is one
// instruction, and for baseline x86-64, where it is a library call per element (about 10% of
// a 100-tree GBT row). `multiversion` picks the clone at runtime from the CPU's features;
// both give the same bits, since `mul_add` is always the fused operation.

/// Java11BLAS `ddot`: four FMA partial sums over blocks of four, summed in order, then an FMA
/// tail.
#[multiversion::multiversion(targets("x86_64+fma", "x86+fma"))]
fn java11_ddot(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &y[..n]);
    let bound = n - n % 4;
    let (mut s0, mut s1, mut s2, mut s3) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for (xc, yc) in x[..bound].chunks_exact(4).zip(y[..bound].chunks_exact(4)) {
        s0 = xc[0].mul_add(yc[0], s0);
        s1 = xc[1].mul_add(yc[1], s1);
        s2 = xc[2].mul_add(yc[2], s2);
        s3 = xc[3].mul_add(yc[3], s3);
    }
    let mut sum = 0.0 + (((s0 + s1) + s2) + s3);
    for (a, b) in x[bound..].iter().zip(&y[bound..]) {
        sum = a.mul_add(*b, sum);
    }
    sum
}

/// A sequential FMA accumulation `acc = a[i] * b[i] + acc` (Java11BLAS `dgemv` rows; also
/// the ALS and MLP products that Spark 3.2+ computes with `Math.fma`).
#[multiversion::multiversion(targets("x86_64+fma", "x86+fma"))]
pub fn fma_dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = 0.0f64;
    for (x, y) in a.iter().zip(b) {
        acc = x.mul_add(*y, acc);
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ddot_orders_agree_on_exact_values() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [1.0, 1.0, 1.0, 1.0, 2.0];
        assert_eq!(Blas::F2j.ddot(&x, &y), 20.0);
        assert_eq!(Blas::Java11.ddot(&x, &y), 20.0);
    }
}
