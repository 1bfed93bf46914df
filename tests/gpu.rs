//! The GPU training path (`--features wgpu`): what training draws on the GPU is what it draws
//! on Flex. Compiled only with that feature; runs on any Vulkan (lavapipe does).

#![cfg(all(feature = "wgpu", not(target_family = "wasm")))]

use burn::tensor::{Device, DeviceKind, Distribution, Tensor};
use genlab::runtime::{block_on, read_f32};

fn moments(v: &[f32]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n;
    let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

#[test]
fn random_draws_on_the_gpu_are_fresh_and_well_spread() {
    let device = Device::wgpu(DeviceKind::DefaultDevice);
    device.seed(1);
    let n = 100_000;
    let draw = |d: Distribution| block_on(read_f32(Tensor::<1>::random([n], d, &device))).unwrap();
    let a = draw(Distribution::Uniform(0.0, 1000.0));
    let b = draw(Distribution::Uniform(0.0, 1000.0));
    let same = a.iter().zip(&b).filter(|(x, y)| x == y).count();
    println!("uniform {:?} {:?}, same {same}", moments(&a), &a[..5]);
    assert!(same < n / 100, "two draws agree in {same} of {n} places");
    let (m, s) = moments(&a);
    assert!((m - 500.0).abs() < 5.0 && (s - 288.7).abs() < 5.0, "U(0, 1000): mean {m}, sd {s}");
    let e = draw(Distribution::Normal(0.0, 1.0));
    let (m, s) = moments(&e);
    println!("normal {m} {s} {:?}", &e[..5]);
    assert!(m.abs() < 0.02 && (s - 1.0).abs() < 0.02, "N(0, 1): mean {m}, sd {s}");
    let u = draw(Distribution::Default);
    let below = u.iter().filter(|&&x| x < 0.1).count() as f64 / n as f64;
    println!("default below 0.1: {below}");
    assert!((below - 0.1).abs() < 0.01, "{below}");
    // Neighbours are independent (a lag-1 correlation near 0).
    let (m, s) = moments(&u);
    let lag: f64 = u.windows(2).map(|w| (w[0] as f64 - m) * (w[1] as f64 - m)).sum::<f64>() / ((n - 1) as f64 * s * s);
    assert!(lag.abs() < 0.02, "lag-1 correlation {lag}");
}
