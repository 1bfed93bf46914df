//! The first stage of latent diffusion: a lightly regularised convolutional autoencoder
//! (Rombach, Blattmann, Lorenz, Esser & Ommer, "High-Resolution Image Synthesis with Latent
//! Diffusion Models", 2021, arXiv:2112.10752, section 3.1 and appendix G).
//!
//! An encoder E maps a digit x to a small spatial code z = E(x) (4 x 7 x 7 by default: a
//! quarter of the pixels, kept as a grid so that a convolutional denoiser can work on it); a
//! decoder D maps codes back to digits. As in the paper's "KL-reg" variant, the code is the
//! mean of a Gaussian posterior q(z|x) = N(mu(x), diag sigma^2(x)) whose KL to N(0, I) is
//! weighted so lightly that it only keeps the codes from drifting to huge values:
//!
//!   L = -log p(x | z) + lambda KL(q(z|x) || N(0, I)),   z = mu + sigma eps,
//!
//! with Bernoulli pixels for -log p(x|z) (a digit's intensities in [0, 1] as targets) and
//! lambda = `kl` (1e-3 by default; a VAE has 1).
//!
//! Because lambda is small, the codes do not fill N(0, I): decoding a draw from it (this
//! family's own `sample`) gives smudges, which is the point the view makes. A diffusion model
//! trained on the codes (latent diffusion) learns where they actually lie. The codes are
//! divided by their standard deviation over the training data (the paper's scale factor,
//! appendix G: "we rescale the latents ... to unit standard deviation"), kept as a running
//! average while training and saved with the weights, so the diffusion model sees unit-variance
//! states whatever the autoencoder's scale.

use super::hyper::{self, Config, HyperParam};
use super::vae::kl_to_standard_normal;
use super::{
    Base, Batch, Family, FamilyInfo, Latent, LossInfo, Model, Paper, PixelModel, Registration, SampleOptions, Settings, StepLosses, Trained,
};
use crate::data::{IMAGE_PIXELS, IMAGE_SIDE};
use crate::error::{Error, Result};
use crate::nn::bernoulli_nll;
use crate::weights::Pending;
use burn::module::Module;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::optim::{AdamConfig, ModuleOptimizer};
use burn::store::ModuleRecord;
use burn::tensor::activation::{sigmoid, silu};
use burn::tensor::{Device, Distribution, Tensor, TensorData};
use serde::Deserialize;

pub const REGISTRATION: Registration = Registration { info, create };

/// The code's side: 28 / 4.
const SIDE: usize = IMAGE_SIDE / 4;

fn info() -> FamilyInfo {
    let [lr, batch] = hyper::common(1e-3, 64.0);
    FamilyInfo {
        name: "autoencoder",
        title: "Autoencoder (latent diffusion's first stage)",
        description: "Compresses each digit to a small 4 x 7 x 7 grid of numbers and back. Decoding random codes gives smudges: \
                      the codes fill only part of their space, which latent diffusion learns.",
        paper: Paper {
            title: "High-Resolution Image Synthesis with Latent Diffusion Models",
            authors: "Robin Rombach, Andreas Blattmann, Dominik Lorenz, Patrick Esser, Bjorn Ommer",
            year: 2021,
            url: "https://arxiv.org/abs/2112.10752",
        },
        pixels: PixelModel::Continuous,
        hyper: vec![
            HyperParam::int("channels", "code channels", "channels of the 7 x 7 code", 4.0, 1.0, 8.0).architecture(),
            HyperParam::int("width", "width", "convolution channels at 28 x 28 (twice as many below)", 16.0, 4.0, 64.0).architecture(),
            HyperParam::log_float("kl", "KL weight", "weight of KL(q(z|x) || N(0, I)): light, to keep codes bounded", 1e-3, 1e-6, 1.0),
            lr,
            batch,
        ],
        sampling: vec![],
        conditional: false,
        losses: vec![
            LossInfo { key: "recon", label: "reconstruction -log p(x|z) (nats)" },
            LossInfo { key: "kl", label: "KL(q(z|x) || N(0, I)) (nats)" },
        ],
        train_steps: 4000,
        variants: vec![],
        built_on: &[],
        // Decoding noise gives smudges: a stage latent diffusion is built on, not a generator.
        generator: false,
    }
}

fn optimizer() -> ModuleOptimizer {
    AdamConfig::new().init()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Hyper {
    channels: usize,
    width: usize,
    kl: f64,
    lr: f64,
    #[allow(dead_code)] // read by the training loop
    batch: usize,
}

fn create(config: &Config, _: &super::Bases, device: &Device) -> Result<Box<dyn Family>> {
    let base: Base<Hyper> = Base::new(info().hyper, config, device)?;
    let net = Trained::new(Coder::new(base.hp.channels, base.hp.width, &base.device), optimizer);
    let scale = Tensor::ones([1], &base.inference_device());
    Ok(Box::new(Autoencoder { net, scale, updates: 0, base }))
}

fn conv(i: usize, o: usize, stride: usize, device: &Device) -> Conv2d {
    Conv2dConfig::new([i, o], [3, 3]).with_stride([stride, stride]).with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)).init(device)
}

fn up(i: usize, o: usize, device: &Device) -> ConvTranspose2d {
    ConvTranspose2dConfig::new([i, o], [4, 4]).with_stride([2, 2]).with_padding([1, 1]).init(device)
}

/// Encoder 28 -> 14 -> 7 (stride-2 convolutions), to the posterior's mean and log-variance;
/// decoder 7 -> 14 -> 28 (transposed convolutions), to Bernoulli logits.
#[derive(Module, Debug)]
pub struct Coder {
    enc1: Conv2d,
    enc2: Conv2d,
    enc3: Conv2d,
    moments: Conv2d,
    dec1: Conv2d,
    dec2: ConvTranspose2d,
    dec3: ConvTranspose2d,
    out: Conv2d,
    channels: usize,
}

impl Coder {
    fn new(c: usize, w: usize, device: &Device) -> Coder {
        Coder {
            enc1: conv(1, w, 1, device),
            enc2: conv(w, 2 * w, 2, device),
            enc3: conv(2 * w, 2 * w, 2, device),
            moments: conv(2 * w, 2 * c, 1, device),
            dec1: conv(c, 2 * w, 1, device),
            dec2: up(2 * w, 2 * w, device),
            dec3: up(2 * w, w, device),
            out: conv(w, 1, 1, device),
            channels: c,
        }
    }

    /// q(z|x)'s mean and log-variance, `[b, c 7 7]` each.
    fn encode(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let b = x.dims()[0];
        let h = silu(self.enc1.forward(x.reshape([b, 1, IMAGE_SIDE, IMAGE_SIDE])));
        let h = silu(self.enc3.forward(silu(self.enc2.forward(h))));
        let m = self.moments.forward(h);
        let d = self.channels * SIDE * SIDE;
        let mu = m.clone().slice([0..b, 0..self.channels]).reshape([b, d]);
        let logvar = m.slice([0..b, self.channels..2 * self.channels]).reshape([b, d]).clamp(-30.0, 20.0);
        (mu, logvar)
    }

    /// p(x|z) as Bernoulli logits, `[b, 784]`.
    fn decode_logits(&self, z: Tensor<2>) -> Tensor<2> {
        let b = z.dims()[0];
        let h = silu(self.dec1.forward(z.reshape([b, self.channels, SIDE, SIDE])));
        let h = silu(self.dec3.forward(silu(self.dec2.forward(h))));
        self.out.forward(h).reshape([b, IMAGE_PIXELS])
    }
}

pub struct Autoencoder {
    net: Trained<Coder>,
    /// The codes' standard deviation over the training data (`[1]`, inference device): codes
    /// are shown divided by it.
    scale: Tensor<1>,
    updates: u64,
    base: Base<Hyper>,
}

impl Autoencoder {
    fn dim(&self) -> usize {
        self.base.hp.channels * SIDE * SIDE
    }
}

impl Model for Autoencoder {
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
        let Hyper { kl: weight, lr, .. } = self.base.hp;
        let x = batch.images;
        let (mu, logvar) = self.net.net.encode(x.clone());
        let eps = Tensor::random(mu.dims(), Distribution::Normal(0.0, 1.0), &self.base.device);
        let z = mu.clone() + logvar.clone().mul_scalar(0.5).exp() * eps;
        let recon = bernoulli_nll(self.net.net.decode_logits(z), x).mean();
        let kl = kl_to_standard_normal(mu.clone(), logvar).mean();
        self.net.step(lr, &(recon.clone() + kl.clone().mul_scalar(weight)));
        // The running standard deviation of the codes (lazy: nothing is read back).
        let plain = self.base.inference_device();
        let std = mu.detach().to_device(&plain).flatten::<1>(0, 1).var(0).sqrt();
        let d = 0.99f64.min(self.updates as f64 / (self.updates as f64 + 1.0));
        self.scale = self.scale.clone().mul_scalar(d) + std.mul_scalar(1.0 - d);
        self.updates += 1;
        Ok(vec![recon.detach(), kl.detach()])
    }

    fn weights(&self) -> Pending {
        self.net.pending().extra("latent_std", self.scale.clone())
    }

    fn load_record(&mut self, record: ModuleRecord) -> Result<()> {
        self.net.load(record)?;
        self.updates = 0;
        Ok(())
    }

    fn load_extras(&mut self, extras: &[(String, Vec<f32>)]) {
        if let Some((_, v)) = extras.iter().find(|(k, v)| k == "latent_std" && v.len() == 1 && v[0].is_finite() && v[0] > 0.0) {
            self.scale = Tensor::from_data(TensorData::new(v.clone(), [1]), &self.base.inference_device());
            // Training on from here keeps averaging from the saved figure.
            self.updates = 100;
        }
    }
}

impl Family for Autoencoder {
    /// Decodes codes drawn from N(0, I) (in the rescaled code space): what an autoencoder
    /// alone offers as a generator.
    fn sample(&self, options: &SampleOptions) -> Result<Tensor<2>> {
        let z = crate::noise::normal_tensor(options.seed, [options.n, self.dim()], &self.base.inference_device());
        self.decode(z, None)
    }

    fn latent(&self) -> Option<&dyn Latent> {
        Some(self)
    }
}

/// Codes are the posterior means divided by their standard deviation over the data.
impl Latent for Autoencoder {
    fn latent_dim(&self) -> usize {
        self.dim()
    }

    fn grid(&self) -> Option<[usize; 3]> {
        Some([self.base.hp.channels, SIDE, SIDE])
    }

    fn encode(&self, x: Tensor<2>) -> Option<Tensor<2>> {
        let device = self.base.inference_device();
        let (mu, _) = self.net.inference().encode(x.to_device(&device));
        Some(mu / self.scale.clone().reshape([1, 1]))
    }

    fn decode(&self, z: Tensor<2>, _labels: Option<&[u8]>) -> Result<Tensor<2>> {
        let device = self.base.inference_device();
        if z.dims()[1] != self.dim() {
            return Err(Error::Param(format!("codes of {} numbers, not the autoencoder's {}", z.dims()[1], self.dim())));
        }
        let z = z.to_device(&device) * self.scale.clone().reshape([1, 1]);
        Ok(sigmoid(self.net.inference().decode_logits(z)))
    }
}
