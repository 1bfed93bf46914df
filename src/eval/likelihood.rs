//! Test-set log-likelihood (or its bound) in nats per digit and in bits per dimension.
//!
//! bits/dim = -log p(x) / (784 ln 2): the cost of coding one pixel, comparable across image
//! sizes. The pixel model is stated with every figure: a binarised likelihood (MNIST pixels
//! drawn as Bernoulli variables with their intensity as probability, with a fixed seed so
//! every run and backend scores the same digits) is not comparable with one of dequantised
//! 8-bit intensities.

use crate::data::{IMAGE_PIXELS, Split};
use crate::error::{Error, Result};
use crate::families::{Family, Likelihood, PixelModel};
use crate::runtime::read_scalars;
use burn::tensor::Device;
use serde::Serialize;

/// Digits scored per forward pass (an IWAE bound makes one pass per importance sample).
const CHUNK: usize = 500;

#[derive(Debug, Clone, Serialize)]
pub struct LikelihoodReport {
    /// Mean log p(x) (or its bound) per digit, in nats: higher is better.
    pub nats: f64,
    /// -nats / (784 ln 2).
    pub bits_per_dim: f64,
    /// Test digits scored.
    pub n: usize,
    pub kind: Likelihood,
    /// Importance samples per digit (for bounds).
    pub samples: usize,
    pub pixels: PixelModel,
    /// For an estimate, its standard error in nats (an energy model's log Z across AIS runs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncertainty: Option<f64>,
}

pub fn bits_per_dim(nats: f64) -> f64 {
    -nats / (IMAGE_PIXELS as f64 * std::f64::consts::LN_2)
}

/// Mean log-likelihood over the first `n` test digits, prepared for the family's pixel model
/// with `seed`. `None` when the family has no likelihood.
pub async fn test_likelihood(
    family: &dyn Family,
    test: &Split,
    n: usize,
    samples: usize,
    seed: u64,
    device: &Device,
) -> Result<Option<LikelihoodReport>> {
    let info = family.info();
    let Some(density) = family.density() else { return Ok(None) };
    let kind = density.kind();
    if n == 0 || n > test.n {
        return Err(Error::Param(format!("n = {n} is out of range [1, {}]", test.n)));
    }
    if samples == 0 || samples > 10_000 {
        return Err(Error::Param(format!("samples = {samples} is out of range [1, 10000]")));
    }
    let mut total = 0f64;
    for start in (0..n).step_by(CHUNK) {
        let idx: Vec<usize> = (start..(start + CHUNK).min(n)).collect();
        let x = test.batch_prepared(&idx, info.pixels, seed ^ start as u64, device);
        let ll = density.log_likelihood(x, samples);
        total += read_scalars(vec![ll.sum()]).await?[0] as f64;
    }
    let nats = total / n as f64;
    let uncertainty = match density.uncertainty() {
        Some(se) => Some(read_scalars(vec![se]).await?[0] as f64),
        None => None,
    };
    Ok(Some(LikelihoodReport { nats, bits_per_dim: bits_per_dim(nats), n, kind, samples, pixels: info.pixels, uncertainty }))
}
