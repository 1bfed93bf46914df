#![cfg(not(target_family = "wasm"))]
//! Flows (NICE, RealNVP): every coupling kind and whole flows invert, each layer's log-det
//! equals log |det J| of a finite-difference Jacobian, and the bits/dim formula (dequantised
//! 8-bit data, logit transform) equals a hand computation and, for the identity flow, its
//! analytic value.
//!
//! A new flow is the identity (its conditioners' last layers start at zero), which would make
//! every test here pass trivially: the weights are perturbed first.

use burn::module::{Module, ModuleMapper, Param};
use burn::tensor::{Device, Distribution, Tensor, TensorData};
use genlab::data::IMAGE_PIXELS;
use genlab::families::flow::log_prob_8bit;
use genlab::families::{Family, Given, SampleOptions};
use genlab::nn::flow::{self, Coupling, FlowNet, Partition};
use genlab::runtime::{block_on, read_f32};

fn read<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    block_on(read_f32(t)).unwrap()
}

/// Adds N(0, sd^2) to every parameter.
struct Perturb(f64);

impl ModuleMapper for Perturb {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let sd = self.0;
        param.map(|t| {
            let noise = Tensor::random(t.dims(), Distribution::Normal(0.0, sd), &t.device());
            t + noise
        })
    }
}

fn perturbed<M: Module>(m: M, sd: f64) -> M {
    m.map(&mut Perturb(sd))
}

fn device() -> Device {
    let d = Device::flex();
    d.seed(5);
    d
}

fn normal4(shape: [usize; 4], device: &Device) -> Tensor<4> {
    Tensor::random(shape, Distribution::Normal(0.0, 1.0), device)
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

/// Every kind of coupling on a state of `shape`.
fn couplings(device: &Device) -> Vec<(&'static str, Coupling, [usize; 4])> {
    vec![
        ("additive MLP (NICE), even", Coupling::mlp(false, 8, 16, 2, false, device), [3, 1, 4, 4]),
        ("additive MLP (NICE), odd", Coupling::mlp(true, 8, 16, 2, false, device), [3, 1, 4, 4]),
        ("affine MLP", Coupling::mlp(false, 8, 16, 2, true, device), [3, 1, 4, 4]),
        ("checkerboard, even", Coupling::conv(Partition::Checker { odd: false }, 1, 8, 1, true, device), [3, 1, 4, 4]),
        ("checkerboard, odd", Coupling::conv(Partition::Checker { odd: true }, 2, 8, 1, true, device), [3, 2, 4, 4]),
        ("channels, lower", Coupling::conv(Partition::Channel { upper: false }, 4, 8, 1, true, device), [3, 4, 2, 2]),
        ("channels, upper", Coupling::conv(Partition::Channel { upper: true }, 4, 8, 0, true, device), [3, 4, 2, 2]),
    ]
}

#[test]
fn every_coupling_kind_and_whole_flows_invert() {
    let device = device();
    for (name, c, shape) in couplings(&device) {
        let c = perturbed(c, 0.3);
        let x = normal4(shape, &device);
        let (y, _) = c.forward(x.clone());
        let back = c.inverse(y.clone());
        let (xs, ys, bs) = (read(x), read(y), read(back));
        assert!(max_diff(&xs, &ys) > 1e-2, "{name}: the perturbed coupling should move its input");
        assert!(max_diff(&xs, &bs) < 1e-4, "{name}: x -> y -> x is off by {}", max_diff(&xs, &bs));
    }
    let flows = [("NICE", FlowNet::nice(28, 4, 32, 2, &device)), ("RealNVP", FlowNet::realnvp(8, 1, &device))];
    for (name, net) in flows {
        let net = perturbed(net, 0.05);
        let x = normal4([4, 1, 28, 28], &device);
        let (z, _) = net.forward(x.clone());
        let back = net.inverse(z.clone());
        let (xs, zs, bs) = (read(x), read(z), read(back));
        assert!(max_diff(&xs, &zs) > 1e-2, "{name}: the perturbed flow should move its input");
        assert!(max_diff(&xs, &bs) < 1e-4, "{name}: x -> z -> x is off by {}", max_diff(&xs, &bs));
    }
}

/// log |det A| of a square matrix (row-major, f64) by Gaussian elimination with partial pivoting.
fn log_abs_det(mut a: Vec<f64>, n: usize) -> f64 {
    let mut total = 0.0;
    for k in 0..n {
        let p = (k..n).max_by(|&i, &j| a[i * n + k].abs().total_cmp(&a[j * n + k].abs())).unwrap();
        if p != k {
            for j in 0..n {
                a.swap(k * n + j, p * n + j);
            }
        }
        let pivot = a[k * n + k];
        total += pivot.abs().ln();
        for i in k + 1..n {
            let f = a[i * n + k] / pivot;
            for j in k..n {
                a[i * n + j] -= f * a[k * n + j];
            }
        }
    }
    total
}

/// log |det df/dx| at `x` (one item, `d` numbers) by central differences, all 2d perturbed
/// inputs in one batch.
fn fd_log_det(f: impl Fn(Tensor<2>) -> Tensor<2>, x: &[f32], device: &Device) -> f64 {
    let d = x.len();
    let h = 1e-3f32;
    let mut rows = Vec::with_capacity(2 * d * d);
    for j in 0..d {
        for sign in [1.0, -1.0] {
            let mut v = x.to_vec();
            v[j] += sign * h;
            rows.extend(v);
        }
    }
    let out = read(f(Tensor::from_data(TensorData::new(rows, [2 * d, d]), device)));
    // J[i][j] = (f(x + h e_j)_i - f(x - h e_j)_i) / 2h
    let mut jac = vec![0f64; d * d];
    for j in 0..d {
        for i in 0..d {
            jac[i * d + j] = (out[(2 * j) * d + i] as f64 - out[(2 * j + 1) * d + i] as f64) / (2.0 * h as f64);
        }
    }
    log_abs_det(jac, d)
}

#[test]
fn each_layer_log_det_matches_a_finite_difference_jacobian() {
    let device = device();
    // Central differences of a deep ReLU net in f32: a few hundredths of a nat off for a whole
    // flow, a hundredth for one layer (a missing or wrong-signed layer is off by far more).
    let check = |name: &str, f: &dyn Fn(Tensor<2>) -> (Tensor<2>, Tensor<1>), d: usize, tol: f64| {
        let x: Vec<f32> = read(Tensor::<2>::random([1, d], Distribution::Normal(0.0, 1.0), &device));
        let (_, ld) = f(Tensor::from_data(TensorData::new(x.clone(), [1, d]), &device));
        let claimed = read(ld)[0] as f64;
        let numeric = fd_log_det(|t| f(t).0, &x, &device);
        assert!(claimed.abs() > 1e-2 || name.starts_with("additive"), "{name}: log-det {claimed} should not be 0 once perturbed");
        assert!((claimed - numeric).abs() < tol, "{name}: log-det {claimed} against the Jacobian's {numeric}");
    };
    for (name, c, shape) in couplings(&device) {
        let c = perturbed(c, 0.3);
        let [_, ch, h, w] = shape;
        let d = ch * h * w;
        check(
            name,
            &|x: Tensor<2>| {
                let b = x.dims()[0];
                let (y, ld) = c.forward(x.reshape([b, ch, h, w]));
                (y.reshape([b, d]), ld)
            },
            d,
            2e-2,
        );
    }
    // Whole tiny flows (4 x 4 images): NICE with its scaling, RealNVP with both scales.
    for (name, net) in [("NICE", FlowNet::nice(4, 4, 16, 2, &device)), ("RealNVP", FlowNet::realnvp(8, 1, &device))] {
        let net = perturbed(net, 0.2);
        check(
            name,
            &|x: Tensor<2>| {
                let b = x.dims()[0];
                let (z, ld) = net.forward(x.reshape([b, 1, 4, 4]));
                (z.reshape([b, 16]), ld)
            },
            16,
            0.1,
        );
        // The traced pass's layers add up to the whole log-det.
        let x = normal4([2, 1, 4, 4], &device);
        let (_, total, layers) = net.traced(x);
        let sum: Vec<f32> = layers.into_iter().map(|l| l.logdet).reduce(|a, b| a + b).map(read).unwrap();
        assert!(max_diff(&sum, &read(total)) < 1e-4, "{name}: the layers' log-dets should add up to the flow's");
    }
    // The logit transform, on pixels in (0, 1).
    let y: Vec<f32> = genlab::noise::uniform(3, 16);
    let (_, ld) = flow::logit(Tensor::from_data(TensorData::new(y.clone(), [1, 16]), &device));
    let numeric = fd_log_det(|t| flow::logit(t.clamp(0.0, 1.0)).0, &y.iter().map(|v| v * 0.9 + 0.05).collect::<Vec<_>>(), &device);
    let claimed =
        read(flow::logit(Tensor::from_data(TensorData::new(y.iter().map(|v| v * 0.9 + 0.05).collect::<Vec<f32>>(), [1, 16]), &device)).1)[0];
    assert!(read(ld)[0].is_finite());
    assert!((claimed as f64 - numeric).abs() < 2e-2, "logit: log-det {claimed} against the Jacobian's {numeric}");
}

#[test]
fn bits_per_dim_equal_a_hand_computation_and_the_identity_flow_the_analytic_value() {
    let device = device();
    let ln2 = std::f64::consts::LN_2;
    let d = IMAGE_PIXELS as f64;
    // The identity flow (a fresh NICE: zero conditioners, zero log-scale) on the all-grey
    // image y = 1/2: x = logit(1/2) = 0, so log N(0; 0, I) = -d/2 ln 2 pi, and the logit's
    // log-det is d (ln(1 - 2a) - 2 ln 1/2).
    let identity = FlowNet::nice(28, 4, 16, 1, &device);
    let grey = Tensor::<2>::full([1, IMAGE_PIXELS], 0.5, &device);
    let analytic = -d / 2.0 * (2.0 * std::f64::consts::PI).ln() + d * ((1.0 - 2.0 * flow::ALPHA).ln() + 2.0 * 2f64.ln()) - d * 256f64.ln();
    let got = read(log_prob_8bit(&identity, grey))[0] as f64;
    assert!((got - analytic).abs() < 0.05, "identity flow on grey: {got} nats, analytic {analytic}");
    let bpd = -analytic / (d * ln2);
    assert!((bpd - 8.0 - (0.5 * (2.0 * std::f64::consts::PI).ln() - (0.9f64).ln() - 2.0 * 2f64.ln()) / ln2).abs() < 1e-9);

    // A perturbed flow on random pixels, against f64 arithmetic from its z and log-det.
    let net = perturbed(FlowNet::realnvp(8, 1, &device), 0.05);
    let y: Vec<f32> = genlab::noise::uniform(9, IMAGE_PIXELS);
    let yt = Tensor::<2>::from_data(TensorData::new(y.clone(), [1, IMAGE_PIXELS]), &device);
    let got = read(log_prob_8bit(&net, yt))[0] as f64;
    let a = flow::ALPHA;
    let x: Vec<f32> = y.iter().map(|&v| a + (1.0 - 2.0 * a) * v as f64).map(|p| (p / (1.0 - p)).ln() as f32).collect();
    let (z, flow_ld) = net.forward(Tensor::from_data(TensorData::new(x, [1, 1, 28, 28]), &device));
    let z = read(z);
    let mut hand = -0.5 * z.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() - d / 2.0 * (2.0 * std::f64::consts::PI).ln();
    hand += read(flow_ld)[0] as f64;
    hand += y.iter().map(|&v| a + (1.0 - 2.0 * a) * v as f64).map(|p| (1.0 - 2.0 * a).ln() - p.ln() - (1.0 - p).ln()).sum::<f64>();
    hand -= d * 256f64.ln();
    assert!((got - hand).abs() < 0.05 + 1e-5 * hand.abs(), "log P(k): {got} nats, by hand {hand}");
}

#[test]
fn a_flow_family_round_trips_digits_and_samples_at_a_temperature() {
    let device = Device::flex();
    let mut given = Given::new();
    given.insert("width".into(), serde_json::json!(8));
    let mut f = genlab::families::create("realnvp", &given, &genlab::families::Bases::none(), &device).unwrap();
    // A few training steps so the flow is not the identity.
    let data = genlab::data::Mnist::load_dir(
        &std::env::var_os("MNIST_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/mnist")),
    )
    .unwrap();
    let first = train(f.as_mut(), &data, 3);
    let later = train(f.as_mut(), &data, 20);
    assert!(later < first - 0.3, "20 steps should lower the bits/dim on the same batch ({first} -> {later})");
    let (x, _) = data.test.batch(&[0, 1, 2, 3], &device);
    let lat = f.latent().unwrap();
    let z = lat.encode(x.clone()).unwrap();
    let back = lat.decode(z, None).unwrap();
    assert!(max_diff(&read(x), &read(back)) < 1e-4, "a test digit -> z -> digit");
    let cold = read(
        f.sample(
            &SampleOptions::checked(&f.info(), 2, 1, None, &[("temperature".to_string(), serde_json::json!(0.0))].into_iter().collect()).unwrap(),
        )
        .unwrap(),
    );
    let z0 = read(lat.decode(Tensor::zeros([1, IMAGE_PIXELS], &device), None).unwrap());
    assert!(max_diff(&cold[..IMAGE_PIXELS], &z0) < 1e-6 && max_diff(&cold[IMAGE_PIXELS..], &z0) < 1e-6, "T = 0 decodes z = 0");
}

/// Trains `steps` on the first 64 training digits; the last step's bits/dim.
fn train(f: &mut dyn Family, data: &genlab::data::Mnist, steps: u64) -> f32 {
    let device = f.device().clone();
    let idx: Vec<usize> = (0..64).collect();
    let mut last = 0.0;
    for step in 0..steps {
        let (images, labels) = data.train.batch(&idx, &device);
        let images = genlab::train::prepare(images, f.info().pixels, &device);
        let losses = f.train_step(genlab::families::Batch { images, labels, step }).unwrap();
        last = read(losses[0].clone())[0];
    }
    last
}
