//! Latent diffusion and the mechanism it rests on: a family built on another family's weights.
//! The shipped autoencoder reconstructs test digits; latent diffusion's DDIM with eta 0 is
//! deterministic and runs in the code space; its weights record the autoencoder they were
//! trained with, and a missing, damaged or other autoencoder is refused with a clear error.

#![cfg(not(target_family = "wasm"))]

mod common;

use burn::tensor::Device;
use genlab::error::Error;
use genlab::families::{self, Bases, Given, SampleOptions};
use genlab::runtime::{block_on, read_f32};
use genlab::weights::{self, Precision};

fn read(t: burn::tensor::Tensor<2>) -> Vec<f32> {
    block_on(read_f32(t)).unwrap()
}

fn autoencoder_only() -> Bases {
    Bases::none().with("autoencoder", common::shipped_weights("autoencoder"))
}

fn message<T>(r: genlab::error::Result<T>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_shipped_autoencoder_reconstructs_test_digits() {
    let device = Device::flex();
    let data = common::mnist();
    let idx: Vec<usize> = (0..500).collect();
    let (x, _) = data.test.batch(&idx, &device);
    let pixels = read(x.clone());
    let mse = |family: &dyn families::Family| {
        let back = read(family.reconstruct(x.clone()).expect("an autoencoder reconstructs").unwrap());
        back.iter().zip(&pixels).map(|(a, b)| ((a - b) * (a - b)) as f64).sum::<f64>() / pixels.len() as f64
    };
    let shipped = families::load(Some("autoencoder"), common::shipped_weights("autoencoder"), &Bases::none(), &device).unwrap();
    let fresh = families::create("autoencoder", &Given::new(), &Bases::none(), &device).unwrap();
    let (trained, untrained) = (mse(shipped.as_ref()), mse(fresh.as_ref()));
    eprintln!("round trip: mean squared error per pixel {trained:.5} (untrained {untrained:.5})");
    // Measured 0.0015 on the shipped file.
    assert!(trained < 0.004, "the shipped autoencoder's round trip error {trained} per pixel");
    assert!(untrained > 10.0 * trained, "an untrained autoencoder should do far worse: {untrained} vs {trained}");
    // The codes are rescaled to about unit spread, as the diffusion model expects.
    let codes = read(shipped.latent().unwrap().encode(x).unwrap());
    let mean = codes.iter().map(|&v| v as f64).sum::<f64>() / codes.len() as f64;
    let sd = (codes.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / codes.len() as f64).sqrt();
    assert!((0.7..1.4).contains(&sd), "codes' standard deviation {sd}, not about 1");
}

#[test]
fn latent_ddim_with_eta_zero_is_deterministic_for_a_seed() {
    let device = Device::flex();
    let ld = families::load(Some("latent-diffusion"), common::shipped_weights("latent-diffusion"), &autoencoder_only(), &device).unwrap();
    let info = ld.info();
    let given =
        |eta: f64| -> Given { [("steps".to_string(), serde_json::json!(5)), ("eta".to_string(), serde_json::json!(eta))].into_iter().collect() };
    let draw = |seed: u64, eta: f64| read(ld.sample(&SampleOptions::checked(&info, 3, seed, Some(vec![1, 4, 7]), &given(eta)).unwrap()).unwrap());
    let a = draw(11, 0.0);
    assert_eq!(a.len(), 3 * 784);
    assert_eq!(a, draw(11, 0.0), "the same seed draws the same digits");
    assert_ne!(a, draw(12, 0.0), "another seed, other digits");
    assert_ne!(a, draw(11, 1.0), "eta = 1 adds noise at each step");
    assert!(a.iter().all(|v| (0.0..=1.0).contains(v)), "decoded digits are pixels in [0, 1]");
}

#[test]
fn a_family_built_on_another_needs_the_weights_it_was_trained_with() {
    let device = Device::flex();
    let shipped = common::shipped_weights("latent-diffusion");

    // Missing: a clear error that names the base and where its weights are.
    let m = message(families::create("latent-diffusion", &Given::new(), &Bases::none(), &device));
    assert!(m.contains("built on 'autoencoder'") && m.contains("autoencoder.bpk"), "{m}");
    let m = message(families::load(Some("latent-diffusion"), shipped.clone(), &Bases::none(), &device));
    assert!(m.contains("built on 'autoencoder'"), "{m}");

    // Damaged, or another family's file given as the autoencoder.
    let mut damaged = common::shipped_weights("autoencoder");
    let n = damaged.len();
    damaged[n / 2] ^= 0x40;
    let m = message(families::load(Some("latent-diffusion"), shipped.clone(), &Bases::none().with("autoencoder", damaged), &device));
    assert!(m.contains("whose weights did not load") && m.contains("damaged"), "{m}");
    let m = message(families::load(
        Some("latent-diffusion"),
        shipped.clone(),
        &Bases::none().with("autoencoder", common::shipped_weights("vae")),
        &device,
    ));
    assert!(m.contains("whose weights did not load") && m.contains("'vae' weights"), "{m}");

    // Another autoencoder (a fresh one): the codes the network learnt are not its codes.
    let other = families::create("autoencoder", &Given::new(), &Bases::none(), &device).unwrap();
    let other = block_on(weights::encode(weights::export(other.as_ref()), Precision::F32)).unwrap();
    let m = match families::load(Some("latent-diffusion"), shipped.clone(), &Bases::none().with("autoencoder", other), &device) {
        Err(Error::Weights(m)) => m,
        Err(e) => panic!("not a weights error: {e}"),
        Ok(_) => panic!("loaded latent diffusion on an autoencoder it was not trained with"),
    };
    assert!(m.contains("trained with other 'autoencoder' weights"), "{m}");

    // The file records the shipped autoencoder's checksum, and writing it again keeps it.
    let ae_digest = weights::decode(common::shipped_weights("autoencoder"), None).unwrap().digest;
    let file = weights::decode(shipped.clone(), None).unwrap();
    assert_eq!(file.built_on, vec![("autoencoder".to_string(), ae_digest.clone())]);
    let ld = families::load(Some("latent-diffusion"), shipped, &autoencoder_only(), &device).unwrap();
    let again = block_on(weights::encode(weights::export(ld.as_ref()), Precision::F32)).unwrap();
    assert_eq!(weights::decode(again, None).unwrap().built_on, vec![("autoencoder".to_string(), ae_digest)]);

    // A record that is not there is refused too (a file written without one).
    let m = message(genlab::families::bases::check("latent-diffusion", &[], &[("autoencoder".into(), "abc".into())]));
    assert!(m.contains("do not say which 'autoencoder' weights"), "{m}");
}

#[test]
fn latent_frames_carry_the_codes_they_show_decoded() {
    let device = Device::flex();
    let ld = families::load(Some("latent-diffusion"), common::shipped_weights("latent-diffusion"), &autoencoder_only(), &device).unwrap();
    let ae = families::load(Some("autoencoder"), common::shipped_weights("autoencoder"), &Bases::none(), &device).unwrap();
    let given: Given = [("steps".to_string(), serde_json::json!(4))].into_iter().collect();
    let options = SampleOptions::checked(&ld.info(), 2, 5, Some(vec![2, 9]), &given).unwrap();
    let frames = ld.trajectory(&options, 5).unwrap().unwrap();
    assert_eq!(frames.len(), 5);
    for f in &frames {
        let (code, grid) = f.code.clone().expect("a latent state is a code");
        assert_eq!(grid, [4, 7, 7]);
        assert_eq!(code.dims(), [2, 196]);
        // What the frame shows is that code, decoded by the autoencoder it was built on.
        let shown = read(f.x.clone());
        let decoded = read(ae.latent().unwrap().decode(code, None).unwrap());
        assert!(shown.iter().zip(&decoded).all(|(a, b)| (a - b).abs() < 1e-5), "t = {}: x is not the code decoded", f.t);
    }
    // Pixels are their own picture: the DDPM's frames carry no code.
    let ddpm = families::load(Some("ddpm"), common::shipped_weights("ddpm"), &Bases::none(), &device).unwrap();
    let frames = ddpm.trajectory(&SampleOptions::checked(&ddpm.info(), 1, 5, None, &given).unwrap(), 3).unwrap().unwrap();
    assert!(frames.iter().all(|f| f.code.is_none()));
}
