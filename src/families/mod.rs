//! The one trait every model family implements, and the one registry that lists them.
//!
//! Adding a family means: a module here, one line in [`REGISTRY`], a weights file made by
//! `./build.sh train NAME`, and a view in `www/js/views/`. The training loop, the CLI, the
//! evaluation, the browser API and the tests loop over the registry and need no change.
//!
//! Two traits, because not everything we train generates digits:
//! - [`Model`]: anything the one training loop trains and the weights format saves (the
//!   families, and the evaluation's classifier judge);
//! - [`Family`]: a generative model. `sample` for all; the rest are optional methods whose
//!   default says "not offered": [`Family::chain`] for step-by-step samplers (diffusion's
//!   reverse chain, an RBM's Gibbs chain, an autoregressive model's pixels), [`Family::density`]
//!   for a likelihood (a bound for the VAE, exact for naive Bayes, PixelCNN and flows, an
//!   estimate for energy models), [`Family::latent`] for decoders of a code space (VAE, GAN
//!   generators, flows) that may encode too, [`Family::classify`] for models that also
//!   classify, [`Family::diffusion`] for a forward process to show; and labels in
//!   [`SampleOptions`] for class-conditional families ([`FamilyInfo::conditional`]).
//!
//! What the page and the API may ask of a family, its [`Capabilities`], is read off those
//! methods ([`capabilities`], once per family), never declared: it cannot disagree with them.
//!
//! What every model repeats lives once in [`trained`]: a [`Base`] (the hyper-parameters as the
//! family's own typed struct, `base.hp`, read from the validated values by [`hyper::typed`],
//! and the autodiff device) and a [`Trained`] per optimised network (its optimiser step, its
//! weights, loading a record). A family's own code is its maths: the loss of
//! [`Model::train_step`] (which gets the step number in [`Batch::step`]), how it samples, its
//! optional methods.
//!
//! Samplers of many dependent steps hand out a [`Chain`] ([`Family::chain`]): one mechanism
//! for progress, cancelling and step-by-step views, whoever drives it (see [`chain`]).
//!
//! Declarations the rest of the program reads instead of knowing families: [`FamilyInfo`]'s
//! hyper-parameters and sampler settings (ranges for the page; choices by name), its
//! [`PixelModel`] (binarised, [0, 1] or dequantised 8-bit digits, so with the [`Likelihood`]
//! kind no table sets incomparable figures side by side), the extra evaluations of its sampler
//! ([`Variant`]) and the families it is built on (`built_on`).
//!
//! Methods return lazy tensors, never host values: the caller reads them back with
//! [`crate::runtime`], which is async so the same code runs on WebGPU in the browser.

pub mod autoencoder;
pub mod bases;
pub mod boltzmann;
pub mod chain;
pub mod diffusion;
pub mod flow;
pub mod gan;
pub mod hyper;
pub mod naive_bayes;
pub mod pixelcnn;
pub mod trained;
pub mod vae;

use crate::error::{Error, Result};
use crate::weights::{self, Pending};
use burn::store::ModuleRecord;
use burn::tensor::{Device, Int, Tensor};
use serde::Serialize;

pub use bases::{Bases, BuiltOn};
pub use chain::Chain;
pub use hyper::{Config, Given, HyperParam, ParamKind};
pub use trained::{Base, Settings, Trained};

/// Where a model comes from.
#[derive(Debug, Clone, Serialize)]
pub struct Paper {
    pub title: &'static str,
    pub authors: &'static str,
    pub year: u16,
    pub url: &'static str,
}

/// How a model sees pixels, which decides how training batches are prepared and what its
/// likelihood is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PixelModel {
    /// Each pixel is a Bernoulli variable; batches are binarised afresh each step
    /// (dynamic binarisation, as in the VAE/IWAE literature).
    Binarized,
    /// Pixels are intensities in [0, 1] (no likelihood is defined on them here).
    Continuous,
    /// The 8-bit bytes k made continuous, (k + u) / 256 with u ~ U[0, 1) drawn afresh (uniform
    /// dequantisation, as flows model MNIST). A family's `log_likelihood` then returns the log
    /// probability of the 8-bit digit, log p(y) - 784 ln 256 for the density p of y in [0, 1]^784
    /// (the change of variables from k + u to y), a lower bound on log P(k): its nats and
    /// bits/dim are of the 8-bit data and never comparable with a binarised figure.
    Dequantized,
}

/// The likelihood a family can compute, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Likelihood {
    /// A lower bound on log p(x) (the VAE's ELBO).
    Bound,
    /// log p(x) itself (naive Bayes, autoregressive models, flows).
    Exact,
    /// A stochastic estimate of log p(x) with an uncertainty (an energy model's log Z by
    /// annealed importance sampling).
    Estimate,
}

/// What a family can do beyond sampling, for the page and the API. Never declared: read off
/// the family's optional methods by [`capabilities`] (one source of truth), except
/// `conditional`, which is [`FamilyInfo::conditional`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Capabilities {
    /// [`Family::chain`]: a step-by-step sampler, so a trajectory to show.
    pub trajectory: bool,
    /// [`Family::density`]'s kind.
    pub likelihood: Option<Likelihood>,
    /// [`Family::latent`]: a code space that decodes to digits.
    pub latent: bool,
    /// The latent space has an encoder too ([`Latent::encode`]), so the family reconstructs.
    pub encoder: bool,
    /// [`Family::reconstruct`]: images through the model and back (through an encoder's code,
    /// or an energy model's hidden units).
    pub reconstruct: bool,
    pub conditional: bool,
    /// [`Family::classify`]: classifiers carried beside the generative model.
    pub classify: bool,
    /// [`Family::diffusion`]: a forward (noising) process to show.
    pub diffusion: bool,
    /// [`Diffusion::code_grid`]: the diffusion runs in another model's codes (latent
    /// diffusion), so its states are shown decoded and as codes.
    pub diffuses_codes: bool,
    /// [`Family::trajectory_map`]: maps each point of another model's sampling path to a
    /// digit (a consistency model along its teacher's ODE path).
    pub trajectory_map: bool,
    /// [`Family::complete`]: finishes digits whose first rows are given.
    pub completion: bool,
    /// [`Density::pixel_log_probs`]: the log-probability of each pixel (where the model was
    /// surprised).
    pub pixel_likelihood: bool,
    /// [`Family::invertible`]: an invertible map to its code, with every layer to show.
    pub invertible: bool,
    /// [`Family::energy`]: an energy-based model, with free energies, hidden layers and filters.
    pub energy: bool,
}

impl Capabilities {
    /// Reads what `family` implements: each optional method asked once, on a tiny input.
    pub fn of(family: &dyn Family) -> Capabilities {
        let device = family.device().clone().without_autodiff();
        let x = || Tensor::<2>::zeros([1, crate::data::IMAGE_PIXELS], &device);
        let latent = family.latent();
        Capabilities {
            trajectory: family.chain(&SampleOptions::new(1, 0)).is_some(),
            likelihood: family.density().map(|d| d.kind()),
            latent: latent.is_some(),
            encoder: latent.is_some_and(|l| l.encode(x()).is_some()),
            reconstruct: family.reconstruct(x()).is_some(),
            conditional: family.info().conditional,
            classify: family.classify(x()).is_some(),
            diffusion: family.diffusion().is_some(),
            diffuses_codes: family.diffusion().is_some_and(|d| d.code_grid().is_some()),
            trajectory_map: family.trajectory_map(&SampleOptions::new(1, 0)).is_some(),
            completion: family.complete(&SampleOptions::new(1, 0), Prefix { pixels: x(), rows: crate::data::IMAGE_SIDE }).is_some(),
            pixel_likelihood: family.density().is_some_and(|d| d.pixel_log_probs(x()).is_some()),
            invertible: family.invertible().is_some(),
            energy: family.energy().is_some(),
        }
    }
}

/// A named scalar the training loop reports (its key appears in [`StepLosses`] order).
#[derive(Debug, Clone, Serialize)]
pub struct LossInfo {
    pub key: &'static str,
    pub label: &'static str,
}

/// What a model is: everything the page needs to draw its controls.
#[derive(Debug, Clone, Serialize)]
pub struct FamilyInfo {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub paper: Paper,
    pub pixels: PixelModel,
    /// Hyper-parameters of the model and its training.
    pub hyper: Vec<HyperParam>,
    /// Settings of the sampler (steps, eta, guidance, ...), given per `sample` call.
    pub sampling: Vec<HyperParam>,
    /// Samples take class labels ([`SampleOptions::labels`]).
    pub conditional: bool,
    pub losses: Vec<LossInfo>,
    /// Training steps of the shipped weights (`./build.sh train NAME` runs this many).
    pub train_steps: u64,
    /// Sampler settings `./build.sh eval` also measures the family with, beyond its defaults
    /// (a diffusion model's speed/quality trade-off and guidance study).
    #[serde(skip)]
    pub variants: Vec<Variant>,
    /// The registered families whose shipped weights this one is built on (latent diffusion
    /// on an autoencoder, consistency distillation on a DDPM); empty for most.
    pub built_on: &'static [&'static str],
    /// Its samples are meant as digits. False for a stage other families are built on (latent
    /// diffusion's autoencoder), which samples only to show why it is no generator alone: the
    /// page still shows it, and the judge's digit checks and rankings leave it out.
    pub generator: bool,
}

/// One extra evaluation of a family: sampler settings by name (choices by their names), with
/// a label per sample or without, on fewer samples when `slow`.
#[derive(Debug, Clone)]
pub struct Variant {
    pub settings: Given,
    pub labelled: bool,
    pub slow: bool,
}

impl Variant {
    /// `settings` as `(key, value)` pairs, values as JSON (`"ddpm"`, `1000`).
    pub fn new(settings: &[(&str, serde_json::Value)], labelled: bool, slow: bool) -> Variant {
        Variant { settings: settings.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(), labelled, slow }
    }
}

/// A training batch on the model's device, already prepared for its [`PixelModel`].
pub struct Batch {
    pub images: Tensor<2>,
    pub labels: Tensor<1, Int>,
    /// The training step this batch is for, counted from 0 by the one training loop (for
    /// schedules and warm-ups, so that no family counts steps itself).
    pub step: u64,
}

/// The named losses of one training step, as lazy scalars in [`FamilyInfo::losses`] order.
pub type StepLosses = Vec<Tensor<1>>;

/// How to sample: how many, from which seed, of which classes, with which sampler settings.
#[derive(Debug, Clone, Default)]
pub struct SampleOptions {
    pub n: usize,
    pub seed: u64,
    /// One class label per sample for conditional families; `None` samples unconditionally.
    pub labels: Option<Vec<u8>>,
    /// Values of the family's declared [`FamilyInfo::sampling`]; missing ones take defaults.
    pub settings: Config,
}

impl SampleOptions {
    pub fn new(n: usize, seed: u64) -> Self {
        SampleOptions { n, seed, ..Default::default() }
    }

    /// Checked options from the outside (JS API, CLI): `n` in range, labels only for a
    /// conditional family and only digits, settings against the family's declarations.
    pub fn checked(info: &FamilyInfo, n: usize, seed: u64, labels: Option<Vec<u8>>, settings: &Given) -> Result<Self> {
        if n == 0 || n > MAX_SAMPLES {
            return Err(Error::Param(format!("n = {n} is out of range [1, {MAX_SAMPLES}]")));
        }
        if let Some(labels) = &labels {
            if !info.conditional {
                return Err(Error::Param(format!("'{}' is not class-conditional: it takes no label", info.name)));
            }
            if labels.len() != n {
                return Err(Error::Param(format!("{} labels for {n} samples", labels.len())));
            }
            if let Some(bad) = labels.iter().find(|&&l| l > 9) {
                return Err(Error::Param(format!("label = {bad} is out of range [0, 9]")));
            }
        }
        let settings = hyper::validate("sampler setting", &info.sampling, settings)?;
        Ok(SampleOptions { n, seed, labels, settings })
    }

    /// The sampler settings as the family's struct (declared defaults where not given).
    pub fn typed<S: serde::de::DeserializeOwned>(&self, info: &FamilyInfo) -> Result<S> {
        hyper::typed(&info.sampling, &self.settings)
    }
}

/// The most images one call may ask for.
pub const MAX_SAMPLES: usize = 1024;

/// One stored state of a step-by-step sampler.
pub struct Frame {
    /// The sampler's time index: a diffusion timestep t, a Gibbs sweep.
    pub t: usize,
    /// The state, `[n, 784]` in [0, 1].
    pub x: Tensor<2>,
    /// The model's guess at the final image from this state (diffusion's predicted x_0).
    pub x0: Option<Tensor<2>>,
    /// The state itself where it is a code rather than an image (latent diffusion's z_t, of
    /// which `x` is the decoding), with the code's `[channels, side, side]`.
    pub code: Option<(Tensor<2>, [usize; 3])>,
}

/// A space of codes that decode to digits, for latent-space views.
pub trait Latent {
    fn latent_dim(&self) -> usize;
    /// A spatial code's shape, `[channels, side, side]` (an autoencoder's, for a convolutional
    /// denoiser to work on); `None` for a flat code.
    fn grid(&self) -> Option<[usize; 3]> {
        None
    }
    /// Images from codes: `[b, d]` -> `[b, 784]` in [0, 1] (with one label per code for a
    /// conditional family).
    fn decode(&self, z: Tensor<2>, labels: Option<&[u8]>) -> Result<Tensor<2>>;
    /// The code of each image, `[b, 784]` -> `[b, d]`, where the family has an encoder (the
    /// posterior mean for a VAE); `None` for generators without one (GANs).
    fn encode(&self, _x: Tensor<2>) -> Option<Tensor<2>> {
        None
    }
}

/// log p(x) of a family that has a likelihood, and which kind of figure it is.
pub trait Density {
    fn kind(&self) -> Likelihood;
    /// log p(x) in nats per image (or a bound on it, or an estimate of it, per [`Density::kind`])
    /// for images prepared per [`PixelModel`]. A bound may tighten with `samples` importance
    /// samples (1 gives the family's basic bound, the ELBO for a VAE); exact likelihoods ignore it.
    fn log_likelihood(&self, x: Tensor<2>, samples: usize) -> Tensor<1>;
    /// log p of each pixel given what the model conditions it on, `[b, 784]`, summing to
    /// log p(x) (autoregressive models); `None` where the likelihood does not split by pixel.
    fn pixel_log_probs(&self, _x: Tensor<2>) -> Option<Tensor<2>> {
        None
    }
    /// For an estimate, the standard error (nats, `[1]`) every image's figure shares: the
    /// uncertainty of an energy model's log Z across its AIS runs. `None` for the rest.
    fn uncertainty(&self) -> Option<Tensor<1>> {
        None
    }
    /// Computes once what an estimate rests on (an energy model's log Z), so that the weights
    /// file written next keeps it ([`Model::weights`]); nothing for the rest.
    fn prepare(&self) {}
}

/// An energy-based model, p(v) = exp(-F(v)) / Z, for views of its energy landscape and units.
pub trait Energy {
    /// The free energy F(v) of images in [0, 1] (`[b, 784]`), `[b]` nats (for models without a
    /// closed form, a variational upper bound on it).
    fn free_energy(&self, x: Tensor<2>) -> Tensor<1>;
    /// Each hidden layer's unit probabilities given the images (mean-field where the layers
    /// interact), bottom to top, `[b, n_l]`.
    fn hidden(&self, x: Tensor<2>) -> Vec<Tensor<2>>;
    /// The first hidden layer's weights, one 784-pixel filter per unit, `[n_1, 784]`.
    fn filters(&self) -> Tensor<2>;
    /// log Z and its standard error (`[1]` each), as the likelihood uses them.
    fn log_partition(&self) -> (Tensor<1>, Tensor<1>);
}

/// One layer of an invertible family, for views that show the map at work.
pub struct Layer {
    pub name: String,
    /// The state after the layer in the image's layout, `[b, 784]` (unbounded values).
    pub state: Tensor<2>,
    /// That layer's log |det| per image, `[b]` (nats).
    pub logdet: Tensor<1>,
}

/// A family that is a bijection from images to its code (a flow): [`Latent::encode`] is the
/// map, [`Latent::decode`] its exact inverse.
pub trait Invertible {
    /// The state after each layer for images in [0, 1] (`[b, 784]`), first to last, the last
    /// being the code z.
    fn layers(&self, x: Tensor<2>) -> Vec<Layer>;
}

/// The first rows of digits, to be completed ([`Family::complete`]).
#[derive(Debug, Clone)]
pub struct Prefix {
    /// `n` digits, `[n, 784]`, pixels in [0, 1] prepared per the family's [`PixelModel`] (only
    /// the first `rows` rows are read).
    pub pixels: Tensor<2>,
    pub rows: usize,
}

/// The forward process of a diffusion-style family, for views that show the noising.
pub trait Diffusion {
    /// sqrt(alpha_bar_t) is the signal level after step t + 1 (t = 0..T-1), and
    /// sqrt(1 - alpha_bar_t) the noise level.
    fn alpha_bar(&self) -> &[f64];
    /// q(x_t | x_0) for images in [0, 1] (`[b, 784]`) at one timestep, with the given noise
    /// (`[b, 784]` or `[1, 784]`, standard normal; a code of d values takes the first d): the
    /// noised states shown as images in [0, 1] (pixels rescaled, codes decoded).
    fn noise_images(&self, x0: Tensor<2>, t: usize, eps: Tensor<2>) -> Tensor<2>;
    /// Where the diffusion runs in a code space rather than on pixels (latent diffusion), the
    /// code's `[channels, side, side]`; `None` for pixels.
    fn code_grid(&self) -> Option<[usize; 3]> {
        None
    }
    /// The trained noise predictor and schedule, where another family can learn from them (a
    /// pixel-space DDPM teaching consistency distillation).
    fn teacher(&self) -> Option<diffusion::denoiser::Teacher> {
        None
    }
}

/// Anything the one training loop trains and the weights format saves.
pub trait Model {
    fn info(&self) -> FamilyInfo;
    /// Its hyper-parameters and device, held in one [`Base`].
    fn base(&self) -> &dyn Settings;
    fn base_mut(&mut self) -> &mut dyn Settings;
    /// The hyper-parameters this instance was built with.
    fn config(&self) -> &Config {
        self.base().config()
    }
    /// The device it trains on (an autodiff device).
    fn device(&self) -> &Device {
        self.base().device()
    }
    /// One optimisation step on `batch`; returns the losses named in `info().losses`.
    fn train_step(&mut self, batch: Batch) -> Result<StepLosses>;
    /// The parameters, lazily, for [`weights::encode`].
    fn weights(&self) -> Pending;
    /// Replaces the parameters with a record's; fails on any missing or mis-shaped tensor.
    fn load_record(&mut self, record: ModuleRecord) -> Result<()>;
    /// Values a weights file keeps beside its parameters, computed from them once (see
    /// [`weights`]), after [`Model::load_record`]; unknown ones are ignored.
    fn load_extras(&mut self, _extras: &[(String, Vec<f32>)]) {}
    /// The base weights it was built with, `(family, checksum)`, one per
    /// [`FamilyInfo::built_on`] (its weights file records them); empty for most.
    fn built_on(&self) -> Vec<(String, String)> {
        vec![]
    }

    /// Changes hyper-parameters that leave the network's shape alone (learning rate, batch
    /// size, loss weights) in place; refuses architecture ones, which need a fresh model.
    fn set_params(&mut self, params: &Given) -> Result<Config> {
        let info = self.info();
        let mut merged = hyper::show(&info.hyper, self.config());
        for (key, value) in params {
            if let Some(h) = info.hyper.iter().find(|h| h.key == key && h.architecture) {
                let now = merged.get(key).cloned();
                if Some(value) != now.as_ref() && value.as_f64() != now.as_ref().and_then(|v| v.as_f64()) {
                    return Err(Error::Param(format!("'{}' changes the network's shape: reset the model to apply it", h.key)));
                }
            }
            merged.insert(key.clone(), value.clone());
        }
        let config = hyper::validate("hyper-parameter", &info.hyper, &merged)?;
        self.base_mut().set_config(config.clone())?;
        Ok(config)
    }
}

/// One generative model family. Object-safe, so the registry hands out `Box<dyn Family>`.
pub trait Family: Model {
    /// `n` images as `[n, 784]` in [0, 1].
    fn sample(&self, options: &SampleOptions) -> Result<Tensor<2>>;
    /// A step-by-step sampler's chain, for samplers of many dependent steps (`None` for
    /// one-shot samplers): the page drives it to report progress and cancel, and
    /// [`Family::trajectory`] to show its states. Its result equals [`Family::sample`]'s.
    fn chain(&self, _options: &SampleOptions) -> Option<Result<Box<dyn Chain>>> {
        None
    }
    /// Up to `frames` states of the sampler, first to last, the last being the samples (from
    /// [`Family::chain`], so a family with a chain has it for free).
    fn trajectory(&self, options: &SampleOptions, frames: usize) -> Option<Result<Vec<Frame>>> {
        self.chain(options).map(|chain| chain::trajectory(chain?, frames))
    }
    /// Another model's sampling path, with this model's digit for each of its states: frame
    /// `x` a state of the path, frame `x0` what this model makes of it (a consistency model
    /// along its teacher's ODE path from the same noise: the paper's picture of every point
    /// mapped to the same digit). `None` for families that learn no such map.
    fn trajectory_map(&self, _options: &SampleOptions) -> Option<Result<Box<dyn Chain>>> {
        None
    }
    /// A sampler that keeps the first `prefix.rows` rows of each given digit and draws the rest
    /// given them (an autoregressive family's completions); `None` for families that cannot.
    /// A Markov-chain sampler (an RBM's Gibbs chain) starts from the given digits, so with no
    /// row kept it runs free from them: a scribble settling into a digit.
    fn complete(&self, _options: &SampleOptions, _prefix: Prefix) -> Option<Result<Box<dyn Chain>>> {
        None
    }
    /// The family's likelihood, where it has one (exact, a bound or an estimate).
    fn density(&self) -> Option<&dyn Density> {
        None
    }
    fn latent(&self) -> Option<&dyn Latent> {
        None
    }
    /// Images passed through the model and back: the decoded code of each image, for a family
    /// whose latent space has an encoder; `None` for families without one.
    fn reconstruct(&self, x: Tensor<2>) -> Option<Result<Tensor<2>>> {
        let latent = self.latent()?;
        Some(latent.decode(latent.encode(x)?, None))
    }
    /// Classifiers the family carries, by name: log p(class | x), `[b, 10]`, for images
    /// prepared per [`PixelModel`] (naive Bayes by Bayes' rule, beside its discriminative twin).
    fn classify(&self, _x: Tensor<2>) -> Option<Vec<(&'static str, Tensor<2>)>> {
        None
    }
    fn diffusion(&self) -> Option<&dyn Diffusion> {
        None
    }
    /// The family as a bijection with its layers, for flows; `None` for the rest.
    fn invertible(&self) -> Option<&dyn Invertible> {
        None
    }
    /// The family as an energy-based model (RBM, DBM); `None` for the rest.
    fn energy(&self) -> Option<&dyn Energy> {
        None
    }
}

/// A registry entry: what the family is and how to build one (from its validated
/// hyper-parameters, the weights of the families it is built on, and a device).
pub struct Registration {
    pub info: fn() -> FamilyInfo,
    pub create: fn(&Config, &Bases, &Device) -> Result<Box<dyn Family>>,
}

/// Every family, in the order the gallery shows them.
pub static REGISTRY: &[Registration] = &[
    vae::REGISTRATION,
    gan::REGISTRATION,
    gan::CONDITIONAL,
    diffusion::ddpm::REGISTRATION,
    autoencoder::REGISTRATION,
    diffusion::ddpm::LATENT,
    diffusion::consistency::REGISTRATION,
    pixelcnn::REGISTRATION,
    flow::NICE,
    flow::REALNVP,
    boltzmann::RBM,
    boltzmann::DBM,
    naive_bayes::REGISTRATION,
];

pub fn infos() -> Vec<FamilyInfo> {
    REGISTRY.iter().map(|r| (r.info)()).collect()
}

fn find(name: &str) -> Result<&'static Registration> {
    REGISTRY.iter().find(|r| (r.info)().name == name).ok_or_else(|| {
        let names: Vec<_> = infos().iter().map(|i| i.name).collect();
        Error::Family(format!("unknown family '{name}' (known: {})", names.join(", ")))
    })
}

/// What each registered family can do ([`Capabilities::of`] a default instance on the CPU,
/// read once), in registry order.
pub fn capabilities() -> &'static [Capabilities] {
    static CAPS: std::sync::OnceLock<Vec<Capabilities>> = std::sync::OnceLock::new();
    CAPS.get_or_init(|| {
        let device = Device::flex();
        // Families built on others are read off an instance on freshly made bases: what a
        // family can do does not depend on its bases' weights.
        let bases = Bases::fresh();
        REGISTRY
            .iter()
            .map(|r| {
                let config = hyper::validate("hyper-parameter", &(r.info)().hyper, &Given::new()).expect("defaults are in range");
                Capabilities::of(&*(r.create)(&config, &bases, &device).expect("a family builds from its defaults"))
            })
            .collect()
    })
}

/// A family as the page sees it: what it declares and what it can do.
#[derive(Debug, Clone, Serialize)]
pub struct Described {
    #[serde(flatten)]
    pub info: FamilyInfo,
    pub capabilities: Capabilities,
}

/// Every family with its capabilities, in registry order.
pub fn described() -> Vec<Described> {
    infos().into_iter().zip(capabilities().iter().cloned()).map(|(info, capabilities)| Described { info, capabilities }).collect()
}

pub fn info(name: &str) -> Result<FamilyInfo> {
    Ok((find(name)?.info)())
}

/// Builds a freshly initialised family from (possibly partial) hyper-parameters, validated
/// against its declared ranges; missing ones take their defaults. A family built on others
/// loads them from `bases` (see [`bases`]).
pub fn create(name: &str, params: &Given, bases: &Bases, device: &Device) -> Result<Box<dyn Family>> {
    let reg = find(name)?;
    let config = hyper::validate("hyper-parameter", &(reg.info)().hyper, params)?;
    (reg.create)(&config, bases, device)
}

/// Builds a family from a weights file, checking it is the family the caller expects.
pub fn load(expected: Option<&str>, bytes: Vec<u8>, bases: &Bases, device: &Device) -> Result<Box<dyn Family>> {
    Ok(load_trained(expected, bytes, bases, device)?.0)
}

/// [`load`], with the training steps the file says its weights have had (to resume training).
pub fn load_trained(expected: Option<&str>, bytes: Vec<u8>, bases: &Bases, device: &Device) -> Result<(Box<dyn Family>, u64)> {
    let file = weights::decode(bytes, expected)?;
    let steps = file.steps;
    Ok((from_file(file, bases, device)?, steps))
}

/// A decoded file's family: built from its hyper-parameters on `bases` (which must be the
/// base weights the file records), then given its weights.
fn from_file(file: weights::WeightsFile, bases: &Bases, device: &Device) -> Result<Box<dyn Family>> {
    let reg = find(&file.family)?;
    let mut family = (reg.create)(&file.config(&(reg.info)().hyper)?, bases, device)?;
    bases::check(&file.family, &file.built_on, &family.built_on())?;
    family.load_record(file.record)?;
    family.load_extras(&file.extras);
    Ok(family)
}
