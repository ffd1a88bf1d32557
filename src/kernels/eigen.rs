//! Symmetric eigendecomposition by cyclic Jacobi rotations, for the small covariance matrices
//! of Gaussian mixtures (Spark uses LAPACK `dsyev` through Breeze: same decomposition, other
//! rounding, within the 1e-9 tolerance). Load time only.

/// Eigenvalues and eigenvectors (`vectors[j]` pairs with `values[j]`) of a symmetric n×n
/// matrix given row-major.
pub fn symmetric_eigen(a: &[f64], n: usize) -> (Vec<f64>, Vec<Vec<f64>>) {
    let mut m: Vec<f64> = a.to_vec();
    m.resize(n * n, 0.0);
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    let norm: f64 = m.iter().map(|x| x * x).sum::<f64>().sqrt();
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| m[i * n + j].powi(2))
            .sum::<f64>()
            .sqrt();
        if off <= 1e-17 * norm.max(f64::MIN_POSITIVE) {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = m[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let (app, aqq) = (m[p * n + p], m[q * n + q]);
                let theta = (aqq - app) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (mkp, mkq) = (m[k * n + p], m[k * n + q]);
                    m[k * n + p] = c * mkp - s * mkq;
                    m[k * n + q] = s * mkp + c * mkq;
                }
                for k in 0..n {
                    let (mpk, mqk) = (m[p * n + k], m[q * n + k]);
                    m[p * n + k] = c * mpk - s * mqk;
                    m[q * n + k] = s * mpk + c * mqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (v[k * n + p], v[k * n + q]);
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    let values = (0..n).map(|i| m[i * n + i]).collect();
    let vectors = (0..n)
        .map(|j| (0..n).map(|k| v[k * n + j]).collect())
        .collect();
    (values, vectors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decomposes_a_symmetric_matrix() {
        let a = [4.0, 1.0, 1.0, 3.0];
        let (values, vectors) = symmetric_eigen(&a, 2);
        for (l, v) in values.iter().zip(&vectors) {
            let av = [a[0] * v[0] + a[1] * v[1], a[2] * v[0] + a[3] * v[1]];
            assert!((av[0] - l * v[0]).abs() < 1e-12 && (av[1] - l * v[1]).abs() < 1e-12);
        }
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        assert!((sorted[0] - (3.5 - 1.25f64.sqrt())).abs() < 1e-12);
    }
}
