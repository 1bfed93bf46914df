//! The simplest generative model of digits, as a baseline: class-conditional naive Bayes with
//! independent Bernoulli pixels. The generative-versus-discriminative comparison is Ng & Jordan,
//! "On Discriminative vs. Generative classifiers: A comparison of logistic regression and naive
//! Bayes", NIPS 2001; the model itself goes back to Maron 1961.
//!
//! The model: a class c ~ Categorical(pi), then each pixel independently
//! x_i | c ~ Bernoulli(theta_ci), so
//!
//!   log p(x, c) = log pi_c + sum_i [ x_i log theta_ci + (1 - x_i) log(1 - theta_ci) ]
//!   log p(x)    = log sum_c exp log p(x, c)          (exact: ten terms)
//!   p(c | x)    = p(x, c) / p(x)                     (Bayes' rule: it classifies too)
//!
//! It is fitted in closed form, by counting, with Laplace smoothing alpha:
//!
//!   theta_ci = (#{x_i = 1, class c} + alpha) / (#{class c} + 2 alpha)
//!   pi_c     = (#{class c} + alpha) / (N + 10 alpha)
//!
//! A training step adds one batch's counts: after one pass over the data the counts are the
//! maximum-likelihood fit, and nothing is learnt by gradient descent. Its discriminative twin,
//! logistic regression p(c | x) = softmax(W x + b), sees the same batches and needs gradient
//! steps; the view shows both accuracies side by side. Sampling draws every pixel on its own,
//! which is why the digits come out as speckled averages: the reason deep generative models exist.

use super::hyper::{self, Config, HyperParam};
use super::{
    Base, Batch, Density, Family, FamilyInfo, Likelihood, LossInfo, Model, Paper, PixelModel, Registration, SampleOptions, Settings, StepLosses,
    Trained,
};
use crate::data::IMAGE_PIXELS;
use crate::error::Result;
use crate::nn::{cross_entropy, log_sum_exp, one_hot};
use crate::weights::Pending;
use burn::module::{Module, Param};
use burn::nn::{Linear, LinearConfig};
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, ModuleOptimizer};
use burn::store::ModuleRecord;
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Tensor, TensorData};
use serde::Deserialize;

pub const REGISTRATION: Registration = Registration { info, create };

const CLASSES: usize = 10;

fn info() -> FamilyInfo {
    let [lr, batch] = hyper::common(1e-2, 128.0);
    FamilyInfo {
        name: "naive-bayes",
        title: "Naive Bayes",
        description: "Each digit class has its own ink probability per pixel, and every pixel is drawn on its own: \
                      fitted by counting, it samples speckled class averages and classifies by Bayes' rule.",
        paper: Paper {
            title: "On Discriminative vs. Generative Classifiers: A comparison of logistic regression and naive Bayes",
            authors: "Andrew Y. Ng, Michael I. Jordan",
            year: 2001,
            url: "https://papers.nips.cc/paper/2001/hash/7b7a53e239400a13bd6be6c91c4f6c4e-Abstract.html",
        },
        pixels: PixelModel::Binarized,
        hyper: vec![
            HyperParam::float("smoothing", "smoothing alpha", "pseudo-counts added to every pixel count (Laplace)", 1.0, 0.01, 10.0),
            HyperParam { help: "Adam step size of the logistic-regression twin", ..lr },
            batch,
        ],
        sampling: vec![],
        conditional: true,
        losses: vec![
            LossInfo { key: "nll", label: "naive Bayes -log p(x) of the batch before counting it (nats)" },
            LossInfo { key: "xent", label: "logistic regression cross-entropy (nats)" },
        ],
        train_steps: 1900, // ten passes over 24,000 digits at batch 128 (the counts need one)
        variants: vec![],
        built_on: &[],
        generator: true,
    }
}

fn optimizer() -> ModuleOptimizer {
    // A small L2 penalty keeps the regression's logits finite (see the VAE's optimizer).
    AdamConfig::new().with_weight_decay(Some(WeightDecayConfig::new(1e-5))).init()
}

/// The hyper-parameters [`info`] declares.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hyper {
    smoothing: f64,
    lr: f64,
    #[allow(dead_code)] // read by the training loop
    batch: usize,
}

fn create(config: &Config, _: &super::Bases, device: &Device) -> Result<Box<dyn Family>> {
    Ok(Box::new(NaiveBayes::new(config, device)?))
}

/// The counts (not trained by gradients: they are set by counting) and the regression twin.
#[derive(Module, Debug)]
pub struct NbModel {
    /// Digits counted per class, `[10]`.
    pub class_counts: Param<Tensor<1>>,
    /// Ink counted per class and pixel, `[10, 784]`.
    pub pixel_counts: Param<Tensor<2>>,
    pub logreg: Linear,
}

impl NbModel {
    pub fn new(device: &Device) -> Self {
        NbModel {
            class_counts: Param::from_tensor(Tensor::zeros([CLASSES], device)).set_require_grad(false),
            pixel_counts: Param::from_tensor(Tensor::zeros([CLASSES, IMAGE_PIXELS], device)).set_require_grad(false),
            logreg: LinearConfig::new(IMAGE_PIXELS, CLASSES).init(device),
        }
    }

    /// theta_ci, `[10, 784]`, and log pi_c, `[1, 10]`, from the counts with smoothing alpha.
    pub fn parameters(&self, alpha: f64) -> (Tensor<2>, Tensor<2>) {
        let counts = self.class_counts.val().detach();
        let theta = (self.pixel_counts.val().detach().add_scalar(alpha)) / counts.clone().add_scalar(2.0 * alpha).reshape([CLASSES, 1]);
        let total = counts.clone().sum().add_scalar(CLASSES as f64 * alpha);
        let log_prior = (counts.add_scalar(alpha) / total).log().reshape([1, CLASSES]);
        (theta, log_prior)
    }

    /// log p(x, c) for every class, `[b, 10]`, for pixels x in [0, 1] (a fractional x gives
    /// the expected value over binarisations).
    pub fn log_joint(&self, x: Tensor<2>, alpha: f64) -> Tensor<2> {
        let (theta, log_prior) = self.parameters(alpha);
        let log_on = theta.clone().log().transpose(); // [784, 10]
        let log_off = theta.neg().add_scalar(1.0).log().transpose();
        x.clone().matmul(log_on) + x.neg().add_scalar(1.0).matmul(log_off) + log_prior
    }
}

pub struct NaiveBayes {
    model: Trained<NbModel>,
    base: Base<Hyper>,
}

impl NaiveBayes {
    /// An empty model (no counts yet) with validated hyper-parameters.
    pub fn new(config: &Config, device: &Device) -> Result<NaiveBayes> {
        let base: Base<Hyper> = Base::new(info().hyper, config, device)?;
        Ok(NaiveBayes { model: Trained::new(NbModel::new(&base.device), optimizer), base })
    }

    fn alpha(&self) -> f64 {
        self.base.hp.smoothing
    }

    fn inference(&self) -> (NbModel, Device) {
        (self.model.inference(), self.base.inference_device())
    }

    /// theta `[10, 784]` and the class counts `[10]` (for tests and views).
    pub fn fitted(&self) -> (Tensor<2>, Tensor<1>) {
        let (m, _) = self.inference();
        (m.parameters(self.alpha()).0, m.class_counts.val())
    }
}

impl Model for NaiveBayes {
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
        let alpha = self.alpha();
        let x = batch.images.detach();
        let b = x.dims()[0];
        // How well the counts so far predict this batch, before it is counted.
        let model = &mut self.model.net;
        let nll = log_sum_exp(model.log_joint(x.clone(), alpha), 1).sum().div_scalar(b as f64).neg();
        // Closed-form fit: add this batch's counts.
        let y = one_hot(batch.labels.clone(), CLASSES); // [b, 10]
        let ink = y.clone().transpose().matmul(x.clone()); // [10, 784]
        model.class_counts = model.class_counts.clone().map(|c| (c + y.sum_dim(0).reshape([CLASSES])).detach());
        model.pixel_counts = model.pixel_counts.clone().map(|c| (c + ink).detach());
        // The discriminative twin: one gradient step of logistic regression.
        let xent = cross_entropy(model.logreg.forward(x), batch.labels);
        self.model.step(self.base.hp.lr, &xent);
        Ok(vec![nll.detach(), xent.detach()])
    }

    fn weights(&self) -> Pending {
        self.model.pending()
    }

    fn load_record(&mut self, record: ModuleRecord) -> Result<()> {
        self.model.load(record)
    }
}

impl Family for NaiveBayes {
    /// A class for each sample (the given label, else drawn from pi by the Gumbel-max trick),
    /// then every pixel on its own: x_i = [u_i < theta_ci]. The noise comes from the host, so
    /// a seed draws the same digits on every backend.
    fn sample(&self, options: &SampleOptions) -> Result<Tensor<2>> {
        let (m, device) = self.inference();
        let n = options.n;
        let (theta, log_prior) = m.parameters(self.alpha());
        let classes: Tensor<1, burn::tensor::Int> = match &options.labels {
            Some(labels) => Tensor::from_data(TensorData::new(labels.iter().map(|&l| l as i64).collect::<Vec<_>>(), [n]), &device),
            None => {
                let u = crate::noise::uniform_tensor(options.seed ^ 0xc1a55, [n, CLASSES], &device);
                let gumbel = u.clamp(1e-7, 1.0 - 1e-7).log().neg().log().neg();
                (log_prior.repeat_dim(0, n) + gumbel).argmax(1).reshape([n])
            }
        };
        let probs = theta.select(0, classes); // [n, 784]
        let u = crate::noise::uniform_tensor(options.seed, [n, IMAGE_PIXELS], &device);
        Ok(u.lower(probs).float())
    }

    fn density(&self) -> Option<&dyn Density> {
        Some(self)
    }

    /// Naive Bayes by Bayes' rule, and its logistic-regression twin.
    fn classify(&self, x: Tensor<2>) -> Option<Vec<(&'static str, Tensor<2>)>> {
        let (m, device) = self.inference();
        let x = x.to_device(&device);
        let joint = m.log_joint(x.clone(), self.alpha());
        let posterior = joint.clone() - log_sum_exp(joint, 1);
        Some(vec![("naive Bayes (generative)", posterior), ("logistic regression (discriminative)", log_softmax(m.logreg.forward(x), 1))])
    }
}

impl Density for NaiveBayes {
    fn kind(&self) -> Likelihood {
        Likelihood::Exact
    }

    /// log p(x) = log sum_c p(x, c): ten terms, no bound needed.
    fn log_likelihood(&self, x: Tensor<2>, _samples: usize) -> Tensor<1> {
        let (m, device) = self.inference();
        log_sum_exp(m.log_joint(x.to_device(&device), self.alpha()), 1).flatten(0, 1)
    }
}
