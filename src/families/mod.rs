//! The one trait every model family implements, and the one registry that lists them.
//!
//! Adding a family means: a module here, one line in [`REGISTRY`], a weights file made by
//! `./build.sh train NAME`, and a view in `www/js/views/`. The training loop, the CLI, the
//! browser API and the tests loop over the registry and need no change.
//!
//! The trait is shaped for every family we plan, not just the first:
//! - `sample` for all; `trajectory` for step-through samplers (diffusion, Gibbs chains of an RBM);
//! - `log_likelihood` either a bound (VAE's ELBO) or exact (PixelCNN, NICE/RealNVP flows);
//! - `latent` for encoders/decoders (VAE, GAN generators, latent diffusion);
//! - `labels` in [`SampleOptions`] for class-conditional families (cGAN, guided diffusion).
//!
//! Methods return lazy tensors, never host values: the caller reads them back with
//! [`crate::runtime`], which is async so the same code runs on WebGPU in the browser.

pub mod hyper;
pub mod vae;

use crate::error::{Error, Result};
use crate::weights::{self, Pending};
use burn::store::ModuleRecord;
use burn::tensor::{Device, Int, Tensor};
use serde::Serialize;

pub use hyper::{Config, HyperParam, ParamKind};

/// Where a family comes from.
#[derive(Debug, Clone, Serialize)]
pub struct Paper {
    pub title: &'static str,
    pub authors: &'static str,
    pub year: u16,
    pub url: &'static str,
}

/// How a family models pixels, which decides how training batches are prepared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PixelModel {
    /// Each pixel is a Bernoulli variable; batches are binarised afresh each step
    /// (dynamic binarisation, as in the VAE/IWAE literature).
    Binarized,
    /// Pixels are intensities in [0, 1].
    Continuous,
}

/// The likelihood a family can compute, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Likelihood {
    /// A lower bound on log p(x) (the VAE's ELBO).
    Bound,
    /// log p(x) itself (autoregressive models, flows, naive Bayes).
    Exact,
}

/// Optional capabilities, declared so that views and tests never have to guess.
#[derive(Debug, Clone, Serialize)]
pub struct Capabilities {
    pub trainable: bool,
    pub trajectory: bool,
    pub likelihood: Option<Likelihood>,
    pub latent: bool,
    pub conditional: bool,
}

/// A named scalar the training loop reports (its key appears in [`StepLosses`]).
#[derive(Debug, Clone, Serialize)]
pub struct LossInfo {
    pub key: &'static str,
    pub label: &'static str,
}

/// What a family is: everything the page needs to draw its controls.
#[derive(Debug, Clone, Serialize)]
pub struct FamilyInfo {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub paper: Paper,
    pub pixels: PixelModel,
    pub hyper: Vec<HyperParam>,
    pub capabilities: Capabilities,
    pub losses: Vec<LossInfo>,
}

/// A training batch on the family's device, already prepared for its [`PixelModel`].
pub struct Batch {
    pub images: Tensor<2>,
    pub labels: Tensor<1, Int>,
}

/// The named losses of one training step, as lazy scalars in [`FamilyInfo::losses`] order.
pub type StepLosses = Vec<Tensor<1>>;

/// How to sample.
#[derive(Debug, Clone, Default)]
pub struct SampleOptions {
    pub n: usize,
    pub seed: u64,
    /// Class labels for conditional families (one per sample); `None` samples unconditionally.
    pub labels: Option<Vec<u8>>,
}

/// Encoders and decoders, for latent-space views.
pub trait Latent {
    fn latent_dim(&self) -> usize;
    /// The code of each image: `[b, 784]` -> `[b, d]` (the posterior mean for a VAE).
    fn encode(&self, x: Tensor<2>) -> Tensor<2>;
    /// Images from codes: `[b, d]` -> `[b, 784]` in [0, 1].
    fn decode(&self, z: Tensor<2>) -> Tensor<2>;
}

/// One model family. Object-safe, so the registry hands out `Box<dyn Family>`.
pub trait Family {
    fn info(&self) -> FamilyInfo;
    /// The hyper-parameters this instance was built with.
    fn config(&self) -> &Config;
    fn config_mut(&mut self) -> &mut Config;
    fn device(&self) -> &Device;
    /// One optimisation step on `batch`; returns the losses named in `info().losses`.
    fn train_step(&mut self, batch: Batch) -> Result<StepLosses>;
    /// `n` images as `[n, 784]` in [0, 1].
    fn sample(&self, options: &SampleOptions) -> Result<Tensor<2>>;
    /// Intermediate states of the sampler, first to last, each `[n, 784]` in [0, 1].
    fn trajectory(&self, _options: &SampleOptions) -> Option<Result<Vec<Tensor<2>>>> {
        None
    }
    /// log p(x) in nats per image (or its lower bound), for images prepared per [`PixelModel`].
    fn log_likelihood(&self, _x: Tensor<2>) -> Option<Tensor<1>> {
        None
    }
    fn latent(&self) -> Option<&dyn Latent> {
        None
    }
    /// Images passed through the model and back (autoencoders).
    fn reconstruct(&self, _x: Tensor<2>) -> Option<Tensor<2>> {
        None
    }
    /// The parameters, lazily, for [`weights::encode`].
    fn weights(&self) -> Pending;
    /// Replaces the parameters with a record's; fails on any missing or mis-shaped tensor.
    fn load_record(&mut self, record: ModuleRecord) -> Result<()>;

    /// Changes hyper-parameters that leave the network's shape alone (learning rate, batch
    /// size, loss weights) in place; refuses architecture ones, which need a fresh model.
    fn set_params(&mut self, params: &serde_json::Map<String, serde_json::Value>) -> Result<Config> {
        let info = self.info();
        let mut merged: serde_json::Map<String, serde_json::Value> =
            self.config().iter().map(|(k, v)| (k.clone(), serde_json::json!(v))).collect();
        for (key, value) in params {
            if info.hyper.iter().any(|h| h.key == key && h.architecture) && value.as_f64() != merged.get(key).and_then(|v| v.as_f64()) {
                return Err(Error::Param(format!("'{key}' changes the network's shape: reset the model to apply it")));
            }
            merged.insert(key.clone(), value.clone());
        }
        let config = hyper::validate(&info.hyper, &merged)?;
        *self.config_mut() = config.clone();
        Ok(config)
    }
}

/// A registry entry: what the family is and how to build one.
pub struct Registration {
    pub info: fn() -> FamilyInfo,
    pub create: fn(&Config, &Device) -> Box<dyn Family>,
}

/// Every family, in the order the gallery shows them.
pub static REGISTRY: &[Registration] = &[vae::REGISTRATION];

pub fn infos() -> Vec<FamilyInfo> {
    REGISTRY.iter().map(|r| (r.info)()).collect()
}

fn find(name: &str) -> Result<&'static Registration> {
    REGISTRY.iter().find(|r| (r.info)().name == name).ok_or_else(|| {
        let names: Vec<_> = infos().iter().map(|i| i.name).collect();
        Error::Family(format!("unknown family '{name}' (known: {})", names.join(", ")))
    })
}

/// Builds a freshly initialised family from (possibly partial) hyper-parameters, validated
/// against its declared ranges; missing ones take their defaults.
pub fn create(name: &str, params: &serde_json::Map<String, serde_json::Value>, device: &Device) -> Result<Box<dyn Family>> {
    let reg = find(name)?;
    let config = hyper::validate(&(reg.info)().hyper, params)?;
    Ok((reg.create)(&config, device))
}

/// Builds a family from a weights file, checking it is the family the caller expects.
pub fn load(expected: Option<&str>, bytes: Vec<u8>, device: &Device) -> Result<Box<dyn Family>> {
    let file = weights::decode(bytes)?;
    if let Some(expected) = expected {
        if file.family != expected {
            return Err(Error::Weights(format!(
                "this file holds '{}' weights, not '{expected}' weights",
                file.family
            )));
        }
    }
    let reg = find(&file.family)?;
    let config = hyper::validate(&(reg.info)().hyper, &file.config)
        .map_err(|e| Error::Weights(format!("the file's hyper-parameters are invalid: {e}")))?;
    let mut family = (reg.create)(&config, device);
    family.load_record(file.record)?;
    Ok(family)
}
