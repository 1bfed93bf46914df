//! What the judge's labels say about a set of samples: which digits they are, how evenly the
//! ten classes are covered, how sure the judge is, and an Inception-Score-like figure
//! (Salimans et al. 2016, "Improved Techniques for Training GANs"):
//!
//!   IS = exp( E_x KL( p(y|x) || p(y) ) ),   p(y) = E_x p(y|x)
//!
//! which is 1 for samples the judge cannot tell apart and 10 for confident, evenly spread
//! digits. A class holding under a fifth of its fair share is reported missing: mode collapse.

use serde::Serialize;

/// A class is "missing" below this fraction of the uniform share (1/10).
const MISSING_BELOW: f64 = 0.2;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Diversity {
    /// How many samples the judge labels as each digit.
    pub histogram: [usize; 10],
    /// Entropy of the label histogram in bits (at most log2 10 = 3.32).
    pub entropy_bits: f64,
    /// Mean of the judge's top probability.
    pub confidence: f64,
    pub inception_score: f64,
    /// Digits under a fifth of their fair share.
    pub missing: Vec<u8>,
    /// A sentence for the page when classes are missing.
    pub warning: Option<String>,
}

/// Scores class probabilities `probs` (`[n, 10]`, rows summing to 1).
pub fn diversity(probs: &[f32]) -> Diversity {
    let n = probs.len() / 10;
    assert!(n > 0 && probs.len() == n * 10);
    let mut histogram = [0usize; 10];
    let mut marginal = [0f64; 10];
    let mut confidence = 0f64;
    for row in probs.chunks_exact(10) {
        histogram[super::classifier::argmax(row)] += 1;
        confidence += row.iter().cloned().fold(0f32, f32::max) as f64;
        for (m, &p) in marginal.iter_mut().zip(row) {
            *m += p as f64 / n as f64;
        }
    }
    let entropy_bits = -histogram
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n as f64;
            p * p.log2()
        })
        .sum::<f64>();
    let mean_kl = probs
        .chunks_exact(10)
        .map(|row| row.iter().zip(&marginal).filter(|&(&p, _)| p > 0.0).map(|(&p, &m)| p as f64 * ((p as f64).ln() - m.max(1e-30).ln())).sum::<f64>())
        .sum::<f64>()
        / n as f64;
    let missing: Vec<u8> = (0..10u8).filter(|&c| (histogram[c as usize] as f64) < MISSING_BELOW * n as f64 / 10.0).collect();
    let warning = (!missing.is_empty()).then(|| {
        let list: Vec<String> = missing.iter().map(|c| c.to_string()).collect();
        format!(
            "possible mode collapse: digit{} {} {} (nearly) missing from {n} samples",
            if missing.len() > 1 { "s" } else { "" },
            list.join(", "),
            if missing.len() > 1 { "are" } else { "is" }
        )
    });
    Diversity { histogram, entropy_bits, confidence: confidence / n as f64, inception_score: mean_kl.exp(), missing, warning }
}
