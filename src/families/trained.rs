//! What every trained model holds, written once: its validated hyper-parameters and the device
//! it trains on ([`Base`]), and for each network the optimiser that steps it ([`Trained`]).
//! A family keeps one `Base` and one `Trained` per separately optimised network (a GAN has two)
//! and writes only its maths: the loss of a step, how it samples.

use super::hyper::Config;
use crate::error::Result;
use crate::weights::{self, Pending};
use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::store::ModuleRecord;
use burn::tensor::{Device, Tensor};

/// A model's hyper-parameters and its autodiff device; [`super::Model`] reads both from here.
pub struct Base {
    pub config: Config,
    /// The autodiff device the networks train on.
    pub device: Device,
}

impl Base {
    /// Takes the plain device and trains on its autodiff twin.
    pub fn new(config: &Config, device: &Device) -> Base {
        Base { config: config.clone(), device: device.clone().autodiff() }
    }

    /// The plain device, for inference without gradient tracking.
    pub fn inference_device(&self) -> Device {
        self.device.clone().without_autodiff()
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
