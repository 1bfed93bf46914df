//! Building blocks shared by several families: likelihood terms and numerically careful
//! reductions. (Networks shared by several families, like the diffusion U-Net, live here too.)

use burn::tensor::Tensor;

/// -log Bernoulli(x | sigmoid(l)) summed over pixels, per row `[b]`, written on the logits so
/// that it stays finite for large |l|: sum_i max(l_i, 0) - x_i l_i + log(1 + exp(-|l_i|)).
///
/// |l| is capped at 60 inside the exponential, where exp(-|l|) would otherwise become a
/// subnormal float (slow on CPUs); the cap changes the loss by under e^-60 per pixel and
/// keeps the gradient of the other two terms.
pub fn bernoulli_nll(logits: Tensor<2>, x: Tensor<2>) -> Tensor<1> {
    (logits.clone().clamp_min(0.0) - x * logits.clone() + logits.abs().clamp_max(60.0).neg().exp().add_scalar(1.0).log())
        .sum_dim(1)
        .flatten(0, 1)
}

/// log sum_j exp(t_ij) along `dim` of a 2-D tensor, kept as a size-1 dimension: the maximum is
/// taken out first so that no exponential overflows.
pub fn log_sum_exp(t: Tensor<2>, dim: usize) -> Tensor<2> {
    let m = t.clone().max_dim(dim).detach();
    (t - m.clone()).exp().sum_dim(dim).log() + m
}
