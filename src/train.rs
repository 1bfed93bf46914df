//! The one training loop, written against [`Model`] (every family, and the evaluation's
//! classifier) and step-wise so that the browser can run
//! it a few steps at a time between UI events, and the CLI can run it to the end.
//!
//! A step draws a random batch (with replacement across epochs, shuffled per epoch), prepares it
//! for the model's [`PixelModel`] and calls [`Model::train_step`]. Losses stay on the device
//! until someone asks for them: reading back every step would stall WebGPU.

use crate::data::Split;
use crate::error::Result;
use crate::families::{Batch, Family, Model, PixelModel, StepLosses, hyper};
use burn::tensor::{Device, Distribution, Tensor};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

/// A model and where it is in its data: the batch order and the step count.
pub struct Trainer<M: Model + ?Sized = dyn Family> {
    pub model: Box<M>,
    rng: StdRng,
    order: Vec<usize>,
    cursor: usize,
    pub step: u64,
}

impl<M: Model + ?Sized> Trainer<M> {
    /// Seeds both the batch order and the device's RNG, so a run is repeatable.
    pub fn new(model: Box<M>, seed: u64) -> Self {
        model.device().seed(seed);
        Trainer { model, rng: StdRng::seed_from_u64(seed), order: vec![], cursor: 0, step: 0 }
    }

    /// The `batch` every model declares ([`hyper::common`]).
    pub fn batch_size(&self) -> Result<usize> {
        #[derive(serde::Deserialize)]
        struct Common {
            batch: usize,
        }
        let info = self.model.info();
        Ok(hyper::typed::<Common>(&info.hyper, self.model.config())?.batch)
    }

    fn next_indices(&mut self, n_data: usize, b: usize) -> Vec<usize> {
        let mut out = Vec::with_capacity(b);
        while out.len() < b {
            if self.cursor >= self.order.len() || self.order.len() != n_data {
                self.order = (0..n_data).collect();
                self.order.shuffle(&mut self.rng);
                self.cursor = 0;
            }
            out.push(self.order[self.cursor]);
            self.cursor += 1;
        }
        out
    }

    /// One optimisation step on a fresh batch of `data`; returns the lazy losses.
    pub fn step(&mut self, data: &Split) -> Result<StepLosses> {
        let b = self.batch_size()?;
        let indices = self.next_indices(data.n, b);
        let device = self.model.device().clone();
        let (images, labels) = data.batch(&indices, &device);
        let images = prepare(images, self.model.info().pixels, &device);
        let losses = self.model.train_step(Batch { images, labels, step: self.step })?;
        self.step += 1;
        Ok(losses)
    }
}

/// Puts [0, 1] intensities into the form the family models.
pub fn prepare(images: Tensor<2>, pixels: PixelModel, device: &Device) -> Tensor<2> {
    match pixels {
        PixelModel::Continuous => images,
        // Dynamic binarisation: pixel i is 1 with probability equal to its intensity.
        PixelModel::Binarized => {
            let u = Tensor::random(images.dims(), Distribution::Default, device);
            images.greater(u).float()
        }
        // Uniform dequantisation of the bytes k = 255 x: (k + u) / 256, u ~ U[0, 1).
        PixelModel::Dequantized => {
            let u = Tensor::random(images.dims(), Distribution::Default, device);
            (images.mul_scalar(255.0).round() + u).div_scalar(256.0)
        }
    }
}
