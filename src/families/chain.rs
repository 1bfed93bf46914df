//! Long computations a step at a time: a sampler that takes many dependent steps (a
//! diffusion model's reverse chain, and to come an autoregressive model's 784 pixels and an
//! energy model's Gibbs sweeps) hands out a [`Chain`], and whoever drives it decides what
//! happens between steps: the CLI runs it straight through; the page reports progress,
//! yields to the event loop and stops when the user cancels (src/web/lab.rs). One mechanism,
//! so every such family gets progress and cancelling in the worker and the JS API for free.

use super::Frame;
use crate::error::Result;
use burn::tensor::Tensor;

/// A sampler's state between steps.
pub trait Chain {
    /// Steps in all.
    fn steps(&self) -> usize;
    /// Steps taken so far.
    fn done(&self) -> usize;
    fn is_finished(&self) -> bool {
        self.done() >= self.steps()
    }
    /// Takes one more step.
    fn step(&mut self) -> Result<()>;
    /// The current state as images (`t` counts down to 0 at the finished samples).
    fn frame(&self) -> Frame;
    /// The samples, `[n, 784]` in [0, 1], once finished.
    fn finish(self: Box<Self>) -> Result<Tensor<2>>;
}

/// Runs a chain to its end.
pub fn run(mut chain: Box<dyn Chain>) -> Result<Tensor<2>> {
    while !chain.is_finished() {
        chain.step()?;
    }
    chain.finish()
}

/// Keeps up to `frames` states of a chain, evenly spread over its steps, the first (before
/// any step) and the last always among them: what a step-by-step view shows.
pub struct Frames {
    keep: Vec<usize>,
    frames: Vec<Frame>,
}

impl Frames {
    /// Starts with the chain's state before its first step.
    pub fn new(chain: &dyn Chain, frames: usize) -> Frames {
        let total = chain.steps();
        // Which of the steps 1..=total to keep (none for a chain with nothing left to do,
        // a completion of every row: its one frame is its state).
        let keep = match total {
            0 => vec![],
            _ => {
                let frames = frames.clamp(2, total + 1);
                (1..frames).map(|i| (i * total).div_ceil(frames - 1)).collect()
            }
        };
        Frames { keep, frames: vec![chain.frame()] }
    }

    /// Call after each step.
    pub fn after_step(&mut self, chain: &dyn Chain) {
        if self.keep.contains(&chain.done()) {
            self.frames.push(chain.frame());
        }
    }

    pub fn into_frames(self) -> Vec<Frame> {
        self.frames
    }
}

/// Runs a chain to its end, keeping up to `frames` of its states.
pub fn trajectory(mut chain: Box<dyn Chain>, frames: usize) -> Result<Vec<Frame>> {
    let mut kept = Frames::new(chain.as_ref(), frames);
    while !chain.is_finished() {
        chain.step()?;
        kept.after_step(chain.as_ref());
    }
    Ok(kept.into_frames())
}
