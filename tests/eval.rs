#![cfg(not(target_family = "wasm"))]
//! The evaluation: Fréchet distance on known Gaussians, the judge's accuracy, class coverage,
//! memorisation, and the real-vs-real baseline against the naive-Bayes samples.

mod common;

use burn::tensor::Device;
use genlab::data::IMAGE_PIXELS;
use genlab::eval::classifier::Classifier;
use genlab::eval::diversity::diversity;
use genlab::eval::frechet::{Gaussian, frechet_distance};
use genlab::eval::memorisation::{compare, nearest_distances};
use genlab::eval::report::{EvalOptions, evaluate, judge_images, reference};
use genlab::families;
use genlab::runtime::block_on;

fn gaussian(mean: &[f64], cov: &[f64]) -> Gaussian {
    Gaussian { dim: mean.len(), mean: mean.to_vec(), cov: cov.to_vec() }
}

#[test]
fn frechet_distance_of_known_gaussians() {
    // Diagonal: |mu_1 - mu_2|^2 + sum (s1 - s2)^2 over standard deviations
    // = (1 + 4) + (1 - 2)^2 + (2 - 1)^2 = 7.
    let a = gaussian(&[0.0, 0.0], &[1.0, 0.0, 0.0, 4.0]);
    let b = gaussian(&[1.0, 2.0], &[4.0, 0.0, 0.0, 1.0]);
    assert!((frechet_distance(&a, &b) - 7.0).abs() < 1e-9, "{}", frechet_distance(&a, &b));
    assert!((frechet_distance(&b, &a) - 7.0).abs() < 1e-9, "symmetric");
    assert!(frechet_distance(&a, &a).abs() < 1e-9, "zero to itself");
    // Correlated against the identity: tr C1 + tr I - 2 tr C1^{1/2}, and C1 = [[2, 1], [1, 2]]
    // has eigenvalues 3 and 1, so d^2 = 4 + 2 - 2 (sqrt 3 + 1) = 4 - 2 sqrt 3.
    let c = gaussian(&[0.0, 0.0], &[2.0, 1.0, 1.0, 2.0]);
    let i = gaussian(&[0.0, 0.0], &[1.0, 0.0, 0.0, 1.0]);
    let expected = 4.0 - 2.0 * 3f64.sqrt();
    assert!((frechet_distance(&c, &i) - expected).abs() < 1e-9, "{} vs {expected}", frechet_distance(&c, &i));
}

#[test]
fn gaussian_fit_recovers_mean_and_covariance() {
    // Rows (x, 2x + 1) for x = 0..4: mean (1.5, 4), var x = 5/3 (n - 1), cov = 10/3, var y = 20/3.
    let rows: Vec<f32> = (0..4).flat_map(|x| [x as f32, 2.0 * x as f32 + 1.0]).collect();
    let g = Gaussian::fit(&rows, 2);
    assert_eq!(g.mean, vec![1.5, 4.0]);
    let expected = [5.0 / 3.0, 10.0 / 3.0, 10.0 / 3.0, 20.0 / 3.0];
    for (a, b) in g.cov.iter().zip(expected) {
        assert!((a - b).abs() < 1e-9, "{:?}", g.cov);
    }
}

#[test]
fn diversity_of_even_and_collapsed_samples() {
    // Confident and evenly spread: entropy log2 10, IS 10, nothing missing.
    let even: Vec<f32> = (0..100).flat_map(|i| (0..10).map(move |c| if c == i % 10 { 1.0 } else { 0.0 })).collect();
    let d = diversity(&even);
    assert_eq!(d.histogram, [10; 10]);
    assert!((d.entropy_bits - 10f64.log2()).abs() < 1e-9);
    assert!((d.inception_score - 10.0).abs() < 1e-6, "{}", d.inception_score);
    assert!((d.confidence - 1.0).abs() < 1e-9);
    assert!(d.missing.is_empty() && d.warning.is_none());
    // Every sample a confident 3: IS 1, nine digits missing, a warning.
    let collapsed: Vec<f32> = (0..50).flat_map(|_| (0..10).map(|c| if c == 3 { 1.0 } else { 0.0 })).collect();
    let d = diversity(&collapsed);
    assert_eq!(d.histogram[3], 50);
    assert!(d.entropy_bits.abs() < 1e-12);
    assert!((d.inception_score - 1.0).abs() < 1e-6);
    assert_eq!(d.missing, vec![0, 1, 2, 4, 5, 6, 7, 8, 9]);
    assert!(d.warning.unwrap().contains("mode collapse"));
}

#[test]
fn copies_of_training_digits_are_caught() {
    let data = common::mnist();
    let device = Device::flex();
    let idx: Vec<usize> = (0..40).collect();
    let (copies, _) = data.train.batch(&idx, &device);
    let (fresh, _) = data.test.batch(&idx, &device);
    let copy_nn = block_on(nearest_distances(copies, &data.train, &device, &mut |_, _| {})).unwrap();
    let test_nn = block_on(nearest_distances(fresh, &data.train, &device, &mut |_, _| {})).unwrap();
    assert!(copy_nn.iter().all(|&d| d < 1e-2), "a training digit is at distance 0 from itself: {copy_nn:?}");
    assert!(test_nn.iter().all(|&d| d > 1.0), "test digits are not in the training set: {test_nn:?}");
    let m = compare(&copy_nn, &test_nn);
    assert!(m.ratio < 0.01 && m.near_copies == 1.0, "{m:?}");
    let m = compare(&test_nn, &test_nn);
    assert!((m.ratio - 1.0).abs() < 1e-9 && m.near_copies <= 0.05, "{m:?}");
}

fn judge() -> Classifier {
    Classifier::load(common::shipped_weights("classifier"), &Device::flex()).expect("www/weights/classifier.bpk (./build.sh train classifier)")
}

#[test]
fn the_judge_classifies_test_digits() {
    let data = common::mnist();
    let acc = block_on(judge().accuracy(&data.test, 2000)).unwrap();
    assert!(acc > 0.98, "judge accuracy {acc} on 2,000 test digits");
}

#[test]
fn real_digits_score_far_better_than_naive_bayes_samples() {
    let data = common::mnist();
    let device = Device::flex();
    let judge = judge();
    let nb = families::load(Some("naive-bayes"), common::shipped_weights("naive-bayes"), &genlab::families::Bases::none(), &device).unwrap();
    let options = EvalOptions { n: 500, seed: 0, memorisation: 0, likelihood: 200, settings: Default::default(), mode: Default::default() };
    let report = block_on(evaluate(nb.as_ref(), &judge, data, &options, &device, || 0.0, &mut |_, _| {})).unwrap();
    assert!(report.fid_real > 0.0 && report.fid > 10.0 * report.fid_real, "naive Bayes FID {} vs real-vs-real {}", report.fid, report.fid_real);
    // Its test digits' own features: the baseline on the other split is as small.
    let test: Vec<f32> = (0..500).flat_map(|i| data.test.image(i)).collect();
    let judged = block_on(judge_images(&judge, &test, &device)).unwrap();
    let reference = block_on(reference(&judge)).unwrap();
    assert!(frechet_distance(&judged.gaussian, &reference) < 3.0 * report.fid_real + 1.0);
    assert_eq!(report.classes.histogram.iter().sum::<usize>(), 500);
    let ll = report.likelihood.expect("naive Bayes has an exact likelihood");
    assert!(ll.nats < -100.0 && ll.nats > -400.0, "{ll:?}");
    let acc = report.conditional_accuracy.expect("naive Bayes is conditional");
    assert!(acc > 0.3, "samples of the requested class are recognised as it: {acc}");
    // bits/dim is the same figure per pixel in base 2, positive where log p(x) is negative.
    let expected = -ll.nats / (IMAGE_PIXELS as f64 * std::f64::consts::LN_2);
    assert!(ll.bits_per_dim > 0.0 && (ll.bits_per_dim - expected).abs() < 1e-9, "{ll:?}");
}
