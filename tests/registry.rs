#![cfg(not(target_family = "wasm"))]
//! The registry against what each family really does. Capabilities are read off the optional
//! methods (never declared), so the checks here are that what they promise works: an encoder
//! reconstructs, a likelihood is a log-probability, a chain steps to its samples, a
//! conditional family takes labels and the others refuse them. And each family's typed
//! hyper-parameter structs read every value its declarations allow, every choice by name.

use burn::tensor::{Device, Tensor};
use genlab::families::{self, Capabilities, Given, HyperParam, Likelihood, ParamKind, PixelModel, SampleOptions, hyper};
use genlab::runtime::{block_on, read_f32};

fn read(t: Tensor<2>) -> Vec<f32> {
    block_on(read_f32(t)).unwrap()
}

/// Every value worth trying of a declared setting: its ends, and each choice by name.
fn values(h: &HyperParam) -> Vec<serde_json::Value> {
    match h.kind {
        ParamKind::Choice => h.choices.iter().map(|c| serde_json::json!(c)).collect(),
        _ => vec![serde_json::json!(h.min), serde_json::json!(h.max)],
    }
}

#[test]
fn capabilities_promise_what_the_methods_do() {
    let device = Device::flex();
    let names: Vec<&str> = families::infos().iter().map(|i| i.name).collect();
    assert_eq!(families::capabilities().len(), names.len());
    for (described, cached) in families::described().into_iter().zip(families::capabilities()) {
        let (info, caps) = (described.info, described.capabilities);
        let name = info.name;
        let family = families::create(name, &Given::new(), &genlab::families::Bases::fresh(), &device).unwrap();
        assert_eq!(&Capabilities::of(&*family), cached, "{name}: the registry's capabilities are the instance's");
        // A checkerboard of ink, binarised so every pixel model's likelihood applies.
        let x = || Tensor::<2>::from_data(burn::tensor::TensorData::new((0..2 * 784).map(|i| (i % 2) as f32).collect(), [2, 784]), &device);

        let rec = family.reconstruct(x());
        assert_eq!(rec.is_some(), caps.reconstruct, "{name}: reconstructs as it says");
        assert!(!caps.encoder || caps.reconstruct, "{name}: an encoder reconstructs");
        if let Some(rec) = rec {
            let px = read(rec.unwrap());
            assert!(px.len() == 2 * 784 && px.iter().all(|p| (0.0..=1.0).contains(p)), "{name}: reconstructions are images");
        }
        if let Some(latent) = family.latent() {
            let z = Tensor::<2>::zeros([2, latent.latent_dim()], &device);
            let labels = caps.conditional.then_some(&[3u8, 7][..]);
            assert_eq!(read(latent.decode(z, labels).unwrap()).len(), 2 * 784, "{name}: codes decode to images");
        }
        assert_eq!(family.density().map(|d| d.kind()), caps.likelihood, "{name}: likelihood kind");
        if let Some(density) = family.density() {
            let ll = block_on(read_f32(density.log_likelihood(x(), 1).unsqueeze::<2>())).unwrap();
            assert_eq!(ll.len(), 2, "{name}: one log-likelihood per image");
            // A probability of binarised (or 8-bit) data is at most 1; an estimate may stray.
            let probability = info.pixels != PixelModel::Continuous && density.kind() != Likelihood::Estimate;
            assert!(ll.iter().all(|l| l.is_finite() && (!probability || *l <= 1e-3)), "{name}: log p = {ll:?}");
        }
        if let Some(classified) = family.classify(x()) {
            for (classifier, log_p) in classified {
                let p = read(log_p.exp());
                for row in p.chunks(10) {
                    assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-4, "{name}: {classifier} gives a distribution over 10 digits");
                }
            }
        }
        if let Some(d) = family.diffusion() {
            assert!(d.alpha_bar().windows(2).all(|w| w[1] < w[0]), "{name}: the signal fades with t");
        }

        let mut short = SampleOptions::new(2, 0);
        if info.sampling.iter().any(|h| h.key == "steps") {
            short.settings.insert("steps".into(), 3.0);
        }
        match family.trajectory(&short, 10) {
            None => assert!(!caps.trajectory, "{name}: a trajectory needs a chain"),
            Some(frames) => {
                assert!(caps.trajectory);
                let frames = frames.unwrap();
                let steps = family.chain(&short).unwrap().unwrap().steps();
                assert_eq!(frames.len(), 10.min(steps + 1), "{name}: the start and a frame per step, up to 10");
                let last = read(frames.last().unwrap().x.clone());
                assert_eq!(last, read(family.sample(&short).unwrap()), "{name}: the chain ends at the samples");
            }
        }

        // A conditional family draws labelled samples; the others refuse labels up front.
        let labelled = SampleOptions::checked(&info, 2, 0, Some(vec![3, 7]), &Given::new());
        assert_eq!(labelled.is_ok(), caps.conditional, "{name}: conditional");
        if let Ok(options) = labelled {
            let px = read(family.sample(&options).unwrap());
            assert_eq!(px.len(), 2 * 784, "{name}: labelled samples");
        }

        // What a family is built on is a registered family, and not itself.
        for base in info.built_on {
            assert!(names.contains(base) && *base != name, "{name} is built on '{base}', which is not another registered family");
        }
        // Every evaluation variant's settings are declared ones, with values in range.
        for v in &info.variants {
            hyper::validate("sampler setting", &info.sampling, &v.settings)
                .unwrap_or_else(|e| panic!("{name}: evaluation variant {:?}: {e}", v.settings));
        }
    }
}

/// Each family's own structs read every value its declarations let through: architecture
/// ones by building a model, the others by changing them in place, sampler settings by
/// sampling with them. A declared key the struct lacks, or a choice it does not know, fails.
#[test]
fn typed_settings_read_every_declared_value() {
    let device = Device::flex();
    for info in families::infos() {
        let name = info.name;
        let mut family = families::create(name, &Given::new(), &genlab::families::Bases::fresh(), &device).unwrap();
        for h in &info.hyper {
            for v in values(h) {
                let given: Given = [(h.key.to_string(), v.clone())].into_iter().collect();
                if h.architecture {
                    families::create(name, &given, &genlab::families::Bases::fresh(), &device)
                        .unwrap_or_else(|e| panic!("{name}: {} = {v}: {e}", h.key));
                } else {
                    let config = family.set_params(&given).unwrap_or_else(|e| panic!("{name}: {} = {v}: {e}", h.key));
                    let shown = &hyper::show(&info.hyper, &config)[h.key];
                    assert!(shown == &v || (v.is_number() && shown.as_f64() == v.as_f64()), "{name}: {} = {v} reads back as {shown}", h.key);
                }
            }
        }
        for h in &info.sampling {
            // Numbers at their lower end only: a sampler's longest run (1000 steps) proves
            // nothing more about reading settings.
            let mut vs = values(h);
            if h.kind != ParamKind::Choice {
                vs.truncate(1);
            }
            for v in vs {
                let mut given: Given = [(h.key.to_string(), v.clone())].into_iter().collect();
                if h.key != "steps" && info.sampling.iter().any(|s| s.key == "steps") {
                    given.insert("steps".into(), serde_json::json!(2));
                }
                let options = SampleOptions::checked(&info, 1, 0, None, &given).unwrap();
                let px = read(family.sample(&options).unwrap_or_else(|e| panic!("{name}: sampling with {} = {v}: {e}", h.key)));
                assert!(px.iter().all(|p| p.is_finite()), "{name}: {} = {v}", h.key);
            }
        }
    }
}
