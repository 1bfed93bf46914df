//! In the browser (wasm-pack test --headless --chrome), on both backends: WebGPU (here through
//! SwiftShader, with --enable-unsafe-webgpu) and Flex. Everything goes through `Lab`, the API
//! the worker uses, so a synchronous tensor read anywhere on that path panics the WebGPU tests.

#![cfg(target_family = "wasm")]

use genlab::web::Lab;
use js_sys::{Float32Array, Object, Reflect, Uint8Array};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

// In a dedicated worker, as the page runs its models: long first-use kernel compilation on
// WebGPU (and long Flex steps) then never block the test page, which chromedriver polls.
wasm_bindgen_test_configure!(run_in_dedicated_worker);

// The test digits (MNIST_DIR is set by build.sh at compile time), to train and reconstruct,
// and the shipped classifier judge and naive Bayes, to evaluate.
const TEST_IMAGES: &[u8] = include_bytes!(concat!(env!("MNIST_DIR"), "/t10k-images-idx3-ubyte.gz"));
const TEST_LABELS: &[u8] = include_bytes!(concat!(env!("MNIST_DIR"), "/t10k-labels-idx1-ubyte.gz"));
const JUDGE: &[u8] = include_bytes!("../www/weights/classifier.bpk");
const NAIVE_BAYES: &[u8] = include_bytes!("../www/weights/naive-bayes.bpk");

fn object(kv: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in kv {
        Reflect::set(&o, &(*k).into(), v).unwrap();
    }
    o.into()
}

fn nums(kv: &[(&str, f64)]) -> JsValue {
    object(&kv.iter().map(|(k, v)| (*k, JsValue::from_f64(*v))).collect::<Vec<_>>())
}

async fn lab(backend: &str) -> Lab {
    let lab = Lab::create(backend.into()).await.unwrap_or_else(|e| panic!("{backend} lab: {:?}", JsValue::from(e)));
    assert_eq!(lab.backend(), backend);
    // The test split doubles as training data here: small and already in the binary.
    lab.set_data(TEST_IMAGES, TEST_LABELS, TEST_IMAGES, TEST_LABELS).unwrap();
    tick().await;
    lab
}

/// Lets the event loop run between calls: on Flex every promise is already resolved, so
/// without this a whole test would be one unbroken chain of microtasks.
async fn tick() {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let global = js_sys::global();
        let set_timeout: js_sys::Function = Reflect::get(&global, &"setTimeout".into()).unwrap().into();
        set_timeout.call2(&global, &resolve, &JsValue::from(0)).unwrap();
    });
    JsFuture::from(p).await.unwrap();
}

async fn ok(p: js_sys::Promise) -> JsValue {
    let v = JsFuture::from(p).await.unwrap_or_else(|e| panic!("rejected: {e:?}"));
    tick().await;
    v
}

async fn floats(p: js_sys::Promise) -> Vec<f32> {
    Float32Array::from(ok(p).await).to_vec()
}

fn get(v: &JsValue, path: &[&str]) -> JsValue {
    let mut v = v.clone();
    for k in path {
        v = Reflect::get(&v, &(*k).into()).unwrap();
    }
    v
}

fn num(v: &JsValue, path: &[&str]) -> f64 {
    let x = get(v, path);
    x.as_f64().unwrap_or_else(|| panic!("{path:?} is not a number: {x:?}"))
}

fn sample(lab: &Lab, family: &str, n: u32, seed: u32) -> js_sys::Promise {
    lab.sample(family.into(), n, seed, None, JsValue::UNDEFINED, None, None)
}

/// Every family, small: a few training steps with finite losses, then samples in [0, 1],
/// seeded, through a weights round trip.
async fn train_and_sample(backend: &str, family: &str, params: &[(&str, f64)], steps: u32) {
    let lab = lab(backend).await;
    lab.init_family(family, nums(params), 1).unwrap();
    let last = ok(lab.train(family.into(), steps)).await;
    assert_eq!(num(&last, &["step"]), steps as f64);
    let losses: Object = get(&last, &["losses"]).into();
    for k in Object::keys(&losses).iter() {
        let v = Reflect::get(&losses, &k).unwrap().as_f64().unwrap();
        assert!(v.is_finite(), "{backend} {family}: loss {k:?} = {v}");
    }
    let px = floats(sample(&lab, family, 3, 5)).await;
    assert_eq!(px.len(), 3 * 784);
    assert!(px.iter().all(|v| (0.0..=1.0).contains(v)), "{backend} {family}: samples outside [0, 1]");
    let bytes = Uint8Array::from(ok(lab.export_weights(family.into())).await).to_vec();
    lab.load_weights(family, bytes, 0).unwrap();
    assert_eq!(px, floats(sample(&lab, family, 3, 5)).await, "{backend} {family}: same seed and weights, same digits");
}

async fn vae_views(backend: &str) {
    let lab = lab(backend).await;
    lab.init_family("vae", nums(&[("latent", 2.0), ("hidden", 64.0), ("batch", 32.0)]), 1).unwrap();
    ok(lab.train("vae".into(), 2)).await;
    assert_eq!(floats(lab.reconstruct("vae".into(), vec![0, 1, 2])).await.len(), 3 * 784);
    assert_eq!(floats(lab.interpolate("vae".into(), 0, 1, 5)).await.len(), 5 * 784);
    assert_eq!(floats(lab.manifold("vae".into(), 4, 2.0)).await.len(), 16 * 784);
    let ll = ok(lab.likelihood("vae".into(), 64)).await;
    let nats = num(&ll, &["nats"]);
    assert!(nats.is_finite() && nats < 0.0, "{backend}: ELBO {nats}");
    // Bad input is an error, not a panic.
    assert!(JsFuture::from(sample(&lab, "vae", 0, 1)).await.is_err());
    assert!(JsFuture::from(sample(&lab, "nope", 4, 1)).await.is_err());
    assert!(
        JsFuture::from(lab.sample("vae".into(), 2, 1, Some(vec![3, 3]), JsValue::UNDEFINED, None, None)).await.is_err(),
        "the VAE takes no label"
    );
    assert!(lab.load_weights("vae", vec![1, 2, 3], 0).is_err());
}

/// The evaluation on the shipped naive Bayes: every field, finite.
async fn evaluate(backend: &str) {
    let lab = lab(backend).await;
    lab.load_judge(JUDGE.to_vec()).unwrap();
    lab.load_weights("naive-bayes", NAIVE_BAYES.to_vec(), 0).unwrap();
    let r = ok(lab.evaluate("naive-bayes".into(), 40, 1, 10, 50, JsValue::UNDEFINED, None)).await;
    let (fid, real) = (num(&r, &["fid"]), num(&r, &["fid_real"]));
    assert!(fid.is_finite() && real.is_finite() && fid > real && real > 0.0, "{backend}: FID {fid}, real {real}");
    let hist = js_sys::Array::from(&get(&r, &["classes", "histogram"]));
    assert_eq!(hist.iter().map(|v| v.as_f64().unwrap()).sum::<f64>(), 40.0);
    // (The test split doubles as training data here, so only the samples' distance means much.)
    assert_eq!(num(&r, &["memorisation", "n"]), 10.0);
    assert!(num(&r, &["memorisation", "sample_nn"]) > 0.0);
    assert!(num(&r, &["likelihood", "nats"]) < 0.0);
    // Naive Bayes draws the asked digit about half the time (51% natively on 1,000 samples;
    // chance is 10%): a floor that a broken label path or judge would fall through.
    let acc = num(&r, &["conditional_accuracy"]);
    assert!(acc > 0.25 && acc <= 1.0, "{backend}: conditional accuracy {acc}");
    let classes = ok(lab.classes(floats(sample(&lab, "naive-bayes", 10, 2)).await)).await;
    assert_eq!(js_sys::Array::from(&get(&classes, &["labels"])).length(), 10);
}

async fn diffusion_steps(backend: &str) {
    let lab = lab(backend).await;
    lab.init_family("ddpm", nums(&[("channels", 8.0), ("batch", 8.0)]), 1).unwrap();
    ok(lab.train("ddpm".into(), 1)).await;
    let settings = object(&[("steps", JsValue::from_f64(4.0)), ("sampler", JsValue::from_str("ddim")), ("guidance", JsValue::from_f64(3.0))]);
    let r = ok(lab.trajectory("ddpm".into(), 2, 3, Some(vec![1, 7]), settings, 5, None, None)).await;
    let frames = js_sys::Array::from(&get(&r, &["frames"]));
    assert_eq!(frames.length(), 5);
    let last = frames.get(4);
    assert_eq!(num(&last, &["t"]), 0.0);
    let x = Float32Array::from(get(&last, &["x"])).to_vec();
    assert!(x.len() == 2 * 784 && x.iter().all(|v| (0.0..=1.0).contains(v)));
    let ab = js_sys::Array::from(&get(&lab.schedule("ddpm").unwrap(), &["alpha_bar"]));
    assert_eq!(ab.length(), 1000);
    assert_eq!(floats(lab.forward_process("ddpm".into(), 0, vec![0, 500, 999], 1)).await.len(), 3 * 784);
    let bad = object(&[("eta", JsValue::from_f64(7.0))]);
    assert!(JsFuture::from(lab.sample("ddpm".into(), 2, 1, None, bad, None, None)).await.is_err(), "eta out of range is an error");
}

async fn gan_latent(backend: &str) {
    let lab = lab(backend).await;
    lab.init_family("cgan", nums(&[("z", 8.0), ("width", 8.0), ("batch", 8.0)]), 1).unwrap();
    let codes = lab.latent_codes("cgan", 2, 4).unwrap().to_vec();
    assert_eq!(codes.len(), 16);
    let px = floats(lab.decode("cgan".into(), codes, Some(vec![0, 9]))).await;
    assert_eq!(px.len(), 2 * 784);
    let a = floats(lab.sample("cgan".into(), 2, 4, Some(vec![3, 3]), JsValue::UNDEFINED, None, None)).await;
    let b = floats(lab.sample("cgan".into(), 2, 4, Some(vec![8, 8]), JsValue::UNDEFINED, None, None)).await;
    assert_ne!(a, b, "{backend}: the label changes the digits");
}

/// PixelCNN trains; its completions keep their rows; its per-pixel likelihood sums to the
/// image's. (Only the last rows are sampled: a pixel at a time is thousands of small GPU
/// dispatches, which SwiftShader, the software WebGPU here, runs slowly; every-family training
/// and sampling of whole digits is tested on the CPU.)
async fn pixelcnn_views(backend: &str) {
    let lab = lab(backend).await;
    lab.init_family("pixelcnn", nums(&[("channels", 4.0), ("layers", 1.0), ("batch", 8.0)]), 1).unwrap();
    ok(lab.train("pixelcnn".into(), 1)).await;
    let digits = Float32Array::from(get(&lab.test_digits(vec![0, 1]).unwrap(), &["pixels"])).to_vec();
    let rows = 22;
    let r = ok(lab.complete("pixelcnn".into(), digits.clone(), rows, 3, Some(vec![7, 2]), 3, None, None, JsValue::UNDEFINED)).await;
    let frames = js_sys::Array::from(&get(&r, &["frames"]));
    let out = Float32Array::from(get(&frames.get(frames.length() - 1), &["x"])).to_vec();
    for b in 0..2 {
        for k in b * 784..b * 784 + rows as usize * 28 {
            assert_eq!(out[k], if digits[k] >= 0.5 { 1.0 } else { 0.0 }, "{backend}: kept row pixel {k}");
        }
    }
    assert!(out.iter().all(|&v| v == 0.0 || v == 1.0), "{backend}: binary completions");
    let ll = ok(lab.image_likelihood("pixelcnn".into(), out.clone())).await;
    let nats = Float32Array::from(get(&ll, &["nats"])).to_vec();
    let px = Float32Array::from(get(&ll, &["pixels"])).to_vec();
    assert_eq!((nats.len(), px.len()), (2, 2 * 784));
    for b in 0..2 {
        let sum: f32 = px[b * 784..(b + 1) * 784].iter().sum();
        assert!(nats[b] < 0.0 && (sum - nats[b]).abs() < 1e-2 * nats[b].abs(), "{backend}: {sum} vs {}", nats[b]);
    }
    // Bad input is an error, not a panic.
    assert!(
        JsFuture::from(lab.complete("pixelcnn".into(), digits.clone(), 29, 3, None, 3, None, None, JsValue::UNDEFINED)).await.is_err(),
        "rows 29"
    );
    assert!(
        JsFuture::from(lab.complete("pixelcnn".into(), vec![2.0; 784], 3, 3, None, 3, None, None, JsValue::UNDEFINED)).await.is_err(),
        "values outside [0, 1]"
    );
    assert!(JsFuture::from(lab.image_likelihood("pixelcnn".into(), vec![0.0; 700])).await.is_err(), "not whole digits");
    assert!(
        JsFuture::from(lab.complete("vae".into(), digits, 3, 3, None, 3, None, None, JsValue::UNDEFINED)).await.is_err(),
        "the VAE does not complete"
    );
}

/// The flows: a few training steps (so the flow is not the identity it starts as), then test
/// digits x -> z -> x within 1e-4, each layer's state and log-det, and the likelihood of given
/// images in bits/dim (no per-pixel split). Small networks: SwiftShader runs every dispatch
/// in software.
async fn flow_views(backend: &str) {
    let lab = lab(backend).await;
    for (family, params) in
        [("nice", nums(&[("hidden", 16.0), ("depth", 1.0), ("batch", 8.0)])), ("realnvp", nums(&[("width", 4.0), ("blocks", 0.0), ("batch", 8.0)]))]
    {
        lab.init_family(family, params, 1).unwrap();
        ok(lab.train(family.into(), 3)).await;
        let digits = Float32Array::from(get(&lab.test_digits(vec![0, 1]).unwrap(), &["pixels"])).to_vec();
        let z = floats(lab.encode(family.into(), digits.clone())).await;
        assert_eq!(z.len(), 2 * 784);
        let moved = z.iter().zip(&digits).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
        assert!(moved > 0.1, "{backend} {family}: z is not the image");
        let back = floats(lab.decode(family.into(), z, None)).await;
        let err = back.iter().zip(&digits).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
        assert!(err < 1e-4, "{backend} {family}: x -> z -> x is off by {err}");
        let layers = ok(lab.flow_layers(family.into(), digits.clone())).await;
        let names = js_sys::Array::from(&get(&layers, &["names"])).length() as usize;
        let states = Float32Array::from(get(&layers, &["states"])).to_vec();
        let logdets = Float32Array::from(get(&layers, &["logdets"])).to_vec();
        assert!(names > 2 && states.len() == names * 2 * 784 && logdets.len() == names * 2, "{backend} {family}: {names} layers");
        assert!(logdets.iter().all(|v| v.is_finite()), "{backend} {family}: log-dets {logdets:?}");
        let ll = ok(lab.image_likelihood(family.into(), digits)).await;
        let bpd = Float32Array::from(get(&ll, &["bits_per_dim"])).to_vec();
        assert!(bpd.len() == 2 && bpd.iter().all(|&b| b.is_finite() && b > 0.0), "{backend} {family}: bits/dim {bpd:?}");
        assert!(get(&ll, &["pixels"]).is_undefined(), "{backend} {family}: a flow's likelihood does not split by pixel");
    }
    assert!(JsFuture::from(lab.encode("gan".into(), vec![0.0; 784])).await.is_err(), "the GAN has no encoder");
    assert!(JsFuture::from(lab.flow_layers("vae".into(), vec![0.0; 784])).await.is_err(), "the VAE is not invertible");
}

/// The Boltzmann machines, tiny: a chain from given digits (held rows stay put), free
/// energies, hidden layers, filters, log Z by AIS with its standard error, the likelihood as an
/// estimate with its uncertainty, the free-energy gap; errors for other families.
async fn boltzmann_views(backend: &str) {
    let lab = lab(backend).await;
    let ais = [("ais_runs", 4.0), ("ais_steps", 20.0), ("batch", 8.0)];
    for (family, sizes) in [("rbm", vec![("hidden", 16.0)]), ("dbm", vec![("hidden1", 16.0), ("hidden2", 8.0), ("pretrain", 1.0)])] {
        let params: Vec<_> = sizes.iter().chain(&ais).cloned().collect();
        lab.init_family(family, nums(&params), 1).unwrap();
        ok(lab.train(family.into(), 3)).await;
        let digits = Float32Array::from(get(&lab.test_digits(vec![0, 1]).unwrap(), &["pixels"])).to_vec();
        let binary: Vec<f32> = digits.iter().map(|&v| if v >= 0.5 { 1.0 } else { 0.0 }).collect();
        let steps = || nums(&[("steps", 3.0)]);
        let frames_of = |r: &JsValue| js_sys::Array::from(&get(r, &["frames"]));
        let free = ok(lab.complete(family.into(), digits.clone(), 0, 5, None, 4, None, None, steps())).await;
        let frames = frames_of(&free);
        assert_eq!(frames.length(), 4, "{backend} {family}: the start and three sweeps");
        assert_eq!(Float32Array::from(get(&frames.get(0), &["x"])).to_vec(), binary, "{backend} {family}: the chain starts at the digits");
        let held = ok(lab.complete(family.into(), digits.clone(), 28, 5, None, 2, None, None, steps())).await;
        let last = frames_of(&held).get(1);
        assert_eq!(Float32Array::from(get(&last, &["x"])).to_vec(), binary, "{backend} {family}: every row held");
        let f = floats(lab.free_energy(family.into(), digits.clone())).await;
        assert!(f.len() == 2 && f.iter().all(|v| v.is_finite()), "{backend} {family}: free energies {f:?}");
        let hidden = ok(lab.hidden_layers(family.into(), digits.clone())).await;
        assert_eq!(js_sys::Array::from(&get(&hidden, &["layers"])).length() as usize, sizes.len().min(2), "{backend} {family}: hidden layers");
        let filters = ok(lab.filters(family.into())).await;
        assert_eq!(Float32Array::from(get(&filters, &["filters"])).length(), 16 * 784, "{backend} {family}: a filter per unit");
        let z = ok(lab.log_partition(family.into())).await;
        assert!(num(&z, &["log_z"]).is_finite() && num(&z, &["se"]) >= 0.0, "{backend} {family}: log Z");
        let ll = ok(lab.image_likelihood(family.into(), digits.clone())).await;
        let nats = Float32Array::from(get(&ll, &["nats"])).to_vec();
        assert!(nats.iter().all(|v| v.is_finite()) && num(&ll, &["uncertainty"]) >= 0.0, "{backend} {family}: {nats:?}");
        let gap = ok(lab.energy_gap(family.into(), 16)).await;
        assert!(num(&gap, &["train"]).is_finite() && num(&gap, &["test"]).is_finite(), "{backend} {family}: free-energy gap");
    }
    assert!(JsFuture::from(lab.free_energy("vae".into(), vec![0.0; 784])).await.is_err(), "the VAE has no energy");
    assert!(JsFuture::from(lab.filters("nice".into())).await.is_err(), "NICE has no filters");
}

#[wasm_bindgen_test]
async fn cpu_every_family_trains_and_samples() {
    train_and_sample("cpu", "vae", &[("hidden", 64.0), ("batch", 32.0)], 10).await;
    train_and_sample("cpu", "gan", &[("z", 8.0), ("width", 8.0), ("batch", 16.0)], 3).await;
    train_and_sample("cpu", "cgan", &[("z", 8.0), ("width", 8.0), ("batch", 16.0)], 3).await;
    train_and_sample("cpu", "ddpm", &[("channels", 8.0), ("batch", 8.0)], 2).await;
    train_and_sample("cpu", "pixelcnn", &[("channels", 4.0), ("layers", 1.0), ("batch", 8.0)], 2).await;
    train_and_sample("cpu", "nice", &[("hidden", 16.0), ("depth", 1.0), ("batch", 8.0)], 2).await;
    train_and_sample("cpu", "realnvp", &[("width", 4.0), ("blocks", 0.0), ("batch", 8.0)], 2).await;
    train_and_sample("cpu", "rbm", &[("hidden", 16.0), ("batch", 16.0)], 3).await;
    train_and_sample("cpu", "dbm", &[("hidden1", 16.0), ("hidden2", 8.0), ("pretrain", 1.0), ("batch", 16.0)], 3).await;
    train_and_sample("cpu", "naive-bayes", &[("batch", 32.0)], 5).await;
}

#[wasm_bindgen_test]
async fn webgpu_every_family_trains_and_samples_without_synchronous_reads() {
    train_and_sample("webgpu", "vae", &[("hidden", 64.0), ("batch", 16.0)], 2).await;
    train_and_sample("webgpu", "gan", &[("z", 8.0), ("width", 8.0), ("batch", 8.0)], 1).await;
    train_and_sample("webgpu", "cgan", &[("z", 8.0), ("width", 8.0), ("batch", 8.0)], 1).await;
    train_and_sample("webgpu", "ddpm", &[("channels", 8.0), ("batch", 8.0)], 1).await;
    train_and_sample("webgpu", "naive-bayes", &[("batch", 16.0)], 2).await;
}

#[wasm_bindgen_test]
async fn cpu_views_evaluation_diffusion_and_latents() {
    vae_views("cpu").await;
    evaluate("cpu").await;
    diffusion_steps("cpu").await;
    gan_latent("cpu").await;
    pixelcnn_views("cpu").await;
    flow_views("cpu").await;
    boltzmann_views("cpu").await;
}

#[wasm_bindgen_test]
async fn webgpu_views_evaluation_diffusion_and_latents() {
    vae_views("webgpu").await;
    evaluate("webgpu").await;
    diffusion_steps("webgpu").await;
    gan_latent("webgpu").await;
    pixelcnn_views("webgpu").await;
    flow_views("webgpu").await;
    boltzmann_views("webgpu").await;
}

#[wasm_bindgen_test]
async fn same_seed_samples_agree_across_backends() {
    // Noise is drawn on the host, so the same weights and seed give the same digits on both.
    let cpu = lab("cpu").await;
    let gpu = lab("webgpu").await;
    for (family, params) in [("vae", nums(&[("hidden", 64.0)])), ("gan", nums(&[("z", 8.0), ("width", 8.0)]))] {
        cpu.init_family(family, params, 1).unwrap();
        let bytes = Uint8Array::from(ok(cpu.export_weights(family.into())).await).to_vec();
        gpu.load_weights(family, bytes, 0).unwrap();
        let a = floats(sample(&cpu, family, 4, 11)).await;
        let b = floats(sample(&gpu, family, 4, 11)).await;
        let max_diff = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0f32, f32::max);
        assert!(max_diff < 1e-3, "{family}: max |cpu - webgpu| = {max_diff}");
    }
}
