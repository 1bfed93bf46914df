//! The reverse chain of a trained denoiser as a [`Chain`]: the sampler's state between steps
//! and everything a step needs (the network, the labels and guidance scale, seeded noise), so
//! the page can drive it across awaits, report progress and cancel. Generic over the
//! [`Denoiser`] and over where the states live ([`Space`]): pixels or a latent code.

use super::denoiser::{Denoiser, guided_eps};
use super::sampler::{Method, Reverse, Step};
use super::schedule::{Schedule, T};
use crate::error::Result;
use crate::families::{Chain, Frame};
use burn::tensor::{Device, Tensor};
use std::rc::Rc;

/// Where a chain's states live, and how a state is shown as images.
#[derive(Clone)]
pub struct Space {
    /// Bounds of the data, to clip the predicted x0 to (pixels scaled to [-1, 1]); `None` for
    /// an unbounded latent code, which must not be clamped.
    pub clip: Option<(f32, f32)>,
    /// A state `[n, d]` as images `[n, 784]` in [0, 1] (pixels rescaled; a latent decoded).
    pub show: Rc<dyn Fn(Tensor<2>) -> Tensor<2>>,
    /// A code's shape, `[channels, side, side]`: frames then carry the states themselves too,
    /// to be shown channel by channel. `None` for pixels, whose states are the images.
    pub grid: Option<[usize; 3]>,
}

/// What to sample: how many, which sampler and how many of its steps, which labels and
/// guidance, and the seed all the chain's noise derives from.
pub struct Request {
    pub n: usize,
    pub seed: u64,
    pub method: Method,
    pub steps: usize,
    pub labels: Option<Vec<u8>>,
    pub guidance: f64,
    /// Guidance w > 1 acts only at timesteps t < `guide_below` (counted 0..T-1, T - 1 the
    /// noisiest); above, the conditional model steps alone (w = 1). T: guidance at every step.
    pub guide_below: usize,
}

pub struct Guided<N: Denoiser> {
    reverse: Reverse,
    net: N,
    schedule: Schedule,
    space: Space,
    labels: Option<Vec<u8>>,
    w: f64,
    guide_below: usize,
    seed: u64,
    /// Noise draws so far: draw k is seeded from (seed, k), the same on every backend.
    draws: u64,
    /// The last step taken (for frames).
    last: Option<Step>,
    device: Device,
}

impl<N: Denoiser> Guided<N> {
    /// Starts at x_T, standard normal noise `[n, d]` drawn on the host from `request.seed`.
    pub fn new(net: N, schedule: Schedule, space: Space, request: Request, device: &Device) -> Guided<N> {
        let x_t = crate::noise::normal_tensor(request.seed, [request.n, net.dim()], device);
        Guided {
            reverse: Reverse::new(&schedule, request.method, request.steps, space.clip, x_t),
            net,
            schedule,
            space,
            labels: request.labels,
            w: request.guidance,
            guide_below: request.guide_below,
            seed: request.seed,
            draws: 0,
            last: None,
            device: device.clone(),
        }
    }
}

impl<N: Denoiser> Chain for Guided<N> {
    fn steps(&self) -> usize {
        self.reverse.steps()
    }

    fn done(&self) -> usize {
        self.reverse.done()
    }

    fn step(&mut self) -> Result<()> {
        let Guided { reverse, net, schedule, labels, w, guide_below, seed, draws, last, device, .. } = self;
        let shape = reverse.x().dims();
        // Guidance in a limited interval (Kynkaanniemi et al. 2024, arXiv:2404.07724): at the
        // noisiest steps it pulls every sample of a digit towards the same few shapes (variety
        // lost, FID up), so there the conditional model steps unguided. (Guidance there also
        // makes digits easier to read: where the interval ends is a trade, measured in the
        // README.) Only guidance beyond the conditional model (w > 1) is limited: w = 0 stays
        // the unconditional model at every step.
        let eps = |x: Tensor<2>, t: usize| {
            let w_t = if *w <= 1.0 || t < *guide_below { *w } else { 1.0 };
            guided_eps(net, x, t, labels.as_deref(), w_t)
        };
        let mut noise = || {
            *draws += 1;
            crate::noise::normal_tensor(seed.wrapping_add(draws.wrapping_mul(0x9e37_79b9)), shape, device)
        };
        *last = Some(reverse.step(schedule, &eps, &mut noise));
        Ok(())
    }

    /// x_t and the predicted x0 as images; before the first step, the pure noise x_T.
    fn frame(&self) -> Frame {
        let show = &self.space.show;
        let code = |x: &Tensor<2>| self.space.grid.map(|g| (x.clone(), g));
        match &self.last {
            None => Frame { t: T, x: show(self.reverse.x().clone()), x0: None, code: code(self.reverse.x()) },
            Some(s) => Frame { t: s.t, x: show(s.x.clone()), x0: Some(show(s.x0.clone())), code: code(&s.x) },
        }
    }

    fn finish(self: Box<Self>) -> Result<Tensor<2>> {
        Ok((self.space.show)(self.reverse.x().clone()))
    }
}
