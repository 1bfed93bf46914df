//! Pictures of a latent space, for any family with a [`Latent`] space.

use crate::error::{Error, Result};
use crate::families::Latent;
use burn::tensor::{Device, Tensor, TensorData};

/// `steps` codes on the straight line between `za` and `zb` (`[1, d]` each):
/// z(t) = (1 - t) z_a + t z_b for t = 0 .. 1.
pub fn line(za: Tensor<2>, zb: Tensor<2>, steps: usize) -> Result<Tensor<2>> {
    if !(2..=64).contains(&steps) {
        return Err(Error::Param(format!("interpolation steps = {steps} is out of range [2, 64]")));
    }
    let device = za.device();
    let ts: Vec<f32> = (0..steps).map(|i| i as f32 / (steps - 1) as f32).collect();
    let t = Tensor::<2>::from_data(TensorData::new(ts, [steps, 1]), &device);
    Ok(za * t.clone().neg().add_scalar(1.0) + zb.to_device(&device) * t)
}

/// Decoded images on the line between the codes of two digits `xa`, `xb` (`[1, 784]`),
/// for a family with an encoder.
pub fn interpolate(latent: &dyn Latent, xa: Tensor<2>, xb: Tensor<2>, steps: usize) -> Result<Tensor<2>> {
    let no_encoder = || Error::Family("this family has no encoder: interpolate between codes instead".into());
    let za = latent.encode(xa).ok_or_else(no_encoder)?;
    let zb = latent.encode(xb).ok_or_else(no_encoder)?;
    latent.decode(line(za, zb, steps)?, None)
}

/// For a 2-D latent: a `side` x `side` grid of decoded codes spanning [-extent, extent]^2,
/// row-major with z_2 decreasing down the rows (as a plot's y axis).
pub fn manifold(latent: &dyn Latent, side: usize, extent: f32, device: &Device) -> Result<Tensor<2>> {
    if latent.latent_dim() != 2 {
        return Err(Error::Param(format!(
            "the manifold view needs a 2-D latent; this model's latent has {} dimensions (train one with latent size 2)",
            latent.latent_dim()
        )));
    }
    // Written so that a NaN extent is refused too.
    if !((2..=32).contains(&side) && extent > 0.0 && extent <= 10.0) {
        return Err(Error::Param(format!("manifold side = {side} (2..32), extent = {extent} (0..10]")));
    }
    let coord = |i: usize| -extent + 2.0 * extent * i as f32 / (side - 1) as f32;
    let mut zs = Vec::with_capacity(side * side * 2);
    for row in 0..side {
        for col in 0..side {
            zs.push(coord(col));
            zs.push(coord(side - 1 - row));
        }
    }
    let z = Tensor::from_data(TensorData::new(zs, [side * side, 2]), device);
    latent.decode(z, None)
}
