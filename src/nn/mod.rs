//! Building blocks shared by several families: likelihood terms and numerically careful
//! reductions. (Networks shared by several families, like the diffusion U-Net, live here too.)

pub mod boltzmann;
pub mod ema;
pub mod flow;
pub mod pixelcnn;
pub mod unet;

use burn::tensor::activation::log_softmax;
use burn::tensor::{Int, Tensor};

/// -log Bernoulli(x | sigmoid(l)) summed over pixels, per row `[b]`, written on the logits so
/// that it stays finite for large |l|: sum_i max(l_i, 0) - x_i l_i + log(1 + exp(-|l_i|)).
///
/// |l| is capped at 60 inside the exponential, where exp(-|l|) would otherwise become a
/// subnormal float (slow on CPUs); the cap changes the loss by under e^-60 per pixel and
/// keeps the gradient of the other two terms.
pub fn bernoulli_nll(logits: Tensor<2>, x: Tensor<2>) -> Tensor<1> {
    (logits.clone().clamp_min(0.0) - x * logits.clone() + logits.abs().clamp_max(60.0).neg().exp().add_scalar(1.0).log()).sum_dim(1).flatten(0, 1)
}

/// log sum_j exp(t_ij) along `dim` of a 2-D tensor, kept as a size-1 dimension: the maximum is
/// taken out first so that no exponential overflows.
pub fn log_sum_exp(t: Tensor<2>, dim: usize) -> Tensor<2> {
    let m = t.clone().max_dim(dim).detach();
    (t - m.clone()).exp().sum_dim(dim).log() + m
}

/// One-hot rows `[b, classes]` of integer labels `[b]`. (Burn's own `one_hot` checks its input
/// with a synchronous read, which panics on WebGPU in the browser; a comparison does not.)
pub fn one_hot(labels: Tensor<1, Int>, classes: usize) -> Tensor<2> {
    let b = labels.dims()[0];
    let device = labels.device();
    let ids = Tensor::<1, Int>::arange(0..classes as i64, &device).reshape([1, classes]).repeat_dim(0, b);
    labels.reshape([b, 1]).repeat_dim(1, classes).equal(ids).float()
}

/// Mean cross-entropy -log softmax(logits)[label] over the batch, a scalar `[1]`.
pub fn cross_entropy(logits: Tensor<2>, labels: Tensor<1, Int>) -> Tensor<1> {
    let classes = logits.dims()[1];
    (log_softmax(logits, 1) * one_hot(labels, classes)).sum_dim(1).mean().neg()
}

/// softplus(x) = log(1 + e^x), written as max(x, 0) + log(1 + e^-|x|) so that it never
/// overflows (|x| capped at 60 inside the exponential, as in [`bernoulli_nll`]). The logistic
/// losses of a GAN are softplus(-D(x)) and softplus(D(G(z))).
pub fn softplus<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    x.clone().clamp_min(0.0) + x.abs().clamp_max(60.0).neg().exp().add_scalar(1.0).log()
}
