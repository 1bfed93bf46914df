//! Generative adversarial networks: Goodfellow et al., "Generative Adversarial Nets", 2014
//! (arXiv:1406.2661), with convolutional networks after DCGAN (Radford, Metz & Chintala 2015,
//! arXiv:1511.06434), and the class-conditional variant of Mirza & Osindero, "Conditional
//! Generative Adversarial Nets", 2014 (arXiv:1411.1784). Two registry entries, `gan` and `cgan`,
//! one implementation.
//!
//! A generator G turns noise z ~ N(0, I) (and, conditionally, a label y) into a digit; a
//! discriminator D gives a logit for "real". They play
//!
//!   min_G max_D  E_x[log sigma(D(x))] + E_z[log(1 - sigma(D(G(z))))]
//!
//! D takes `d_steps` steps on  L_D = softplus(-D(x)) + softplus(D(G(z)))  per step of G on
//! the non-saturating loss  L_G = softplus(-D(G(z)))  (Goodfellow et al. section 3: it gives G
//! strong gradients early, when D rejects its samples easily). Adam with beta1 = 0.5, as DCGAN.
//!
//! G: z (+ one-hot y) -> dense 2w x 7 x 7 -> 4x4 transposed conv, stride 2 -> w x 14 x 14
//!    -> 4x4 transposed conv, stride 2 -> 1 x 28 x 28 -> sigmoid
//! D: x -> 4x4 conv, stride 2 -> w x 14 x 14 -> 4x4 conv, stride 2 -> 2w x 7 x 7 = h
//!    -> dense -> 1 logit;  conditionally  D(x, y) = dense(h) + <embed(y), h>,
//!    the projection discriminator of Miyato & Koyama, "cGANs with Projection Discriminator",
//!    2018 (arXiv:1802.05637). It asks D "is h a real digit *of class y*" directly, which
//!    teaches G the label far better than handing D the label as an extra input channel
//!    (that version reached 70% of samples recognised as the requested digit; this one, see
//!    the README).
//!
//! Samples come from an exponential moving average of G's weights ([`crate::nn::ema`]), which
//! is also what the weights file keeps: G's weights circle the equilibrium rather than settle
//! in it, and their average draws cleaner digits than any one step's G (Yazici et al., "The
//! Unusual Effectiveness of Averaging in GAN Training", 2019, arXiv:1806.04498).
//!
//! Group normalisation in G, not DCGAN's batch normalisation: it behaves the same when
//! training and sampling and keeps no running statistics, so the weights file is all there is.

use super::hyper::{self, Config, HyperParam};
use super::{
    Base, Batch, Family, FamilyInfo, Latent, LossInfo, Model, Paper, PixelModel, Registration, SampleOptions, Settings, StepLosses, Trained,
};
use crate::data::{IMAGE_PIXELS, IMAGE_SIDE};
use crate::error::{Error, Result};
use crate::nn::{ema, one_hot, softplus};
use crate::weights::{self, Pending};
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{GroupNorm, GroupNormConfig, Initializer, Linear, LinearConfig, PaddingConfig2d};
use burn::optim::{AdamConfig, ModuleOptimizer};
use burn::store::ModuleRecord;
use burn::tensor::activation::{leaky_relu, relu, sigmoid};
use burn::tensor::{Device, Distribution, Int, Tensor, TensorData};
use serde::Deserialize;

pub const REGISTRATION: Registration = Registration { info: || info(false), create: |c, _, d| create(c, d, false) };
pub const CONDITIONAL: Registration = Registration { info: || info(true), create: |c, _, d| create(c, d, true) };

const CLASSES: usize = 10;

fn info(conditional: bool) -> FamilyInfo {
    let [_, batch] = hyper::common(2e-4, 64.0);
    let paper = if conditional {
        Paper {
            title: "Conditional Generative Adversarial Nets",
            authors: "Mehdi Mirza, Simon Osindero",
            year: 2014,
            url: "https://arxiv.org/abs/1411.1784",
        }
    } else {
        Paper {
            title: "Generative Adversarial Nets",
            authors: "Ian J. Goodfellow, Jean Pouget-Abadie, Mehdi Mirza, Bing Xu, David Warde-Farley, Sherjil Ozair, Aaron Courville, Yoshua Bengio",
            year: 2014,
            url: "https://arxiv.org/abs/1406.2661",
        }
    };
    FamilyInfo {
        name: if conditional { "cgan" } else { "gan" },
        title: if conditional { "Conditional GAN" } else { "Generative adversarial network" },
        description: if conditional {
            "The GAN game with the digit's label given to both players: the generator learns to draw the digit it is asked for."
        } else {
            "A generator turns noise into digits and a discriminator tries to tell them from real ones; each learns from the other."
        },
        paper,
        pixels: PixelModel::Continuous,
        hyper: vec![
            HyperParam::int("z", "noise size", "dimensions of the noise z", 64.0, 2.0, 128.0).architecture(),
            HyperParam::int(
                "width",
                "width",
                "channels of D's first layer and G's last hidden layer (the other has twice as many)",
                32.0,
                8.0,
                128.0,
            )
            .architecture(),
            HyperParam::log_float("lr_g", "generator learning rate", "Adam step size of G", 2e-4, 1e-5, 1e-2),
            HyperParam::log_float("lr_d", "discriminator learning rate", "Adam step size of D", 2e-4, 1e-5, 1e-2),
            HyperParam::int("d_steps", "D steps per G step", "discriminator updates per generator update", 1.0, 1.0, 5.0),
            HyperParam::float("ema", "weight averaging", "decay of the moving average of G's weights that samples (0: none)", 0.999, 0.0, 0.9999),
            batch,
        ],
        sampling: vec![],
        conditional,
        losses: vec![
            LossInfo { key: "d_loss", label: "discriminator loss" },
            LossInfo { key: "g_loss", label: "generator loss" },
            LossInfo { key: "d_real", label: "D(x): real judged real" },
            LossInfo { key: "d_fake", label: "D(G(z)): fake judged real" },
        ],
        train_steps: 5000,
        variants: vec![],
        built_on: &[],
        generator: true,
    }
}

fn optimizer() -> ModuleOptimizer {
    AdamConfig::new().with_beta_1(0.5).init()
}

/// The hyper-parameters [`info`] declares.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hyper {
    z: usize,
    width: usize,
    lr_g: f64,
    lr_d: f64,
    d_steps: usize,
    ema: f64,
    #[allow(dead_code)] // read by the training loop
    batch: usize,
}

fn create(config: &Config, device: &Device, conditional: bool) -> Result<Box<dyn Family>> {
    Ok(Box::new(Gan::new(config, device, conditional)?))
}

#[derive(Module, Debug)]
pub struct Generator {
    fc: Linear,
    norm0: GroupNorm,
    up1: ConvTranspose2d,
    norm1: GroupNorm,
    up2: ConvTranspose2d,
}

impl Generator {
    fn new(input: usize, w: usize, device: &Device) -> Self {
        let up = |i, o| ConvTranspose2dConfig::new([i, o], [4, 4]).with_stride([2, 2]).with_padding([1, 1]).init(device);
        Generator {
            fc: LinearConfig::new(input, 2 * w * 7 * 7).init(device),
            norm0: GroupNormConfig::new(8.min(2 * w), 2 * w).init(device),
            up1: up(2 * w, w),
            norm1: GroupNormConfig::new(8.min(w), w).init(device),
            up2: up(w, 1),
        }
    }

    /// `[b, z (+10)]` -> `[b, 784]` in (0, 1).
    pub fn forward(&self, z: Tensor<2>) -> Tensor<2> {
        let b = z.dims()[0];
        let c = self.fc.weight.dims()[1] / 49;
        let h = self.fc.forward(z).reshape([b, c, 7, 7]);
        let h = self.up1.forward(relu(self.norm0.forward(h)));
        let h = self.up2.forward(relu(self.norm1.forward(h)));
        sigmoid(h).reshape([b, IMAGE_PIXELS])
    }
}

#[derive(Module, Debug)]
pub struct Discriminator {
    /// For the conditional model: each label's embedding in feature space (no bias).
    projection: Option<Linear>,
    conv1: Conv2d,
    conv2: Conv2d,
    fc: Linear,
}

impl Discriminator {
    fn new(conditional: bool, w: usize, device: &Device) -> Self {
        let conv = |i, o| Conv2dConfig::new([i, o], [4, 4]).with_stride([2, 2]).with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)).init(device);
        Discriminator {
            // Zero at first, so the class term grows from "no opinion" as D learns it.
            projection: conditional
                .then(|| LinearConfig::new(CLASSES, 2 * w * 7 * 7).with_bias(false).with_initializer(Initializer::Zeros).init(device)),
            conv1: conv(1, w),
            conv2: conv(w, 2 * w),
            fc: LinearConfig::new(2 * w * 7 * 7, 1).init(device),
        }
    }

    /// Logits `[b]` for images `[b, 784]` in [0, 1] (and one-hot labels `[b, 10]`).
    pub fn forward(&self, x: Tensor<2>, y: Option<Tensor<2>>) -> Tensor<1> {
        let b = x.dims()[0];
        let x = x.mul_scalar(2.0).sub_scalar(1.0).reshape([b, 1, IMAGE_SIDE, IMAGE_SIDE]); // centred
        let h = leaky_relu(self.conv1.forward(x), 0.2);
        let h = leaky_relu(self.conv2.forward(h), 0.2).flatten::<2>(1, 3);
        let logit = self.fc.forward(h.clone());
        match (&self.projection, y) {
            // <embed(y), h>: the class term of the projection discriminator
            (Some(embed), Some(y)) => (logit + (embed.forward(y) * h).sum_dim(1)).reshape([b]),
            _ => logit.reshape([b]),
        }
    }
}

#[derive(Module, Debug)]
pub struct GanModel {
    pub generator: Generator,
    pub discriminator: Discriminator,
}

pub struct Gan {
    generator: Trained<Generator>,
    /// The moving average of G's weights (inference device): what samples and what is saved.
    ema: Generator,
    /// Generator steps since the model was made or loaded (for the average's warm-up).
    updates: u64,
    discriminator: Trained<Discriminator>,
    base: Base<Hyper>,
    conditional: bool,
}

impl Gan {
    pub fn new(config: &Config, device: &Device, conditional: bool) -> Result<Gan> {
        let base: Base<Hyper> = Base::new(info(conditional).hyper, config, device)?;
        let Hyper { z, width: w, .. } = base.hp;
        let extra = if conditional { CLASSES } else { 0 };
        let generator = Trained::new(Generator::new(z + extra, w, &base.device), optimizer);
        Ok(Gan {
            ema: generator.inference(),
            updates: 0,
            generator,
            discriminator: Trained::new(Discriminator::new(conditional, w, &base.device), optimizer),
            base,
            conditional,
        })
    }

    /// Both players' losses on given digits, labels and noise, without a step: what one
    /// training step is seen to move. Returns [L_D, L_G, softplus(-D(x))]: the last is D's
    /// term on the real digits alone, which only D's step can move. Labels are ignored by the
    /// unconditional model.
    pub fn losses(&self, x: Tensor<2>, labels: Tensor<1, Int>, z: Tensor<2>) -> [Tensor<1>; 3] {
        let y = self.conditional.then(|| one_hot(labels, CLASSES));
        let fake = self.generator.net.forward(self.input(z, &y));
        let real_logit = self.discriminator.net.forward(x, y.clone());
        let fake_logit = self.discriminator.net.forward(fake, y);
        let real_term = softplus(real_logit.clone().neg()).mean().detach();
        [discriminator_loss(real_logit, fake_logit.clone()).detach(), generator_loss(fake_logit).detach(), real_term]
    }

    /// Both players as one module: the shape of the weights file ("generator.*",
    /// "discriminator.*"), G being its moving average. Cloning shares the tensors; nothing
    /// is copied.
    fn players(&self) -> GanModel {
        GanModel { generator: self.ema.clone(), discriminator: self.discriminator.net.clone() }
    }

    fn z_dim(&self) -> usize {
        self.base.hp.z
    }

    /// The generator's input: z, with the one-hot label appended for the conditional model.
    fn input(&self, z: Tensor<2>, y: &Option<Tensor<2>>) -> Tensor<2> {
        match y {
            Some(y) => Tensor::cat(vec![z, y.clone()], 1),
            None => z,
        }
    }

    /// One-hot labels on `device` for the conditional model: the given ones, else drawn
    /// uniformly from `seed` on the host. `None` for the unconditional model.
    fn labels(&self, labels: Option<&[u8]>, n: usize, seed: u64, device: &Device) -> Result<Option<Tensor<2>>> {
        if !self.conditional {
            return match labels {
                Some(_) => Err(Error::Param("the unconditional GAN takes no label".into())),
                None => Ok(None),
            };
        }
        let ids: Vec<i64> = match labels {
            Some(l) if l.len() == n => l.iter().map(|&c| c as i64).collect(),
            Some(l) => return Err(Error::Param(format!("{} labels for {n} codes", l.len()))),
            None => crate::noise::uniform(seed ^ 0x1abe1, n).into_iter().map(|u| ((u * CLASSES as f32) as i64).min(9)).collect(),
        };
        Ok(Some(one_hot(Tensor::<1, Int>::from_data(TensorData::new(ids, [n]), device), CLASSES)))
    }
}

/// D's loss  -log D(x) - log(1 - D(G(z)))  with D = sigmoid(logit):
/// softplus(-l_real) + softplus(l_fake), averaged over the batch.
fn discriminator_loss(real_logit: Tensor<1>, fake_logit: Tensor<1>) -> Tensor<1> {
    softplus(real_logit.neg()).mean() + softplus(fake_logit).mean()
}

/// G's non-saturating loss  -log D(G(z)) = softplus(-l_fake).
fn generator_loss(fake_logit: Tensor<1>) -> Tensor<1> {
    softplus(fake_logit.neg()).mean()
}

impl Model for Gan {
    fn info(&self) -> FamilyInfo {
        info(self.conditional)
    }

    fn base(&self) -> &dyn Settings {
        &self.base
    }

    fn base_mut(&mut self) -> &mut dyn Settings {
        &mut self.base
    }

    fn train_step(&mut self, batch: Batch) -> Result<StepLosses> {
        let Hyper { lr_g, lr_d, d_steps, ema: decay, .. } = self.base.hp;
        let device = self.base.device.clone();
        let x = batch.images;
        let b = x.dims()[0];
        let y = self.conditional.then(|| one_hot(batch.labels, CLASSES));
        let z = self.z_dim();
        let noise = || Tensor::<2>::random([b, z], Distribution::Normal(0.0, 1.0), &device);

        let (mut d_loss, mut d_real, mut d_fake) = (None, None, None);
        for _ in 0..d_steps {
            // D learns on real digits and on fakes it cannot trace back into G (detached).
            let fake = self.generator.net.forward(self.input(noise(), &y)).detach();
            let real_logit = self.discriminator.net.forward(x.clone(), y.clone());
            let fake_logit = self.discriminator.net.forward(fake, y.clone());
            let loss = discriminator_loss(real_logit.clone(), fake_logit.clone());
            self.discriminator.step(lr_d, &loss);
            d_loss = Some(loss.detach());
            d_real = Some(sigmoid(real_logit.detach()).mean());
            d_fake = Some(sigmoid(fake_logit.detach()).mean());
        }
        // G learns through a frozen copy of D: gradients flow through D's layers to G only.
        let fake = self.generator.net.forward(self.input(noise(), &y));
        let g_loss = generator_loss(self.discriminator.net.clone().no_grad().forward(fake, y));
        self.generator.step(lr_g, &g_loss);
        self.ema = ema::update(self.ema.clone(), &self.generator.inference(), ema::warmed_decay(decay, self.updates));
        self.updates += 1;
        let d = |t: Option<Tensor<1>>| t.expect("d_steps >= 1");
        Ok(vec![d(d_loss), g_loss.detach(), d(d_real), d(d_fake)])
    }

    fn weights(&self) -> Pending {
        weights::pending(&self.players())
    }

    fn load_record(&mut self, record: ModuleRecord) -> Result<()> {
        let training = GanModel { generator: self.generator.net.clone(), discriminator: self.discriminator.net.clone() };
        let both = weights::apply(training, record)?;
        // The file's G is the average; training carries on from it.
        self.generator.replace(both.generator.clone());
        self.ema = self.generator.inference();
        self.updates = 0;
        self.discriminator.replace(both.discriminator);
        Ok(())
    }
}

impl Family for Gan {
    /// z from the host's seeded noise (the same digits on every backend); for the conditional
    /// model the given labels, else labels drawn from the seed.
    fn sample(&self, options: &SampleOptions) -> Result<Tensor<2>> {
        let device = self.base.inference_device();
        let z = crate::noise::normal_tensor(options.seed, [options.n, self.z_dim()], &device);
        let y = self.labels(options.labels.as_deref(), options.n, options.seed, &device)?;
        Ok(self.ema.forward(self.input(z, &y)))
    }

    fn latent(&self) -> Option<&dyn Latent> {
        Some(self)
    }
}

impl Latent for Gan {
    fn latent_dim(&self) -> usize {
        self.z_dim()
    }

    /// G(z), with labels for the conditional model (drawn from a fixed seed when absent).
    fn decode(&self, z: Tensor<2>, labels: Option<&[u8]>) -> Result<Tensor<2>> {
        let device = self.base.inference_device();
        let z = z.to_device(&device);
        let y = self.labels(labels, z.dims()[0], 0, &device)?;
        Ok(self.ema.forward(self.input(z, &y)))
    }
}
