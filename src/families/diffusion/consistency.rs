//! Consistency models: Song, Dhariwal, Chen & Sutskever, "Consistency Models", 2023
//! (arXiv:2303.01469).
//!
//! A diffusion model's probability-flow ODE carries every point x_t of a trajectory to the same
//! clean digit. A consistency model learns that map directly, f_theta(x_t, t) ~ x_0 for every t
//! on the trajectory, so one network evaluation turns pure noise into a digit.
//!
//! States. The teacher (the shipped DDPM, [`super::ddpm`], the family this one is built on)
//! diffuses x_t = sqrt(alpha_bar_t) x0 + sqrt(1 - alpha_bar_t) eps. Divided by sqrt(alpha_bar_t)
//! that is the paper's variance-exploding form, x~ = x_t / sqrt(alpha_bar_t) = x0 + sigma_t eps,
//! with noise level sigma_t = sqrt((1 - alpha_bar_t) / alpha_bar_t). The network sees the
//! teacher's x_t (x~ scaled to unit variance, Karras et al.'s c_in) and the teacher's t.
//!
//! Parameterisation (section 3, eq. 5, with the EDM scalings of appendix C):
//!
//!   f_theta(x, t) = c_skip(t) x~ + c_out(t) F_theta(x_t, t, y),
//!   c_skip(t) = s_d^2 / ((sigma_t - sigma_min)^2 + s_d^2),
//!   c_out(t)  = s_d (sigma_t - sigma_min) / sqrt(s_d^2 + sigma_t^2),    s_d = 0.5,
//!
//! where sigma_min is sigma at the first timestep t = 0 (the paper's epsilon): there
//! c_skip = 1 and c_out = 0, so f(x, 0) = x~ exactly, whatever the network says: the boundary
//! condition holds by construction, not by training.
//!
//! Consistency distillation (Algorithm 2). On a grid 0 = t_0 < t_1 < ... < t_K = T - 1 (the
//! teacher's trailing grid of `intervals` steps, with 0 added), take a digit x0, a label y, an
//! index n and noise z; make x_{t_{n+1}} = sqrt(alpha_bar) x0 + sqrt(1 - alpha_bar) z; step it back
//! to t_n with one step of the teacher's ODE solver (a DDIM step, eta = 0, under the teacher's
//! classifier-free guidance w), and pull the two ends together:
//!
//!   L = | f_theta(x_{t_{n+1}}, t_{n+1}) - f_theta-(x^_{t_n}, t_n) |^2,
//!   theta- <- stopgrad(mu theta- + (1 - mu) theta)     (the target network, eq. 8).
//!
//! Consistency training (Algorithm 3), the option `training = "training"`: no teacher, and
//! x^_{t_n} = sqrt(alpha_bar_{t_n}) x0 + sqrt(1 - alpha_bar_{t_n}) z with the same z (the
//! one-sample estimate of the ODE's direction); the network then starts untrained. It still
//! uses the DDPM's schedule, which is why it too is built on the DDPM.
//!
//! Distillation starts the student from the teacher's weights (Song et al. do the same), so
//! it begins with the teacher's features rather than noise.
//!
//! Sampling (Algorithm 1): x0 = f(x_T, T - 1) from pure noise x_T; for more steps, noise x0
//! again to a lower t and apply f there: x_t = sqrt(alpha_bar_t) x0 + sqrt(1 - alpha_bar_t) z,
//! x0 = f(x_t, t). Labels as the teacher takes them: a digit 0..9, or none (the student is
//! shown the unconditional teacher for `p_uncond` of its digits).

use super::ddpm::{GUIDE_BELOW, to_signed, to_unit};
use super::denoiser::{Teacher, guided_eps};
use super::sampler::{Method, Reverse};
use super::schedule::{Schedule, T};
use crate::error::{Error, Result};
use crate::families::hyper::{self, Config, HyperParam};
use crate::families::{
    Base, Bases, Batch, BuiltOn, Chain, Family, FamilyInfo, Frame, LossInfo, Model, Paper, PixelModel, Registration, SampleOptions, Settings,
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

pub const REGISTRATION: Registration = Registration { info, create };

/// The teacher.
const TEACHER: &str = "ddpm";

/// s_d, the data's standard deviation in the scalings (the paper's 0.5).
const SIGMA_DATA: f64 = 0.5;

/// The most sampling steps the page offers (the paper's few-step sampling).
const MAX_STEPS: usize = 4;

/// The default re-noising time of few-step sampling, chosen as the paper chooses its
/// intermediate times, by a search on FID: two steps, 300 unlabelled digits, the weights after
/// 5,095 steps: re-noised to t = 150, 300, 450, 600, 750, 900 they scored FID 538, 478, 455, 432,
/// 413, 422 (one step: 481). Noised back only lightly, the second step cannot undo the first's
/// blur.
const RENOISE: usize = 750;

/// Teacher steps in the picture of the consistency map (see [`Family::trajectory_map`]).
const MAP_STEPS: usize = 20;

/// The training schemes, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Scheme {
    Distillation,
    Training,
}

const SCHEMES: &[&str] = &["distillation", "training"];

pub fn info() -> FamilyInfo {
    let [lr, batch] = hyper::common(2e-4, 32.0);
    FamilyInfo {
        name: "consistency",
        title: "Consistency model",
        description: "Learns to jump from any point of the DDPM's denoising path straight to its end, so a digit takes one network \
                      evaluation instead of tens: distilled from the shipped DDPM, which it is built on.",
        paper: Paper {
            title: "Consistency Models",
            authors: "Yang Song, Prafulla Dhariwal, Mark Chen, Ilya Sutskever",
            year: 2023,
            url: "https://arxiv.org/abs/2303.01469",
        },
        pixels: PixelModel::Continuous,
        hyper: vec![
            HyperParam::choice(
                "training",
                "training",
                "distillation: learn from the DDPM's ODE steps, starting from its weights; training: from scratch, without the DDPM's network",
                SCHEMES,
                0,
            ),
            // 18 as in the paper's CD on CIFAR-10. Measured here (FID of 200 labelled one-step
            // digits): N = 40 at lr 1e-4 had FID 1,500 after 500 steps and 509 after 1,000; 18
            // at 2e-4, 443 and 292; 12 at 3e-4, 363 after 500 and no better than 18 by 1,500.
            // Fewer intervals carry the boundary's sharp target up the path in fewer links.
            HyperParam::int(
                "intervals",
                "intervals",
                "N, how finely the path from noise to digit is cut into the steps f must agree across",
                18.0,
                2.0,
                T as f64,
            ),
            HyperParam::float(
                "guidance",
                "teacher guidance",
                "the classifier-free guidance w of the teacher the student learns for labelled digits (below t = 800; 1: the conditional teacher)",
                2.0,
                0.0,
                10.0,
            ),
            HyperParam::float(
                "p_uncond",
                "label dropout",
                "share of training digits shown without their label (so it samples unconditionally too)",
                0.1,
                0.0,
                0.5,
            ),
            HyperParam::float("target_ema", "target averaging", "mu, the decay of the target network's average of the weights", 0.95, 0.0, 0.9999),
            HyperParam::float("ema", "weight averaging", "decay of the moving average of weights that samples (0: none)", 0.999, 0.0, 0.9999),
            lr,
            batch,
        ],
        sampling: vec![
            HyperParam::int(
                "steps",
                "steps",
                "network evaluations: 1 maps noise straight to a digit; more re-noise it and map again (Algorithm 1)",
                1.0,
                1.0,
                MAX_STEPS as f64,
            ),
            HyperParam::int(
                "renoise",
                "re-noise to t",
                "with 2 or more steps, the timestep the digit is noised back to before the second step (later steps evenly below it)",
                RENOISE as f64,
                1.0,
                (T - 1) as f64,
            ),
        ],
        conditional: true,
        losses: vec![LossInfo { key: "consistency", label: "consistency loss |f(x_t', t') - f-(x_t, t)|^2 per pixel" }],
        // The shipped file: 5,095 steps on one thread, then resumed to 8,519 (README).
        train_steps: 8519,
        variants: vec![
            Variant::new(&[("steps", json!(2))], false, false),
            Variant::new(&[("steps", json!(4))], false, false),
            Variant::new(&[("steps", json!(1))], true, false),
            Variant::new(&[("steps", json!(2))], true, false),
            Variant::new(&[("steps", json!(4))], true, false),
        ],
        built_on: &[TEACHER],
        generator: true,
    }
}

fn optimizer() -> ModuleOptimizer {
    AdamConfig::new().init()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Hyper {
    training: Scheme,
    intervals: usize,
    guidance: f64,
    p_uncond: f64,
    target_ema: f64,
    ema: f64,
    lr: f64,
    #[allow(dead_code)] // read by the training loop
    batch: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sampling {
    steps: usize,
    renoise: usize,
}

fn create(config: &Config, bases: &Bases, device: &Device) -> Result<Box<dyn Family>> {
    Ok(Box::new(ConsistencyModel::new(config, bases, device)?))
}

pub struct ConsistencyModel {
    /// theta, the network that trains (autodiff device).
    net: Trained<UNet>,
    /// theta-, the target network (inner device).
    target: UNet,
    /// The slow average of theta that samples and is saved.
    ema: UNet,
    updates: u64,
    /// The teacher's noise predictor (its averaged weights) and schedule.
    teacher: Teacher,
    built_on: BuiltOn,
    /// The distillation grid t_0 = 0 < ... < t_K = T - 1 and its per-point constants on the
    /// inner device (`[K + 1]`): t, sqrt(alpha_bar), sqrt(1 - alpha_bar), c_skip / sqrt(alpha_bar),
    /// c_out, and the teacher's guidance there.
    grid: Vec<usize>,
    tables: [Tensor<1>; 6],
    base: Base<Hyper>,
}

/// sigma_t = sqrt((1 - alpha_bar_t) / alpha_bar_t), the variance-exploding noise level.
fn sigma(alpha_bar: f64) -> f64 {
    ((1.0 - alpha_bar) / alpha_bar).sqrt()
}

/// The multipliers of the state x_t and of the network's output in f at timestep `t`:
/// (c_skip(t) / sqrt(alpha_bar_t), c_out(t)), so that f = k_skip x_t + c_out F. At t = 0 they
/// are exactly (1 / sqrt(alpha_bar_0), 0).
pub fn scalings(alpha_bar: &[f64], t: usize) -> (f64, f64) {
    let (s, s_min) = (sigma(alpha_bar[t]), sigma(alpha_bar[0]));
    let d = s - s_min;
    let sd2 = SIGMA_DATA * SIGMA_DATA;
    let skip = sd2 / (d * d + sd2);
    let out = SIGMA_DATA * d / (sd2 + s * s).sqrt();
    (skip / alpha_bar[t].sqrt(), out)
}

/// The distillation grid: the teacher's trailing grid of `intervals` steps, ascending, with
/// t = 0 (the boundary) added below it.
fn grid(schedule: &Schedule, intervals: usize) -> Vec<usize> {
    let mut ts = schedule.timesteps(intervals);
    ts.push(0);
    ts.sort_unstable();
    ts.dedup();
    ts
}

/// The few-step sampling times (Algorithm 1's tau's): T - 1, then `renoise`, then evenly
/// below it (k steps: renoise (k - i) / (k - 1) for i = 1..k-1).
fn sampling_times(steps: usize, renoise: usize) -> Vec<usize> {
    let steps = steps.clamp(1, MAX_STEPS);
    (0..steps).map(|i| if i == 0 { T - 1 } else { ((renoise * (steps - i)) as f64 / (steps - 1) as f64).round().max(1.0) as usize }).collect()
}

fn row(values: Vec<f32>, device: &Device) -> Tensor<1> {
    let n = values.len();
    Tensor::from_data(TensorData::new(values, [n]), device)
}

fn label_ids(labels: Option<&[u8]>, n: usize, device: &Device) -> Tensor<1, Int> {
    let ids: Vec<i64> = match labels {
        Some(l) => l.iter().map(|&v| v as i64).collect(),
        None => vec![NULL_LABEL as i64; n],
    };
    Tensor::from_data(TensorData::new(ids, [n]), device)
}

/// f(x, t) = k_skip(t) x_t + c_out(t) F(x_t, t, y) for one timestep shared by the batch.
pub fn consistency_fn(net: &UNet, alpha_bar: &[f64], x: Tensor<2>, t: usize, y: Tensor<1, Int>) -> Tensor<2> {
    let (skip, out) = scalings(alpha_bar, t);
    let n = x.dims()[0];
    let time = Tensor::<1>::full([n], t as f32, &x.device());
    x.clone().mul_scalar(skip) + net.forward(x, time, y).mul_scalar(out)
}

impl ConsistencyModel {
    fn new(config: &Config, bases: &Bases, device: &Device) -> Result<ConsistencyModel> {
        let base: Base<Hyper> = Base::new(info().hyper, config, device)?;
        let built_on = bases.load(info().name, TEACHER, device)?;
        let teacher = built_on
            .family
            .diffusion()
            .and_then(|d| d.teacher())
            .ok_or_else(|| Error::Family(format!("'consistency' needs a pixel-space diffusion model as '{TEACHER}'")))?;
        let alpha_bar = &teacher.schedule.alpha_bar;
        let mut student = UNet::new(teacher.net.channels(), Grid::PIXELS, &base.device);
        if base.hp.training == Scheme::Distillation
            && let Some(record) = bases.record(TEACHER)?
        {
            student = crate::weights::apply(student, record)?;
        }
        let net = Trained::new(student, optimizer);
        let grid = grid(&teacher.schedule, base.hp.intervals);
        let inner = base.inference_device();
        let per_point = |f: &dyn Fn(usize) -> f64| row(grid.iter().map(|&t| f(t) as f32).collect(), &inner);
        let w = base.hp.guidance;
        let tables = [
            per_point(&|t| t as f64),
            per_point(&|t| alpha_bar[t].sqrt()),
            per_point(&|t| (1.0 - alpha_bar[t]).sqrt()),
            per_point(&|t| scalings(alpha_bar, t).0),
            per_point(&|t| scalings(alpha_bar, t).1),
            per_point(&|t| if w > 1.0 && t >= GUIDE_BELOW { 1.0 } else { w }),
        ];
        Ok(ConsistencyModel { target: net.inference(), ema: net.inference(), net, updates: 0, teacher, built_on, grid, tables, base })
    }

    /// The grid's constants at indices `k` (`[b]`), as `[b, 1]` columns (t as `[b]`).
    fn at(&self, k: Tensor<1, Int>) -> (Tensor<1>, [Tensor<2>; 5]) {
        let b = k.dims()[0];
        let pick = |i: usize| self.tables[i].clone().select(0, k.clone()).reshape([b, 1]);
        (self.tables[0].clone().select(0, k.clone()), [pick(1), pick(2), pick(3), pick(4), pick(5)])
    }

    /// One DDIM step (eta = 0) of the teacher from x_t to t' for a batch of per-row times,
    /// under guidance w per row (0 for unlabelled rows: the unconditional teacher), x0
    /// clipped to the pixels' [-1, 1] as the teacher's own sampler does.
    #[allow(clippy::too_many_arguments)]
    fn teacher_step(
        &self,
        x: Tensor<2>,
        t: Tensor<1>,
        a: Tensor<2>,
        s: Tensor<2>,
        a_to: Tensor<2>,
        s_to: Tensor<2>,
        y: Tensor<1, Int>,
        w: Tensor<2>,
    ) -> Tensor<2> {
        let [b, d] = x.dims();
        let null = Tensor::<1, Int>::full([b], NULL_LABEL as i64, &x.device());
        let both =
            self.teacher.net.forward(Tensor::cat(vec![x.clone(), x.clone()], 0), Tensor::cat(vec![t.clone(), t], 0), Tensor::cat(vec![y, null], 0));
        let cond = both.clone().slice([0..b, 0..d]);
        let uncond = both.slice([b..2 * b, 0..d]);
        let eps = uncond.clone() + (cond - uncond) * w;
        let x0 = ((x.clone() - eps * s.clone()) / a.clone()).clamp(-1.0, 1.0);
        let eps = (x - x0.clone() * a) / s;
        x0 * a_to + eps * s_to
    }
}

impl Model for ConsistencyModel {
    fn info(&self) -> FamilyInfo {
        info()
    }

    fn built_on(&self) -> Vec<(String, String)> {
        vec![(self.built_on.name.clone(), self.built_on.digest.clone())]
    }

    fn base(&self) -> &dyn Settings {
        &self.base
    }

    fn base_mut(&mut self) -> &mut dyn Settings {
        &mut self.base
    }

    fn train_step(&mut self, batch: Batch) -> Result<StepLosses> {
        let Hyper { training, p_uncond, target_ema, ema: decay, lr, .. } = self.base.hp;
        let device = self.base.device.clone();
        let inner = self.base.inference_device();
        let x0 = to_signed(batch.images.to_device(&inner));
        let b = x0.dims()[0];
        let k = self.grid.len() - 1;
        // n ~ U{0..K-1}: the pair (t_n, t_{n+1}).
        let n = Tensor::<1>::random([b], Distribution::Uniform(0.0, k as f64), &inner).floor().clamp(0.0, (k - 1) as f64).int();
        let (t_lo, [a_lo, s_lo, skip_lo, out_lo, _]) = self.at(n.clone());
        let (t_hi, [a_hi, s_hi, skip_hi, out_hi, w_hi]) = self.at(n.add_scalar(1));
        let drop = Tensor::<1>::random([b], Distribution::Default, &inner).lower_elem(p_uncond);
        let y = batch.labels.to_device(&inner).mask_fill(drop.clone(), NULL_LABEL as i64);
        let z = Tensor::<2>::random([b, crate::data::IMAGE_PIXELS], Distribution::Normal(0.0, 1.0), &inner);
        let x_hi = x0.clone() * a_hi.clone() + z.clone() * s_hi.clone();
        let x_lo = match training {
            Scheme::Distillation => {
                let w = w_hi.mask_fill(drop.reshape([b, 1]), 0.0);
                self.teacher_step(x_hi.clone(), t_hi.clone(), a_hi, s_hi, a_lo, s_lo, y.clone(), w)
            }
            Scheme::Training => x0 * a_lo + z * s_lo,
        };
        let target = x_lo.clone() * skip_lo + self.target.forward(x_lo, t_lo, y.clone()) * out_lo;
        let x_hi = x_hi.to_device(&device);
        let online = x_hi.clone() * skip_hi.to_device(&device)
            + self.net.net.forward(x_hi, t_hi.to_device(&device), y.to_device(&device)) * out_hi.to_device(&device);
        let loss = (online - target.to_device(&device).detach()).square().mean();
        self.net.step(lr, &loss);
        let theta = self.net.inference();
        self.target = ema::update(self.target.clone(), &theta, target_ema);
        self.ema = ema::update(self.ema.clone(), &theta, ema::warmed_decay(decay, self.updates));
        self.updates += 1;
        Ok(vec![loss.detach()])
    }

    fn weights(&self) -> Pending {
        crate::weights::pending(&self.ema)
    }

    fn load_record(&mut self, record: ModuleRecord) -> Result<()> {
        self.net.load(record)?;
        self.target = self.net.inference();
        self.ema = self.net.inference();
        self.updates = 0;
        Ok(())
    }
}

impl Family for ConsistencyModel {
    fn sample(&self, options: &SampleOptions) -> Result<Tensor<2>> {
        crate::families::chain::run(Box::new(self.sampler(options)?))
    }

    /// Algorithm 1 a step at a time: each frame the state the next step starts from and the
    /// digit f made of the last one.
    fn chain(&self, options: &SampleOptions) -> Option<Result<Box<dyn Chain>>> {
        Some(self.sampler(options).map(|c| Box::new(c) as Box<dyn Chain>))
    }

    /// The teacher's DDIM path from the same noise and label, and f applied to each of its
    /// points: every point maps to (nearly) the same digit.
    fn trajectory_map(&self, options: &SampleOptions) -> Option<Result<Box<dyn Chain>>> {
        Some(options.typed::<Sampling>(&self.info()).map(|_| {
            let device = self.base.inference_device();
            let x_t = crate::noise::normal_tensor(options.seed, [options.n, crate::data::IMAGE_PIXELS], &device);
            let schedule = &self.teacher.schedule;
            Box::new(Mapped {
                reverse: Reverse::new(schedule, Method::Ddim { eta: 0.0 }, MAP_STEPS, Some((-1.0, 1.0)), x_t),
                ts: schedule.timesteps(MAP_STEPS),
                teacher: self.teacher.clone(),
                student: self.ema.clone(),
                labels: options.labels.clone(),
                w: self.base.hp.guidance,
                device,
            }) as Box<dyn Chain>
        }))
    }
}

impl ConsistencyModel {
    fn sampler(&self, options: &SampleOptions) -> Result<Steps> {
        let Sampling { steps, renoise } = options.typed(&self.info())?;
        let device = self.base.inference_device();
        let n = options.n;
        Ok(Steps {
            net: self.ema.clone(),
            alpha_bar: self.teacher.schedule.alpha_bar.clone(),
            times: sampling_times(steps, renoise),
            i: 0,
            x: crate::noise::normal_tensor(options.seed, [n, crate::data::IMAGE_PIXELS], &device),
            x0: None,
            y: label_ids(options.labels.as_deref(), n, &device),
            seed: options.seed,
        })
    }
}

/// Algorithm 1's state: x at the next time (pure noise x_T at the start), the last digit.
struct Steps {
    net: UNet,
    alpha_bar: Vec<f64>,
    times: Vec<usize>,
    i: usize,
    x: Tensor<2>,
    x0: Option<Tensor<2>>,
    y: Tensor<1, Int>,
    seed: u64,
}

impl Chain for Steps {
    fn steps(&self) -> usize {
        self.times.len()
    }

    fn done(&self) -> usize {
        self.i
    }

    fn step(&mut self) -> Result<()> {
        let t = self.times[self.i];
        let x0 = consistency_fn(&self.net, &self.alpha_bar, self.x.clone(), t, self.y.clone()).clamp(-1.0, 1.0);
        self.i += 1;
        // Re-noise the digit to the next time: z drawn from (seed, step), the same on every
        // backend.
        self.x = match self.times.get(self.i) {
            Some(&next) => {
                let ab = self.alpha_bar[next];
                let z = crate::noise::normal_tensor(self.seed.wrapping_add((self.i as u64).wrapping_mul(0x9e37_79b9)), x0.dims(), &x0.device());
                x0.clone().mul_scalar(ab.sqrt()) + z.mul_scalar((1.0 - ab).sqrt())
            }
            None => x0.clone(),
        };
        self.x0 = Some(x0);
        Ok(())
    }

    fn frame(&self) -> Frame {
        let t = if self.i == 0 { T } else { self.times.get(self.i).map_or(0, |t| t + 1) };
        Frame { t, x: to_unit(self.x.clone()), x0: self.x0.clone().map(to_unit), code: None }
    }

    fn finish(self: Box<Self>) -> Result<Tensor<2>> {
        Ok(to_unit(self.x0.unwrap_or(self.x)))
    }
}

/// The teacher's reverse chain with the student's f of each state: frame `x` is the teacher's
/// x_t, frame `x0` is f(x_t, t).
struct Mapped {
    reverse: Reverse,
    /// The chain's timesteps, descending (the state after i steps is at `ts[i]`; after the
    /// last, the finished digit, at t = 0).
    ts: Vec<usize>,
    teacher: Teacher,
    student: UNet,
    labels: Option<Vec<u8>>,
    w: f64,
    device: Device,
}

impl Chain for Mapped {
    fn steps(&self) -> usize {
        self.reverse.steps()
    }

    fn done(&self) -> usize {
        self.reverse.done()
    }

    fn step(&mut self) -> Result<()> {
        let Mapped { reverse, teacher, labels, w, .. } = self;
        // The teacher's guidance as the student learnt it: w below GUIDE_BELOW, 1 above.
        let eps = |x: Tensor<2>, t: usize| {
            let w_t = if *w > 1.0 && t >= GUIDE_BELOW { 1.0 } else { *w };
            guided_eps(&teacher.net, x, t, labels.as_deref(), w_t)
        };
        reverse.step(&teacher.schedule, &eps, &mut || unreachable!("DDIM with eta 0 draws no noise"));
        Ok(())
    }

    fn frame(&self) -> Frame {
        let done = self.reverse.done();
        let t = self.ts.get(done).copied().unwrap_or(0);
        let x = self.reverse.x().clone();
        let y = label_ids(self.labels.as_deref(), x.dims()[0], &self.device);
        let mapped = consistency_fn(&self.student, &self.teacher.schedule.alpha_bar, x.clone(), t, y).clamp(-1.0, 1.0);
        Frame { t: if done == 0 { T } else { self.ts.get(done).map_or(0, |t| t + 1) }, x: to_unit(x), x0: Some(to_unit(mapped)), code: None }
    }

    fn finish(self: Box<Self>) -> Result<Tensor<2>> {
        Ok(to_unit(self.reverse.x().clone()))
    }
}
