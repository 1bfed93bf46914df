//! The variational autoencoder: Kingma & Welling, "Auto-Encoding Variational Bayes", 2013
//! (arXiv:1312.6114); the beta weight on the KL term is Higgins et al. 2017 (beta-VAE).
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

use super::hyper::{self, Config, HyperParam, ParamKind};
use super::{Batch, Capabilities, Family, FamilyInfo, Latent, Likelihood, LossInfo, Paper, PixelModel, Registration, SampleOptions, StepLosses};
use crate::data::IMAGE_PIXELS;
use crate::error::Result;
use crate::weights::{self, Pending};
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::store::ModuleRecord;
use burn::tensor::activation::{relu, sigmoid};
use burn::tensor::{Device, Distribution, Tensor, TensorData};

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
            HyperParam { key: "latent", label: "latent size", help: "dimensions of z (2 draws a manifold)", kind: ParamKind::Int, default: 16.0, min: 2.0, max: 64.0, architecture: true },
            HyperParam { key: "hidden", label: "hidden width", help: "units in each of the two hidden layers", kind: ParamKind::Int, default: 400.0, min: 32.0, max: 1024.0, architecture: true },
            HyperParam { key: "beta", label: "beta", help: "weight of the KL term (1 = the ELBO)", kind: ParamKind::Float, default: 1.0, min: 0.0, max: 10.0, architecture: false },
            lr,
            batch,
        ],
        capabilities: Capabilities { trainable: true, trajectory: false, likelihood: Some(Likelihood::Bound), latent: true, conditional: false },
        losses: vec![
            LossInfo { key: "recon", label: "reconstruction -log p(x|z) (nats)" },
            LossInfo { key: "kl", label: "KL(q(z|x) || p(z)) (nats)" },
        ],
    }
}

fn create(config: &Config, device: &Device) -> Box<dyn Family> {
    let latent = hyper::get(config, "latent") as usize;
    let hidden = hyper::get(config, "hidden") as usize;
    let device = device.clone().autodiff();
    Box::new(Vae {
        model: VaeModel::new(latent, hidden, &device),
        optim: AdamConfig::new().init(),
        config: config.clone(),
        device,
    })
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

/// -log Bernoulli(x | sigmoid(l)) summed over pixels, per row `[b]`, written on the logits so
/// that it stays finite for large |l|: sum_i max(l_i, 0) - x_i l_i + log(1 + exp(-|l_i|)).
pub fn bernoulli_nll(logits: Tensor<2>, x: Tensor<2>) -> Tensor<1> {
    (logits.clone().clamp_min(0.0) - x * logits.clone() + logits.abs().neg().exp().add_scalar(1.0).log())
        .sum_dim(1)
        .flatten(0, 1)
}

/// KL(N(mu, diag exp(logvar)) || N(0, I)) per row, `[b]`, in closed form.
pub fn kl_to_standard_normal(mu: Tensor<2>, logvar: Tensor<2>) -> Tensor<1> {
    (logvar.clone().add_scalar(1.0) - mu.square() - logvar.exp())
        .sum_dim(1)
        .mul_scalar(-0.5)
        .flatten(0, 1)
}

pub struct Vae {
    model: VaeModel,
    optim: ModuleOptimizer,
    config: Config,
    /// The autodiff device the model trains on.
    device: Device,
}

impl Vae {
    fn latent_dim_(&self) -> usize {
        hyper::get(&self.config, "latent") as usize
    }

    /// The model without gradient tracking, and the plain device, for inference.
    fn inference(&self) -> (VaeModel, Device) {
        (self.model.valid(), self.device.clone().without_autodiff())
    }
}

impl Family for Vae {
    fn info(&self) -> FamilyInfo {
        info()
    }

    fn config(&self) -> &Config {
        &self.config
    }

    fn config_mut(&mut self) -> &mut Config {
        &mut self.config
    }

    fn device(&self) -> &Device {
        &self.device
    }

    fn train_step(&mut self, batch: Batch) -> Result<StepLosses> {
        let beta = hyper::get(&self.config, "beta");
        let lr = hyper::get(&self.config, "lr");
        let x = batch.images;
        let eps = Tensor::random([x.dims()[0], self.latent_dim_()], Distribution::Normal(0.0, 1.0), &self.device);
        let (recon, kl) = neg_elbo_terms(&self.model, x, eps);
        let (recon, kl) = (recon.mean(), kl.mean());
        let loss = recon.clone() + kl.clone().mul_scalar(beta);
        let grads = GradientsParams::from_grads(loss.backward(), &self.model);
        self.model = self.optim.step(lr, self.model.clone(), grads);
        Ok(vec![recon.detach(), kl.detach()])
    }

    fn sample(&self, options: &SampleOptions) -> Result<Tensor<2>> {
        let (model, device) = self.inference();
        let d = self.latent_dim_();
        let z = Tensor::from_data(TensorData::new(crate::noise::normal(options.seed, options.n * d), [options.n, d]), &device);
        Ok(sigmoid(model.decode_logits(z)))
    }

    /// The ELBO with one posterior sample: a stochastic lower bound on log p(x).
    fn log_likelihood(&self, x: Tensor<2>) -> Option<Tensor<1>> {
        let (model, device) = self.inference();
        let x = x.to_device(&device);
        let eps = Tensor::random([x.dims()[0], self.latent_dim_()], Distribution::Normal(0.0, 1.0), &device);
        let (recon, kl) = neg_elbo_terms(&model, x, eps);
        Some((recon + kl).neg())
    }

    fn latent(&self) -> Option<&dyn Latent> {
        Some(self)
    }

    /// Decodes the posterior mean: the model's best guess at the digit.
    fn reconstruct(&self, x: Tensor<2>) -> Option<Tensor<2>> {
        Some(self.decode(self.encode(x)))
    }

    fn weights(&self) -> Pending {
        weights::pending(&self.model)
    }

    fn load_record(&mut self, record: ModuleRecord) -> Result<()> {
        self.model = weights::apply(self.model.clone(), record)?;
        // Adam's moments belong to the old parameters.
        self.optim = AdamConfig::new().init();
        Ok(())
    }
}

impl Latent for Vae {
    fn latent_dim(&self) -> usize {
        self.latent_dim_()
    }

    fn encode(&self, x: Tensor<2>) -> Tensor<2> {
        let (model, device) = self.inference();
        model.encode(x.to_device(&device)).0
    }

    fn decode(&self, z: Tensor<2>) -> Tensor<2> {
        let (model, device) = self.inference();
        sigmoid(model.decode_logits(z.to_device(&device)))
    }
}
