//! The Fréchet distance between two Gaussians (Dowson & Landau 1982), as FID uses it to compare
//! feature distributions (Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule
//! Converge to a Local Nash Equilibrium"):
//!
//!   d^2 = |mu_1 - mu_2|^2 + tr(C_1 + C_2 - 2 (C_1 C_2)^{1/2})
//!
//! tr (C_1 C_2)^{1/2} is computed as tr (C_1^{1/2} C_2 C_1^{1/2})^{1/2}: that matrix is
//! symmetric positive semi-definite with the same eigenvalues as C_1 C_2, so two symmetric
//! eigen-decompositions give it without a general (non-symmetric) matrix square root.
//! The statistics are small (128 features), so this runs on the host in f64.

use nalgebra::{DMatrix, DVector, SymmetricEigen};

/// A Gaussian fit: mean `[d]` and covariance `[d * d]`, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Gaussian {
    pub dim: usize,
    pub mean: Vec<f64>,
    pub cov: Vec<f64>,
}

impl Gaussian {
    /// The unbiased (divided by n - 1) fit of `features`, rows of length `dim`.
    pub fn fit(features: &[f32], dim: usize) -> Gaussian {
        let n = features.len() / dim;
        assert!(n >= 2 && features.len() == n * dim, "need at least two rows of {dim} features");
        let mut mean = vec![0f64; dim];
        for row in features.chunks_exact(dim) {
            for (m, &v) in mean.iter_mut().zip(row) {
                *m += v as f64;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n as f64);
        let mut cov = vec![0f64; dim * dim];
        let mut centred = vec![0f64; dim];
        for row in features.chunks_exact(dim) {
            for ((c, &v), m) in centred.iter_mut().zip(row).zip(&mean) {
                *c = v as f64 - m;
            }
            for i in 0..dim {
                let ci = centred[i];
                if ci == 0.0 {
                    continue;
                }
                for j in i..dim {
                    cov[i * dim + j] += ci * centred[j];
                }
            }
        }
        for i in 0..dim {
            for j in i..dim {
                let v = cov[i * dim + j] / (n - 1) as f64;
                cov[i * dim + j] = v;
                cov[j * dim + i] = v;
            }
        }
        Gaussian { dim, mean, cov }
    }

    /// A fit from stored statistics (f32, as the classifier's weights file keeps them).
    pub fn from_f32(mean: &[f32], cov: &[f32]) -> Gaussian {
        let dim = mean.len();
        assert_eq!(cov.len(), dim * dim);
        Gaussian { dim, mean: mean.iter().map(|&v| v as f64).collect(), cov: cov.iter().map(|&v| v as f64).collect() }
    }

    fn cov_matrix(&self) -> DMatrix<f64> {
        DMatrix::from_row_slice(self.dim, self.dim, &self.cov)
    }
}

/// Eigen-decomposition of a symmetric matrix, eigenvalues clamped at 0 (round-off can make
/// those of a PSD matrix slightly negative).
fn psd_eigen(m: DMatrix<f64>) -> SymmetricEigen<f64, nalgebra::Dyn> {
    let mut e = SymmetricEigen::new(m);
    e.eigenvalues.iter_mut().for_each(|v| *v = v.max(0.0));
    e
}

/// The Fréchet distance d^2 between two Gaussians of the same dimension.
pub fn frechet_distance(a: &Gaussian, b: &Gaussian) -> f64 {
    assert_eq!(a.dim, b.dim, "Gaussians of different dimensions");
    let diff = DVector::from_column_slice(&a.mean) - DVector::from_column_slice(&b.mean);
    let (ca, cb) = (a.cov_matrix(), b.cov_matrix());
    // C_a^{1/2} = V diag(sqrt(lambda)) V^T
    let e = psd_eigen(ca.clone());
    let sqrt_ca = &e.eigenvectors * DMatrix::from_diagonal(&e.eigenvalues.map(f64::sqrt)) * e.eigenvectors.transpose();
    let middle = &sqrt_ca * &cb * &sqrt_ca;
    let middle = (&middle + middle.transpose()) * 0.5; // symmetric up to round-off
    let tr_sqrt: f64 = psd_eigen(middle).eigenvalues.iter().map(|v| v.sqrt()).sum();
    diff.norm_squared() + ca.trace() + cb.trace() - 2.0 * tr_sqrt
}
