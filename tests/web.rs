//! In the browser (wasm-pack test --headless --chrome), on both backends: WebGPU (here through
//! SwiftShader, with --enable-unsafe-webgpu) and Flex. Everything goes through `Lab`, the API
//! the worker uses, so a synchronous tensor read anywhere on that path panics the WebGPU test.

#![cfg(target_family = "wasm")]

use genlab::web::Lab;
use js_sys::{Float32Array, Reflect, Uint8Array};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

// The test digits (MNIST_DIR is set by build.sh at compile time), to train and reconstruct.
const TEST_IMAGES: &[u8] = include_bytes!(concat!(env!("MNIST_DIR"), "/t10k-images-idx3-ubyte.gz"));
const TEST_LABELS: &[u8] = include_bytes!(concat!(env!("MNIST_DIR"), "/t10k-labels-idx1-ubyte.gz"));

async fn lab(backend: &str) -> Lab {
    let lab = Lab::create(backend.into()).await.unwrap_or_else(|e| panic!("{backend} lab: {:?}", JsValue::from(e)));
    assert_eq!(lab.backend(), backend);
    // The test split doubles as training data here: small and already in the binary.
    lab.set_data(TEST_IMAGES, TEST_LABELS, TEST_IMAGES, TEST_LABELS).unwrap();
    let params = js_sys::Object::new();
    Reflect::set(&params, &"latent".into(), &2.into()).unwrap();
    Reflect::set(&params, &"hidden".into(), &64.into()).unwrap();
    Reflect::set(&params, &"batch".into(), &32.into()).unwrap();
    lab.init_family("vae", params.into(), 1).unwrap();
    lab
}

async fn floats(p: js_sys::Promise) -> Vec<f32> {
    Float32Array::from(JsFuture::from(p).await.unwrap()).to_vec()
}

fn num(v: &JsValue, path: &[&str]) -> f64 {
    let mut v = v.clone();
    for k in path {
        v = Reflect::get(&v, &(*k).into()).unwrap();
    }
    v.as_f64().unwrap_or_else(|| panic!("{path:?} is not a number: {v:?}"))
}

/// Train steps run with finite losses; sampling, reconstruction, latent views, likelihood and
/// weights export all read back asynchronously and give sane values.
async fn exercise(backend: &str, steps: u32) {
    let lab = lab(backend).await;
    let first = JsFuture::from(lab.train("vae".into(), 1)).await.unwrap();
    let last = JsFuture::from(lab.train("vae".into(), steps)).await.unwrap();
    assert_eq!(num(&last, &["step"]), (1 + steps) as f64);
    for k in ["recon", "kl"] {
        let (a, b) = (num(&first, &["losses", k]), num(&last, &["losses", k]));
        assert!(a.is_finite() && b.is_finite(), "{backend}: {k} {a} -> {b}");
    }

    let px = floats(lab.sample("vae".into(), 6, 3)).await;
    assert_eq!(px.len(), 6 * 784);
    assert!(px.iter().all(|v| (0.0..=1.0).contains(v)), "{backend}: samples outside [0,1]");
    assert_eq!(px, floats(lab.sample("vae".into(), 6, 3)).await, "{backend}: same seed, same digits");

    let rec = floats(lab.reconstruct("vae".into(), vec![0, 1, 2])).await;
    assert_eq!(rec.len(), 3 * 784);
    let line = floats(lab.interpolate("vae".into(), 0, 1, 5)).await;
    assert_eq!(line.len(), 5 * 784);
    let grid = floats(lab.manifold("vae".into(), 4, 2.0)).await;
    assert_eq!(grid.len(), 16 * 784);

    let ll = JsFuture::from(lab.likelihood("vae".into(), 64)).await.unwrap();
    let nats = num(&ll, &["nats"]);
    assert!(nats.is_finite() && nats < 0.0, "{backend}: ELBO {nats}");

    // Export, then load into the same lab: the samples are unchanged.
    let bytes = Uint8Array::from(JsFuture::from(lab.export_weights("vae".into())).await.unwrap()).to_vec();
    lab.load_weights("vae", bytes, 0).unwrap();
    assert_eq!(px, floats(lab.sample("vae".into(), 6, 3)).await, "{backend}: weights round trip");

    // Bad input is an error, not a panic.
    assert!(JsFuture::from(lab.sample("vae".into(), 0, 1)).await.is_err());
    assert!(JsFuture::from(lab.sample("nope".into(), 4, 1)).await.is_err());
    assert!(lab.load_weights("vae", vec![1, 2, 3], 0).is_err());
}

#[wasm_bindgen_test]
async fn cpu_backend_trains_and_samples() {
    exercise("cpu", 20).await;
}

#[wasm_bindgen_test]
async fn webgpu_backend_trains_and_samples_without_synchronous_reads() {
    exercise("webgpu", 2).await;
}

#[wasm_bindgen_test]
async fn same_seed_samples_agree_across_backends() {
    // Noise is drawn on the host, so the same weights and seed give the same digits on both.
    let cpu = lab("cpu").await;
    let gpu = Lab::create("webgpu".into()).await.unwrap();
    let bytes = Uint8Array::from(JsFuture::from(cpu.export_weights("vae".into())).await.unwrap()).to_vec();
    gpu.load_weights("vae", bytes, 0).unwrap();
    let a = floats(cpu.sample("vae".into(), 4, 11)).await;
    let b = floats(gpu.sample("vae".into(), 4, 11)).await;
    let max_diff = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0f32, f32::max);
    assert!(max_diff < 1e-3, "max |cpu - webgpu| = {max_diff}");
}
