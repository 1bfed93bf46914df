//! Energy-based models of digits: a restricted Boltzmann machine and a deep Boltzmann machine,
//! one [`Boltzmann`] family over the layered machine of [`crate::nn::boltzmann`] (where the
//! energy, the conditionals, the free energy and annealed importance sampling are written out).
//!
//! - RBM: Hinton 2002, "Training Products of Experts by Minimizing Contrastive Divergence"
//!   (CD-k); Tieleman 2008, "Training Restricted Boltzmann Machines using Approximations to the
//!   Likelihood Gradient" (persistent CD).
//! - DBM: Salakhutdinov & Hinton 2009, "Deep Boltzmann Machines": greedy layer-wise pre-training
//!   with doubled inputs, then joint training, mean-field for the data and persistent Gibbs
//!   chains for the model.
//! - log Z by AIS: Salakhutdinov & Murray 2008, "On the Quantitative Analysis of Deep Belief
//!   Networks".
//!
//! **Learning, without backprop.** The gradient of the log-likelihood of a Boltzmann machine is
//! a difference of two expectations of the same statistics,
//!
//!   d log p(v) / d W_l = E_data[x_l^T x_{l+1}] - E_model[x_l^T x_{l+1}]
//!   d log p(v) / d b_l = E_data[x_l]           - E_model[x_l]
//!
//! The data term clamps v to the batch and takes the hidden posterior (exact for an RBM, the
//! mean-field fixed point for a DBM); the model term comes from Gibbs chains: k sweeps from the
//! data (CD-k) or chains that persist from step to step (PCD). [`Model::train_step`] computes
//! that difference itself and takes an SGD step with momentum and a little weight decay
//! (Hinton 2010, "A Practical Guide to Training Restricted Boltzmann Machines").
//!
//! **Likelihood.** log p(v) = -F(v) - log Z, with log Z estimated by AIS once per set of weights
//! (then kept until the weights change) and its standard error across the AIS runs: a
//! [`Likelihood::Estimate`]. For the DBM, F is the mean-field free energy, so the figure is an
//! estimate of a lower bound on log p(v), as Salakhutdinov & Hinton report theirs.
//!
//! **Classifiers beside the generative model** (the seeds' pairing of the DBM with the MLP):
//! a linear classifier on the top layer's mean-field features (held fixed: only the classifier
//! learns) and an MLP of the same layer sizes trained directly on the pixels, both stepped on
//! every training batch.

use super::hyper::{Config, HyperParam};
use super::{
    Base, Batch, Chain, Density, Energy, Family, FamilyInfo, Frame, Likelihood, LossInfo, Model, Paper, PixelModel, Prefix, Registration,
    SampleOptions, Settings, StepLosses, Trained,
};
use crate::data::{IMAGE_PIXELS, IMAGE_SIDE};
use crate::error::Result;
use crate::nn::boltzmann::{self, LogZ, Stack, bernoulli, device_noise};
use crate::nn::cross_entropy;
use crate::weights::{self, Pending};
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamConfig, ModuleOptimizer};
use burn::store::ModuleRecord;
use burn::tensor::activation::{log_softmax, relu};
use burn::tensor::{Device, Tensor};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::cell::RefCell;

pub const RBM: Registration = Registration { info: Rbm::info, create: create::<Rbm> };
pub const DBM: Registration = Registration { info: Dbm::info, create: create::<Dbm> };

/// Mean-field updates per posterior while training (the DBM's data term and features).
const MEAN_FIELD: usize = 10;
/// Mean-field updates for the likelihood and the free energy the page shows: the bound
/// tightens as the fixed point is reached, and these run once per image, not per step.
const MEAN_FIELD_BOUND: usize = 50;
/// Weight decay (L2, times the learning rate), from Hinton's practical guide.
const WEIGHT_DECAY: f64 = 2e-4;
/// The Adam step of the two classifiers carried beside the machine.
const CLASSIFIER_LR: f64 = 1e-3;
const CLASSES: usize = 10;
/// The computed value a weights file keeps: [log Z, its standard error, AIS runs, temperatures].
const LOG_Z: &str = "log_z";

/// How the model term of the gradient is estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Persistent chains (Tieleman 2008): they continue from the last step's states.
    Pcd,
    /// Chains restarted at the batch, k sweeps (Hinton 2002).
    Cd,
}

const METHODS: &[&str] = &["pcd", "cd"];

/// What the RBM and the DBM differ in: their declarations, their layers and their schedule.
pub trait Arch: DeserializeOwned + 'static {
    fn info() -> FamilyInfo;
    /// Units per layer, the visible first.
    fn sizes(&self) -> Vec<usize>;
    fn training(&self) -> Training;
}

/// The settings of learning and of the likelihood estimate, common to both.
#[derive(Debug, Clone, Copy)]
pub struct Training {
    pub method: Method,
    /// Gibbs sweeps per step for the model term.
    pub k: usize,
    pub lr: f64,
    /// The learning rate of joint training (a DBM's, after pre-training; an RBM's is `lr`).
    pub joint_lr: f64,
    /// Steps after which the learning rate has halved (lr / (1 + step / anneal)).
    pub anneal: f64,
    /// Steps of greedy pre-training per layer before joint training (DBM; 0 for an RBM).
    pub pretrain: u64,
    pub ais_runs: usize,
    pub ais_steps: usize,
}

/// The RBM's hyper-parameters.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rbm {
    hidden: usize,
    method: Method,
    k: usize,
    lr: f64,
    anneal: f64,
    #[allow(dead_code)] // read by the training loop
    batch: usize,
    ais_runs: usize,
    ais_steps: usize,
}

/// The DBM's hyper-parameters.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dbm {
    hidden1: usize,
    hidden2: usize,
    pretrain: u64,
    k: usize,
    lr: f64,
    joint_lr: f64,
    anneal: f64,
    #[allow(dead_code)] // read by the training loop
    batch: usize,
    ais_runs: usize,
    ais_steps: usize,
}

fn learning() -> [HyperParam; 3] {
    [
        HyperParam::int("k", "Gibbs sweeps per step", "sweeps of the chains that estimate the model's statistics (CD-k)", 1.0, 1.0, 25.0),
        // 0.005 for the shipped RBM: at 0.02 its log Z was harder still for AIS (-125 nats at
        // 30,000 temperatures against -112) and its samples fewer kinds of digit.
        HyperParam::log_float("lr", "learning rate", "SGD step size (with momentum 0.9)", 0.005, 1e-4, 0.5),
        HyperParam::float("anneal", "annealing", "steps after which the learning rate has halved", 10_000.0, 100.0, 1_000_000.0),
    ]
}

fn ais() -> [HyperParam; 2] {
    [
        HyperParam::int(
            "ais_runs",
            "AIS runs",
            "independent annealing runs that estimate log Z (their spread is its uncertainty)",
            100.0,
            2.0,
            1000.0,
        ),
        HyperParam::int("ais_steps", "AIS temperatures", "intermediate distributions of each annealing run", 1000.0, 10.0, 100_000.0),
    ]
}

fn sampling() -> Vec<HyperParam> {
    vec![HyperParam::int("steps", "Gibbs sweeps", "sweeps of the chain before its state is shown as the sample", 1000.0, 1.0, 20_000.0)]
}

fn losses() -> Vec<LossInfo> {
    vec![
        LossInfo { key: "recon", label: "reconstruction error v -> h -> v (squared, per digit)" },
        LossInfo { key: "free_energy", label: "free energy F(v) of the batch (nats; log p(v) = -F(v) - log Z)" },
        LossInfo { key: "probe_xent", label: "linear classifier on the top layer's features, cross-entropy (nats)" },
        LossInfo { key: "mlp_xent", label: "MLP of the same size, cross-entropy (nats)" },
    ]
}

impl Arch for Rbm {
    fn info() -> FamilyInfo {
        let [k, lr, anneal] = learning();
        let [runs, steps] = ais();
        FamilyInfo {
            name: "rbm",
            title: "Restricted Boltzmann machine",
            description: "An energy over pixels and hidden feature detectors, with no links inside a layer: Gibbs sampling flips all \
                          hidden units given the pixels, then all pixels given the hidden units, and a long chain settles into digits.",
            paper: Paper {
                title: "Training Products of Experts by Minimizing Contrastive Divergence",
                authors: "Geoffrey E. Hinton",
                year: 2002,
                url: "https://www.cs.toronto.edu/~hinton/absps/tr00-004.pdf",
            },
            pixels: PixelModel::Binarized,
            hyper: vec![
                HyperParam::int("hidden", "hidden units", "binary feature detectors, each with a 28 x 28 filter", 500.0, 4.0, 2000.0).architecture(),
                HyperParam::choice("method", "learning", "persistent chains (PCD) or chains restarted at the data (CD-k)", METHODS, 0),
                k,
                lr,
                anneal,
                HyperParam::int("batch", "batch size", "digits per training step", 100.0, 8.0, 512.0),
                runs,
                steps,
            ],
            sampling: sampling(),
            conditional: false,
            losses: losses(),
            // `./build.sh train rbm` runs PCD for these; the shipped weights then had 6,000
            // steps of CD-10 (`--resume --steps 26000 --set method=1 --set k=10 --set lr=0.002`),
            // which made the model smoother: AIS converged and the estimate rose 20 nats.
            train_steps: 20_000,
            variants: vec![],
            built_on: &[],
            generator: true,
        }
    }

    fn sizes(&self) -> Vec<usize> {
        vec![IMAGE_PIXELS, self.hidden]
    }

    fn training(&self) -> Training {
        Training {
            method: self.method,
            k: self.k,
            lr: self.lr,
            joint_lr: self.lr,
            anneal: self.anneal,
            pretrain: 0,
            ais_runs: self.ais_runs,
            ais_steps: self.ais_steps,
        }
    }
}

impl Arch for Dbm {
    fn info() -> FamilyInfo {
        let [k, lr, anneal] = learning();
        let [runs, steps] = ais();
        FamilyInfo {
            name: "dbm",
            title: "Deep Boltzmann machine",
            description: "Two layers of hidden units above the pixels, each talking to the layers on both sides: trained a layer at a \
                          time and then jointly, it infers features bottom-up and top-down at once, and samples digits by Gibbs chains.",
            paper: Paper {
                title: "Deep Boltzmann Machines",
                authors: "Ruslan Salakhutdinov, Geoffrey Hinton",
                year: 2009,
                url: "https://proceedings.mlr.press/v5/salakhutdinov09a.html",
            },
            pixels: PixelModel::Binarized,
            hyper: vec![
                HyperParam::int("hidden1", "first hidden layer", "units above the pixels", 500.0, 4.0, 2000.0).architecture(),
                HyperParam::int("hidden2", "second hidden layer", "units at the top", 500.0, 4.0, 2000.0).architecture(),
                HyperParam::int(
                    "pretrain",
                    "pre-training steps",
                    "greedy steps per layer (an RBM each) before joint training",
                    2000.0,
                    0.0,
                    100_000.0,
                ),
                k,
                HyperParam {
                    label: "pre-training learning rate",
                    help: "SGD step size (with momentum 0.9) of the greedy layer-wise RBMs",
                    default: 0.01,
                    ..lr
                },
                HyperParam {
                    key: "joint_lr",
                    label: "joint learning rate",
                    help: "SGD step size of joint training: smaller, as the whole machine moves at once",
                    default: 0.001,
                    ..lr
                },
                anneal,
                HyperParam::int("batch", "batch size", "digits per training step (and persistent chains)", 100.0, 8.0, 512.0),
                runs,
                steps,
            ],
            sampling: sampling(),
            conditional: false,
            losses: losses(),
            // `./build.sh train dbm` runs these (2 x 2,000 pre-training, then PCD-1); the shipped
            // weights had more joint training with longer chains: `--resume --steps 50000
            // --set k=5`, then `--resume --set k=10` to 65,274 steps.
            train_steps: 30_000,
            variants: vec![],
            built_on: &[],
            generator: true,
        }
    }

    fn sizes(&self) -> Vec<usize> {
        vec![IMAGE_PIXELS, self.hidden1, self.hidden2]
    }

    fn training(&self) -> Training {
        Training {
            method: Method::Pcd,
            k: self.k,
            lr: self.lr,
            joint_lr: self.joint_lr,
            anneal: self.anneal,
            pretrain: self.pretrain,
            ais_runs: self.ais_runs,
            ais_steps: self.ais_steps,
        }
    }
}

/// The sampler settings [`sampling`] declares.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sampling {
    /// Gibbs sweeps (the chain's steps).
    steps: usize,
}

/// The machine, the data's pixel means (the base of AIS) and the two classifiers.
#[derive(Module, Debug)]
pub struct Machine {
    pub stack: Stack,
    /// The training digits' mean ink per pixel, `[784]`: the base distribution AIS starts from.
    pub pixel_mean: burn::module::Param<Tensor<1>>,
}

/// Everything a weights file holds, by the paths [`Model::weights`] writes.
#[derive(Module, Debug)]
struct Saved {
    stack: Stack,
    pixel_mean: burn::module::Param<Tensor<1>>,
    probe: Linear,
    mlp: Mlp,
}

/// An MLP with the machine's layer sizes, then 10 classes.
#[derive(Module, Debug)]
pub struct Mlp {
    layers: Vec<Linear>,
}

impl Mlp {
    fn new(sizes: &[usize], device: &Device) -> Mlp {
        let mut all = sizes.to_vec();
        all.push(CLASSES);
        Mlp { layers: all.windows(2).map(|w| LinearConfig::new(w[0], w[1]).init(device)).collect() }
    }

    fn forward(&self, mut x: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len() - 1;
        for (i, layer) in self.layers.iter().enumerate() {
            x = layer.forward(x);
            if i < last {
                x = relu(x);
            }
        }
        x
    }
}

fn adam() -> ModuleOptimizer {
    AdamConfig::new().init()
}

fn create<A: Arch>(config: &Config, _: &super::Bases, device: &Device) -> Result<Box<dyn Family>> {
    let base: Base<A> = Base::new(A::info().hyper, config, device)?;
    let sizes = base.hp.sizes();
    let plain = base.inference_device();
    let machine = Machine { stack: Stack::new(&sizes, &plain), pixel_mean: burn::module::Param::from_tensor(Tensor::zeros([IMAGE_PIXELS], &plain)) };
    let probe = Trained::new(LinearConfig::new(*sizes.last().expect("layers"), CLASSES).init(&base.device), adam);
    let mlp = Trained::new(Mlp::new(&sizes, &base.device), adam);
    Ok(Box::new(Boltzmann { machine, velocity: vec![], particles: None, probe, mlp, log_z: RefCell::new(None), base }))
}

/// An RBM or a DBM, by its [`Arch`].
pub struct Boltzmann<A: Arch> {
    /// Trained by its own gradient (no autodiff), on the plain device.
    machine: Machine,
    /// SGD momentum per weight matrix then per bias (empty until the first step).
    velocity: Vec<Tensor<2>>,
    /// The persistent chains' states (PCD), every layer.
    particles: Option<Vec<Tensor<2>>>,
    probe: Trained<Linear>,
    mlp: Trained<Mlp>,
    /// log Z for the current weights and the AIS settings it was estimated with.
    log_z: RefCell<Option<((usize, usize), LogZ)>>,
    base: Base<A>,
}

impl<A: Arch> Boltzmann<A> {
    pub fn stack(&self) -> &Stack {
        &self.machine.stack
    }

    fn plain(&self) -> Device {
        self.base.inference_device()
    }

    /// log Z by AIS, estimated once per set of weights and kept: an estimate through at least
    /// as many temperatures as asked for serves (a shipped file's, made with more). Too few
    /// temperatures bias log Z low, whatever the runs; the runs set its spread, which the
    /// standard error reports.
    pub fn log_z(&self) -> LogZ {
        let t = self.base.hp.training();
        let key = (t.ais_runs, t.ais_steps);
        if let Some((k, z)) = &*self.log_z.borrow()
            && k.1 >= key.1
        {
            return z.clone();
        }
        let stack = &self.machine.stack;
        let device = self.plain();
        // The base: independent units near the data's marginals, so that the first
        // distributions are already close: the mean ink per pixel for an RBM (whose AIS runs
        // over v); for a DBM (over its first hidden layer) that layer's bottom-up response to
        // the mean digit.
        let mean = self.machine.pixel_mean.val().unsqueeze::<2>();
        let p = match stack.depth() {
            1 => mean,
            _ => stack.upward(mean).swap_remove(1),
        }
        .clamp(1e-3, 1.0 - 1e-3);
        let base = (p.clone() / p.neg().add_scalar(1.0)).log();
        let z = boltzmann::ais(&stack.bipartite(), base, t.ais_runs, &boltzmann::betas(t.ais_steps), &mut device_noise(&device));
        *self.log_z.borrow_mut() = Some((key, z.clone()));
        z
    }

    /// The weights changed: the log Z estimated for the old ones no longer holds.
    fn forget(&mut self) {
        *self.log_z.borrow_mut() = None;
    }

    /// The learning rate of a phase, annealed over the steps since joint training began.
    fn lr(&self, step: u64, joint: bool) -> f64 {
        let t = self.base.hp.training();
        let depth = self.machine.stack.depth() as u64;
        match joint {
            true => t.joint_lr / (1.0 + step.saturating_sub(if depth > 1 { depth * t.pretrain } else { 0 }) as f64 / t.anneal),
            false => t.lr,
        }
    }

    /// One SGD step with momentum on the layers from `lo`: W_l += lr (pos_l^T pos_{l+1} / B -
    /// neg_l^T neg_{l+1} / M - decay W_l) for each pair of consecutive given layers, and b_l +=
    /// lr (mean pos_l - mean neg_l) for each given layer.
    fn learn(&mut self, lo: usize, pos: &[Tensor<2>], neg: &[Tensor<2>], lr: f64, momentum: f64) {
        let stack = &mut self.machine.stack;
        let depth = stack.depth();
        if self.velocity.is_empty() {
            let device = self.base.inference_device();
            self.velocity = (0..depth).map(|l| Tensor::zeros(stack.weights[l].dims(), &device)).collect();
            self.velocity.extend(stack.biases.iter().map(|b| Tensor::zeros([1, b.dims()[0]], &device)));
        }
        let (b, m) = (pos[0].dims()[0] as f64, neg[0].dims()[0] as f64);
        for i in 0..pos.len() {
            let l = lo + i;
            let grad = pos[i].clone().mean_dim(0) - neg[i].clone().mean_dim(0);
            let v = self.velocity[depth + l].clone().mul_scalar(momentum) + grad.mul_scalar(lr);
            stack.biases[l] = stack.biases[l].clone().map(|t| t + v.clone().flatten(0, 1));
            self.velocity[depth + l] = v;
            if i + 1 < pos.len() {
                let w = stack.weights[l].val();
                let grad = pos[i].clone().transpose().matmul(pos[i + 1].clone()).div_scalar(b)
                    - neg[i].clone().transpose().matmul(neg[i + 1].clone()).div_scalar(m)
                    - w.mul_scalar(WEIGHT_DECAY);
                let v = self.velocity[l].clone().mul_scalar(momentum) + grad.mul_scalar(lr);
                stack.weights[l] = stack.weights[l].clone().map(|t| t + v.clone());
                self.velocity[l] = v;
            }
        }
    }

    /// Greedy pre-training of layers `l` and `l + 1` as an RBM on `data` (layer l's states),
    /// CD-1, with the input from the side that joint training will add doubled (Salakhutdinov &
    /// Hinton 2009, section 3.1): bottom-up into the first hidden layer, top-down into the
    /// layer below the top.
    fn pretrain(&mut self, l: usize, data: Tensor<2>, lr: f64, momentum: f64, noise: boltzmann::Noise) {
        let stack = &self.machine.stack;
        let top = stack.depth() - 1;
        let up = if l == 0 && top > 0 { 2.0 } else { 1.0 };
        let down = if l == top && l > 0 { 2.0 } else { 1.0 };
        let w = stack.w(l);
        let hidden = |x: Tensor<2>| burn::tensor::activation::sigmoid(x.matmul(w.clone()).mul_scalar(up) + stack.b(l + 1));
        let ph = hidden(data.clone());
        let h = bernoulli(ph.clone(), noise);
        let pv = burn::tensor::activation::sigmoid(h.matmul(w.clone().transpose()).mul_scalar(down) + stack.b(l));
        let v = bernoulli(pv, noise);
        let ph_neg = hidden(v.clone());
        self.learn(l, &[data, ph], &[v, ph_neg], lr, momentum);
    }

    /// Joint training: the data term from the (mean-field) posterior, the model term from the
    /// chains after k sweeps, odd layers as their conditional means (less noise, same
    /// expectation). Returns nothing: the losses are measured by the caller.
    fn joint(&mut self, v: Tensor<2>, pos: Vec<Tensor<2>>, lr: f64, momentum: f64, noise: boltzmann::Noise) {
        let t = self.base.hp.training();
        let stack = &self.machine.stack;
        let start = match (t.method, self.particles.take()) {
            (Method::Pcd, Some(p)) if p[0].dims() == v.dims() => p,
            // CD, or the first PCD step: chains start at the data, hidden layers sampled.
            _ => pos.iter().enumerate().map(|(l, mu)| if l == 0 { v.clone() } else { bernoulli(mu.clone(), noise) }).collect(),
        };
        let mut states = start;
        for _ in 0..t.k {
            states = stack.sweep(states, noise).0;
        }
        let mut neg = states.clone();
        for l in (1..neg.len()).step_by(2) {
            neg[l] = stack.conditional(l, &states);
        }
        if t.method == Method::Pcd {
            self.particles = Some(states);
        }
        self.learn(0, &pos, &neg, lr, momentum);
    }

    /// The top layer's mean-field features of images, `[b, top]`.
    fn features(&self, v: Tensor<2>) -> Tensor<2> {
        self.machine.stack.mean_field(v, MEAN_FIELD).pop().expect("layers")
    }
}

impl<A: Arch> Model for Boltzmann<A> {
    fn info(&self) -> FamilyInfo {
        A::info()
    }

    fn base(&self) -> &dyn Settings {
        &self.base
    }

    fn base_mut(&mut self) -> &mut dyn Settings {
        &mut self.base
    }

    fn train_step(&mut self, batch: Batch) -> Result<StepLosses> {
        let t = self.base.hp.training();
        let step = batch.step;
        let device = self.plain();
        let v = batch.images.clone().without_autodiff();
        let mut noise = device_noise(&device);
        // The data's mean ink, a running mean over every batch seen (the AIS base).
        let rate = 1.0 / (step as f64 + 1.0).min(1000.0);
        let batch_mean = v.clone().mean_dim(0).flatten::<1>(0, 1);
        self.machine.pixel_mean = self.machine.pixel_mean.clone().map(|m| m.clone() + (batch_mean - m).mul_scalar(rate));
        let depth = self.machine.stack.depth();
        let phase = if depth > 1 { (step / t.pretrain.max(1)) as usize } else { depth };
        let since = if phase < depth { step % t.pretrain.max(1) } else { step - depth as u64 * t.pretrain };
        let momentum = if since < 100 { 0.5 } else { 0.9 };
        let lr = self.lr(step, phase >= depth || t.pretrain == 0);
        if depth > 1 && since == 0 {
            // A new phase: the old momentum belongs to other statistics.
            self.velocity.clear();
        }
        // The posterior before this step's update: the data term of joint training, and what
        // the losses are measured on (so each digit's loss is before it is learnt from).
        let mu = self.machine.stack.mean_field(v.clone(), MEAN_FIELD);
        // What the page charts, before the update: reconstruction error and the batch's free energy.
        let stack = &self.machine.stack;
        let back = stack.conditional(0, &mu);
        let recon = (back - v.clone()).powf_scalar(2.0).sum_dim(1).mean();
        let free_energy = match stack.depth() {
            1 => stack.free_energy(v.clone(), 0),
            _ => stack.mean_field_free_energy(&mu),
        }
        .mean();
        if phase < depth && t.pretrain > 0 {
            // Greedy: the layer's data is the layer below's states, sampled bottom-up.
            let mut data = v.clone();
            for l in 0..phase {
                let up = if l == 0 { 2.0 } else { 1.0 };
                let stack = &self.machine.stack;
                let p = burn::tensor::activation::sigmoid(data.matmul(stack.w(l)).mul_scalar(up) + stack.b(l + 1));
                data = bernoulli(p, &mut noise);
            }
            self.pretrain(phase, data, lr, momentum, &mut noise);
        } else {
            self.joint(v.clone(), mu.clone(), lr, momentum, &mut noise);
        }
        self.forget();
        // The two classifiers: one on the machine's (fixed) features, one on the pixels.
        let features = Tensor::from_inner(mu.last().expect("layers").clone());
        let probe_xent = cross_entropy(self.probe.net.forward(features), batch.labels.clone());
        self.probe.step(CLASSIFIER_LR, &probe_xent);
        let mlp_xent = cross_entropy(self.mlp.net.forward(batch.images), batch.labels);
        self.mlp.step(CLASSIFIER_LR, &mlp_xent);
        Ok(vec![Tensor::from_inner(recon), Tensor::from_inner(free_energy), probe_xent.detach(), mlp_xent.detach()])
    }

    /// The parameters, and log Z where it has been estimated for them (runs and temperatures
    /// beside it): a file keeps the minutes of AIS its figures rest on.
    fn weights(&self) -> Pending {
        let pending = weights::pending(&self.machine).merge("probe", self.probe.pending()).merge("mlp", self.mlp.pending());
        match &*self.log_z.borrow() {
            Some(((runs, steps), z)) => {
                let device = self.plain();
                let settings = Tensor::<1>::from_floats([*runs as f32, *steps as f32], &device);
                pending.extra(LOG_Z, Tensor::cat(vec![z.value.clone(), z.se.clone(), settings], 0))
            }
            None => pending,
        }
    }

    /// log Z as the file kept it, for the AIS settings it was estimated with.
    fn load_extras(&mut self, extras: &[(String, Vec<f32>)]) {
        if let Some((_, v)) = extras.iter().find(|(k, _)| k == LOG_Z)
            && let [value, se, runs, steps] = v[..]
        {
            let device = self.plain();
            let z = LogZ { value: Tensor::from_floats([value], &device), se: Tensor::from_floats([se], &device) };
            *self.log_z.borrow_mut() = Some(((runs as usize, steps as usize), z));
        }
    }

    fn load_record(&mut self, record: ModuleRecord) -> Result<()> {
        let file = Saved {
            stack: self.machine.stack.clone(),
            pixel_mean: self.machine.pixel_mean.clone(),
            probe: self.probe.net.clone(),
            mlp: self.mlp.net.clone(),
        };
        let file = weights::apply(file, record)?;
        self.machine = Machine { stack: file.stack, pixel_mean: file.pixel_mean };
        self.probe.replace(file.probe);
        self.mlp.replace(file.mlp);
        self.velocity.clear();
        self.particles = None;
        self.forget();
        Ok(())
    }
}

/// A Gibbs chain of the machine: `sweeps` sweeps from a start, the first rows of the visible
/// layer optionally clamped to given pixels (completion).
struct Gibbs {
    stack: Stack,
    states: Vec<Tensor<2>>,
    /// p(v | x_1) after the last sweep: what the frames show.
    visible: Tensor<2>,
    /// (mask, pixels): visible units held at the given pixels.
    clamp: Option<(Tensor<2>, Tensor<2>)>,
    sweeps: usize,
    done: usize,
    seed: u64,
}

impl Gibbs {
    fn new(stack: Stack, v: Tensor<2>, clamp: Option<(Tensor<2>, Tensor<2>)>, sweeps: usize, seed: u64) -> Gibbs {
        let states: Vec<_> = stack.upward(v.clone());
        Gibbs { stack, visible: v, states, clamp, sweeps, done: 0, seed }
    }
}

impl Chain for Gibbs {
    fn steps(&self) -> usize {
        self.sweeps
    }

    fn done(&self) -> usize {
        self.done
    }

    fn step(&mut self) -> Result<()> {
        let device = self.visible.device();
        let mut draw = 0u64;
        let seed = self.seed ^ (self.done as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        // Host noise: the same seed draws the same chain on every backend.
        let mut noise = |shape: [usize; 2]| {
            draw += 1;
            crate::noise::uniform_tensor(seed.wrapping_add(draw), shape, &device)
        };
        let (mut states, mut visible) = self.stack.sweep(std::mem::take(&mut self.states), &mut noise);
        if let Some((mask, pixels)) = &self.clamp {
            let keep = mask.clone().neg().add_scalar(1.0);
            states[0] = states[0].clone() * keep.clone() + pixels.clone() * mask.clone();
            visible = visible * keep + pixels.clone() * mask.clone();
        }
        self.states = states;
        self.visible = visible;
        self.done += 1;
        Ok(())
    }

    fn frame(&self) -> Frame {
        Frame { t: self.sweeps - self.done, x: self.visible.clone(), x0: None, code: None }
    }

    fn finish(self: Box<Self>) -> Result<Tensor<2>> {
        Ok(self.visible)
    }
}

impl<A: Arch> Family for Boltzmann<A> {
    /// The state of a Gibbs chain from random pixels after `steps` sweeps, shown as p(v | h).
    fn sample(&self, options: &SampleOptions) -> Result<Tensor<2>> {
        super::chain::run(self.gibbs(options, None)?)
    }

    fn chain(&self, options: &SampleOptions) -> Option<Result<Box<dyn Chain>>> {
        Some(self.gibbs(options, None))
    }

    /// A chain started at the given digits (a scribble settles into a digit), the first
    /// `prefix.rows` rows held fixed throughout (with none held, the chain runs free).
    fn complete(&self, options: &SampleOptions, prefix: Prefix) -> Option<Result<Box<dyn Chain>>> {
        Some(self.gibbs(options, Some(prefix)))
    }

    fn density(&self) -> Option<&dyn Density> {
        Some(self)
    }

    fn energy(&self) -> Option<&dyn Energy> {
        Some(self)
    }

    /// v -> h -> v: the hidden layers' (mean-field) means, then p(v | x_1).
    fn reconstruct(&self, x: Tensor<2>) -> Option<Result<Tensor<2>>> {
        let stack = &self.machine.stack;
        let mu = stack.mean_field(x.to_device(&self.plain()), MEAN_FIELD);
        Some(Ok(stack.conditional(0, &mu)))
    }

    fn classify(&self, x: Tensor<2>) -> Option<Vec<(&'static str, Tensor<2>)>> {
        let device = self.plain();
        let x = x.to_device(&device);
        let features = self.features(x.clone());
        let probe = self.probe.inference();
        let mlp = self.mlp.inference();
        let name = if self.machine.stack.depth() == 1 { "RBM features + linear" } else { "DBM top-layer features + linear" };
        Some(vec![(name, log_softmax(probe.forward(features), 1)), ("MLP of the same size", log_softmax(mlp.forward(x), 1))])
    }
}

impl<A: Arch> Boltzmann<A> {
    fn gibbs(&self, options: &SampleOptions, prefix: Option<Prefix>) -> Result<Box<dyn Chain>> {
        let s: Sampling = options.typed(&A::info())?;
        let device = self.plain();
        let n = options.n;
        let (start, clamp) = match prefix {
            // Random pixels at the data's mean ink per pixel (independent, so no digit yet).
            None => {
                let mean = self.machine.pixel_mean.val().unsqueeze::<2>().repeat_dim(0, n);
                (crate::noise::uniform_tensor(options.seed ^ 0x5eed, [n, IMAGE_PIXELS], &device).lower(mean).float(), None)
            }
            Some(p) => {
                let pixels = p.pixels.to_device(&device);
                let clamp = (p.rows > 0).then(|| {
                    let kept = (p.rows.min(IMAGE_SIDE) * IMAGE_SIDE) as i64;
                    let idx = Tensor::<1, burn::tensor::Int>::arange(0..IMAGE_PIXELS as i64, &device).lower_elem(kept).float().unsqueeze::<2>();
                    (idx.repeat_dim(0, n), pixels.clone())
                });
                (pixels, clamp)
            }
        };
        Ok(Box::new(Gibbs::new(self.machine.stack.clone(), start, clamp, s.steps, options.seed)))
    }
}

impl<A: Arch> Density for Boltzmann<A> {
    fn kind(&self) -> Likelihood {
        Likelihood::Estimate
    }

    /// log p(v) = -F(v) - log Z, log Z by AIS (kept per set of weights).
    fn log_likelihood(&self, x: Tensor<2>, _samples: usize) -> Tensor<1> {
        let f = self.machine.stack.free_energy(x.to_device(&self.plain()), MEAN_FIELD_BOUND);
        f.neg() - self.log_z().value
    }

    fn uncertainty(&self) -> Option<Tensor<1>> {
        Some(self.log_z().se)
    }

    fn prepare(&self) {
        self.log_z();
    }
}

impl<A: Arch> Energy for Boltzmann<A> {
    fn free_energy(&self, x: Tensor<2>) -> Tensor<1> {
        self.machine.stack.free_energy(x.to_device(&self.plain()), MEAN_FIELD_BOUND)
    }

    fn hidden(&self, x: Tensor<2>) -> Vec<Tensor<2>> {
        self.machine.stack.mean_field(x.to_device(&self.plain()), MEAN_FIELD).split_off(1)
    }

    fn filters(&self) -> Tensor<2> {
        self.machine.stack.w(0).transpose()
    }

    fn log_partition(&self) -> (Tensor<1>, Tensor<1>) {
        let z = self.log_z();
        (z.value, z.se)
    }
}
