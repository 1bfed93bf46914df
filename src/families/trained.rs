//! What every trained model holds, written once: its validated hyper-parameters and the device
//! it trains on ([`Base`]), and for each network the optimiser that steps it ([`Trained`]).
//! A family keeps one `Base` and one `Trained` per separately optimised network (a GAN has two)
//! and writes only its maths: the loss of a step, how it samples.

use super::hyper::{self, Config, HyperParam};
use crate::error::Result;
use crate::weights::{self, Pending};
use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::store::ModuleRecord;
use burn::tensor::{Device, Tensor};
use serde::de::DeserializeOwned;

/// A model's hyper-parameters, typed (`H`, the family's own struct, read as `base.hp.lr`) and
/// as the validated values the page and weights files carry, and its autodiff device.
/// [`super::Model`] reads them through [`Settings`].
pub struct Base<H> {
    /// The hyper-parameters as the family's struct (see [`hyper::typed`]).
    pub hp: H,
    config: Config,
    declared: Vec<HyperParam>,
    /// The autodiff device the networks train on.
    pub device: Device,
}

impl<H: DeserializeOwned> Base<H> {
    /// Reads `config` (validated against `declared`, the family's [`super::FamilyInfo::hyper`])
    /// into `H`; takes the plain device and trains on its autodiff twin.
    pub fn new(declared: Vec<HyperParam>, config: &Config, device: &Device) -> Result<Base<H>> {
        Ok(Base { hp: hyper::typed(&declared, config)?, config: config.clone(), declared, device: device.clone().autodiff() })
    }

    /// The plain device, for inference without gradient tracking.
    pub fn inference_device(&self) -> Device {
        self.device.clone().without_autodiff()
    }
}

/// What the training loop, the CLI and the page ask of any model's [`Base`], whatever its
/// hyper-parameter struct.
pub trait Settings {
    /// The validated values (choices as indices; [`hyper::show`] writes them by name).
    fn config(&self) -> &Config;
    fn device(&self) -> &Device;
    /// Replaces the values (already validated) and the typed struct read from them.
    fn set_config(&mut self, config: Config) -> Result<()>;
}

impl<H: DeserializeOwned> Settings for Base<H> {
    fn config(&self) -> &Config {
        &self.config
    }

    fn device(&self) -> &Device {
        &self.device
    }

    fn set_config(&mut self, config: Config) -> Result<()> {
        self.hp = hyper::typed(&self.declared, &config)?;
        self.config = config;
        Ok(())
    }
}

/// A network and its optimiser.
pub struct Trained<M> {
    pub net: M,
    optim: ModuleOptimizer,
    /// Makes a fresh optimiser: at the start, and whenever the weights are replaced (the old
    /// optimiser's moments belong to the old parameters).
    fresh: fn() -> ModuleOptimizer,
}

impl<M: Module> Trained<M> {
    pub fn new(net: M, fresh: fn() -> ModuleOptimizer) -> Self {
        Trained { net, optim: fresh(), fresh }
    }

    /// One optimiser step down the gradient of `loss` with respect to this network's
    /// parameters (other networks the loss went through are left alone).
    pub fn step(&mut self, lr: f64, loss: &Tensor<1>) {
        let grads = GradientsParams::from_grads(loss.backward(), &self.net);
        self.net = self.optim.step(lr, self.net.clone(), grads);
    }

    /// The network without gradient tracking.
    pub fn inference(&self) -> M {
        self.net.valid()
    }

    /// Replaces the weights, with a fresh optimiser.
    pub fn replace(&mut self, net: M) {
        self.net = net;
        self.optim = (self.fresh)();
    }

    /// The parameters, for [`weights::encode`].
    pub fn pending(&self) -> Pending {
        weights::pending(&self.net)
    }

    /// Loads a record's weights (a clear error when they do not fit), with a fresh optimiser.
    pub fn load(&mut self, record: ModuleRecord) -> Result<()> {
        let net = weights::apply(self.net.clone(), record)?;
        self.replace(net);
        Ok(())
    }
}
