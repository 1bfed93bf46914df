//! Test accuracy of the classifiers a family carries (naive Bayes by Bayes' rule beside its
//! logistic-regression twin): the generative-versus-discriminative comparison in numbers.

use super::classifier::argmax;
use crate::data::Split;
use crate::error::{Error, Result};
use crate::families::Family;
use crate::runtime::read_f32;
use burn::tensor::Device;

/// `(name, accuracy 0..1)` of each classifier of `family` on the first `n` digits of `split`,
/// prepared for its pixel model with a fixed seed. Empty when it carries none.
pub async fn accuracies(family: &dyn Family, split: &Split, n: usize, device: &Device) -> Result<Vec<(&'static str, f64)>> {
    if n == 0 || n > split.n {
        return Err(Error::Param(format!("n = {n} is out of range [1, {}]", split.n)));
    }
    let pixels = family.info().pixels;
    let mut correct: Vec<(&'static str, usize)> = vec![];
    for start in (0..n).step_by(1000) {
        let idx: Vec<usize> = (start..(start + 1000).min(n)).collect();
        let x = split.batch_prepared(&idx, pixels, start as u64, device);
        let Some(named) = family.classify(x) else { return Ok(vec![]) };
        for (k, (name, log_p)) in named.into_iter().enumerate() {
            let log_p = read_f32(log_p).await?;
            let right = idx.iter().enumerate().filter(|&(row, &i)| argmax(&log_p[row * 10..(row + 1) * 10]) == split.labels[i] as usize).count();
            if correct.len() <= k {
                correct.push((name, 0));
            }
            correct[k].1 += right;
        }
    }
    Ok(correct.into_iter().map(|(name, c)| (name, c as f64 / n as f64)).collect())
}
