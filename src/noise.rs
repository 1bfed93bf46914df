//! Seeded noise made on the host, so that `sample(seed)` draws the same digits on every backend
//! (device RNGs differ between Flex and WebGPU).

use burn::tensor::{Device, Tensor, TensorData};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// `n` standard normal draws from `seed` (Box-Muller transform).
pub fn normal(seed: u64, n: usize) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(n + 1);
    while out.len() < n {
        let u1: f64 = 1.0 - rng.random::<f64>(); // (0, 1]: keeps ln finite
        let u2: f64 = rng.random::<f64>();
        let r = (-2.0 * u1.ln()).sqrt();
        let theta = 2.0 * std::f64::consts::PI * u2;
        out.push((r * theta.cos()) as f32);
        out.push((r * theta.sin()) as f32);
    }
    out.truncate(n);
    out
}

/// A `[rows, cols]` tensor of standard normal draws from `seed`, made on the host.
pub fn normal_tensor(seed: u64, [rows, cols]: [usize; 2], device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(normal(seed, rows * cols), [rows, cols]), device)
}

/// `n` uniform draws in [0, 1) from `seed`.
pub fn uniform(seed: u64, n: usize) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n).map(|_| rng.random::<f32>()).collect()
}

/// A `[rows, cols]` tensor of uniform draws in [0, 1) from `seed`, made on the host.
pub fn uniform_tensor(seed: u64, [rows, cols]: [usize; 2], device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(uniform(seed, rows * cols), [rows, cols]), device)
}
