//! Noise schedules: how much noise the forward process has added by step t.
//!
//! The forward process q(x_t | x_{t-1}) = N(sqrt(1 - beta_t) x_{t-1}, beta_t I) has the closed
//! form (Ho et al. 2020, eq. 4)
//!
//!   q(x_t | x_0) = N(sqrt(alpha_bar_t) x_0, (1 - alpha_bar_t) I),
//!   alpha_t = 1 - beta_t,  alpha_bar_t = prod_{s <= t} alpha_s,
//!
//! so sqrt(alpha_bar_t) is the signal level at step t and sqrt(1 - alpha_bar_t) the noise level.
//! Linear: beta rises from 1e-4 to 0.02 over T = 1000 steps (Ho et al.). Cosine: alpha_bar
//! follows cos^2 so that the signal fades evenly instead of vanishing early (Nichol & Dhariwal
//! 2021, "Improved Denoising Diffusion Probabilistic Models", eq. 17).

/// Diffusion steps, as in DDPM.
pub const T: usize = 1000;

/// The schedule's shape; its serde name is the name hyper-parameters and weights files use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Linear,
    Cosine,
}

impl Kind {
    /// Its name in hyper-parameters and weights files (as serde reads it).
    pub const fn name(self) -> &'static str {
        match self {
            Kind::Linear => "linear",
            Kind::Cosine => "cosine",
        }
    }
}

/// The names `Kind`s take in hyper-parameters, from [`Kind::name`].
pub const KINDS: &[&str] = &[Kind::Linear.name(), Kind::Cosine.name()];

#[derive(Debug, Clone)]
pub struct Schedule {
    pub kind: Kind,
    /// beta_t for t = 0..T (index t is the paper's step t + 1).
    pub betas: Vec<f64>,
    /// alpha_bar_t = prod_{s <= t} (1 - beta_s).
    pub alpha_bar: Vec<f64>,
}

impl Schedule {
    pub fn new(kind: Kind) -> Schedule {
        let betas: Vec<f64> = match kind {
            Kind::Linear => (0..T).map(|t| 1e-4 + (0.02 - 1e-4) * t as f64 / (T - 1) as f64).collect(),
            Kind::Cosine => {
                // f(t) = cos^2(((t / T) + s) / (1 + s) * pi / 2), alpha_bar_t = f(t) / f(0),
                // beta_t = 1 - alpha_bar_t / alpha_bar_{t-1}, capped at 0.999 near t = T.
                let s = 0.008;
                let f = |t: f64| (((t / T as f64) + s) / (1.0 + s) * std::f64::consts::FRAC_PI_2).cos().powi(2);
                (0..T).map(|t| (1.0 - f(t as f64 + 1.0) / f(t as f64)).min(0.999)).collect()
            }
        };
        let mut alpha_bar = Vec::with_capacity(T);
        let mut prod = 1.0;
        for b in &betas {
            prod *= 1.0 - b;
            alpha_bar.push(prod);
        }
        Schedule { kind, betas, alpha_bar }
    }

    /// alpha_bar before step `t` (1 before the first step).
    pub fn alpha_bar_prev(&self, t: Option<usize>) -> f64 {
        t.map_or(1.0, |t| self.alpha_bar[t])
    }

    /// `steps` timesteps, evenly spaced, descending, and starting at the last step T - 1
    /// (the "trailing" spacing of Lin et al. 2024, "Common Diffusion Noise Schedules and Sample
    /// Steps are Flawed", table 2): t_i = round(T - i T / steps) - 1 for i = 0 .. steps - 1.
    ///
    /// Why trailing: the chain starts from pure noise, which is x_T; a grid that starts lower
    /// (the "leading" floor(i T / steps), 950 for 20 steps) asks the network to denoise pure
    /// noise as if some signal were left, which short chains never recover from. All T of them
    /// for steps = T, as before.
    pub fn timesteps(&self, steps: usize) -> Vec<usize> {
        let steps = steps.clamp(1, T);
        (0..steps).map(|i| (T as f64 - (i * T) as f64 / steps as f64).round() as usize - 1).collect()
    }
}
