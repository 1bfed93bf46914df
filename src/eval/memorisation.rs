//! Does a model copy its training digits? For each sample, the Euclidean distance in pixel
//! space to its nearest training digit, against the same distance for held-out test digits,
//! which the model never saw. A model that generalises makes samples about as far from the
//! training set as new real digits are; a memorising one makes near-copies.
//!
//! Distances come from one matrix product per chunk of the training set,
//! |a - b|^2 = |a|^2 + |b|^2 - 2 a.b, kept on the device with a running minimum.

use crate::data::Split;
use crate::error::Result;
use crate::runtime::read_f32;
use burn::tensor::{Device, Tensor};
use serde::Serialize;

/// Training digits compared per matrix product.
const CHUNK: usize = 4000;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Memorisation {
    /// Samples (and test digits) compared.
    pub n: usize,
    /// Mean distance from a sample to its nearest training digit.
    pub sample_nn: f64,
    /// Mean distance from a test digit to its nearest training digit.
    pub test_nn: f64,
    /// sample_nn / test_nn: well below 1 means near-copies of the training set.
    pub ratio: f64,
    /// Share of samples nearer to a training digit than 95% of test digits are (about 0.05
    /// for a model that does not copy).
    pub near_copies: f64,
}

/// Distance from each row of `x` (`[m, 784]`) to its nearest training digit, `[m]`.
/// `progress(done, total)` is called after each chunk of the training set.
pub async fn nearest_distances(x: Tensor<2>, train: &Split, device: &Device, progress: &mut dyn FnMut(usize, usize)) -> Result<Vec<f32>> {
    let x = x.to_device(device);
    let x_sq = x.clone().square().sum_dim(1); // [m, 1]
    let mut best: Option<Tensor<2>> = None;
    for start in (0..train.n).step_by(CHUNK) {
        let idx: Vec<usize> = (start..(start + CHUNK).min(train.n)).collect();
        let (t, _) = train.batch(&idx, device);
        let t_sq = t.clone().square().sum_dim(1).transpose(); // [1, c]
        let d2 = x_sq.clone() + t_sq - x.clone().matmul(t.transpose()).mul_scalar(2.0);
        let chunk_min = d2.min_dim(1); // [m, 1]
        best = Some(match best {
            None => chunk_min,
            Some(b) => b.min_pair(chunk_min),
        });
        // Reading one value per chunk keeps the work queue short on WebGPU and lets the
        // caller report progress honestly.
        let b = best.take().expect("set above");
        let _ = read_f32(b.clone().slice([0..1, 0..1])).await?;
        best = Some(b);
        progress((start + idx.len()).min(train.n), train.n);
    }
    let d2 = read_f32(best.expect("the training split is not empty")).await?;
    Ok(d2.into_iter().map(|v| v.max(0.0).sqrt()).collect())
}

/// Compares samples' and test digits' nearest-training-digit distances.
pub fn compare(sample_nn: &[f32], test_nn: &[f32]) -> Memorisation {
    let mean = |v: &[f32]| v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64;
    let mut sorted = test_nn.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let p5 = sorted[((sorted.len() as f64 * 0.05) as usize).min(sorted.len() - 1)];
    let (s, t) = (mean(sample_nn), mean(test_nn));
    Memorisation {
        n: sample_nn.len(),
        sample_nn: s,
        test_nn: t,
        ratio: s / t,
        near_copies: sample_nn.iter().filter(|&&d| d < p5).count() as f64 / sample_nn.len() as f64,
    }
}
