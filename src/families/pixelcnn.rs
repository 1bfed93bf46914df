//! PixelCNN: an autoregressive model of binarised digits, pixel by pixel in raster order.
//! van den Oord, Kalchbrenner & Kavukcuoglu, "Pixel Recurrent Neural Networks", 2016
//! (arXiv:1601.06759), masked convolutions; van den Oord et al., "Conditional Image Generation
//! with PixelCNN Decoders", 2016 (arXiv:1606.05328), the gated, blind-spot-free,
//! class-conditional network this family uses ([`crate::nn::pixelcnn`]).
//!
//! The chain rule writes any distribution over the 784 pixels exactly:
//!
//!   p(x | y) = prod_i p(x_i | x_1 .. x_{i-1}, y),   p(x_i = 1 | ...) = sigmoid(l_i),
//!
//! so log p(x) is a sum of 784 Bernoulli terms computed in one pass (all logits l_i at once,
//! the network seeing only the pixels before each), an exact likelihood in the same units as
//! the VAE's bound and naive Bayes' figure. Training maximises it on dynamically binarised
//! digits. The label y is replaced by a null label with probability `p_uncond`, so one network
//! is both p(x | y) and p(x) (the latter is the likelihood the evaluation reports).
//!
//! Sampling is 784 dependent steps: each pixel is drawn from its Bernoulli, then becomes input
//! to the next. [`Incremental`] computes only what each new pixel needs. A completion keeps the
//! first rows of a given digit and samples the rest.

use super::chain::{self, Chain};
use super::hyper::{self, Config, HyperParam};
use super::{
    Base, Batch, Density, Family, FamilyInfo, Frame, Likelihood, LossInfo, Model, Paper, PixelModel, Prefix, Registration, SampleOptions, Settings,
    StepLosses, Trained, Variant,
};
use crate::data::{IMAGE_PIXELS, IMAGE_SIDE};
use crate::error::{Error, Result};
use crate::nn::bernoulli_nll;
use crate::nn::pixelcnn::{Incremental, NULL_LABEL, PixelCnnNet};
use crate::weights::Pending;
use burn::optim::{AdamConfig, ModuleOptimizer};
use burn::store::ModuleRecord;
use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, Distribution, Int, Tensor, TensorData};
use serde::Deserialize;
use serde_json::json;

pub const REGISTRATION: Registration = Registration { info, create };

pub fn info() -> FamilyInfo {
    let [lr, batch] = hyper::common(1e-3, 32.0);
    FamilyInfo {
        name: "pixelcnn",
        title: "PixelCNN (gated)",
        description: "Writes a digit one pixel at a time, each pixel drawn given all the pixels above and to its left; \
                      it gives every digit an exact likelihood and can finish a digit you start.",
        paper: Paper {
            title: "Conditional Image Generation with PixelCNN Decoders",
            authors: "Aaron van den Oord, Nal Kalchbrenner, Oriol Vinyals, Lasse Espeholt, Alex Graves, Koray Kavukcuoglu",
            year: 2016,
            url: "https://arxiv.org/abs/1606.05328",
        },
        pixels: PixelModel::Binarized,
        hyper: vec![
            HyperParam::int("channels", "channels", "feature maps of each stack (the gates use twice as many)", 32.0, 4.0, 128.0).architecture(),
            HyperParam::int("layers", "gated layers", "gated layers after the first (each sees one row and one column further)", 7.0, 1.0, 15.0)
                .architecture(),
            HyperParam::float("p_uncond", "label dropout", "share of training digits shown without their label (to sample any digit)", 0.2, 0.0, 1.0),
            lr,
            batch,
        ],
        sampling: vec![HyperParam::float(
            "guidance",
            "guidance",
            "classifier-free guidance scale w, used with a label: logits l_u + w (l_c - l_u) (0: unconditional, 1: conditional)",
            3.0,
            0.0,
            10.0,
        )],
        conditional: true,
        losses: vec![LossInfo { key: "nll", label: "-log p(x) (nats per digit)" }],
        train_steps: 3000,
        // Guidance's effect on the conditional accuracy: w = 1 is the conditional model itself.
        variants: vec![Variant::new(&[("guidance", json!(1))], true, false), Variant::new(&[("guidance", json!(5))], true, false)],
        built_on: &[],
        generator: true,
    }
}

/// The hyper-parameters [`info`] declares.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hyper {
    channels: usize,
    layers: usize,
    p_uncond: f64,
    lr: f64,
    #[allow(dead_code)] // read by the training loop
    batch: usize,
}

/// The sampler settings [`info`] declares.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sampling {
    guidance: f64,
}

fn optimizer() -> ModuleOptimizer {
    AdamConfig::new().init()
}

fn create(config: &Config, _: &super::Bases, device: &Device) -> Result<Box<dyn Family>> {
    Ok(Box::new(PixelCnn::new(config, device)?))
}

pub struct PixelCnn {
    net: Trained<PixelCnnNet>,
    base: Base<Hyper>,
}

impl PixelCnn {
    pub fn new(config: &Config, device: &Device) -> Result<PixelCnn> {
        let base: Base<Hyper> = Base::new(info().hyper, config, device)?;
        Ok(PixelCnn { net: Trained::new(PixelCnnNet::new(base.hp.channels, base.hp.layers, &base.device), optimizer), base })
    }

    /// The labels as ids on `device`, the null label for none.
    fn label_ids(labels: Option<&[u8]>, n: usize, device: &Device) -> Tensor<1, Int> {
        let ids: Vec<i64> = match labels {
            Some(l) => l.iter().map(|&c| c as i64).collect(),
            None => vec![NULL_LABEL as i64; n],
        };
        Tensor::from_data(TensorData::new(ids, [n]), device)
    }

    /// The logit of p(x_i = 1 | x_<i, y) of every pixel, `[b, 784]`, for binary digits
    /// `[b, 784]`; unconditional without labels.
    pub fn logits(&self, x: Tensor<2>, labels: Option<&[u8]>) -> Tensor<2> {
        let device = self.base.inference_device();
        let b = x.dims()[0];
        self.net.inference().logits(x.to_device(&device), Self::label_ids(labels, b, &device))
    }

    /// log p(x_i | x_<i, y) of every pixel, `[b, 784]`, for binary digits `[b, 784]`: where the
    /// model was surprised. Unconditional without labels.
    pub fn pixel_log_probs(&self, x: Tensor<2>, labels: Option<&[u8]>) -> Tensor<2> {
        let x = x.to_device(&self.base.inference_device());
        let logits = self.logits(x.clone(), labels);
        // log sigmoid(l) for ink, log sigmoid(-l) for background: -softplus(-(2x - 1) l).
        let signed = logits * x.mul_scalar(2.0).sub_scalar(1.0);
        crate::nn::softplus(signed.neg()).neg()
    }

    fn raster(&self, options: &SampleOptions, prefix: Option<Prefix>) -> Result<Raster> {
        let device = self.base.inference_device();
        let n = options.n;
        let Sampling { guidance } = options.typed(&info())?;
        // Guidance runs the network on the labelled digits and on the same digits unlabelled,
        // one batch of 2n whose halves hold the same pixels.
        let guidance = (options.labels.is_some() && guidance != 1.0).then_some(guidance);
        let mut y = Self::label_ids(options.labels.as_deref(), n, &device);
        if guidance.is_some() {
            y = Tensor::cat(vec![y, Self::label_ids(None, n, &device)], 0);
        }
        let net = self.net.inference();
        let (incremental, start) = match prefix {
            None => (Incremental::new(net, y), 0),
            Some(Prefix { pixels, rows }) => {
                if rows > IMAGE_SIDE {
                    return Err(Error::Param(format!("rows = {rows} is out of range [0, {IMAGE_SIDE}]")));
                }
                if pixels.dims() != [n, IMAGE_PIXELS] {
                    return Err(Error::Param(format!("the prefix is {:?}, not {n} digits of {IMAGE_PIXELS} pixels", pixels.dims())));
                }
                let mut image = pixels.to_device(&device).reshape([n, 1, IMAGE_SIDE, IMAGE_SIDE]);
                if guidance.is_some() {
                    image = Tensor::cat(vec![image.clone(), image], 0);
                }
                (Incremental::with_prefix(net, y, image, rows), rows)
            }
        };
        Ok(Raster { probs: Tensor::zeros([n, IMAGE_PIXELS], &device), incremental, seed: options.seed, start, n, guidance })
    }
}

/// Raster-scan sampling as a chain: a step is one row of 28 pixels.
struct Raster {
    incremental: Incremental,
    /// p(ink) of each pixel when it was drawn (zero where not yet drawn): the view's heat map.
    probs: Tensor<2>,
    seed: u64,
    /// The first row sampled (the rows above it were given).
    start: usize,
    n: usize,
    /// The guidance scale w where the network runs twice (labelled and not) per pixel.
    guidance: Option<f64>,
}

impl Raster {
    /// The digits so far, `[n, 784]` (the first half of a guided batch).
    fn images(&self) -> Tensor<2> {
        let image = self.incremental.image();
        let m = image.dims()[0];
        image.reshape([m, IMAGE_PIXELS]).slice([0..self.n, 0..IMAGE_PIXELS])
    }
}

impl Chain for Raster {
    fn steps(&self) -> usize {
        IMAGE_SIDE - self.start
    }

    fn done(&self) -> usize {
        self.incremental.position() / IMAGE_SIDE - self.start
    }

    fn step(&mut self) -> Result<()> {
        let device = self.probs.device();
        let n = self.n;
        for _ in 0..IMAGE_SIDE {
            let i = self.incremental.position();
            let logit = self.incremental.next_logit();
            let logit = match self.guidance {
                // l_w = l_u + w (l_c - l_u), as classifier-free guidance mixes the DDPM's noise.
                Some(w) => {
                    let (cond, uncond) = (logit.clone().narrow(0, 0, n), logit.narrow(0, n, n));
                    uncond.clone() + (cond - uncond).mul_scalar(w)
                }
                None => logit,
            };
            let p = sigmoid(logit);
            // Uniforms from the host, seeded per pixel: the same digits on every backend.
            let u = crate::noise::uniform_tensor(self.seed.wrapping_add((i as u64).wrapping_mul(0x9e37_79b9)), [n, 1], &device).reshape([n]);
            let x = u.lower(p.clone()).float();
            self.incremental.write(if self.guidance.is_some() { Tensor::cat(vec![x.clone(), x], 0) } else { x });
            self.probs = self.probs.clone().slice_assign([0..n, i..i + 1], p.reshape([n, 1]));
        }
        Ok(())
    }

    /// The digits so far, and the probability of ink each drawn pixel had.
    fn frame(&self) -> Frame {
        Frame { t: IMAGE_SIDE - self.incremental.position() / IMAGE_SIDE, x: self.images(), x0: Some(self.probs.clone()), code: None }
    }

    fn finish(self: Box<Self>) -> Result<Tensor<2>> {
        Ok(self.images())
    }
}

impl Model for PixelCnn {
    fn info(&self) -> FamilyInfo {
        info()
    }

    fn base(&self) -> &dyn Settings {
        &self.base
    }

    fn base_mut(&mut self) -> &mut dyn Settings {
        &mut self.base
    }

    /// -log p(x | y) on binarised digits, the label dropped to the null one at rate p_uncond.
    fn train_step(&mut self, batch: Batch) -> Result<StepLosses> {
        let Hyper { lr, p_uncond, .. } = self.base.hp;
        let device = &self.base.device;
        let x = batch.images;
        let b = x.dims()[0];
        let drop = Tensor::<1>::random([b], Distribution::Default, device).lower_elem(p_uncond);
        let y = batch.labels.mask_fill(drop, NULL_LABEL as i64);
        let loss = bernoulli_nll(self.net.net.logits(x.clone(), y), x).mean();
        self.net.step(lr, &loss);
        Ok(vec![loss.detach()])
    }

    fn weights(&self) -> Pending {
        self.net.pending()
    }

    fn load_record(&mut self, record: ModuleRecord) -> Result<()> {
        self.net.load(record)
    }
}

impl Family for PixelCnn {
    fn sample(&self, options: &SampleOptions) -> Result<Tensor<2>> {
        chain::run(Box::new(self.raster(options, None)?))
    }

    /// Row by row; its frames are the digits so far and each drawn pixel's p(ink).
    fn chain(&self, options: &SampleOptions) -> Option<Result<Box<dyn Chain>>> {
        Some(self.raster(options, None).map(|c| Box::new(c) as Box<dyn Chain>))
    }

    /// Keeps the given rows bit for bit and samples the rest given them.
    fn complete(&self, options: &SampleOptions, prefix: Prefix) -> Option<Result<Box<dyn Chain>>> {
        Some(self.raster(options, Some(prefix)).map(|c| Box::new(c) as Box<dyn Chain>))
    }

    fn density(&self) -> Option<&dyn Density> {
        Some(self)
    }
}

impl Density for PixelCnn {
    fn kind(&self) -> Likelihood {
        Likelihood::Exact
    }

    /// log p(x) = sum_i log p(x_i | x_<i), unconditionally (the null label).
    fn log_likelihood(&self, x: Tensor<2>, _samples: usize) -> Tensor<1> {
        self.pixel_log_probs(x, None).sum_dim(1).flatten(0, 1)
    }

    fn pixel_log_probs(&self, x: Tensor<2>) -> Option<Tensor<2>> {
        Some(PixelCnn::pixel_log_probs(self, x, None))
    }
}
