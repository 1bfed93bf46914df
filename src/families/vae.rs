//! The variational autoencoder: Kingma & Welling, "Auto-Encoding Variational Bayes", 2013
//! (arXiv:1312.6114); the beta weight on the KL term is Higgins et al. 2017 (beta-VAE); the
//! importance-weighted bound is Burda, Grosse & Salakhutdinov 2015 (arXiv:1509.00519).
//!
//! An encoder maps a digit x to a Gaussian posterior q(z|x) = N(mu(x), diag sigma^2(x)); a
//! decoder maps a code z to Bernoulli pixel probabilities p(x|z). Training maximises the
//! evidence lower bound
//!
//!   log p(x) >= ELBO = E_q[log p(x|z)] - KL(q(z|x) || N(0, I))
//!
//! with the reparameterisation z = mu + sigma * eps, eps ~ N(0, I), so gradients flow through
//! the sampling. For a diagonal Gaussian against N(0, I) the KL has the closed form
//!
//!   KL = -1/2 * sum_j (1 + log sigma_j^2 - mu_j^2 - sigma_j^2).
//!
//! With k posterior samples z_i the bound tightens towards log p(x) (IWAE):
//!
//!   log p(x) >= log 1/k sum_i p(x|z_i) p(z_i) / q(z_i|x).

use super::hyper::{self, Config, HyperParam};
use super::{
    Base, Batch, Density, Family, FamilyInfo, Latent, Likelihood, LossInfo, Model, Paper, PixelModel, Registration, SampleOptions, Settings,
    StepLosses, Trained,
};
use crate::data::IMAGE_PIXELS;
use crate::error::Result;
use crate::nn::{bernoulli_nll, log_sum_exp};
use crate::weights::Pending;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, ModuleOptimizer};
use burn::store::ModuleRecord;
use burn::tensor::activation::{relu, sigmoid};
use burn::tensor::{Device, Distribution, Tensor};
use serde::Deserialize;

pub const REGISTRATION: Registration = Registration { info, create };

fn info() -> FamilyInfo {
    let [lr, batch] = hyper::common(1e-3, 64.0);
    FamilyInfo {
        name: "vae",
        title: "Variational autoencoder",
        description: "Encodes each digit as a Gaussian over a small latent code and decodes codes back to digits; \
                      sampling decodes codes drawn from the prior N(0, I).",
        paper: Paper {
            title: "Auto-Encoding Variational Bayes",
            authors: "Diederik P. Kingma, Max Welling",
            year: 2013,
            url: "https://arxiv.org/abs/1312.6114",
        },
        pixels: PixelModel::Binarized,
        hyper: vec![
            HyperParam::int("latent", "latent size", "dimensions of z (2 draws a manifold)", 16.0, 2.0, 64.0).architecture(),
            HyperParam::int("hidden", "hidden width", "units in each of the two hidden layers", 400.0, 32.0, 1024.0).architecture(),
            HyperParam::float("beta", "beta", "weight of the KL term (1 = the ELBO)", 1.0, 0.0, 10.0),
            lr,
            batch,
        ],
        sampling: vec![],
        conditional: false,
        losses: vec![
            LossInfo { key: "recon", label: "reconstruction -log p(x|z) (nats)" },
            LossInfo { key: "kl", label: "KL(q(z|x) || p(z)) (nats)" },
        ],
        train_steps: 30_000,
        variants: vec![],
        built_on: &[],
        generator: true,
    }
}

/// Adam with a small L2 penalty. The penalty bounds the decoder's logits: without it Adam,
/// whose steps do not shrink with the gradient, drives background pixels' logits towards
/// -infinity, their gradients become subnormal floats, and training slows several-fold on
/// CPUs (in WebAssembly there is no flush-to-zero to hide it). With it the logits settle near
/// -10, costing about 1e-4 nats per digit.
fn optimizer() -> ModuleOptimizer {
    AdamConfig::new().with_weight_decay(Some(WeightDecayConfig::new(1e-5))).init()
}

/// The hyper-parameters [`info`] declares.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Hyper {
    latent: usize,
    hidden: usize,
    beta: f64,
    lr: f64,
    #[allow(dead_code)] // read by the training loop
    batch: usize,
}

fn create(config: &Config, _: &super::Bases, device: &Device) -> Result<Box<dyn Family>> {
    let base: Base<Hyper> = Base::new(info().hyper, config, device)?;
    Ok(Box::new(Vae { model: Trained::new(VaeModel::new(base.hp.latent, base.hp.hidden, &base.device), optimizer), base }))
}

/// Encoder 784 -> h -> h -> (mu, log sigma^2); decoder z -> h -> h -> 784 logits.
#[derive(Module, Debug)]
pub struct VaeModel {
    enc1: Linear,
    enc2: Linear,
    mu: Linear,
    logvar: Linear,
    dec1: Linear,
    dec2: Linear,
    out: Linear,
}

impl VaeModel {
    pub fn new(latent: usize, hidden: usize, device: &Device) -> Self {
        let l = |i, o| LinearConfig::new(i, o).init(device);
        Self {
            enc1: l(IMAGE_PIXELS, hidden),
            enc2: l(hidden, hidden),
            mu: l(hidden, latent),
            logvar: l(hidden, latent),
            dec1: l(latent, hidden),
            dec2: l(hidden, hidden),
            out: l(hidden, IMAGE_PIXELS),
        }
    }

    /// q(z|x): the posterior mean and log-variance, each `[b, latent]`.
    pub fn encode(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let h = relu(self.enc2.forward(relu(self.enc1.forward(x))));
        (self.mu.forward(h.clone()), self.logvar.forward(h))
    }

    /// p(x|z) as Bernoulli logits, `[b, 784]`.
    pub fn decode_logits(&self, z: Tensor<2>) -> Tensor<2> {
        self.out.forward(relu(self.dec2.forward(relu(self.dec1.forward(z)))))
    }
}

/// The two terms of the negative ELBO per image, `[b]` each: `(-log p(x|z), KL)`, with z
/// drawn by reparameterising the noise `eps`.
pub fn neg_elbo_terms(model: &VaeModel, x: Tensor<2>, eps: Tensor<2>) -> (Tensor<1>, Tensor<1>) {
    let (mu, logvar) = model.encode(x.clone());
    let z = mu.clone() + logvar.clone().mul_scalar(0.5).exp() * eps; // reparameterisation
    let recon = bernoulli_nll(model.decode_logits(z), x);
    (recon, kl_to_standard_normal(mu, logvar))
}

/// KL(N(mu, diag exp(logvar)) || N(0, I)) per row, `[b]`, in closed form.
pub fn kl_to_standard_normal(mu: Tensor<2>, logvar: Tensor<2>) -> Tensor<1> {
    (logvar.clone().add_scalar(1.0) - mu.square() - logvar.exp()).sum_dim(1).mul_scalar(-0.5).flatten(0, 1)
}

/// The importance-weighted bound with `k` posterior samples per image, `[b]` (k = 1 is an
/// unbiased estimate of the ELBO). log w_i = log p(x|z_i) + log p(z_i) - log q(z_i|x), where
/// the Gaussians' normalising constants cancel: log p(z) - log q(z|x) = 1/2 sum(eps^2 + logvar - z^2).
pub fn iwae_bound(model: &VaeModel, x: Tensor<2>, k: usize) -> Tensor<1> {
    let (mu, logvar) = model.encode(x.clone());
    let device = x.device();
    let log_w: Vec<Tensor<2>> = (0..k)
        .map(|_| {
            let eps = Tensor::random(mu.dims(), Distribution::Normal(0.0, 1.0), &device);
            let z = mu.clone() + logvar.clone().mul_scalar(0.5).exp() * eps.clone();
            let log_px_z = bernoulli_nll(model.decode_logits(z.clone()), x.clone()).neg();
            let log_ratio = (eps.square() + logvar.clone() - z.square()).sum_dim(1).flatten(0, 1).mul_scalar(0.5);
            (log_px_z + log_ratio).unsqueeze_dim(0)
        })
        .collect();
    log_sum_exp(Tensor::cat(log_w, 0), 0).flatten(0, 1).sub_scalar((k as f32).ln())
}

pub struct Vae {
    model: Trained<VaeModel>,
    base: Base<Hyper>,
}

impl Vae {
    fn latent_size(&self) -> usize {
        self.base.hp.latent
    }

    /// The model without gradient tracking, and the plain device, for inference.
    fn inference(&self) -> (VaeModel, Device) {
        (self.model.inference(), self.base.inference_device())
    }
}

impl Model for Vae {
    fn info(&self) -> FamilyInfo {
        info()
    }

    fn base(&self) -> &dyn Settings {
        &self.base
    }

    fn base_mut(&mut self) -> &mut dyn Settings {
        &mut self.base
    }

    fn train_step(&mut self, batch: Batch) -> Result<StepLosses> {
        let Hyper { beta, lr, .. } = self.base.hp;
        let x = batch.images;
        let eps = Tensor::random([x.dims()[0], self.latent_size()], Distribution::Normal(0.0, 1.0), &self.base.device);
        let (recon, kl) = neg_elbo_terms(&self.model.net, x, eps);
        let (recon, kl) = (recon.mean(), kl.mean());
        let loss = recon.clone() + kl.clone().mul_scalar(beta);
        self.model.step(lr, &loss);
        Ok(vec![recon.detach(), kl.detach()])
    }

    fn weights(&self) -> Pending {
        self.model.pending()
    }

    fn load_record(&mut self, record: ModuleRecord) -> Result<()> {
        self.model.load(record)
    }
}

impl Family for Vae {
    fn sample(&self, options: &SampleOptions) -> Result<Tensor<2>> {
        let (_, device) = self.inference();
        let z = crate::noise::normal_tensor(options.seed, [options.n, self.latent_size()], &device);
        self.decode(z, None)
    }

    fn density(&self) -> Option<&dyn Density> {
        Some(self)
    }

    fn latent(&self) -> Option<&dyn Latent> {
        Some(self)
    }
}

impl Density for Vae {
    fn kind(&self) -> Likelihood {
        Likelihood::Bound
    }

    /// With one sample the ELBO (the KL in closed form), with more the IWAE bound.
    fn log_likelihood(&self, x: Tensor<2>, samples: usize) -> Tensor<1> {
        let (model, device) = self.inference();
        let x = x.to_device(&device);
        if samples > 1 {
            return iwae_bound(&model, x, samples);
        }
        let eps = Tensor::random([x.dims()[0], self.latent_size()], Distribution::Normal(0.0, 1.0), &device);
        let (recon, kl) = neg_elbo_terms(&model, x, eps);
        (recon + kl).neg()
    }
}

/// Its encoder gives the posterior mean, so [`Family::reconstruct`] decodes the model's best
/// guess at the digit.
impl Latent for Vae {
    fn latent_dim(&self) -> usize {
        self.latent_size()
    }

    fn encode(&self, x: Tensor<2>) -> Option<Tensor<2>> {
        let (model, device) = self.inference();
        Some(model.encode(x.to_device(&device)).0)
    }

    fn decode(&self, z: Tensor<2>, _labels: Option<&[u8]>) -> Result<Tensor<2>> {
        let (model, device) = self.inference();
        Ok(sigmoid(model.decode_logits(z.to_device(&device))))
    }
}
