#![cfg(not(target_family = "wasm"))]
//! GANs: shapes, one adversarial step moving both losses, training steps, seeded sampling,
//! and a conditional generator that draws the digit it is asked for (judged by the shipped
//! classifier).

mod common;

use burn::tensor::{Device, Distribution, Tensor};
use genlab::eval::classifier::{Classifier, argmax};
use genlab::families::gan::Gan;
use genlab::families::{self, Batch, Family, Given, Model, SampleOptions, hyper};
use genlab::runtime::{block_on, read_f32, read_scalars};
use genlab::train::Trainer;

fn read(t: Tensor<2>) -> Vec<f32> {
    block_on(read_f32(t)).unwrap()
}

fn small(conditional: bool) -> Gan {
    let given: Given = [("z", 8.0), ("width", 8.0), ("batch", 16.0), ("lr_g", 1e-3), ("lr_d", 1e-3)]
        .iter()
        .map(|(k, v)| (k.to_string(), serde_json::json!(v)))
        .collect();
    let name = if conditional { "cgan" } else { "gan" };
    let config = hyper::validate("hyper-parameter", &families::info(name).unwrap().hyper, &given).unwrap();
    let device = Device::flex();
    device.seed(2);
    Gan::new(&config, &device, conditional).unwrap()
}

#[test]
fn shapes_and_ranges() {
    for conditional in [false, true] {
        let gan = small(conditional);
        let x = read(gan.sample(&SampleOptions::new(5, 1)).unwrap());
        assert_eq!(x.len(), 5 * 784);
        assert!(x.iter().all(|v| (0.0..=1.0).contains(v)));
        assert_eq!(x, read(gan.sample(&SampleOptions::new(5, 1)).unwrap()), "seeded");
        let lat = gan.latent().unwrap();
        assert_eq!(lat.latent_dim(), 8);
        assert!(lat.encode(Tensor::zeros([1, 784], &Device::flex())).is_none(), "a GAN has no encoder");
        let z = genlab::noise::normal_tensor(1, [5, 8], &Device::flex());
        assert_eq!(read(lat.decode(z, conditional.then_some(&[0, 1, 2, 3, 4][..])).unwrap()).len(), 5 * 784);
    }
    // Labels only for the conditional model.
    let labelled = SampleOptions { labels: Some(vec![3; 2]), ..SampleOptions::new(2, 0) };
    assert!(small(false).sample(&labelled).is_err());
    assert!(small(true).sample(&labelled).is_ok());
}

#[test]
fn one_adversarial_step_moves_both_losses() {
    let data = common::mnist();
    for conditional in [false, true] {
        let mut gan = small(conditional);
        let device = gan.device().clone();
        let indices: Vec<usize> = (0..16).collect();
        let (x, labels) = data.train.batch(&indices, &device);
        let z = Tensor::<2>::random([16, 8], Distribution::Normal(0.0, 1.0), &device);
        let probe = |gan: &Gan| block_on(read_scalars(gan.losses(x.clone(), labels.clone(), z.clone()).to_vec())).unwrap();
        let samples = |gan: &Gan| read(gan.sample(&SampleOptions::new(4, 1)).unwrap());
        let (before, g_before) = (probe(&gan), samples(&gan));
        gan.train_step(Batch { images: x.clone(), labels: labels.clone(), step: 0 }).unwrap();
        let (after, g_after) = (probe(&gan), samples(&gan));
        assert!(before.iter().chain(&after).all(|v| v.is_finite()), "{before:?} {after:?}");
        // Same digits, same noise, one step apart: both losses moved...
        assert!((after[0] - before[0]).abs() > 1e-4, "conditional {conditional}: L_D {} -> {}", before[0], after[0]);
        assert!((after[1] - before[1]).abs() > 1e-4, "conditional {conditional}: L_G {} -> {}", before[1], after[1]);
        // ...and each player took its own step: D's term on real digits depends on D alone
        // (it falls: D learnt to call them real), G's digits for a fixed z on G alone.
        assert!(after[2] < before[2], "conditional {conditional}: -log D(x) {} -> {}", before[2], after[2]);
        let moved = g_before.iter().zip(&g_after).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
        assert!(moved > 1e-4, "conditional {conditional}: G's digits did not change ({moved})");
    }
}

#[test]
fn adversarial_steps_move_both_players() {
    let data = common::mnist();
    for name in ["gan", "cgan"] {
        let device = Device::flex();
        let given: Given = [("z", 8.0), ("width", 8.0), ("batch", 16.0)].iter().map(|(k, v)| (k.to_string(), serde_json::json!(v))).collect();
        let mut trainer = Trainer::new(families::create(name, &given, &genlab::families::Bases::none(), &device).unwrap(), 4);
        let before = read(trainer.model.sample(&SampleOptions::new(4, 1)).unwrap());
        let first = block_on(read_scalars(trainer.step(&data.train).unwrap())).unwrap();
        let (d_loss, g_loss, d_real, d_fake) = (first[0], first[1], first[2], first[3]);
        assert!(d_loss.is_finite() && g_loss.is_finite());
        // At the start D knows nothing: both losses near log 4 and log 2, D(.) near 1/2.
        assert!((d_loss - 4f32.ln()).abs() < 0.5 && (g_loss - 2f32.ln()).abs() < 0.5, "{name}: {first:?}");
        assert!((0.2..0.8).contains(&d_real) && (0.2..0.8).contains(&d_fake), "{name}: {first:?}");
        let mut last = first.clone();
        for _ in 0..15 {
            last = block_on(read_scalars(trainer.step(&data.train).unwrap())).unwrap();
        }
        // D learns to tell real from fake: its loss falls and D(x) rises above D(G(z)).
        assert!(last[0] < d_loss, "{name}: D's loss {d_loss} -> {}", last[0]);
        assert!(last[2] > last[3], "{name}: D(x) {} vs D(G(z)) {}", last[2], last[3]);
        // G moved too.
        let after = read(trainer.model.sample(&SampleOptions::new(4, 1)).unwrap());
        let moved = before.iter().zip(&after).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
        assert!(moved > 1e-3, "{name}: G's samples did not change ({moved})");
    }
}

#[test]
fn the_pretrained_conditional_gan_draws_the_asked_digit() {
    let device = Device::flex();
    let judge = Classifier::load(common::shipped_weights("classifier"), &device).unwrap();
    let cgan = families::load(Some("cgan"), common::shipped_weights("cgan"), &genlab::families::Bases::none(), &device).unwrap();
    let labels: Vec<u8> = (0..200).map(|i| (i % 10) as u8).collect();
    let x = cgan.sample(&SampleOptions { labels: Some(labels.clone()), ..SampleOptions::new(200, 3) }).unwrap();
    let probs = read(judge.judge(x).1);
    let agree = probs.chunks(10).zip(&labels).filter(|(p, l)| argmax(p) == **l as usize).count();
    assert!(agree >= 170, "the judge agrees with the asked digit for {agree} of 200 samples");
    // And the unconditional GAN draws every digit.
    let gan = families::load(Some("gan"), common::shipped_weights("gan"), &genlab::families::Bases::none(), &device).unwrap();
    let probs = read(judge.judge(gan.sample(&SampleOptions::new(300, 5)).unwrap()).1);
    let mut seen = [0usize; 10];
    probs.chunks(10).for_each(|p| seen[argmax(p)] += 1);
    assert!(seen.iter().all(|&c| c >= 5), "every digit appears: {seen:?}");
}
