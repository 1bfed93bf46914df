//! Judging generated digits by numbers, the same in the CLI and in the page: a classifier
//! judge and its features ([`classifier`]), the Fréchet distance between feature Gaussians
//! ([`frechet`]), class coverage ([`diversity`]), copies of training digits ([`memorisation`]),
//! test-set likelihoods ([`likelihood`]), and one report that runs them all ([`report`]).
//! Everything reads tensors back asynchronously, so the same code runs on WebGPU.

pub mod classifier;
pub mod classify;
pub mod diversity;
pub mod frechet;
pub mod likelihood;
pub mod memorisation;
pub mod report;
