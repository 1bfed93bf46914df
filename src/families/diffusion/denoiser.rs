//! The network a diffusion model trains: eps_theta(x_t, t, y), the noise in a state x_t, for
//! states of any size d (pixels, or a latent code). The samplers and the reverse chain are
//! written against this trait, so one chain serves the pixel DDPM's U-Net and latent
//! diffusion's U-Net over autoencoder codes.
//!
//! Classifier-free guidance (Ho & Salimans 2022, arXiv:2207.12598) needs nothing more of a
//! denoiser than a null label: with guidance scale w,
//!
//!   eps_w = eps(x_t, t) + w (eps(x_t, t, y) - eps(x_t, t)).

use super::schedule::Schedule;
use crate::nn::unet::{NULL_LABEL, UNet};
use burn::tensor::{Int, Tensor, TensorData};

/// A noise predictor over states `[b, d]`.
pub trait Denoiser: Clone + 'static {
    /// d, the size of a state.
    fn dim(&self) -> usize;
    /// eps_theta(x_t, t, y) for states `x` `[b, d]` at timesteps `t` (`[b]`, as floats) with
    /// labels `y` (`[b]`, 0..9 or [`NULL_LABEL`] for none); `[b, d]`.
    fn predict(&self, x: Tensor<2>, t: Tensor<1>, y: Tensor<1, Int>) -> Tensor<2>;
}

/// The U-Net denoises states of its grid: 28 x 28 digits (pixels scaled to [-1, 1]), or codes.
impl Denoiser for UNet {
    fn dim(&self) -> usize {
        self.grid().dim()
    }

    fn predict(&self, x: Tensor<2>, t: Tensor<1>, y: Tensor<1, Int>) -> Tensor<2> {
        self.forward(x, t, y)
    }
}

/// eps_theta(x_t, t) with classifier-free guidance: unconditional without labels, else
/// eps_u + w (eps_c - eps_u), both from one batch of 2n. At w = 0 and w = 1 the formula needs
/// only one of the two (eps_u, eps_c), so only that one is computed.
pub fn guided_eps<N: Denoiser>(net: &N, x: Tensor<2>, t: usize, labels: Option<&[u8]>, w: f64) -> Tensor<2> {
    let device = x.device();
    let [n, d] = x.dims();
    let time = |m: usize| Tensor::<1>::full([m], t as f32, &device);
    let ids = |v: Vec<i64>| Tensor::<1, Int>::from_data(TensorData::new(v.clone(), [v.len()]), &device);
    match labels {
        None => net.predict(x, time(n), ids(vec![NULL_LABEL as i64; n])),
        Some(_) if w == 0.0 => guided_eps(net, x, t, None, w),
        Some(labels) if w == 1.0 => net.predict(x, time(n), ids(labels.iter().map(|&l| l as i64).collect())),
        Some(labels) => {
            let mut y: Vec<i64> = labels.iter().map(|&l| l as i64).collect();
            y.extend(std::iter::repeat_n(NULL_LABEL as i64, n));
            let both = net.predict(Tensor::cat(vec![x.clone(), x], 0), time(2 * n), ids(y));
            let cond = both.clone().slice([0..n, 0..d]);
            let uncond = both.slice([n..2 * n, 0..d]);
            uncond.clone() + (cond - uncond).mul_scalar(w)
        }
    }
}

/// A trained pixel-space noise predictor and its schedule, for a model that learns from it
/// (consistency distillation): the network is its weights' moving average.
#[derive(Clone)]
pub struct Teacher {
    pub net: UNet,
    pub schedule: Schedule,
}
