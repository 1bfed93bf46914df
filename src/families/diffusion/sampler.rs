//! Samplers: ways to run the reverse chain from noise x_T to an image x_0, given any network
//! that predicts the noise eps(x_t, t). Kept apart from the network, as in Hugging Face
//! diffusers: one U-Net, several samplers.
//!
//! The state is any `[n, d]` tensor: pixels, or a latent code (latent diffusion).
//!
//! Both first estimate the clean image from the predicted noise (Ho et al. 2020, eq. 15),
//!
//!   x0 = (x_t - sqrt(1 - alpha_bar_t) eps) / sqrt(alpha_bar_t),   clipped to [-1, 1] in pixel space,
//!
//! then step from t to the previous timestep t' of their grid (all T steps, or fewer).
//!
//! DDPM, ancestral (Ho et al. 2020, eqs. 6-7; on a shorter grid with beta'_t =
//! 1 - alpha_bar_t / alpha_bar_t', as Nichol & Dhariwal 2021 respace it): sample the
//! posterior q(x_t' | x_t, x0) = N(mu, sigma^2 I) with
//!
//!   mu = sqrt(alpha_bar_t') beta'_t / (1 - alpha_bar_t) x0 + sqrt(1 - beta'_t) (1 - alpha_bar_t') / (1 - alpha_bar_t) x_t
//!   sigma^2 = beta'_t (1 - alpha_bar_t') / (1 - alpha_bar_t)
//!
//! DDIM (Song, Meng & Ermon 2020, eq. 12): with sigma = eta sqrt((1 - alpha_bar_t') /
//! (1 - alpha_bar_t)) sqrt(1 - alpha_bar_t / alpha_bar_t'),
//!
//!   x_t' = sqrt(alpha_bar_t') x0 + sqrt(1 - alpha_bar_t' - sigma^2) eps + sigma z,
//!
//! deterministic for eta = 0 (the noise x_T alone decides the image), DDPM-like for eta = 1.

use super::schedule::Schedule;
use burn::tensor::Tensor;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Method {
    Ddpm,
    Ddim { eta: f64 },
}

/// A sampler as settings name it (its serde name); with DDIM's eta it makes a [`Method`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sampler {
    Ddim,
    Ddpm,
}

impl Sampler {
    /// Its name in settings (as serde reads it).
    pub const fn name(self) -> &'static str {
        match self {
            Sampler::Ddim => "ddim",
            Sampler::Ddpm => "ddpm",
        }
    }

    pub fn method(self, eta: f64) -> Method {
        match self {
            Sampler::Ddim => Method::Ddim { eta },
            Sampler::Ddpm => Method::Ddpm,
        }
    }
}

/// The names of the samplers in settings.
pub const METHODS: &[&str] = &[Sampler::Ddim.name(), Sampler::Ddpm.name()];

/// One step of the reverse chain: the state it reached and its guess at the clean image.
pub struct Step {
    /// The timestep the step reached, counted as in the paper: T for pure noise, 0 for the
    /// finished image (the grid's index t is the paper's step t + 1).
    pub t: usize,
    /// x_t' after the step (pixels in [-1, 1], roughly: noise is unbounded; or a code).
    pub x: Tensor<2>,
    /// The clean state predicted from the state the step started at (clipped to [-1, 1] for
    /// pixels, never for codes).
    pub x0: Tensor<2>,
}

/// The reverse chain as a state that moves one timestep at a time, so a caller can stop
/// between steps (report progress, yield to the page, cancel). [`run`] drives it to the end.
#[derive(Clone)]
pub struct Reverse {
    /// The timestep grid, descending.
    ts: Vec<usize>,
    /// Steps taken so far.
    i: usize,
    method: Method,
    clip: Option<(f32, f32)>,
    /// x_t at the current step (x_T before the first).
    x: Tensor<2>,
}

impl Reverse {
    /// Starts from `x` (= x_T) on `steps` timesteps of `schedule`. `clip` bounds the predicted
    /// x0 where the data is bounded (pixels in [-1, 1]); a latent space passes `None`.
    pub fn new(schedule: &Schedule, method: Method, steps: usize, clip: Option<(f32, f32)>, x: Tensor<2>) -> Reverse {
        Reverse { ts: schedule.timesteps(steps), i: 0, method, clip, x }
    }

    /// Steps in all.
    pub fn steps(&self) -> usize {
        self.ts.len()
    }

    /// Steps taken.
    pub fn done(&self) -> usize {
        self.i
    }

    pub fn is_finished(&self) -> bool {
        self.i == self.ts.len()
    }

    /// The current state: x_T before the first step, x_0 after the last.
    pub fn x(&self) -> &Tensor<2> {
        &self.x
    }

    /// One step from t to the grid's next timestep. `eps(x, t)` is the noise prediction;
    /// `noise()` draws fresh standard normal noise shaped like x (called only where the step
    /// is random). Panics when the chain is finished.
    pub fn step(&mut self, schedule: &Schedule, eps: &dyn Fn(Tensor<2>, usize) -> Tensor<2>, noise: &mut dyn FnMut() -> Tensor<2>) -> Step {
        let (i, ts, x) = (self.i, &self.ts, self.x.clone());
        let t = ts[i];
        let ab = schedule.alpha_bar[t];
        let ab_prev = schedule.alpha_bar_prev(ts.get(i + 1).copied());
        let e = eps(x.clone(), t);
        let x0 = (x.clone() - e.mul_scalar((1.0 - ab).sqrt())).div_scalar(ab.sqrt());
        let x0 = match self.clip {
            Some((lo, hi)) => x0.clamp(lo, hi),
            None => x0,
        };
        // The noise consistent with the (clipped) x0.
        let e = (x.clone() - x0.clone().mul_scalar(ab.sqrt())).div_scalar((1.0 - ab).sqrt());
        let next = match self.method {
            Method::Ddim { eta } => {
                let sigma = eta * ((1.0 - ab_prev) / (1.0 - ab)).sqrt() * (1.0 - ab / ab_prev).max(0.0).sqrt();
                let mut next = x0.clone().mul_scalar(ab_prev.sqrt()) + e.mul_scalar((1.0 - ab_prev - sigma * sigma).max(0.0).sqrt());
                if sigma > 0.0 {
                    next = next + noise().mul_scalar(sigma);
                }
                next
            }
            Method::Ddpm => {
                let beta = 1.0 - ab / ab_prev;
                let mean =
                    x0.clone().mul_scalar(ab_prev.sqrt() * beta / (1.0 - ab)) + x.mul_scalar((1.0 - beta).sqrt() * (1.0 - ab_prev) / (1.0 - ab));
                let var = beta * (1.0 - ab_prev) / (1.0 - ab);
                if var > 0.0 { mean + noise().mul_scalar(var.sqrt()) } else { mean }
            }
        };
        self.x = next;
        self.i += 1;
        Step { t: ts.get(i + 1).map_or(0, |t| t + 1), x: self.x.clone(), x0 }
    }
}

/// Runs the reverse chain from `x` (= x_T) over `steps` timesteps (see [`Reverse`]);
/// `each(step)` sees every step. Returns x_0.
#[allow(clippy::too_many_arguments)]
pub fn run(
    schedule: &Schedule,
    method: Method,
    steps: usize,
    clip: Option<(f32, f32)>,
    x: Tensor<2>,
    eps: &dyn Fn(Tensor<2>, usize) -> Tensor<2>,
    noise: &mut dyn FnMut() -> Tensor<2>,
    each: &mut dyn FnMut(Step),
) -> Tensor<2> {
    let mut chain = Reverse::new(schedule, method, steps, clip, x);
    while !chain.is_finished() {
        each(chain.step(schedule, eps, noise));
    }
    chain.x
}
