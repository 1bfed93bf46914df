#![cfg(not(target_family = "wasm"))]
//! Diffusion: the schedules, the forward process against its closed form, the samplers, and
//! guidance.

mod common;

use burn::module::Module;
use burn::tensor::{Device, Distribution, Int, Tensor, TensorData};
use genlab::data::IMAGE_PIXELS;
use genlab::families::diffusion::ddpm::{self, Ddpm};
use genlab::families::diffusion::denoiser;
use genlab::families::diffusion::sampler::{self, Method};
use genlab::families::diffusion::schedule::{Kind, Schedule, T};
use genlab::families::{self, Family, Given, SampleOptions, hyper};
use genlab::nn::unet::{NULL_LABEL, UNet};
use genlab::runtime::{block_on, read_f32, read_scalars};
use genlab::train::Trainer;

fn read(t: Tensor<2>) -> Vec<f32> {
    block_on(read_f32(t)).unwrap()
}

fn small(channels: f64) -> Ddpm {
    let given: Given = [("channels".to_string(), serde_json::json!(channels))].into_iter().collect();
    let config = hyper::validate("hyper-parameter", &ddpm::info().hyper, &given).unwrap();
    let device = Device::flex();
    device.seed(7);
    Ddpm::new(&config, &device).unwrap()
}

#[test]
fn alpha_bar_is_the_running_product_of_one_minus_beta() {
    for kind in [Kind::Linear, Kind::Cosine] {
        let s = Schedule::new(kind);
        assert_eq!(s.betas.len(), T);
        for t in [0, 1, 10, 499, 998, 999] {
            let direct: f64 = s.betas[..=t].iter().map(|b| 1.0 - b).product();
            assert!((s.alpha_bar[t] - direct).abs() < 1e-12, "{kind:?} t = {t}: {} vs {direct}", s.alpha_bar[t]);
        }
        assert!(s.alpha_bar.windows(2).all(|w| w[1] < w[0]), "{kind:?}: the signal only fades");
        assert!(s.alpha_bar[0] > 0.99 && s.alpha_bar[T - 1] < 1e-3, "{kind:?}: from almost clean to almost pure noise");
    }
    // Linear: beta from 1e-4 to 0.02.
    let l = Schedule::new(Kind::Linear);
    assert!((l.betas[0] - 1e-4).abs() < 1e-12 && (l.betas[T - 1] - 0.02).abs() < 1e-12);
    // The sampler's grid: evenly spaced, trailing (from T - 1 down), all T steps for steps = T.
    assert_eq!(l.timesteps(4), vec![999, 749, 499, 249]);
    assert_eq!(l.timesteps(20)[..3], [999, 949, 899]);
    assert_eq!(l.timesteps(1), vec![999]);
    assert_eq!(l.timesteps(T), (0..T).rev().collect::<Vec<_>>());
}

#[test]
fn closed_form_noising_matches_iterating_the_chain_in_distribution() {
    let model = small(8.0);
    let device = Device::flex();
    let s = model.schedule();
    let (n, t) = (256, 300);
    // x0: a fixed image (a ramp over [-1, 1]) repeated n times.
    let ramp: Vec<f32> = (0..IMAGE_PIXELS).map(|i| -1.0 + 2.0 * i as f32 / (IMAGE_PIXELS - 1) as f32).collect();
    let x0 = Tensor::<2>::from_data(TensorData::new(ramp.repeat(n), [n, IMAGE_PIXELS]), &device);
    // The one-step chain, t + 1 times: x_s = sqrt(1 - beta_s) x_{s-1} + sqrt(beta_s) eps.
    let mut chain = x0.clone();
    for b in &s.betas[..=t] {
        chain = chain.mul_scalar((1.0 - b).sqrt()) + Tensor::random([n, IMAGE_PIXELS], Distribution::Normal(0.0, 1.0), &device).mul_scalar(b.sqrt());
    }
    let ts = Tensor::<1, Int>::from_data(TensorData::new(vec![t as i64; n], [n]), &device);
    let direct = model.noised(x0, ts, Tensor::random([n, IMAGE_PIXELS], Distribution::Normal(0.0, 1.0), &device));
    // Per pixel over the batch: mean sqrt(alpha_bar) x0, variance 1 - alpha_bar, for both.
    let ab = s.alpha_bar[t];
    let stats = |x: Tensor<2>| {
        let v = read(x);
        let mut mean = vec![0f64; IMAGE_PIXELS];
        let mut var = vec![0f64; IMAGE_PIXELS];
        for row in v.chunks(IMAGE_PIXELS) {
            for (i, &x) in row.iter().enumerate() {
                mean[i] += x as f64 / n as f64;
            }
        }
        for row in v.chunks(IMAGE_PIXELS) {
            for (i, &x) in row.iter().enumerate() {
                var[i] += (x as f64 - mean[i]).powi(2) / (n - 1) as f64;
            }
        }
        (mean, var)
    };
    for (name, x) in [("chain", chain), ("closed form", direct)] {
        let (mean, var) = stats(x);
        let mean_err: f64 = mean.iter().zip(&ramp).map(|(m, &r)| (m - ab.sqrt() * r as f64).abs()).sum::<f64>() / IMAGE_PIXELS as f64;
        let var_avg: f64 = var.iter().sum::<f64>() / IMAGE_PIXELS as f64;
        // Standard error of a mean of 256 draws of variance ~0.7 is ~0.05; averaged over pixels far less.
        assert!(mean_err < 0.06, "{name}: mean off by {mean_err} on average");
        assert!((var_avg - (1.0 - ab)).abs() < 0.02, "{name}: variance {var_avg} vs {}", 1.0 - ab);
    }
}

#[test]
fn ddim_with_eta_zero_is_deterministic() {
    let model = small(8.0);
    let device = Device::flex();
    let net = UNet::new(8, genlab::nn::unet::Grid::PIXELS, &device);
    let x_t = genlab::noise::normal_tensor(3, [2, IMAGE_PIXELS], &device);
    let eps = |x: Tensor<2>, t: usize| denoiser::guided_eps(&net, x, t, None, 0.0);
    let run = |eta: f64, noise_seed: u64| {
        let mut k = noise_seed;
        let mut noise = || {
            k += 1;
            genlab::noise::normal_tensor(k, [2, IMAGE_PIXELS], &device)
        };
        read(sampler::run(model.schedule(), Method::Ddim { eta }, 10, Some((-1.0, 1.0)), x_t.clone(), &eps, &mut noise, &mut |_| {}))
    };
    assert_eq!(run(0.0, 100), run(0.0, 200), "eta = 0: the step noise plays no part");
    assert_ne!(run(1.0, 100), run(1.0, 200), "eta = 1: it does");
    // Through the family: the same seed draws the same digits, another seed others.
    let opts = |seed| {
        let given: Given = [("steps".to_string(), serde_json::json!(5))].into_iter().collect();
        SampleOptions::checked(&ddpm::info(), 2, seed, None, &given).unwrap()
    };
    let a = read(model.sample(&opts(1)).unwrap());
    assert_eq!(a, read(model.sample(&opts(1)).unwrap()));
    assert_ne!(a, read(model.sample(&opts(2)).unwrap()));
    assert!(a.iter().all(|v| (0.0..=1.0).contains(v)));
}

#[test]
fn guidance_zero_is_the_unconditional_prediction() {
    let device = Device::flex();
    let net = UNet::new(8, genlab::nn::unet::Grid::PIXELS, &device);
    let x = genlab::noise::normal_tensor(5, [3, IMAGE_PIXELS], &device);
    let uncond =
        read(net.forward(x.clone(), Tensor::full([3], 400.0, &device), Tensor::from_data(TensorData::new(vec![NULL_LABEL as i64; 3], [3]), &device)));
    let cond = read(net.forward(x.clone(), Tensor::full([3], 400.0, &device), Tensor::from_data(TensorData::new(vec![1i64, 4, 7], [3]), &device)));
    let w0 = read(denoiser::guided_eps(&net, x.clone(), 400, Some(&[1, 4, 7]), 0.0));
    let w1 = read(denoiser::guided_eps(&net, x.clone(), 400, Some(&[1, 4, 7]), 1.0));
    let w3 = read(denoiser::guided_eps(&net, x, 400, Some(&[1, 4, 7]), 3.0));
    let max_diff = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0f32, f32::max);
    assert!(max_diff(&w0, &uncond) < 1e-5, "w = 0 is unconditional");
    assert!(max_diff(&w1, &cond) < 1e-5, "w = 1 is conditional");
    assert!(max_diff(&cond, &uncond) > 1e-4, "the label matters even untrained");
    // w = 3: u + 3 (c - u), elementwise.
    let expected: Vec<f32> = uncond.iter().zip(&cond).map(|(u, c)| u + 3.0 * (c - u)).collect();
    assert!(max_diff(&w3, &expected) < 1e-4);
}

#[test]
fn guidance_acts_only_below_its_interval() {
    let model = small(8.0);
    let labels = Some(vec![2, 7]);
    let draw = |w: f64, below: usize| {
        let given: Given = [("steps", serde_json::json!(5)), ("guidance", serde_json::json!(w)), ("guide_below", serde_json::json!(below))]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        read(model.sample(&SampleOptions::checked(&ddpm::info(), 2, 3, labels.clone(), &given).unwrap()).unwrap())
    };
    // Five trailing steps visit t = 999, 799, 599, 399, 199 (counted from 0).
    // (assert! rather than assert_eq!: a failure need not print 1,568 pixels.)
    let conditional = draw(1.0, T);
    assert!(draw(3.0, T) != conditional, "guidance at every step changes the digits");
    assert!(draw(3.0, 199) == conditional, "no step below the interval: the conditional model alone");
    let last_only = draw(3.0, 200);
    assert!(last_only != conditional, "the last step (t = 199) is guided");
    assert!(last_only != draw(3.0, T), "the earlier steps are not");
    assert!(draw(3.0, 599) == draw(3.0, 400), "the same steps (399, 199) guided: the same chain");
    assert!(draw(3.0, 600) != draw(3.0, 599), "t = 599 guided or not");
    assert!(draw(0.0, 200) == draw(0.0, T), "w = 0 is the unconditional model at every step, interval or not");
}

#[test]
fn trajectory_runs_from_noise_to_the_sample() {
    let model = small(8.0);
    let given: Given = [("steps".to_string(), serde_json::json!(20))].into_iter().collect();
    let opts = SampleOptions::checked(&ddpm::info(), 2, 9, Some(vec![3, 5]), &given).unwrap();
    let frames = model.trajectory(&opts, 11).unwrap().unwrap();
    assert_eq!(frames.len(), 11);
    assert_eq!(frames[0].t, T);
    assert!(frames[0].x0.is_none() && frames[1..].iter().all(|f| f.x0.is_some()));
    assert_eq!(frames.last().unwrap().t, 0);
    assert!(frames.windows(2).all(|w| w[1].t < w[0].t));
    let last = read(frames.last().unwrap().x.clone());
    assert_eq!(last, read(model.sample(&opts).unwrap()), "the last frame is the sample");
    // The ancestral sampler over all 1000 steps has 1001 states; 5 frames are kept.
    let given: Given = [("sampler".to_string(), serde_json::json!("ddpm")), ("steps".to_string(), serde_json::json!(1000))].into_iter().collect();
    let opts = SampleOptions::checked(&ddpm::info(), 1, 9, None, &given).unwrap();
    let frames = model.trajectory(&opts, 5).unwrap().unwrap();
    assert_eq!(frames.iter().map(|f| f.t).collect::<Vec<_>>(), vec![1000, 750, 500, 250, 0]);
}

#[test]
fn a_few_training_steps_lower_the_noise_prediction_error() {
    let data = common::mnist();
    let device = Device::flex();
    device.seed(1);
    let given: Given = [("channels", 8.0), ("batch", 32.0), ("lr", 2e-3)].iter().map(|(k, v)| (k.to_string(), serde_json::json!(v))).collect();
    let mut trainer = Trainer::new(families::create("ddpm", &given, &genlab::families::Bases::none(), &device).unwrap(), 1);
    let losses: Vec<f32> = (0..40).map(|_| block_on(read_scalars(trainer.step(&data.train).unwrap())).unwrap()[0]).collect();
    let first: f32 = losses[..8].iter().sum::<f32>() / 8.0;
    let last: f32 = losses[32..].iter().sum::<f32>() / 8.0;
    assert!(losses.iter().all(|l| l.is_finite()));
    assert!(last < 0.7 * first, "MSE went from {first} to {last}");
}

#[test]
fn the_weight_average_blends_parameters_by_id() {
    use burn::nn::LinearConfig;
    let device = Device::flex();
    let a = LinearConfig::new(3, 2).init(&device);
    let b = a.clone().map(&mut ShiftAll(1.0)); // same ids, every weight + 1
    let blended = genlab::nn::ema::update(a.clone(), &b, 0.75);
    let (wa, wm) = (read(a.weight.val()), read(blended.weight.val()));
    for (x, m) in wa.iter().zip(&wm) {
        assert!((m - (x + 0.25)).abs() < 1e-6, "0.75 a + 0.25 (a + 1) = a + 0.25: {x} -> {m}");
    }
    assert_eq!(genlab::nn::ema::warmed_decay(0.999, 0), 0.1);
    assert_eq!(genlab::nn::ema::warmed_decay(0.999, 1_000_000), 0.999);
}

struct ShiftAll(f32);
impl burn::module::ModuleMapper for ShiftAll {
    fn map_float<const D: usize>(&mut self, param: burn::module::Param<Tensor<D>>) -> burn::module::Param<Tensor<D>> {
        let s = self.0;
        param.map(|t| t.add_scalar(s))
    }
}

/// The U-Net folds a state `[b, c s^2]` into `[b, c f^2, s/f, s/f]` and back: channel
/// (c f + a) f + b' holds pixel (c, i f + a, j f + b') at (i, j); the output of any grid is its
/// input's shape (digits folded 2 x 2, codes of odd sides down to (s + 1) / 2 and back).
#[test]
fn the_unet_folds_any_grid_and_keeps_its_shape() {
    use genlab::nn::unet::{Grid, fold, unfold};
    let device = Device::flex();
    let g = Grid { channels: 2, side: 4, fold: 2 };
    let values: Vec<f32> = (0..2 * g.dim()).map(|v| v as f32).collect();
    let x = Tensor::<2>::from_data(TensorData::new(values.clone(), [2, g.dim()]), &device);
    let folded = fold(x, g);
    assert_eq!(folded.dims(), [2, 8, 2, 2]);
    let f = read(folded.clone().reshape([2, 32]));
    for (b, c, i, j, a, bb) in index_tuples(2, 2, 2, 2, 2, 2) {
        let want = values[b * g.dim() + c * 16 + (i * 2 + a) * 4 + (j * 2 + bb)];
        let got = f[((b * 8 + (c * 2 + a) * 2 + bb) * 2 + i) * 2 + j];
        assert_eq!(got, want, "batch {b} channel {c} pixel ({}, {})", i * 2 + a, j * 2 + bb);
    }
    assert_eq!(read(unfold(folded, g)), values, "unfold undoes fold");
    for grid in [Grid::PIXELS, Grid { channels: 4, side: 7, fold: 1 }, Grid { channels: 3, side: 5, fold: 1 }, Grid { channels: 2, side: 8, fold: 2 }]
    {
        let net = UNet::new(8, grid, &device);
        let x = genlab::noise::normal_tensor(1, [2, grid.dim()], &device);
        let y = Tensor::<1, Int>::from_data(TensorData::new(vec![NULL_LABEL as i64, 3], [2]), &device);
        assert_eq!(net.forward(x, Tensor::full([2], 10.0, &device), y).dims(), [2, grid.dim()], "{grid:?}");
    }
}

/// Every (b, c, i, j, a, b') in the given ranges.
fn index_tuples(nb: usize, nc: usize, ni: usize, nj: usize, na: usize, nbb: usize) -> Vec<(usize, usize, usize, usize, usize, usize)> {
    let mut out = vec![];
    for b in 0..nb {
        for c in 0..nc {
            for i in 0..ni {
                for j in 0..nj {
                    for a in 0..na {
                        for bb in 0..nbb {
                            out.push((b, c, i, j, a, bb));
                        }
                    }
                }
            }
        }
    }
    out
}
