//! One evaluation of a family, the same in the CLI (`./build.sh eval`) and in the page
//! (`lab.evaluate`): sample n digits with a fixed seed, let the judge score them (FID-MNIST,
//! class coverage, confidence), check them for copies of training digits, and add what the
//! family offers besides (its test-set likelihood; for a conditional family, how often the
//! judge agrees with the requested label).

use super::classifier::{Classifier, FEATURES};
use super::diversity::{Diversity, diversity};
use super::frechet::{Gaussian, frechet_distance};
use super::likelihood::{LikelihoodReport, test_likelihood};
use super::memorisation::{Memorisation, compare, nearest_distances};
use crate::data::{IMAGE_PIXELS, Mnist};
use crate::error::{Error, Result};
use crate::families::{Config, Family, MAX_SAMPLES, SampleOptions};
use crate::runtime::read_f32;
use burn::tensor::{Device, Tensor, TensorData};
use serde::Serialize;

/// Digits sampled (and judged) per call.
const CHUNK: usize = 100;

/// What to evaluate and how much of it.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// Samples to draw and judge.
    pub n: usize,
    pub seed: u64,
    /// Samples (and test digits) checked for copies of training digits (0: skip).
    pub memorisation: usize,
    /// Test digits for the likelihood (0: skip).
    pub likelihood: usize,
    /// Sampler settings (e.g. a diffusion sampler's steps); missing ones take the defaults.
    pub settings: Config,
    /// Which samples to draw and score.
    pub mode: Mode,
}

/// Which samples an evaluation draws. A conditional family's samples can be drawn without a
/// label (the model's own mix of digits) or with the labels 0..9 in turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Unconditional samples for FID and classes, and labelled ones (where the family is
    /// conditional) for the conditional accuracy.
    #[default]
    Both,
    /// Only unconditional samples (e.g. to compare samplers' speed and quality).
    Unconditional,
    /// Only labelled samples, scored for FID and classes as well as for the conditional
    /// accuracy (e.g. to compare guidance scales).
    Labelled,
}

impl EvalOptions {
    /// The defaults of `./build.sh eval`: 1,000 samples, 300 checked for copies, the whole
    /// test set for the likelihood.
    pub fn new(n: usize, seed: u64) -> Self {
        EvalOptions { n, seed, memorisation: 300.min(n), likelihood: 10_000, settings: Config::new(), mode: Mode::Both }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    pub family: String,
    /// The sampler settings used, as given (empty: the family's defaults).
    pub settings: Config,
    pub n: usize,
    pub seed: u64,
    /// FID-MNIST: Fréchet distance between the judge's features of the samples and of the
    /// 10,000 test digits.
    pub fid: f64,
    /// The same for n real training digits: what "as good as real data" scores at this n.
    pub fid_real: f64,
    pub classes: Diversity,
    pub memorisation: Option<Memorisation>,
    pub likelihood: Option<LikelihoodReport>,
    /// For a conditional family: the share of samples the judge labels as requested
    /// (n samples, labels 0..9 in turn).
    pub conditional_accuracy: Option<f64>,
    /// Wall-clock milliseconds per sampled digit (unconditional sampling, chunks of 100).
    pub ms_per_digit: f64,
}

/// What the judge says of a set of images: features' Gaussian and class probabilities.
pub struct Judged {
    pub gaussian: Gaussian,
    pub probs: Vec<f32>,
}

/// Runs the judge over images `[n, 784]`, `CHUNK` at a time.
pub async fn judge_images(judge: &Classifier, images: &[f32], device: &Device) -> Result<Judged> {
    let n = images.len() / IMAGE_PIXELS;
    if n < 2 || images.len() != n * IMAGE_PIXELS {
        return Err(Error::Param(format!("need at least 2 whole images of 784 pixels, got {} values", images.len())));
    }
    let mut feats = Vec::with_capacity(n * FEATURES);
    let mut probs = Vec::with_capacity(n * 10);
    for chunk in images.chunks(CHUNK * IMAGE_PIXELS) {
        let x = Tensor::<2>::from_data(TensorData::new(chunk.to_vec(), [chunk.len() / IMAGE_PIXELS, IMAGE_PIXELS]), device);
        let (f, log_p) = judge.judge(x);
        feats.extend(read_f32(f).await?);
        probs.extend(read_f32(log_p.exp()).await?);
    }
    Ok(Judged { gaussian: Gaussian::fit(&feats, FEATURES), probs })
}

/// The test digits' feature Gaussian, as shipped in the judge's weights.
pub async fn reference(judge: &Classifier) -> Result<Gaussian> {
    let (mean, cov) = judge.reference();
    Ok(Gaussian::from_f32(&read_f32(mean).await?, &read_f32(cov).await?))
}

/// Reports progress: (fraction done 0..1, what is being done).
pub type Progress<'a> = &'a mut dyn FnMut(f64, &str);

/// Scores given images (e.g. the samples on screen): FID, classes, memorisation.
pub async fn score_images(
    judge: &Classifier,
    images: &[f32],
    data: &Mnist,
    memorisation: usize,
    device: &Device,
    progress: Progress<'_>,
) -> Result<(f64, f64, Diversity, Option<Memorisation>)> {
    let n = images.len() / IMAGE_PIXELS;
    progress(0.0, "judging the samples");
    let reference = reference(judge).await?;
    let judged = judge_images(judge, images, device).await?;
    let fid = frechet_distance(&judged.gaussian, &reference);
    progress(0.2, "judging as many real training digits");
    let n_real = n.min(data.train.n);
    let real: Vec<f32> = (0..n_real).flat_map(|i| data.train.image(i)).collect();
    let fid_real = frechet_distance(&judge_images(judge, &real, device).await?.gaussian, &reference);
    let classes = diversity(&judged.probs);
    let memo = if memorisation > 0 {
        let m = memorisation.min(n).min(data.test.n);
        let samples = Tensor::<2>::from_data(TensorData::new(images[..m * IMAGE_PIXELS].to_vec(), [m, IMAGE_PIXELS]), device);
        let sample_nn = nearest_distances(samples, &data.train, device, &mut |d, t| {
            progress(0.4 + 0.3 * d as f64 / t as f64, "nearest training digits of the samples")
        })
        .await?;
        let test: Vec<usize> = (0..m).collect();
        let (tx, _) = data.test.batch(&test, device);
        let test_nn = nearest_distances(tx, &data.train, device, &mut |d, t| {
            progress(0.7 + 0.3 * d as f64 / t as f64, "nearest training digits of test digits")
        })
        .await?;
        Some(compare(&sample_nn, &test_nn))
    } else {
        None
    };
    Ok((fid, fid_real, classes, memo))
}

/// Samples `n` digits from `family` (labels optional), `CHUNK` at a time, as host floats.
async fn draw(family: &dyn Family, n: usize, seed: u64, labels: Option<&[u8]>, settings: &Config) -> Result<Vec<f32>> {
    let mut out = Vec::with_capacity(n * IMAGE_PIXELS);
    for (k, start) in (0..n).step_by(CHUNK).enumerate() {
        let m = CHUNK.min(n - start);
        let options = SampleOptions {
            n: m,
            seed: seed.wrapping_add(k as u64),
            labels: labels.map(|l| l[start..start + m].to_vec()),
            settings: settings.clone(),
        };
        out.extend(read_f32(family.sample(&options)?).await?);
    }
    Ok(out)
}

/// Evaluates a family end to end. `now` is a millisecond clock (the platform's own).
pub async fn evaluate(
    family: &dyn Family,
    judge: &Classifier,
    data: &Mnist,
    options: &EvalOptions,
    device: &Device,
    now: fn() -> f64,
    progress: Progress<'_>,
) -> Result<EvalReport> {
    let info = family.info();
    if options.n < 2 || options.n > 10 * MAX_SAMPLES {
        return Err(Error::Param(format!("n = {} is out of range [2, {}]", options.n, 10 * MAX_SAMPLES)));
    }
    let conditional = info.conditional && options.mode != Mode::Unconditional;
    if options.mode == Mode::Labelled && !conditional {
        return Err(Error::Param(format!("'{}' is not class-conditional: it takes no label", info.name)));
    }
    let labels: Vec<u8> = (0..options.n).map(|i| (i % 10) as u8).collect();
    let labelled = options.mode == Mode::Labelled;
    progress(0.0, if labelled { "sampling each requested digit" } else { "sampling" });
    let t0 = now();
    let images = draw(family, options.n, options.seed, labelled.then_some(&labels[..]), &options.settings).await?;
    let ms_per_digit = (now() - t0) / options.n as f64;
    let (fid, fid_real, classes, memorisation) = {
        let mut sub = |f: f64, what: &str| progress(0.3 + 0.5 * f, what);
        score_images(judge, &images, data, options.memorisation, device, &mut sub).await?
    };
    let conditional_accuracy = if conditional {
        // Judging the labelled samples again is cheap next to drawing them.
        let images = if labelled {
            images
        } else {
            progress(0.8, "sampling each requested digit");
            draw(family, options.n, options.seed ^ 0x5eed, Some(&labels), &options.settings).await?
        };
        let probs = judge_images(judge, &images, device).await?.probs;
        let agree = probs.chunks_exact(10).zip(&labels).filter(|(p, l)| super::classifier::argmax(p) == **l as usize).count();
        Some(agree as f64 / options.n as f64)
    } else {
        None
    };
    let likelihood = if options.likelihood > 0 {
        progress(0.9, "test-set likelihood");
        test_likelihood(family, &data.test, options.likelihood.min(data.test.n), 1, 0, device).await?
    } else {
        None
    };
    progress(1.0, "done");
    Ok(EvalReport {
        family: info.name.to_string(),
        settings: options.settings.clone(),
        n: options.n,
        seed: options.seed,
        fid,
        fid_real,
        classes,
        memorisation,
        likelihood,
        conditional_accuracy,
        ms_per_digit,
    })
}
