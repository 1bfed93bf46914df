#![cfg(not(target_family = "wasm"))]
//! Naive Bayes: the closed-form fit against counted frequencies, the exact likelihood against
//! a direct computation, sampling, and its two classifiers.

mod common;

use burn::tensor::Device;
use genlab::data::{IMAGE_PIXELS, Split, idx};
use genlab::families::naive_bayes::NaiveBayes;
use genlab::families::{self, Given, SampleOptions};
use genlab::runtime::{block_on, read_f32, read_scalars};
use genlab::train::Trainer;

fn params(kv: &[(&str, f64)]) -> Given {
    kv.iter().map(|(k, v)| (k.to_string(), serde_json::json!(v))).collect()
}

/// 40 black-and-white digits (intensities 0 or 255, so binarising them changes nothing) with
/// labels 0..3 and a pattern that depends on both the class and the digit.
fn binary_split() -> Split {
    let n = 40;
    let labels: Vec<u8> = (0..n).map(|i| (i % 4) as u8).collect();
    let images: Vec<u8> = (0..n).flat_map(|i| (0..IMAGE_PIXELS).map(move |p| if (p * (i % 4 + 1) + i / 4) % 7 < 3 { 255 } else { 0 })).collect();
    Split::from_idx(&idx::encode(&[n, 28, 28], &images), &idx::encode(&[n], &labels), "binary").unwrap()
}

/// The shipped naive Bayes as its own type (for its fitted parameters).
fn shipped_naive_bayes(device: &Device) -> NaiveBayes {
    let file = genlab::weights::decode(common::shipped_weights("naive-bayes"), Some("naive-bayes")).unwrap();
    let mut nb = NaiveBayes::new(&file.config(&families::info("naive-bayes").unwrap().hyper).unwrap(), device).unwrap();
    genlab::families::Model::load_record(&mut nb, file.record).unwrap();
    nb
}

#[test]
fn one_pass_of_counting_is_the_closed_form_fit() {
    let split = binary_split();
    let alpha = 0.5;
    let device = Device::flex();
    let config = genlab::families::hyper::validate(
        "hyper-parameter",
        &families::info("naive-bayes").unwrap().hyper,
        &params(&[("smoothing", alpha), ("batch", 8.0)]),
    )
    .unwrap();
    let mut trainer = Trainer::new(Box::new(NaiveBayes::new(&config, &device).unwrap()), 3);
    for _ in 0..5 {
        block_on(read_scalars(trainer.step(&split).unwrap())).unwrap(); // 5 x 8 = one pass over 40
    }
    // Count by hand.
    let mut class = [0f64; 10];
    let mut ink = vec![0f64; 10 * IMAGE_PIXELS];
    for i in 0..split.n {
        let c = split.labels[i] as usize;
        class[c] += 1.0;
        for p in 0..IMAGE_PIXELS {
            ink[c * IMAGE_PIXELS + p] += (split.images[i * IMAGE_PIXELS + p] > 127) as u8 as f64;
        }
    }
    let fitted = &trainer.model;
    let (theta, counts) = fitted.fitted();
    let theta = block_on(read_f32(theta)).unwrap();
    let counts = block_on(read_f32(counts.unsqueeze::<2>())).unwrap();
    for c in 0..10 {
        assert_eq!(counts[c] as f64, class[c], "class {c} count");
        for p in 0..IMAGE_PIXELS {
            let expected = (ink[c * IMAGE_PIXELS + p] + alpha) / (class[c] + 2.0 * alpha);
            let got = theta[c * IMAGE_PIXELS + p] as f64;
            assert!((got - expected).abs() < 1e-5, "theta[{c}][{p}] = {got}, counted {expected}");
        }
    }
}

#[test]
fn exact_likelihood_matches_a_direct_computation() {
    let data = common::mnist();
    let device = Device::flex();
    let nb = families::load(Some("naive-bayes"), common::shipped_weights("naive-bayes"), &genlab::families::Bases::none(), &device).unwrap();
    let x = data.test.batch_prepared(&[0, 1, 2], nb.info().pixels, 7, &device);
    let bits = block_on(read_f32(x.clone())).unwrap();
    assert!(bits.iter().all(|&b| b == 0.0 || b == 1.0), "binarised");
    let ll = block_on(read_f32(nb.density().unwrap().log_likelihood(x, 1).unsqueeze::<2>())).unwrap();
    // Directly: log sum_c pi_c prod_i theta_ci^x (1 - theta_ci)^(1 - x), from the same weights.
    let fitted = shipped_naive_bayes(&device);
    let (theta, counts) = fitted.fitted();
    let theta = block_on(read_f32(theta)).unwrap();
    let counts = block_on(read_f32(counts.unsqueeze::<2>())).unwrap();
    let alpha = 1.0; // the shipped smoothing
    let total: f64 = counts.iter().map(|&c| c as f64).sum::<f64>() + 10.0 * alpha;
    for (row, &got) in ll.iter().enumerate() {
        let joint: Vec<f64> = (0..10)
            .map(|c| {
                let mut l = ((counts[c] as f64 + alpha) / total).ln();
                for p in 0..IMAGE_PIXELS {
                    let t = theta[c * IMAGE_PIXELS + p] as f64;
                    l += if bits[row * IMAGE_PIXELS + p] == 1.0 { t.ln() } else { (1.0 - t).ln() };
                }
                l
            })
            .collect();
        let m = joint.iter().cloned().fold(f64::MIN, f64::max);
        let expected = m + joint.iter().map(|j| (j - m).exp()).sum::<f64>().ln();
        assert!((got as f64 - expected).abs() < 1e-4 * expected.abs() + 1e-2, "log p(x) {got} vs {expected}");
    }
}

#[test]
fn samples_are_binary_seeded_and_follow_the_label() {
    let device = Device::flex();
    let nb = families::load(Some("naive-bayes"), common::shipped_weights("naive-bayes"), &genlab::families::Bases::none(), &device).unwrap();
    let read = |o: &SampleOptions| block_on(read_f32(nb.sample(o).unwrap())).unwrap();
    let a = read(&SampleOptions::new(20, 4));
    assert!(a.iter().all(|&v| v == 0.0 || v == 1.0), "pixels are drawn as bits");
    assert_eq!(a, read(&SampleOptions::new(20, 4)), "same seed, same digits");
    assert_ne!(a, read(&SampleOptions::new(20, 5)));
    // Ones are thin and tall: far less ink than zeros.
    let ink = |label: u8| {
        let o = SampleOptions { labels: Some(vec![label; 50]), ..SampleOptions::new(50, 1) };
        read(&o).iter().sum::<f32>() / 50.0
    };
    let (ones, zeros) = (ink(1), ink(0));
    assert!(ones * 1.5 < zeros, "ink per digit: ones {ones}, zeros {zeros}");
}

#[test]
fn generative_and_discriminative_accuracies() {
    let data = common::mnist();
    let device = Device::flex();
    let nb = families::load(Some("naive-bayes"), common::shipped_weights("naive-bayes"), &genlab::families::Bases::none(), &device).unwrap();
    let acc = block_on(genlab::eval::classify::accuracies(nb.as_ref(), &data.test, data.test.n, &device)).unwrap();
    assert_eq!(acc.len(), 2);
    let (bayes, logistic) = (acc[0].1, acc[1].1);
    assert!(acc[0].0.contains("naive Bayes") && acc[1].0.contains("logistic"));
    // Textbook figures: about 84% for Bernoulli naive Bayes, about 92% for logistic regression.
    assert!(bayes > 0.75 && bayes < 0.9, "naive Bayes {bayes}");
    assert!(logistic > 0.88 && logistic > bayes, "logistic regression {logistic} vs naive Bayes {bayes}");
}
