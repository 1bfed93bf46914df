//! The MNIST splits (LeCun, Bottou, Bengio & Haffner, 1998) as byte images, and batches of them
//! as tensors. Loaders accept any count in the header (24,000 or 60,000 training digits).

use super::idx;
use crate::error::{Error, Result};
use crate::families::PixelModel;
use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

pub const IMAGE_SIDE: usize = 28;
pub const IMAGE_PIXELS: usize = IMAGE_SIDE * IMAGE_SIDE;

/// The four file names of the official distribution, gzip-compressed.
pub const FILES: [&str; 4] = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];

/// One split: `n` digits of 28x28 bytes and their labels.
#[derive(Debug, Clone)]
pub struct Split {
    pub images: Vec<u8>,
    pub labels: Vec<u8>,
    pub n: usize,
}

impl Split {
    /// Parses a split from its images file and labels file (gzip-compressed or not).
    pub fn from_idx(images: &[u8], labels: &[u8], name: &str) -> Result<Split> {
        let img = idx::decode(images, 3, &format!("{name} images"))?;
        let lab = idx::decode(labels, 1, &format!("{name} labels"))?;
        if img.dims[1] != IMAGE_SIDE || img.dims[2] != IMAGE_SIDE {
            return Err(Error::Data(format!("{name} images are {}x{}, expected 28x28", img.dims[1], img.dims[2])));
        }
        if img.dims[0] != lab.dims[0] {
            return Err(Error::Data(format!("{name}: mismatched counts: {} images but {} labels", img.dims[0], lab.dims[0])));
        }
        if img.dims[0] == 0 {
            return Err(Error::Data(format!("{name}: the files hold no digits")));
        }
        if let Some(bad) = lab.data.iter().find(|&&l| l > 9) {
            return Err(Error::Data(format!("{name} labels: label {bad} is not a digit 0-9")));
        }
        Ok(Split { n: img.dims[0], images: img.data, labels: lab.data })
    }

    /// Digit `i` as 784 floats in [0, 1].
    pub fn image(&self, i: usize) -> Vec<f32> {
        self.images[i * IMAGE_PIXELS..(i + 1) * IMAGE_PIXELS].iter().map(|&p| p as f32 / 255.0).collect()
    }

    /// The digits at `indices` as a `[b, 784]` tensor in [0, 1], and their labels.
    pub fn batch(&self, indices: &[usize], device: &Device) -> (Tensor<2>, Tensor<1, Int>) {
        let mut pixels = Vec::with_capacity(indices.len() * IMAGE_PIXELS);
        for &i in indices {
            pixels.extend(self.images[i * IMAGE_PIXELS..(i + 1) * IMAGE_PIXELS].iter().map(|&p| p as f32 / 255.0));
        }
        let labels: Vec<i64> = indices.iter().map(|&i| self.labels[i] as i64).collect();
        (
            Tensor::from_data(TensorData::new(pixels, [indices.len(), IMAGE_PIXELS]), device),
            Tensor::from_data(TensorData::new(labels, [indices.len()]), device),
        )
    }

    /// The digits at `indices` as a `[b, 784]` tensor prepared for `pixels`: binarised (pixel i
    /// is 1 with probability equal to its intensity) or dequantised ((k + u) / 256 for the byte
    /// k) on the host from `seed`, so that an evaluation scores the same data on every backend
    /// and every run.
    pub fn batch_prepared(&self, indices: &[usize], pixels: PixelModel, seed: u64, device: &Device) -> Tensor<2> {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut values = Vec::with_capacity(indices.len() * IMAGE_PIXELS);
        for &i in indices {
            for &p in &self.images[i * IMAGE_PIXELS..(i + 1) * IMAGE_PIXELS] {
                let v = p as f32 / 255.0;
                values.push(match pixels {
                    PixelModel::Continuous => v,
                    PixelModel::Binarized => (rng.random::<f32>() < v) as u8 as f32,
                    PixelModel::Dequantized => (p as f32 + rng.random::<f32>()) / 256.0,
                });
            }
        }
        Tensor::from_data(TensorData::new(values, [indices.len(), IMAGE_PIXELS]), device)
    }

    /// The first `n` digits (or all of them): a smaller split for quick evaluation.
    pub fn head(&self, n: usize) -> Split {
        let n = n.min(self.n);
        Split { images: self.images[..n * IMAGE_PIXELS].to_vec(), labels: self.labels[..n].to_vec(), n }
    }
}

/// Both splits of MNIST.
#[derive(Debug, Clone)]
pub struct Mnist {
    pub train: Split,
    pub test: Split,
}

impl Mnist {
    /// Parses the four files' contents, in the order of [`FILES`].
    pub fn from_bytes(files: [&[u8]; 4]) -> Result<Mnist> {
        Ok(Mnist { train: Split::from_idx(files[0], files[1], "training")?, test: Split::from_idx(files[2], files[3], "test")? })
    }

    /// Reads the four files from a directory (natively).
    pub fn load_dir(dir: &std::path::Path) -> Result<Mnist> {
        let read = |f: &str| std::fs::read(dir.join(f)).map_err(|e| Error::Data(format!("cannot read {}: {e}", dir.join(f).display())));
        let files = [read(FILES[0])?, read(FILES[1])?, read(FILES[2])?, read(FILES[3])?];
        Mnist::from_bytes([&files[0], &files[1], &files[2], &files[3]])
    }
}
