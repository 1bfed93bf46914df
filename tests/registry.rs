#![cfg(not(target_family = "wasm"))]
//! The registry's declarations against what each family really does: every capability a
//! family declares (which the page, the CLI and the evaluation read instead of asking the
//! family) must be one its methods offer, and every one they offer must be declared.

use burn::tensor::{Device, Tensor};
use genlab::families::{self, Given, SampleOptions};
use genlab::runtime::{block_on, read_f32};

#[test]
fn declared_capabilities_match_what_each_family_implements() {
    let device = Device::flex();
    let names: Vec<&str> = families::infos().iter().map(|i| i.name).collect();
    for info in families::infos() {
        let name = info.name;
        let caps = &info.capabilities;
        let family = families::create(name, &Given::new(), &device).unwrap();
        let x = || Tensor::<2>::ones([2, 784], &device).mul_scalar(0.5);

        let latent = family.latent();
        assert_eq!(latent.is_some(), caps.latent, "{name}: latent");
        let encodes = latent.is_some_and(|l| l.encode(x()).is_some());
        assert_eq!(encodes, caps.encoder, "{name}: encoder");
        assert_eq!(family.reconstruct(x()).is_some(), caps.encoder, "{name}: reconstruct goes with an encoder");
        assert_eq!(family.classify(x()).is_some(), caps.classify, "{name}: classify");
        assert_eq!(family.diffusion().is_some(), caps.diffusion, "{name}: diffusion");
        assert_eq!(family.log_likelihood(x(), 1).is_some(), caps.likelihood.is_some(), "{name}: likelihood");
        let mut short = SampleOptions::new(1, 0);
        if info.sampling.iter().any(|h| h.key == "steps") {
            short.settings.insert("steps".into(), 2.0);
        }
        assert_eq!(family.trajectory(&short, 2).is_some(), caps.trajectory, "{name}: trajectory");

        // A conditional family draws labelled samples; the others refuse labels up front.
        let labelled = SampleOptions::checked(&info, 2, 0, Some(vec![3, 7]), &Given::new());
        assert_eq!(labelled.is_ok(), caps.conditional, "{name}: conditional");
        if let Ok(options) = labelled {
            let px = block_on(read_f32(family.sample(&options).unwrap())).unwrap();
            assert_eq!(px.len(), 2 * 784, "{name}: labelled samples");
        }

        // What a family is built on is a registered family, and not itself.
        for base in info.built_on {
            assert!(names.contains(base) && *base != name, "{name} is built on '{base}', which is not another registered family");
        }
        // Every evaluation variant's settings are declared ones, with values in range.
        for v in &info.variants {
            genlab::families::hyper::validate("sampler setting", &info.sampling, &v.settings)
                .unwrap_or_else(|e| panic!("{name}: evaluation variant {:?}: {e}", v.settings));
        }
    }
}
