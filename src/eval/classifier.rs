//! The judge: a small LeNet-style convolutional classifier of MNIST digits (LeCun, Bottou,
//! Bengio & Haffner, "Gradient-Based Learning Applied to Document Recognition", 1998), trained
//! natively by `./build.sh train classifier`. It is not a generative family: it implements
//! [`Model`] (so the one training loop trains it and the weights format saves it) but not
//! `Family`, and it is not in the gallery's registry.
//!
//! Its penultimate layer (128 ReLU units) is the feature space of "FID-MNIST", the Fréchet
//! distance between Gaussian fits of features, as FID uses Inception-v3's (Heusel et al. 2017).
//! The Gaussian fit of the 10,000 test digits' features is computed once, when the classifier
//! is trained, and ships inside its weights file, so the page never has to push the whole test
//! set through the network.
//!
//!   conv 5x5, 16 -> ReLU -> max-pool 2 -> conv 5x5, 32 -> ReLU -> max-pool 2
//!   -> dense 128 -> ReLU (the features) -> dense 10 (the logits)

use crate::data::{IMAGE_SIDE, Split};
use crate::error::{Error, Result};
use crate::families::hyper::{self, Config};
use crate::families::{Base, Batch, FamilyInfo, LossInfo, Model, Paper, PixelModel, Settings, StepLosses, Trained};
use crate::runtime::read_f32;
use crate::weights::{self, Pending};
use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::optim::AdamConfig;
use burn::store::ModuleRecord;
use burn::tensor::activation::{log_softmax, relu};
use burn::tensor::{Device, Tensor, TensorData};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::Deserialize;

/// Width of the feature layer.
pub const FEATURES: usize = 128;

pub const NAME: &str = "classifier";

pub fn info() -> FamilyInfo {
    let [lr, batch] = hyper::common(1e-3, 128.0);
    FamilyInfo {
        name: NAME,
        title: "MNIST classifier (the judge)",
        description: "A LeNet-style convolutional network that labels digits; its features measure generated samples.",
        paper: Paper {
            title: "Gradient-Based Learning Applied to Document Recognition",
            authors: "Yann LeCun, Léon Bottou, Yoshua Bengio, Patrick Haffner",
            year: 1998,
            url: "http://yann.lecun.com/exdb/publis/pdf/lecun-98.pdf",
        },
        pixels: PixelModel::Continuous,
        hyper: vec![lr, batch],
        sampling: vec![],
        conditional: false,
        losses: vec![LossInfo { key: "xent", label: "cross-entropy (nats)" }, LossInfo { key: "error", label: "training error rate" }],
        train_steps: 4000,
        variants: vec![],
        built_on: &[],
        // The judge of generators, not one.
        generator: false,
    }
}

/// A Gaussian fit of features: what the Fréchet distance compares.
#[derive(Module, Debug)]
pub struct FeatureStats {
    pub mean: Param<Tensor<1>>,
    pub cov: Param<Tensor<2>>,
}

#[derive(Module, Debug)]
pub struct Net {
    conv1: Conv2d,
    conv2: Conv2d,
    pool: MaxPool2d,
    fc1: Linear,
    fc2: Linear,
    /// The test digits' feature statistics, filled in after training.
    reference: FeatureStats,
}

impl Net {
    pub fn new(device: &Device) -> Self {
        let conv = |i, o| Conv2dConfig::new([i, o], [5, 5]).with_padding(PaddingConfig2d::Explicit(2, 2, 2, 2)).init(device);
        Net {
            conv1: conv(1, 16),
            conv2: conv(16, 32),
            pool: MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
            fc1: LinearConfig::new(32 * 7 * 7, FEATURES).init(device),
            fc2: LinearConfig::new(FEATURES, 10).init(device),
            reference: FeatureStats {
                mean: Param::from_tensor(Tensor::zeros([FEATURES], device)),
                cov: Param::from_tensor(Tensor::zeros([FEATURES, FEATURES], device)),
            },
        }
    }

    /// Penultimate features, `[b, 784]` -> `[b, 128]`.
    pub fn features(&self, x: Tensor<2>) -> Tensor<2> {
        let b = x.dims()[0];
        let x = x.reshape([b, 1, IMAGE_SIDE, IMAGE_SIDE]);
        let h = self.pool.forward(relu(self.conv1.forward(x)));
        let h = self.pool.forward(relu(self.conv2.forward(h)));
        relu(self.fc1.forward(h.flatten::<2>(1, 3)))
    }

    pub fn logits_from_features(&self, f: Tensor<2>) -> Tensor<2> {
        self.fc2.forward(f)
    }
}

pub struct Classifier {
    net: Trained<Net>,
    base: Base<Hyper>,
    /// Draws the random shifts of training digits (seeded by the trainer's seed via `new`).
    rng: StdRng,
}

/// The hyper-parameters [`info`] declares.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hyper {
    lr: f64,
    #[allow(dead_code)] // read by the training loop
    batch: usize,
}

impl Classifier {
    pub fn new(config: &Config, device: &Device, seed: u64) -> Result<Classifier> {
        let base: Base<Hyper> = Base::new(info().hyper, config, device)?;
        Ok(Classifier { net: Trained::new(Net::new(&base.device), || AdamConfig::new().init()), base, rng: StdRng::seed_from_u64(seed) })
    }

    pub fn create(params: &crate::families::Given, device: &Device, seed: u64) -> Result<Classifier> {
        Classifier::new(&hyper::validate("hyper-parameter", &info().hyper, params)?, device, seed)
    }

    /// A classifier from its weights file (refusing any other family's file).
    pub fn load(bytes: Vec<u8>, device: &Device) -> Result<Classifier> {
        let file = weights::decode(bytes, Some(NAME))?;
        let mut c = Classifier::new(&file.config(&info().hyper)?, device, 0)?;
        c.load_record(file.record)?;
        Ok(c)
    }

    fn inference(&self) -> (Net, Device) {
        (self.net.inference(), self.base.inference_device())
    }

    /// Features and class log-probabilities of images in [0, 1], `[b, 784]`.
    pub fn judge(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let (net, device) = self.inference();
        let f = net.features(x.to_device(&device));
        let log_p = log_softmax(net.logits_from_features(f.clone()), 1);
        (f, log_p)
    }

    /// The reference (test-set) feature statistics shipped with the weights.
    pub fn reference(&self) -> (Tensor<1>, Tensor<2>) {
        (self.net.net.reference.mean.val(), self.net.net.reference.cov.val())
    }

    /// Computes the test digits' feature statistics and stores them in the model (after
    /// training, before saving). Mean and covariance are accumulated on the host in f64.
    pub async fn set_reference(&mut self, test: &Split) -> Result<()> {
        let (_, device) = self.inference();
        let mut feats = Vec::with_capacity(test.n * FEATURES);
        for start in (0..test.n).step_by(500) {
            let idx: Vec<usize> = (start..(start + 500).min(test.n)).collect();
            let (x, _) = test.batch(&idx, &device);
            feats.extend(read_f32(self.judge(x).0).await?);
        }
        let g = super::frechet::Gaussian::fit(&feats, FEATURES);
        let mean = Tensor::from_data(TensorData::new(g.mean.iter().map(|&v| v as f32).collect::<Vec<_>>(), [FEATURES]), &self.base.device);
        let cov = Tensor::from_data(TensorData::new(g.cov.iter().map(|&v| v as f32).collect::<Vec<_>>(), [FEATURES, FEATURES]), &self.base.device);
        self.net.net.reference.mean = Param::from_tensor(mean);
        self.net.net.reference.cov = Param::from_tensor(cov);
        Ok(())
    }

    /// Accuracy (0..1) on the first `n` digits of `split`.
    pub async fn accuracy(&self, split: &Split, n: usize) -> Result<f64> {
        if n == 0 || n > split.n {
            return Err(Error::Param(format!("n = {n} is out of range [1, {}]", split.n)));
        }
        let (_, device) = self.inference();
        let mut correct = 0usize;
        for start in (0..n).step_by(500) {
            let idx: Vec<usize> = (start..(start + 500).min(n)).collect();
            let (x, _) = split.batch(&idx, &device);
            let log_p = read_f32(self.judge(x).1).await?;
            correct += idx.iter().enumerate().filter(|&(k, &i)| argmax(&log_p[k * 10..(k + 1) * 10]) == split.labels[i] as usize).count();
        }
        Ok(correct as f64 / n as f64)
    }
}

/// Index of the largest value (ties: the first).
pub fn argmax(v: &[f32]) -> usize {
    v.iter().enumerate().fold(0, |best, (i, &x)| if x > v[best] { i } else { best })
}

/// Shifts a batch `[b, 784]` by (dy, dx) pixels, filling with background: the one data
/// augmentation, so the judge does not care where in the frame a digit sits.
fn shift(x: Tensor<2>, dy: i32, dx: i32) -> Tensor<2> {
    let b = x.dims()[0];
    let s = IMAGE_SIDE as i32;
    let img = x.reshape([b, 1, IMAGE_SIDE, IMAGE_SIDE]);
    let padded = img.pad((2, 2, 2, 2), burn::tensor::ops::PadMode::Constant(0.0));
    let (y0, x0) = ((2 - dy) as usize, (2 - dx) as usize);
    padded.slice([0..b, 0..1, y0..y0 + s as usize, x0..x0 + s as usize]).reshape([b, IMAGE_SIDE * IMAGE_SIDE])
}

impl Model for Classifier {
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
        let lr = self.base.hp.lr;
        let (dy, dx) = (self.rng.random_range(-2..=2), self.rng.random_range(-2..=2));
        let x = shift(batch.images, dy, dx);
        let logits = self.net.net.logits_from_features(self.net.net.features(x));
        let loss = crate::nn::cross_entropy(logits.clone(), batch.labels.clone());
        let wrong = logits.argmax(1).flatten::<1>(0, 1).not_equal(batch.labels).float().mean();
        self.net.step(lr, &loss);
        Ok(vec![loss.detach(), wrong.detach()])
    }

    fn weights(&self) -> Pending {
        self.net.pending()
    }

    fn load_record(&mut self, record: ModuleRecord) -> Result<()> {
        self.net.load(record)
    }
}
