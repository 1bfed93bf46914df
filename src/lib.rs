//! GenLab: classic deep generative models of MNIST digits that sample, train and explain
//! themselves in the browser (Burn on WebGPU or the Flex CPU backend) and train natively from a
//! CLI to produce the weights the page ships.
//!
//! The seam that matters is [`families::Family`]: every model family implements it once, and
//! the training loop ([`train`]), the weights format ([`weights`]), the native CLI
//! (`src/bin/genlab.rs`) and the browser API (`web`, wasm only) are written once against it.

pub mod data;
pub mod error;
pub mod eval;
pub mod families;
pub mod latent;
pub mod nn;
pub mod noise;
pub mod runtime;
pub mod train;
pub mod weights;

#[cfg(target_family = "wasm")]
pub mod web;

pub use error::{Error, Result};
