//! An exponential moving average of a model's weights, the copy a diffusion model samples with
//! (Ho et al. 2020, appendix B, after Polyak & Juditsky 1992): the last steps of stochastic
//! training jitter around a good point, and the average sits nearer to it.
//!
//!   theta_ema <- d theta_ema + (1 - d) theta,   d_k = min(decay, (1 + k) / (10 + k))
//!
//! The warm-up d_k lets the average follow closely while a fresh model changes fast (the page
//! trains for only a few hundred steps), then settle to `decay`.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::Tensor;
use std::collections::HashMap;

/// The decay for update number `k` (0-based) towards `decay`.
pub fn warmed_decay(decay: f64, k: u64) -> f64 {
    decay.min((1.0 + k as f64) / (10.0 + k as f64))
}

/// `ema` moved towards `model`: every float parameter becomes d ema + (1 - d) model.
/// Parameters are matched by id: `ema` must have started as a copy of `model` (ids survive
/// optimiser steps and `valid()`).
pub fn update<M: Module>(ema: M, model: &M, decay: f64) -> M {
    struct Collect(HashMap<u64, Tensor<1>>);
    impl ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let t = param.val().detach();
            let n = t.shape().num_elements();
            self.0.insert(param.id.val(), t.reshape([n]));
        }
    }
    struct Blend {
        current: HashMap<u64, Tensor<1>>,
        decay: f64,
    }
    impl ModuleMapper for Blend {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let Some(theta) = self.current.remove(&param.id.val()) else { return param };
            let d = self.decay;
            param.map(|e| {
                let (dims, device) = (e.dims(), e.device());
                (e.mul_scalar(d) + theta.to_device(&device).reshape(dims).mul_scalar(1.0 - d)).detach()
            })
        }
    }
    let mut collect = Collect(HashMap::new());
    model.visit(&mut collect);
    ema.map(&mut Blend { current: collect.0, decay })
}
