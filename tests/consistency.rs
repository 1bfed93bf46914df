//! Consistency models: the boundary condition f(x, t_0) = x holds exactly whatever the
//! network; one-step sampling is one network evaluation, deterministic for a seed; the shipped
//! model maps every point of its teacher's path to about the teacher's digit (an untrained one
//! does not); its weights need the DDPM they were distilled from.

#![cfg(not(target_family = "wasm"))]

mod common;

use burn::tensor::{Device, Int, Tensor, TensorData};
use genlab::error::Error;
use genlab::families::diffusion::consistency::{consistency_fn, scalings};
use genlab::families::diffusion::schedule::{Kind, Schedule, T};
use genlab::families::{self, Bases, Given, SampleOptions};
use genlab::nn::unet::{Grid, UNet};
use genlab::runtime::{block_on, read_f32};
use genlab::weights::{self, Precision};

fn read(t: Tensor<2>) -> Vec<f32> {
    block_on(read_f32(t)).unwrap()
}

fn teacher_only() -> Bases {
    Bases::none().with("ddpm", common::shipped_weights("ddpm"))
}

fn steps(n: usize) -> Given {
    [("steps".to_string(), serde_json::json!(n))].into_iter().collect()
}

#[test]
fn the_boundary_condition_holds_exactly_whatever_the_network() {
    let device = Device::flex();
    for kind in [Kind::Cosine, Kind::Linear] {
        let ab = Schedule::new(kind).alpha_bar;
        let (skip, out) = scalings(&ab, 0);
        assert_eq!(out, 0.0, "c_out(t_0) must be exactly 0");
        assert!((skip - 1.0 / ab[0].sqrt()).abs() < 1e-12, "c_skip(t_0) / sqrt(alpha_bar_0) = {skip}");
        // Away from the boundary the network has its say, and at the noisiest step nearly all.
        let (skip_mid, out_mid) = scalings(&ab, T / 2);
        assert!(out_mid > 0.1 && skip_mid < skip, "t = {}: ({skip_mid}, {out_mid})", T / 2);
        let (skip_end, out_end) = scalings(&ab, T - 1);
        assert!(skip_end * (1.0 - ab[T - 1]).sqrt() < 0.05 && out_end > 0.45, "t = T - 1: ({skip_end}, {out_end})");
    }
    // Any network, here an untrained one: f(x, t_0) is the state rescaled, x / sqrt(alpha_bar_0),
    // bit for bit the same for two different networks; at t > 0 they differ.
    let ab = Schedule::new(Kind::Cosine).alpha_bar;
    let x = genlab::noise::normal_tensor(3, [4, 784], &device);
    let y = Tensor::<1, Int>::from_data(TensorData::new(vec![0i64, 3, 7, 10], [4]), &device);
    let (a, b) = (UNet::new(8, Grid::PIXELS, &device), UNet::new(16, Grid::PIXELS, &device));
    let fa = read(consistency_fn(&a, &ab, x.clone(), 0, y.clone()));
    let fb = read(consistency_fn(&b, &ab, x.clone(), 0, y.clone()));
    let want: Vec<f32> = read(x.clone()).iter().map(|v| (*v as f64 / ab[0].sqrt()) as f32).collect();
    assert_eq!(fa, fb, "f(x, t_0) must not depend on the network");
    let worst = fa.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert!(worst < 1e-6, "f(x, t_0) is x / sqrt(alpha_bar_0) to {worst}");
    let (ma, mb) = (read(consistency_fn(&a, &ab, x.clone(), 500, y.clone())), read(consistency_fn(&b, &ab, x, 500, y)));
    assert_ne!(ma, mb, "away from t_0 f is the network's");
}

#[test]
fn one_step_sampling_is_one_evaluation_and_deterministic_for_a_seed() {
    let device = Device::flex();
    let cm = families::load(Some("consistency"), common::shipped_weights("consistency"), &teacher_only(), &device).unwrap();
    let info = cm.info();
    let options = |seed: u64, k: usize| SampleOptions::checked(&info, 3, seed, Some(vec![1, 4, 7]), &steps(k)).unwrap();
    let draw = |seed: u64, k: usize| read(cm.sample(&options(seed, k)).unwrap());
    let one = draw(5, 1);
    assert_eq!(one.len(), 3 * 784);
    assert!(one.iter().all(|v| (0.0..=1.0).contains(v)));
    assert_eq!(one, draw(5, 1), "the same seed draws the same digits");
    assert_ne!(one, draw(6, 1), "another seed, other digits");
    assert_ne!(one, draw(5, 2), "a second step re-noises and maps again");
    for k in 1..=4 {
        let chain = cm.chain(&options(5, k)).unwrap().unwrap();
        assert_eq!(chain.steps(), k, "{k} steps are {k} network evaluations");
    }
    assert!(SampleOptions::checked(&info, 1, 0, None, &steps(5)).is_err(), "at most 4 steps");
    // The teacher draws from the same noise: starting one DDIM step of the teacher and one
    // consistency step from the same seed, both start from the same x_T.
    let ddpm = families::load(Some("ddpm"), common::shipped_weights("ddpm"), &Bases::none(), &device).unwrap();
    let first = |f: &dyn families::Family, given: &Given| {
        let o = SampleOptions::checked(&f.info(), 2, 9, Some(vec![0, 1]), given).unwrap();
        read(f.chain(&o).unwrap().unwrap().frame().x)
    };
    assert_eq!(first(cm.as_ref(), &steps(1)), first(ddpm.as_ref(), &steps(20)), "the same seed is the same x_T");
}

/// Mean squared distance between each mapped point of the teacher's path and the teacher's
/// finished digit, over the path's points from t = 999 down.
fn map_error(cm: &dyn families::Family) -> Vec<f64> {
    let options = SampleOptions::checked(&cm.info(), 8, 21, Some((0..8).collect()), &Given::new()).unwrap();
    let frames = genlab::families::chain::trajectory(cm.trajectory_map(&options).unwrap().unwrap(), 21).unwrap();
    let end = read(frames.last().unwrap().x.clone());
    frames[..frames.len() - 1]
        .iter()
        .map(|f| {
            let mapped = read(f.x0.clone().unwrap());
            mapped.iter().zip(&end).map(|(a, b)| ((a - b) * (a - b)) as f64).sum::<f64>() / end.len() as f64
        })
        .collect()
}

#[test]
fn the_shipped_model_maps_every_point_of_the_teachers_path_to_its_digit() {
    let device = Device::flex();
    let cm = families::load(Some("consistency"), common::shipped_weights("consistency"), &teacher_only(), &device).unwrap();
    let shipped = map_error(cm.as_ref());
    // Trained from scratch for no steps: the same network shape, no consistency learnt.
    let given: Given = [("training".to_string(), serde_json::json!("training"))].into_iter().collect();
    let untrained = map_error(families::create("consistency", &given, &teacher_only(), &device).unwrap().as_ref());
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    eprintln!("mapped vs the teacher's digit, per point: shipped {shipped:.4?}; untrained {untrained:.4?}");
    // Measured 0.008 on average, 0.015 from pure noise (t = 999); untrained 0.13 and 0.23.
    assert!(mean(&shipped) < 0.02, "the shipped model's mapped points are {} from the teacher's digit", mean(&shipped));
    assert!(shipped[0] < 0.035, "from pure noise the shipped model lands {} from the teacher's digit", shipped[0]);
    assert!(mean(&untrained) > 3.0 * mean(&shipped), "an untrained model should map far worse: {} vs {}", mean(&untrained), mean(&shipped));
}

#[test]
fn consistency_needs_the_ddpm_it_was_distilled_from() {
    let device = Device::flex();
    let shipped = common::shipped_weights("consistency");
    let message = |r: genlab::error::Result<Box<dyn families::Family>>| match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    };
    let m = message(families::create("consistency", &Given::new(), &Bases::none(), &device));
    assert!(m.contains("built on 'ddpm'") && m.contains("ddpm.bpk"), "{m}");
    // Latent diffusion's file is not a DDPM's.
    let m = message(families::load(
        Some("consistency"),
        shipped.clone(),
        &Bases::none().with("ddpm", common::shipped_weights("latent-diffusion")),
        &device,
    ));
    assert!(m.contains("whose weights did not load"), "{m}");
    // Another DDPM (a fresh one) is refused by checksum.
    let other = families::create("ddpm", &Given::new(), &Bases::none(), &device).unwrap();
    let other = block_on(weights::encode(weights::export(other.as_ref()), Precision::F32)).unwrap();
    match families::load(Some("consistency"), shipped.clone(), &Bases::none().with("ddpm", other), &device) {
        Err(Error::Weights(m)) => assert!(m.contains("trained with other 'ddpm' weights"), "{m}"),
        Err(e) => panic!("not a weights error: {e}"),
        Ok(_) => panic!("loaded a consistency model on a DDPM it was not distilled from"),
    }
    let ddpm_digest = weights::decode(common::shipped_weights("ddpm"), None).unwrap().digest;
    assert_eq!(weights::decode(shipped, None).unwrap().built_on, vec![("ddpm".to_string(), ddpm_digest)]);
}

#[test]
fn distillation_starts_from_the_teacher_and_both_schemes_train() {
    let device = Device::flex();
    let data = common::mnist();
    let scheme =
        |s: &str| -> Given { [("training".to_string(), serde_json::json!(s)), ("batch".to_string(), serde_json::json!(8))].into_iter().collect() };
    for name in ["distillation", "training"] {
        let model = families::create("consistency", &scheme(name), &teacher_only(), &device).unwrap();
        let mut trainer = genlab::train::Trainer::new(model, 1);
        let losses: Vec<f32> = (0..2).map(|_| block_on(genlab::runtime::read_scalars(trainer.step(&data.train).unwrap())).unwrap()[0]).collect();
        assert!(losses.iter().all(|l| l.is_finite() && *l >= 0.0), "{name}: losses {losses:?}");
    }
    // Both students of the teacher start as its copy, so they draw the same digits; two
    // trained from scratch start from their own random weights.
    let draw = |name: &str| {
        let m = families::create("consistency", &scheme(name), &teacher_only(), &device).unwrap();
        read(m.sample(&SampleOptions::checked(&m.info(), 2, 4, Some(vec![3, 8]), &steps(1)).unwrap()).unwrap())
    };
    assert_eq!(draw("distillation"), draw("distillation"), "distillation starts from the teacher's weights");
    assert_ne!(draw("training"), draw("training"), "training from scratch starts from random weights");
}
