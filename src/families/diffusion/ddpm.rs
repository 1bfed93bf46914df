//! Denoising diffusion: Ho, Jain & Abbeel, "Denoising Diffusion Probabilistic Models", 2020
//! (arXiv:2006.11239), with classifier-free guidance (Ho & Salimans 2022, arXiv:2207.12598).
//!
//! Training (Ho et al., Algorithm 1): take a digit x0 (pixels scaled to [-1, 1]), a step
//! t ~ U{0..T-1} and noise eps ~ N(0, I); make x_t = sqrt(alpha_bar_t) x0 + sqrt(1 - alpha_bar_t) eps
//! in one go (the closed form of [`super::schedule`]); regress the U-Net onto the noise:
//!
//!   L = | eps - eps_theta(x_t, t, y) |^2.
//!
//! The label y is replaced by the null label with probability `p_uncond`, so the one network
//! learns both eps(x_t, t, y) and eps(x_t, t). Sampling with guidance w then uses
//!
//!   eps_w = eps(x_t, t) + w (eps(x_t, t, y) - eps(x_t, t)),
//!
//! w = 0 being the unconditional model, w = 1 the conditional one, w > 1 sharper digits of the
//! asked class at some cost in variety. The page guides only in an interval of timesteps
//! (Kynkaanniemi et al., "Applying Guidance in a Limited Interval Improves Sample and
//! Distribution Quality in Diffusion Models", 2024, arXiv:2404.07724): eps_w for t below
//! `guide_below`, the conditional eps(x_t, t, y) alone above it, at the noisiest steps, where
//! guidance costs most variety. Samplers: [`super::sampler`]. Sampling and the
//! weights file use an exponential moving average of the weights ([`crate::nn::ema`]), as
//! Ho et al. do.
//!
//! Latent diffusion (Rombach, Blattmann, Lorenz, Esser & Ommer 2021, "High-Resolution Image
//! Synthesis with Latent Diffusion Models", arXiv:2112.10752, section 3.2) is the same model
//! with x0 replaced by the code z0 = E(x0) of a frozen autoencoder ([`crate::families::autoencoder`],
//! the family it is built on):
//!
//!   L_LDM = | eps - eps_theta(z_t, t, y) |^2,   z_t = sqrt(alpha_bar_t) E(x) + sqrt(1 - alpha_bar_t) eps,
//!
//! and the sampled code decoded at the end, x = D(z0). The same U-Net (on the code's 4 x 7 x 7
//! grid), schedules, samplers and guidance serve both; only where the states live differs
//! ([`Data`]): codes are unbounded, so the predicted z0 is never clipped.

use super::chain::{Guided, Request, Space};
use super::denoiser::{Denoiser, Teacher};
use super::sampler::{METHODS, Sampler};
use super::schedule::{KINDS, Kind, Schedule, T};
use crate::error::Error;
use crate::error::Result;
use crate::families::chain::{self, Chain};
use crate::families::hyper::{self, Config, HyperParam};
use crate::families::{
    Base, Bases, Batch, BuiltOn, Diffusion, Family, FamilyInfo, LossInfo, Model, Paper, PixelModel, Registration, SampleOptions, Settings,
    StepLosses, Trained, Variant,
};
use crate::nn::ema;
use crate::nn::unet::{Grid, NULL_LABEL, UNet};
use crate::weights::Pending;
use burn::optim::{AdamConfig, ModuleOptimizer};
use burn::store::ModuleRecord;
use burn::tensor::{Device, Distribution, Int, Tensor, TensorData};
use serde::Deserialize;
use serde_json::json;
use std::rc::Rc;

/// Pixel-space diffusion, the DDPM.
pub const REGISTRATION: Registration = Registration { info, create: |c, b, d| create(c, b, d, false) };
/// Latent diffusion: the same model in the codes of the autoencoder it is built on.
pub const LATENT: Registration = Registration { info: || described(true), create: |c, b, d| create(c, b, d, true) };

/// What latent diffusion is built on.
const AUTOENCODER: &str = "autoencoder";

/// The DDPM's declarations.
pub fn info() -> FamilyInfo {
    described(false)
}

/// The declarations of pixel or latent diffusion: the same settings, another name and paper.
fn described(latent: bool) -> FamilyInfo {
    let [_, batch] = hyper::common(5e-4, 64.0);
    let (name, title, description, paper) = if latent {
        (
            "latent-diffusion",
            "Latent diffusion",
            "Diffusion in a small code space: an autoencoder compresses each digit to a 4 x 7 x 7 grid, a denoiser learns to draw \
             such codes from noise, and the decoder turns the code into a digit at the end. Each step is cheaper than in pixel space.",
            Paper {
                title: "High-Resolution Image Synthesis with Latent Diffusion Models",
                authors: "Robin Rombach, Andreas Blattmann, Dominik Lorenz, Patrick Esser, Bjorn Ommer",
                year: 2021,
                url: "https://arxiv.org/abs/2112.10752",
            },
        )
    } else {
        (
            "ddpm",
            "Denoising diffusion (DDPM)",
            "Learns to remove noise a little at a time; sampling starts from pure noise and denoises it step by step, \
             optionally guided towards a chosen digit.",
            Paper {
                title: "Denoising Diffusion Probabilistic Models",
                authors: "Jonathan Ho, Ajay Jain, Pieter Abbeel",
                year: 2020,
                url: "https://arxiv.org/abs/2006.11239",
            },
        )
    };
    FamilyInfo {
        name,
        title,
        description,
        paper,
        pixels: PixelModel::Continuous,
        hyper: vec![
            HyperParam::int(
                "channels",
                "channels",
                if latent { "U-Net channels at the code's 7x7 (twice as many at 4x4)" } else { "U-Net channels at 14x14 (twice as many at 7x7)" },
                32.0,
                8.0,
                64.0,
            )
            .architecture(),
            // Codes take the linear schedule, as Rombach et al. do: the cosine one ends with
            // beta capped at 0.999, alpha_bar_T ~ 2e-9, where x0 = (x_t - sqrt(1 - alpha_bar) eps)
            // / sqrt(alpha_bar) multiplies the network's error by ~10^4 on a DDIM chain's first
            // step. Pixels survive it by clipping x0 to [-1, 1]; unbounded codes cannot be
            // clipped (measured: DDIM 20 on the cosine schedule drew blots, FID 988, where
            // ancestral DDPM 1000 drew digits, FID 179).
            HyperParam::choice("schedule", "noise schedule", "how the noise level grows with t", KINDS, if latent { 0 } else { 1 }).architecture(),
            HyperParam::float("p_uncond", "label dropout", "share of training digits shown without their label (for guidance)", 0.1, 0.0, 0.5),
            HyperParam::float("ema", "weight averaging", "decay of the moving average of weights that samples (0: none)", 0.999, 0.0, 0.9999),
            HyperParam::log_float("lr", "learning rate", "Adam step size", 5e-4, 1e-5, 1e-2),
            batch,
        ],
        sampling: vec![
            HyperParam::choice("sampler", "sampler", "DDIM (any number of steps, eta) or ancestral DDPM", METHODS, 0),
            HyperParam::int("steps", "steps", "denoising steps (1000 = every step of the chain)", 20.0, 1.0, T as f64),
            HyperParam::float("eta", "eta", "DDIM's noise: 0 deterministic, 1 like DDPM", 0.0, 0.0, 1.0),
            HyperParam::float(
                "guidance",
                "guidance",
                "classifier-free guidance scale w, used with a label (0: unconditional, 1: conditional)",
                // Measured (README): latent diffusion's guidance acts harder, and w = 3 costs it
                // far more variety (FID 81 against 29 at w = 2, both reading 99% right).
                if latent { 2.0 } else { 3.0 },
                0.0,
                10.0,
            ),
            HyperParam::int(
                "guide_below",
                "guide below t",
                "guidance w > 1 acts only at timesteps t below this, counting 0 to 999 (1000: every step); at the noisier ones the conditional model steps alone",
                GUIDE_BELOW as f64,
                1.0,
                T as f64,
            ),
        ],
        conditional: true,
        losses: vec![LossInfo {
            key: "mse",
            label: if latent {
                "noise prediction error |eps - eps_theta|^2 per code value"
            } else {
                "noise prediction error |eps - eps_theta|^2 per pixel"
            },
        }],
        // Latent diffusion's shipped file: 8,000 steps and 16,000 resumed (README).
        train_steps: if latent { 24_000 } else { 5000 },
        // The speed/quality trade-off (DDIM 10, 50, 250 steps, ancestral DDPM with all 1000)
        // unconditionally, and the effect of guidance and its interval on the digits asked for.
        variants: vec![
            Variant::new(&[("sampler", json!("ddim")), ("steps", json!(10))], false, false),
            // Not slow: the README's aim for the unconditional model is judged at full size.
            Variant::new(&[("sampler", json!("ddim")), ("steps", json!(50))], false, false),
            Variant::new(&[("sampler", json!("ddim")), ("steps", json!(250))], false, true),
            Variant::new(&[("sampler", json!("ddpm")), ("steps", json!(1000))], false, true),
            // Labelled (the FID of the digits a reader asks for): the unconditional and the
            // conditional model, guidance in its interval, and guidance at every step.
            Variant::new(&[("guidance", json!(0)), ("guide_below", json!(T))], true, false),
            Variant::new(&[("guidance", json!(1))], true, false),
            Variant::new(&[("guidance", json!(2))], true, false),
            Variant::new(&[("guidance", json!(3))], true, false),
            Variant::new(&[("guidance", json!(2)), ("guide_below", json!(T))], true, false),
            Variant::new(&[("guidance", json!(3)), ("guide_below", json!(T))], true, false),
        ],
        built_on: if latent { &[AUTOENCODER] } else { &[] },
        generator: true,
    }
}

fn optimizer() -> ModuleOptimizer {
    AdamConfig::new().init()
}

/// The hyper-parameters [`info`] declares.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hyper {
    channels: usize,
    schedule: Kind,
    p_uncond: f64,
    ema: f64,
    lr: f64,
    #[allow(dead_code)] // read by the training loop
    batch: usize,
}

/// The sampler settings [`info`] declares.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sampling {
    sampler: Sampler,
    steps: usize,
    eta: f64,
    guidance: f64,
    guide_below: usize,
}

/// The default guidance interval, chosen from the README's measured table (FID and accuracy
/// of labelled samples for each w and interval).
pub const GUIDE_BELOW: usize = 800;

fn create(config: &Config, bases: &Bases, device: &Device, latent: bool) -> Result<Box<dyn Family>> {
    let data = if latent { Data::Codes(bases.load(described(true).name, AUTOENCODER, device)?) } else { Data::Pixels };
    Ok(Box::new(Ddpm::on(config, data, device)?))
}

/// Where the model diffuses: a digit's pixels, or the codes of the autoencoder it is built on.
#[derive(Clone)]
enum Data {
    Pixels,
    Codes(BuiltOn),
}

pub struct Ddpm {
    /// The network that trains (on the autodiff device).
    net: Trained<UNet>,
    /// The moving average of its weights (inner device): what samples and what is saved.
    ema: UNet,
    /// Training steps taken since the model was made or loaded (for the average's warm-up).
    updates: u64,
    schedule: Schedule,
    /// alpha_bar_t on the device, `[T]`, for the training step's closed-form noising.
    alpha_bar: Tensor<1>,
    data: Data,
    base: Base<Hyper>,
}

/// Pixels in [0, 1] to the diffusion's [-1, 1], and back (clamped for display).
pub(super) fn to_signed(x: Tensor<2>) -> Tensor<2> {
    x.mul_scalar(2.0).sub_scalar(1.0)
}

pub(super) fn to_unit(x: Tensor<2>) -> Tensor<2> {
    x.add_scalar(1.0).div_scalar(2.0).clamp(0.0, 1.0)
}

impl Data {
    fn latent(&self) -> Option<&dyn crate::families::Latent> {
        match self {
            Data::Pixels => None,
            Data::Codes(ae) => ae.family.latent(),
        }
    }

    /// The U-Net's states: digits, or the autoencoder's code grid.
    fn grid(&self) -> Result<Grid> {
        match self {
            Data::Pixels => Ok(Grid::PIXELS),
            Data::Codes(_) => {
                let [channels, side, _] = self
                    .code_grid()
                    .ok_or_else(|| Error::Family(format!("latent diffusion needs an autoencoder with a spatial code; '{AUTOENCODER}' has none")))?;
                Ok(Grid { channels, side, fold: 1 })
            }
        }
    }

    /// A code's shape, where the states are codes.
    fn code_grid(&self) -> Option<[usize; 3]> {
        self.latent().and_then(|l| l.grid())
    }

    /// Training images `[b, 784]` in [0, 1] as states: pixels in [-1, 1], or codes (the frozen
    /// encoder's, no gradient through it).
    fn states(&self, images: Tensor<2>) -> Tensor<2> {
        match self.latent() {
            None => to_signed(images),
            Some(latent) => {
                let device = images.device();
                latent.encode(images.to_device(&device.clone().without_autodiff())).expect("an autoencoder encodes").to_device(&device)
            }
        }
    }

    /// Pixel space: x0 is clipped to [-1, 1], and states are shown as pixels in [0, 1]. Codes:
    /// never clipped, shown decoded.
    fn space(&self) -> Space {
        match self {
            Data::Pixels => Space { clip: Some((-1.0, 1.0)), show: Rc::new(to_unit), grid: None },
            Data::Codes(ae) => {
                let ae = ae.family.clone();
                // States always have the code's size (the U-Net was built on its grid), so
                // decoding cannot fail.
                let grid = self.code_grid();
                Space {
                    clip: None,
                    show: Rc::new(move |z| ae.latent().expect("an autoencoder").decode(z, None).expect("codes of the grid's size")),
                    grid,
                }
            }
        }
    }
}

impl Ddpm {
    /// A pixel-space DDPM.
    pub fn new(config: &Config, device: &Device) -> Result<Ddpm> {
        Ddpm::on(config, Data::Pixels, device)
    }

    fn on(config: &Config, data: Data, device: &Device) -> Result<Ddpm> {
        let latent = matches!(data, Data::Codes(_));
        let base: Base<Hyper> = Base::new(described(latent).hyper, config, device)?;
        let schedule = Schedule::new(base.hp.schedule);
        let ab: Vec<f32> = schedule.alpha_bar.iter().map(|&v| v as f32).collect();
        let net = Trained::new(UNet::new(base.hp.channels, data.grid()?, &base.device), optimizer);
        Ok(Ddpm { ema: net.inference(), net, updates: 0, alpha_bar: Tensor::from_data(TensorData::new(ab, [T]), &base.device), schedule, data, base })
    }

    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// x_t = sqrt(alpha_bar_t) x0 + sqrt(1 - alpha_bar_t) eps for a batch `[b, d]` at
    /// timesteps `t` `[b]` (the forward process in closed form).
    pub fn noised(&self, x0: Tensor<2>, t: Tensor<1, Int>, eps: Tensor<2>) -> Tensor<2> {
        let b = x0.dims()[0];
        let ab = self.alpha_bar.clone().to_device(&x0.device()).select(0, t).reshape([b, 1]);
        x0 * ab.clone().sqrt() + eps * ab.neg().add_scalar(1.0).sqrt()
    }

    /// The reverse chain for `options`, owning what it needs (the averaged network is shared,
    /// not copied), so the page can drive it across awaits.
    fn reverse(&self, options: &SampleOptions) -> Result<Guided<UNet>> {
        let Sampling { sampler, steps, eta, guidance, guide_below } = options.typed(&self.info())?;
        let request =
            Request { n: options.n, seed: options.seed, method: sampler.method(eta), steps, labels: options.labels.clone(), guidance, guide_below };
        Ok(Guided::new(self.ema.clone(), self.schedule.clone(), self.data.space(), request, &self.base.inference_device()))
    }
}

impl Model for Ddpm {
    fn info(&self) -> FamilyInfo {
        described(matches!(self.data, Data::Codes(_)))
    }

    fn built_on(&self) -> Vec<(String, String)> {
        match &self.data {
            Data::Pixels => vec![],
            Data::Codes(ae) => vec![(ae.name.clone(), ae.digest.clone())],
        }
    }

    fn base(&self) -> &dyn Settings {
        &self.base
    }

    fn base_mut(&mut self) -> &mut dyn Settings {
        &mut self.base
    }

    fn train_step(&mut self, batch: Batch) -> Result<StepLosses> {
        let Hyper { lr, p_uncond, ema: decay, .. } = self.base.hp;
        let device = &self.base.device;
        let x0 = self.data.states(batch.images);
        let b = x0.dims()[0];
        let t = Tensor::<1>::random([b], Distribution::Uniform(0.0, T as f64), device).floor().clamp(0.0, (T - 1) as f64).int();
        let eps = Tensor::<2>::random([b, self.ema.dim()], Distribution::Normal(0.0, 1.0), device);
        let drop = Tensor::<1>::random([b], Distribution::Default, device).lower_elem(p_uncond);
        let x_t = self.noised(x0, t.clone(), eps.clone());
        let y = batch.labels.mask_fill(drop, NULL_LABEL as i64);
        let pred = self.net.net.predict(x_t, t.float(), y);
        let loss = (pred - eps).square().mean();
        self.net.step(lr, &loss);
        self.ema = ema::update(self.ema.clone(), &self.net.inference(), ema::warmed_decay(decay, self.updates));
        self.updates += 1;
        Ok(vec![loss.detach()])
    }

    fn weights(&self) -> Pending {
        crate::weights::pending(&self.ema)
    }

    fn load_record(&mut self, record: ModuleRecord) -> Result<()> {
        self.net.load(record)?;
        self.ema = self.net.inference();
        self.updates = 0;
        Ok(())
    }
}

impl Family for Ddpm {
    fn sample(&self, options: &SampleOptions) -> Result<Tensor<2>> {
        chain::run(Box::new(self.reverse(options)?))
    }

    /// The reverse chain; its frames are x_t and the predicted x0 after each step, as images
    /// in [0, 1], the first being the pure noise x_T.
    fn chain(&self, options: &SampleOptions) -> Option<Result<Box<dyn Chain>>> {
        Some(self.reverse(options).map(|c| Box::new(c) as Box<dyn Chain>))
    }

    fn diffusion(&self) -> Option<&dyn Diffusion> {
        Some(self)
    }
}

impl Diffusion for Ddpm {
    fn alpha_bar(&self) -> &[f64] {
        &self.schedule.alpha_bar
    }

    /// For latent diffusion, the code noised and decoded: what the denoiser sees, as a digit
    /// (the first d of the given noise values noise the d-value code).
    fn noise_images(&self, x0: Tensor<2>, t: usize, eps: Tensor<2>) -> Tensor<2> {
        let device = self.base.inference_device();
        let ab = self.schedule.alpha_bar[t.min(T - 1)];
        let x0 = self.data.states(x0.to_device(&device));
        let d = x0.dims()[1];
        let eps = eps.to_device(&device).narrow(1, 0, d);
        (self.data.space().show)(x0.mul_scalar(ab.sqrt()) + eps.mul_scalar((1.0 - ab).sqrt()))
    }

    fn code_grid(&self) -> Option<[usize; 3]> {
        self.data.code_grid()
    }

    /// The pixel DDPM teaches (consistency distillation); latent diffusion's network works on
    /// codes, which a pixel student cannot learn from.
    fn teacher(&self) -> Option<Teacher> {
        match self.data {
            Data::Pixels => Some(Teacher { net: self.ema.clone(), schedule: self.schedule.clone() }),
            Data::Codes(_) => None,
        }
    }
}
