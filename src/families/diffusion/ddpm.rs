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
//! asked class at some cost in variety. Samplers: [`super::sampler`]. Sampling and the
//! weights file use an exponential moving average of the weights ([`crate::nn::ema`]), as
//! Ho et al. do.

use super::sampler::{METHODS, Method, Reverse, Step};
use super::schedule::{KINDS, Kind, Schedule, T};
use crate::data::IMAGE_PIXELS;
use crate::error::Result;
use crate::families::chain::{self, Chain};
use crate::families::hyper::{self, Config, HyperParam};
use crate::families::{
    Base, Batch, Capabilities, Diffusion, Family, FamilyInfo, Frame, LossInfo, Model, Paper, PixelModel, Registration, SampleOptions, StepLosses,
    Trained, Variant,
};
use crate::nn::ema;
use crate::nn::unet::{NULL_LABEL, UNet};
use crate::weights::Pending;
use burn::optim::{AdamConfig, ModuleOptimizer};
use burn::store::ModuleRecord;
use burn::tensor::{Device, Distribution, Int, Tensor, TensorData};
use serde_json::json;

pub const REGISTRATION: Registration = Registration { info, create };

pub fn info() -> FamilyInfo {
    let [_, batch] = hyper::common(5e-4, 64.0);
    FamilyInfo {
        name: "ddpm",
        title: "Denoising diffusion (DDPM)",
        description: "Learns to remove noise a little at a time; sampling starts from pure noise and denoises it step by step, \
                      optionally guided towards a chosen digit.",
        paper: Paper {
            title: "Denoising Diffusion Probabilistic Models",
            authors: "Jonathan Ho, Ajay Jain, Pieter Abbeel",
            year: 2020,
            url: "https://arxiv.org/abs/2006.11239",
        },
        pixels: PixelModel::Continuous,
        hyper: vec![
            HyperParam::int("channels", "channels", "U-Net channels at 14x14 (twice as many at 7x7)", 32.0, 8.0, 64.0).architecture(),
            HyperParam::choice("schedule", "noise schedule", "how the noise level grows with t", KINDS, 1).architecture(),
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
                2.0,
                0.0,
                10.0,
            ),
        ],
        capabilities: Capabilities {
            trainable: true,
            trajectory: true,
            likelihood: None,
            latent: false,
            encoder: false,
            conditional: true,
            classify: false,
            diffusion: true,
        },
        losses: vec![LossInfo { key: "mse", label: "noise prediction error |eps - eps_theta|^2 per pixel" }],
        train_steps: 5000,
        // The speed/quality trade-off (DDIM 10, 50, 250 steps, ancestral DDPM with all 1000)
        // unconditionally, and the effect of guidance on the conditional accuracy (w = 0, 1, 3).
        variants: vec![
            Variant::new(&[("sampler", json!("ddim")), ("steps", json!(10))], false, false),
            // Not slow: the README's aim for the unconditional model is judged at full size.
            Variant::new(&[("sampler", json!("ddim")), ("steps", json!(50))], false, false),
            Variant::new(&[("sampler", json!("ddim")), ("steps", json!(250))], false, true),
            Variant::new(&[("sampler", json!("ddpm")), ("steps", json!(1000))], false, true),
            Variant::new(&[("guidance", json!(0))], true, false),
            Variant::new(&[("guidance", json!(1))], true, false),
            Variant::new(&[("guidance", json!(3))], true, false),
        ],
        built_on: &[],
    }
}

fn optimizer() -> ModuleOptimizer {
    AdamConfig::new().init()
}

fn create(config: &Config, device: &Device) -> Box<dyn Family> {
    Box::new(Ddpm::new(config, device))
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
    base: Base,
}

/// Pixels in [0, 1] to the diffusion's [-1, 1], and back (clamped for display).
fn to_signed(x: Tensor<2>) -> Tensor<2> {
    x.mul_scalar(2.0).sub_scalar(1.0)
}

fn to_unit(x: Tensor<2>) -> Tensor<2> {
    x.add_scalar(1.0).div_scalar(2.0).clamp(0.0, 1.0)
}

impl Ddpm {
    pub fn new(config: &Config, device: &Device) -> Ddpm {
        let base = Base::new(config, device);
        let kind = hyper::choice(&info().hyper, config, "schedule");
        let schedule = Schedule::new(Kind::named(kind).expect("KINDS lists Kind's names"));
        let ab: Vec<f32> = schedule.alpha_bar.iter().map(|&v| v as f32).collect();
        let net = Trained::new(UNet::new(hyper::get(config, "channels") as usize, &base.device), optimizer);
        Ddpm { ema: net.inference(), net, updates: 0, alpha_bar: Tensor::from_data(TensorData::new(ab, [T]), &base.device), schedule, base }
    }

    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// x_t = sqrt(alpha_bar_t) x0 + sqrt(1 - alpha_bar_t) eps for a batch `[b, 784]` at
    /// timesteps `t` `[b]` (the forward process in closed form).
    pub fn noised(&self, x0: Tensor<2>, t: Tensor<1, Int>, eps: Tensor<2>) -> Tensor<2> {
        let b = x0.dims()[0];
        let ab = self.alpha_bar.clone().to_device(&x0.device()).select(0, t).reshape([b, 1]);
        x0 * ab.clone().sqrt() + eps * ab.neg().add_scalar(1.0).sqrt()
    }

    /// The reverse chain for `options`, owning what it needs (the averaged network is shared,
    /// not copied), so the page can drive it across awaits.
    fn reverse(&self, options: &SampleOptions) -> DdpmChain {
        let info = info();
        let device = self.base.inference_device();
        let sampler = hyper::choice(&info.sampling, &options.settings, "sampler");
        let method = Method::named(sampler, options.setting(&info, "eta")).expect("METHODS lists the names Method knows");
        let steps = options.setting(&info, "steps") as usize;
        let x_t = crate::noise::normal_tensor(options.seed, [options.n, IMAGE_PIXELS], &device);
        DdpmChain {
            reverse: Reverse::new(&self.schedule, method, steps, Some((-1.0, 1.0)), x_t),
            net: self.ema.clone(),
            schedule: self.schedule.clone(),
            labels: options.labels.clone(),
            w: options.setting(&info, "guidance"),
            seed: options.seed,
            draws: 0,
            last: None,
            device,
        }
    }
}

/// eps_theta(x_t, t) with classifier-free guidance: unconditional without labels, else
/// eps_u + w (eps_c - eps_u), both from one batch of 2n.
pub fn guided_eps(net: &UNet, x: Tensor<2>, t: usize, labels: Option<&[u8]>, w: f64) -> Tensor<2> {
    let device = x.device();
    let [n, d] = x.dims();
    let time = |m: usize| Tensor::<1>::full([m], t as f32, &device);
    let ids = |v: Vec<i64>| Tensor::<1, Int>::from_data(TensorData::new(v.clone(), [v.len()]), &device);
    match labels {
        None => net.forward(x, time(n), ids(vec![NULL_LABEL as i64; n])),
        Some(labels) => {
            let mut y: Vec<i64> = labels.iter().map(|&l| l as i64).collect();
            y.extend(std::iter::repeat_n(NULL_LABEL as i64, n));
            let both = net.forward(Tensor::cat(vec![x.clone(), x], 0), time(2 * n), ids(y));
            let cond = both.clone().slice([0..n, 0..d]);
            let uncond = both.slice([n..2 * n, 0..d]);
            uncond.clone() + (cond - uncond).mul_scalar(w)
        }
    }
}

/// The DDPM's reverse chain between steps: the sampler's state and what each step needs.
struct DdpmChain {
    reverse: Reverse,
    net: UNet,
    schedule: Schedule,
    labels: Option<Vec<u8>>,
    w: f64,
    seed: u64,
    /// Noise draws so far: draw k is seeded from (seed, k), the same on every backend.
    draws: u64,
    /// The last step taken (for frames).
    last: Option<Step>,
    device: Device,
}

impl Chain for DdpmChain {
    fn steps(&self) -> usize {
        self.reverse.steps()
    }

    fn done(&self) -> usize {
        self.reverse.done()
    }

    fn step(&mut self) -> Result<()> {
        let DdpmChain { reverse, net, schedule, labels, w, seed, draws, last, device } = self;
        let n = reverse.x().dims()[0];
        let eps = |x: Tensor<2>, t: usize| guided_eps(net, x, t, labels.as_deref(), *w);
        let mut noise = || {
            *draws += 1;
            crate::noise::normal_tensor(seed.wrapping_add(draws.wrapping_mul(0x9e37_79b9)), [n, IMAGE_PIXELS], device)
        };
        *last = Some(reverse.step(schedule, &eps, &mut noise));
        Ok(())
    }

    /// x_t and the predicted x0 as images; before the first step, the pure noise x_T.
    fn frame(&self) -> Frame {
        match &self.last {
            None => Frame { t: T, x: to_unit(self.reverse.x().clone()), x0: None },
            Some(s) => Frame { t: s.t, x: to_unit(s.x.clone()), x0: Some(to_unit(s.x0.clone())) },
        }
    }

    fn finish(self: Box<Self>) -> Result<Tensor<2>> {
        Ok(to_unit(self.reverse.x().clone()))
    }
}

impl Model for Ddpm {
    fn info(&self) -> FamilyInfo {
        info()
    }

    fn base(&self) -> &Base {
        &self.base
    }

    fn base_mut(&mut self) -> &mut Base {
        &mut self.base
    }

    fn train_step(&mut self, batch: Batch) -> Result<StepLosses> {
        let config = &self.base.config;
        let (lr, p_uncond, decay) = (hyper::get(config, "lr"), hyper::get(config, "p_uncond"), hyper::get(config, "ema"));
        let device = &self.base.device;
        let x0 = to_signed(batch.images);
        let b = x0.dims()[0];
        let t = Tensor::<1>::random([b], Distribution::Uniform(0.0, T as f64), device).floor().clamp(0.0, (T - 1) as f64).int();
        let eps = Tensor::<2>::random([b, IMAGE_PIXELS], Distribution::Normal(0.0, 1.0), device);
        let drop = Tensor::<1>::random([b], Distribution::Default, device).lower_elem(p_uncond);
        let x_t = self.noised(x0, t.clone(), eps.clone());
        let y = batch.labels.mask_fill(drop, NULL_LABEL as i64);
        let pred = self.net.net.forward(x_t, t.float(), y);
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
        chain::run(Box::new(self.reverse(options)))
    }

    /// The reverse chain; its frames are x_t and the predicted x0 after each step, as images
    /// in [0, 1], the first being the pure noise x_T.
    fn chain(&self, options: &SampleOptions) -> Option<Result<Box<dyn Chain>>> {
        Some(Ok(Box::new(self.reverse(options))))
    }

    fn diffusion(&self) -> Option<&dyn Diffusion> {
        Some(self)
    }
}

impl Diffusion for Ddpm {
    fn alpha_bar(&self) -> &[f64] {
        &self.schedule.alpha_bar
    }

    fn noise_images(&self, x0: Tensor<2>, t: usize, eps: Tensor<2>) -> Tensor<2> {
        let device = self.base.inference_device();
        let ab = self.schedule.alpha_bar[t.min(T - 1)];
        let x0 = to_signed(x0.to_device(&device));
        to_unit(x0.mul_scalar(ab.sqrt()) + eps.to_device(&device).mul_scalar((1.0 - ab).sqrt()))
    }
}
