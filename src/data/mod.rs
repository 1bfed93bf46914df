//! MNIST: the IDX file format, the train/test splits, and turning digits into batches.

pub mod idx;
pub mod mnist;

pub use mnist::{IMAGE_PIXELS, IMAGE_SIDE, Mnist, Split};
