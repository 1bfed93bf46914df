//! The shipped weights stay as good as the README says: a small judged sample of each shipped
//! family, with the page's default sampler settings, must clear a floor set a little below
//! what the shipped file measured (the full figures come from `./build.sh eval`).
//!
//! Conditional families: 100 digits, ten of each asked for, and the share the judge reads as
//! the digit asked for. Unconditional ones: 100 digits, and how evenly they cover the ten
//! classes (entropy of the judged class histogram, 3.32 bits when even, 0 when collapsed).
//! Families with an exact likelihood of dequantised 8-bit digits (the flows) also keep their
//! test-set bits/dim under a ceiling. The families #17 trained for sample quality (the VAE,
//! the GANs, the DDPM) also keep the same 100 digits' FID-MNIST under a ceiling: accuracy and
//! coverage alone miss a model whose digits lose their variety (the DDPM guided with w = 3 at
//! every step reads 99.9% of its digits right, at three times the default's FID). At 100
//! samples FID is biased high (real digits score about 100), so the ceilings compare with
//! themselves, not with the README's 1,000-sample figures. Everything is seeded, so a floor
//! moves only when the weights or the code do.

#![cfg(not(target_family = "wasm"))]

mod common;

use burn::tensor::Device;
use genlab::eval::classifier::Classifier;
use genlab::eval::report::{EvalOptions, EvalReport, Mode, evaluate};
use genlab::families;
use genlab::runtime::block_on;

/// What each shipped family must clear. Every registered family that ships weights has a row,
/// so a new family cannot ship without one.
enum Floor {
    /// Least share of labelled samples judged as the digit asked for.
    Conditional(f64),
    /// Least entropy, in bits, of the judged classes of unconditional samples.
    Coverage(f64),
}

/// Measured on the shipped files (seed 0, 100 samples) when they were trained; each floor sits
/// a little below, so that it holds over harmless changes and fails on a real regression.
fn floor(family: &str) -> Floor {
    match family {
        "vae" => Floor::Coverage(3.1),                  // measured 3.26 bits
        "gan" => Floor::Coverage(3.1),                  // 3.18 bits
        "cgan" => Floor::Conditional(0.95),             // 98%
        "ddpm" => Floor::Conditional(0.95),             // 100% (DDIM 20, guidance 3 below t = 800)
        "pixelcnn" => Floor::Conditional(0.85),         // 90% (guidance 3)
        "naive-bayes" => Floor::Conditional(0.40),      // 45%
        "latent-diffusion" => Floor::Conditional(0.95), // 100% (DDIM 20, guidance 2 below t = 800)
        "consistency" => Floor::Conditional(0.85),      // 90% (one step)
        "nice" => Floor::Coverage(NICE_COVERAGE),
        "realnvp" => Floor::Coverage(REALNVP_COVERAGE),
        "rbm" => Floor::Coverage(RBM_COVERAGE),
        "dbm" => Floor::Coverage(DBM_COVERAGE),
        other => panic!("'{other}' ships weights but has no floor in tests/shipped.rs"),
    }
}

/// FID-MNIST ceilings for the 100 judged digits (labelled for conditional families), a little
/// above what the shipped files measured (seed 0, the same digits as the floors); `None`: not
/// checked.
fn fid_ceiling(family: &str) -> Option<f64> {
    match family {
        "vae" => Some(185.0), // measured 171.6
        "gan" => Some(160.0), // 143.2
        "cgan" => Some(75.0), // 66.1 (labelled)
        // 78.8 (labelled, the default sampler); guided at every step instead, the same weights
        // score 150.2 and fail.
        "ddpm" => Some(90.0),
        "latent-diffusion" => Some(80.0), // 70.6 (labelled, the default sampler)
        _ => None,
    }
}

/// The flows' floors and bits/dim ceilings on the first 500 test digits (measured: see each).
/// NICE's samples are speckled digit-like strokes; the judge reads most as 3, 8 or 9.
const NICE_COVERAGE: f64 = 2.3; // measured 2.51 bits (T = 1)
const REALNVP_COVERAGE: f64 = 2.9; // 3.13 bits
fn ceiling(family: &str) -> Option<f64> {
    match family {
        "nice" => Some(4.6),    // measured 4.53 bits/dim
        "realnvp" => Some(1.5), // 1.44 (1.487 over all 10,000; the aim was 1.5)
        _ => None,
    }
}

/// The energy models' floors: judged coverage of 100 samples after the default Gibbs chain,
/// and the test log-likelihood estimate (500 test digits, with the log Z their files keep).
const RBM_COVERAGE: f64 = 2.8; // measured 3.02 bits
const DBM_COVERAGE: f64 = 1.9; // 2.08 bits (its chains from random pixels find fewer kinds of digit)
fn nats_floor(family: &str) -> Option<f64> {
    match family {
        "rbm" => Some(-97.0), // measured -95.85 ± 0.52 (log Z from 32 AIS runs of 100,000 temperatures)
        "dbm" => Some(-97.0), // -95.44 ± 0.12 (the same; the aim for the RBM was -100)
        _ => None,
    }
}

#[test]
fn shipped_energy_models_keep_their_likelihood_estimate() {
    let device = Device::flex();
    for info in families::infos() {
        let model = families::load(Some(info.name), common::shipped_weights(info.name), &common::bases(), &device).unwrap();
        if !model.density().is_some_and(|d| d.kind() == families::Likelihood::Estimate) {
            continue;
        }
        let least = nats_floor(info.name).unwrap_or_else(|| panic!("'{}' estimates its likelihood but has no floor", info.name));
        let r = block_on(genlab::eval::likelihood::test_likelihood(model.as_ref(), &common::mnist().test, 500, 1, 0, &device)).unwrap().unwrap();
        let se = r.uncertainty.expect("an estimate says how uncertain it is");
        println!("{}: {:.2} ± {se:.2} nats on 500 test digits (floor {least})", info.name, r.nats);
        assert!(r.nats >= least && se.is_finite(), "{}: {:.2} nats, floor {least}", info.name, r.nats);
    }
}

#[test]
fn shipped_flows_keep_their_test_likelihood() {
    let device = Device::flex();
    for info in families::infos().into_iter().filter(|i| i.pixels == families::PixelModel::Dequantized) {
        let most = ceiling(info.name).unwrap_or_else(|| panic!("'{}' models 8-bit digits but has no bits/dim ceiling", info.name));
        let model = families::load(Some(info.name), common::shipped_weights(info.name), &common::bases(), &device).unwrap();
        let r = block_on(genlab::eval::likelihood::test_likelihood(model.as_ref(), &common::mnist().test, 500, 1, 0, &device)).unwrap().unwrap();
        println!("{}: {:.4} bits/dim on 500 test digits (ceiling {most})", info.name, r.bits_per_dim);
        assert!(r.bits_per_dim <= most, "{}: {:.4} bits/dim, ceiling {most}", info.name, r.bits_per_dim);
    }
}

fn judged(family: &str, mode: Mode) -> EvalReport {
    let device = Device::flex();
    let judge = Classifier::load(common::shipped_weights("classifier"), &device).unwrap();
    let model = families::load(Some(family), common::shipped_weights(family), &common::bases(), &device).unwrap();
    let options = EvalOptions { n: 100, seed: 0, memorisation: 0, likelihood: 0, settings: Default::default(), mode };
    block_on(evaluate(model.as_ref(), &judge, common::mnist(), &options, &device, || 0.0, &mut |_, _| {})).unwrap()
}

#[test]
fn every_shipped_family_clears_its_floor() {
    let mut failures = vec![];
    // A stage others are built on (the autoencoder) is no generator: tests/latent.rs checks
    // its round trip instead.
    for info in families::infos().into_iter().filter(|i| i.generator) {
        // What failed, if anything, and the FID of the same digits.
        let (failure, fid) = match floor(info.name) {
            Floor::Conditional(least) => {
                let r = judged(info.name, Mode::Labelled);
                let acc = r.conditional_accuracy.expect("a conditional family");
                println!("{}: {:.0}% of asked-for digits recognised (floor {:.0}%)", info.name, acc * 100.0, least * 100.0);
                (
                    (acc < least).then(|| format!("{}: {:.0}% of asked-for digits recognised, floor {:.0}%", info.name, acc * 100.0, least * 100.0)),
                    r.fid,
                )
            }
            Floor::Coverage(least) => {
                let r = judged(info.name, Mode::Unconditional);
                let bits = r.classes.entropy_bits;
                println!("{}: classes cover {bits:.2} bits (floor {least}), histogram {:?}", info.name, r.classes.histogram);
                ((bits < least).then(|| format!("{}: class entropy {bits:.2} bits, floor {least}", info.name)), r.fid)
            }
        };
        failures.extend(failure);
        if let Some(most) = fid_ceiling(info.name) {
            println!("{}: FID-MNIST {fid:.1} of those 100 digits (ceiling {most})", info.name);
            if fid > most {
                failures.push(format!("{}: FID-MNIST {fid:.1} of 100 digits, ceiling {most}", info.name));
            }
        }
    }
    assert!(failures.is_empty(), "shipped weights regressed: {failures:?}");
}
