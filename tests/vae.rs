#![cfg(not(target_family = "wasm"))]
//! The VAE: shapes, the KL term against its closed form, learning, and its weights.

mod common;

use burn::tensor::{Device, Tensor, TensorData};
use genlab::families::vae::{VaeModel, kl_to_standard_normal, neg_elbo_terms};
use genlab::families::{self, Family, SampleOptions, hyper};
use genlab::nn::bernoulli_nll;
use genlab::runtime::{block_on, read_f32, read_scalars};
use genlab::train::Trainer;
use genlab::weights::{self, Export, Precision};
use genlab::{Error, latent};

fn params(kv: &[(&str, f64)]) -> serde_json::Map<String, serde_json::Value> {
    kv.iter().map(|(k, v)| (k.to_string(), serde_json::json!(v))).collect()
}

fn small_vae(seed: u64) -> Box<dyn Family> {
    let device = Device::flex();
    device.seed(seed);
    families::create("vae", &params(&[("latent", 4.0), ("hidden", 64.0), ("batch", 32.0)]), &genlab::families::Bases::none(), &device).unwrap()
}

fn read(t: Tensor<2>) -> Vec<f32> {
    block_on(read_f32(t)).unwrap()
}

#[test]
fn shapes_through_encoder_and_decoder() {
    let device = Device::flex();
    let model = VaeModel::new(5, 32, &device);
    let x = Tensor::<2>::zeros([3, 784], &device);
    let (mu, logvar) = model.encode(x.clone());
    assert_eq!(mu.dims(), [3, 5]);
    assert_eq!(logvar.dims(), [3, 5]);
    assert_eq!(model.decode_logits(mu).dims(), [3, 784]);
    let (recon, kl) = neg_elbo_terms(&model, x, Tensor::zeros([3, 5], &device));
    assert_eq!(recon.dims(), [3]);
    assert_eq!(kl.dims(), [3]);
}

#[test]
fn kl_matches_its_closed_form_on_known_inputs() {
    let device = Device::flex();
    // Row 0: the prior itself, KL = 0. Row 1: mu = (1, -2), sigma^2 = (e^1, e^-1):
    // KL = 1/2 * sum(sigma^2 + mu^2 - 1 - log sigma^2)
    //    = 1/2 * ((e + 1 - 1 - 1) + (1/e + 4 - 1 + 1)).
    let mu = Tensor::<2>::from_data(TensorData::new(vec![0.0f32, 0.0, 1.0, -2.0], [2, 2]), &device);
    let logvar = Tensor::<2>::from_data(TensorData::new(vec![0.0f32, 0.0, 1.0, -1.0], [2, 2]), &device);
    let kl = block_on(read_f32(kl_to_standard_normal(mu, logvar))).unwrap();
    let e = std::f32::consts::E;
    let expected = 0.5 * ((e - 1.0) + (1.0 / e + 4.0));
    assert!(kl[0].abs() < 1e-6, "{kl:?}");
    assert!((kl[1] - expected).abs() < 1e-4, "{} vs {expected}", kl[1]);
}

#[test]
fn reconstruction_term_is_the_bernoulli_negative_log_likelihood() {
    let device = Device::flex();
    // Logits 0: every pixel has p = 1/2, so -log p(x|z) = 784 ln 2 whatever x is.
    let x = Tensor::<2>::random([2, 784], burn::tensor::Distribution::Default, &device);
    let r = block_on(read_f32(bernoulli_nll(Tensor::zeros([2, 784], &device), x))).unwrap();
    let expected = 784.0 * std::f32::consts::LN_2;
    assert!(r.iter().all(|v| (v - expected).abs() < 1e-2), "{r:?} vs {expected}");
    // Against the textbook form -[x log s + (1 - x) log(1 - s)] on moderate logits, and
    // finite where the textbook form overflows.
    let l: Vec<f32> = (0..784).map(|i| ((i % 17) as f32 - 8.0) * 0.7).collect();
    let xs: Vec<f32> = (0..784).map(|i| (i % 3 == 0) as u8 as f32).collect();
    let direct: f32 = l
        .iter()
        .zip(&xs)
        .map(|(&l, &x)| {
            let s = 1.0 / (1.0 + (-l).exp());
            -(x * s.ln() + (1.0 - x) * (1.0 - s).ln())
        })
        .sum();
    let lt = Tensor::<2>::from_data(TensorData::new(l, [1, 784]), &device);
    let xt = Tensor::<2>::from_data(TensorData::new(xs, [1, 784]), &device);
    let r = block_on(read_f32(bernoulli_nll(lt, xt))).unwrap()[0];
    assert!((r - direct).abs() / direct < 1e-4, "{r} vs {direct}");
    let huge = Tensor::<2>::full([1, 784], 200.0, &device);
    let r = block_on(read_f32(bernoulli_nll(huge, Tensor::zeros([1, 784], &device)))).unwrap()[0];
    assert!((r - 784.0 * 200.0).abs() < 1.0, "{r}");
}

#[test]
fn sampling_gives_images_in_unit_range_and_is_seeded() {
    let vae = small_vae(3);
    let opts = SampleOptions::new(5, 9);
    let a = read(vae.sample(&opts).unwrap());
    let b = read(vae.sample(&opts).unwrap());
    let c = read(vae.sample(&SampleOptions::new(5, 10)).unwrap());
    assert_eq!(a.len(), 5 * 784);
    assert!(a.iter().all(|v| (0.0..=1.0).contains(v)));
    assert_eq!(a, b, "the same seed draws the same digits");
    assert_ne!(a, c, "another seed draws other digits");
}

#[test]
fn a_few_training_steps_lower_the_loss() {
    let data = common::mnist();
    let mut trainer = Trainer::new(small_vae(1), 1);
    let mut losses = vec![];
    for _ in 0..60 {
        let l = block_on(read_scalars(trainer.step(&data.train).unwrap())).unwrap();
        losses.push(l[0] + l[1]);
    }
    let first: f32 = losses[..5].iter().sum::<f32>() / 5.0;
    let last: f32 = losses[55..].iter().sum::<f32>() / 5.0;
    assert!(losses.iter().all(|l| l.is_finite()));
    assert!(last < first * 0.7, "negative ELBO went from {first} to {last}");
}

#[test]
fn weights_round_trip_through_a_file() {
    let vae = small_vae(5);
    let opts = SampleOptions::new(3, 2);
    let original = read(vae.sample(&opts).unwrap());
    // f32: bit for bit.
    // The file records the training steps the weights have had (for --resume).
    let bytes = block_on(weights::encode(weights::export(vae.as_ref()).with_steps(1234), Precision::F32)).unwrap();
    let (loaded, steps) = families::load_trained(Some("vae"), bytes, &genlab::families::Bases::none(), &Device::flex()).unwrap();
    assert_eq!(steps, 1234);
    assert_eq!(loaded.config(), vae.config());
    assert_eq!(original, read(loaded.sample(&opts).unwrap()));
    // f16 (the shipped files): half the bytes, the same digits to within a grey level.
    let f32_len = block_on(weights::encode(weights::export(vae.as_ref()), Precision::F32)).unwrap().len();
    let half = block_on(weights::encode(weights::export(vae.as_ref()), Precision::F16)).unwrap();
    assert!(half.len() < f32_len * 6 / 10, "{} vs {f32_len} bytes", half.len());
    let loaded = families::load(Some("vae"), half, &genlab::families::Bases::none(), &Device::flex()).unwrap();
    let diff = original.iter().zip(read(loaded.sample(&opts).unwrap())).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
    assert!(diff > 0.0 && diff < 2e-2, "max |f32 - f16| = {diff}");
}

fn weights_error(r: Result<Box<dyn Family>, Error>) -> String {
    match r {
        Err(Error::Weights(m)) => m,
        Err(other) => panic!("expected a weights error, got {other:?}"),
        Ok(_) => panic!("expected a weights error, got a model"),
    }
}

#[test]
fn bad_weights_files_are_refused_clearly() {
    let device = Device::flex();
    let m = weights_error(families::load(Some("vae"), b"definitely not burnpack".to_vec(), &genlab::families::Bases::none(), &device));
    assert!(m.contains("not a burnpack"), "{m}");

    let vae = small_vae(5);
    let export = |family: &'static str, config: &genlab::families::Config| Export {
        pending: vae.weights(),
        family,
        config: hyper::show(&vae.info().hyper, config),
        steps: 0,
        built_on: vec![],
    };
    let encode = |e: Export| block_on(weights::encode(e, Precision::F32)).unwrap();
    let good = encode(export("vae", vae.config()));
    let m = weights_error(families::load(Some("vae"), good[..good.len() / 2].to_vec(), &genlab::families::Bases::none(), &device));
    assert!(m.contains("burnpack"), "{m}");

    // Another family's file: the same bytes, labelled as something else.
    let other = encode(export("gan", vae.config()));
    let m = weights_error(families::load(Some("vae"), other, &genlab::families::Bases::none(), &device));
    assert!(m.contains("'gan'") && m.contains("not 'vae'"), "{m}");

    // Other sizes: tensors of a latent-4 model under a header claiming latent 8.
    let mut lying = vae.config().clone();
    lying.insert("latent".into(), 8.0);
    let bytes = encode(export("vae", &lying));
    let m = weights_error(families::load(Some("vae"), bytes, &genlab::families::Bases::none(), &device));
    assert!(m.contains("does not fit") && m.contains("shape"), "{m}");
}

#[test]
fn damaged_weights_are_refused_by_their_checksum() {
    let device = Device::flex();
    let good = common::shipped_weights("vae");
    let reference = families::load(Some("vae"), good.clone(), &genlab::families::Bases::none(), &device).expect("the shipped VAE loads");
    let opts = SampleOptions::new(2, 7);
    let expected = read(reference.sample(&opts).unwrap());
    // A few bytes flipped deep in the tensor data (burnpack's header and metadata come first):
    // burnpack itself parses this, so only the checksum can tell.
    for at in [good.len() - 5, good.len() / 2, good.len() * 3 / 4] {
        let mut bad = good.clone();
        for b in &mut bad[at..at + 3] {
            *b ^= 0x5a;
        }
        let m = weights_error(families::load(Some("vae"), bad, &genlab::families::Bases::none(), &device));
        assert!(m.contains("damaged") && m.contains("checksum"), "byte {at}: {m}");
    }
    // A file without a checksum (written before files had one) is refused, and
    // `genlab upgrade-weights` (weights::upgrade) makes it load as the same model.
    let reader = burn_pack::Reader::from_bytes(burn_pack::Bytes::from_bytes_vec(good.clone())).unwrap();
    let meta = reader.metadata().clone();
    let tensors = reader.into_tensors().unwrap();
    let mut old = burn_pack::Writer::new(tensors);
    for (k, v) in meta.iter().filter(|(k, _)| k.as_str() != "genlab.sha256") {
        old = old.with_metadata(k, v);
    }
    let old = old.into_bytes().unwrap().to_vec();
    let m = weights_error(families::load(Some("vae"), old.clone(), &genlab::families::Bases::none(), &device));
    assert!(m.contains("no checksum"), "{m}");
    let upgraded = weights::upgrade(old).unwrap();
    let model = families::load(Some("vae"), upgraded, &genlab::families::Bases::none(), &device).unwrap();
    assert_eq!(read(model.sample(&opts).unwrap()), expected);
}

#[test]
fn hyper_parameters_are_validated() {
    let device = Device::flex();
    let err = |kv: &[(&str, f64)]| match families::create("vae", &params(kv), &genlab::families::Bases::none(), &device) {
        Err(Error::Param(m)) => m,
        Err(e) => panic!("{e:?}"),
        Ok(_) => panic!("accepted {kv:?}"),
    };
    assert!(err(&[("latent", 1.0)]).contains("out of range [2, 64]"));
    assert!(err(&[("lr", 2.0)]).contains("'lr'"));
    assert!(err(&[("latent", 2.5)]).contains("whole number"));
    assert!(err(&[("nope", 1.0)]).contains("unknown hyper-parameter 'nope'"));
    assert!(matches!(families::create("nope", &params(&[]), &genlab::families::Bases::none(), &device), Err(Error::Family(_))));
    // Changing beta in place works; changing the latent size in place does not.
    let mut vae = small_vae(1);
    assert_eq!(vae.set_params(&params(&[("beta", 2.0)])).unwrap()["beta"], 2.0);
    assert!(vae.set_params(&params(&[("latent", 9.0)])).is_err());
}

#[test]
fn manifold_needs_a_two_dimensional_latent() {
    let device = Device::flex();
    let vae4 = small_vae(1);
    assert!(latent::manifold(vae4.latent().unwrap(), 5, 2.0, &device).is_err());
    let vae2 = families::create("vae", &params(&[("latent", 2.0), ("hidden", 32.0)]), &genlab::families::Bases::none(), &device).unwrap();
    let grid = read(latent::manifold(vae2.latent().unwrap(), 5, 2.0, &device).unwrap());
    assert_eq!(grid.len(), 25 * 784);
    let xa = Tensor::<2>::zeros([1, 784], &device);
    let xb = Tensor::<2>::ones([1, 784], &device);
    let line = read(latent::interpolate(vae2.latent().unwrap(), xa, xb, 6).unwrap());
    assert_eq!(line.len(), 6 * 784);
}
