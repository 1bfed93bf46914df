//! `Lab`: one compute device, the MNIST data and one model per family (each held by a
//! [`Trainer`], so the model that trains is the model that samples).

use super::{js_err, to_js};
use crate::data::{Mnist, Split, IMAGE_PIXELS};
use crate::error::{Error, Result};
use crate::families::{self, SampleOptions};
use crate::runtime::{read_f32, read_scalars};
use crate::train::{prepare, Trainer};
use crate::{latent, weights};
use burn::tensor::Device;
use js_sys::{Float32Array, Promise, Uint8Array};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

const MAX_SAMPLES: usize = 1024;

struct State {
    device: Device,
    backend: &'static str,
    data: Option<Mnist>,
    slots: HashMap<String, Trainer>,
}

impl State {
    fn trainer(&mut self, family: &str) -> Result<&mut Trainer> {
        self.slots.get_mut(family).ok_or_else(|| {
            Error::Family(format!("no '{family}' model is loaded: load weights or start training first"))
        })
    }

    fn data(&self) -> Result<&Mnist> {
        self.data.as_ref().ok_or_else(|| Error::Data("MNIST is not loaded yet".into()))
    }

    fn test_split(&self) -> Result<&Split> {
        Ok(&self.data()?.test)
    }
}

thread_local! {
    /// Burn's wgpu runtime can be initialised once per page or worker: later labs reuse it.
    static WEBGPU: RefCell<Option<Device>> = const { RefCell::new(None) };
}

async fn webgpu_device() -> std::result::Result<Device, JsError> {
    if let Some(d) = WEBGPU.with(|w| w.borrow().clone()) {
        return Ok(d);
    }
    let device = Device::wgpu_options()
        .init_async()
        .await
        .map_err(|e| JsError::new(&format!("WebGPU failed to start: {e:?}")))?;
    WEBGPU.with(|w| *w.borrow_mut() = Some(device.clone()));
    Ok(device)
}

#[wasm_bindgen]
pub struct Lab {
    state: Rc<RefCell<State>>,
}

/// Runs an async job against the state and turns its result into a Promise.
/// The worker serialises calls, so the `RefCell` is never borrowed twice at once.
fn promise<F, Fut>(state: &Rc<RefCell<State>>, job: F) -> Promise
where
    F: FnOnce(Rc<RefCell<State>>) -> Fut + 'static,
    Fut: std::future::Future<Output = Result<JsValue>> + 'static,
{
    let state = state.clone();
    future_to_promise(async move { job(state).await.map_err(|e| js_err(e).into()) })
}

fn check_n(n: u32) -> Result<usize> {
    if n == 0 || n as usize > MAX_SAMPLES {
        return Err(Error::Param(format!("n = {n} is out of range [1, {MAX_SAMPLES}]")));
    }
    Ok(n as usize)
}

fn test_indices(split: &Split, indices: &[u32]) -> Result<Vec<usize>> {
    indices
        .iter()
        .map(|&i| {
            if (i as usize) < split.n {
                Ok(i as usize)
            } else {
                Err(Error::Param(format!("test digit {i} does not exist (0..{})", split.n - 1)))
            }
        })
        .collect()
}

fn floats(v: Vec<f32>) -> JsValue {
    Float32Array::from(v.as_slice()).into()
}

#[wasm_bindgen]
impl Lab {
    /// Opens a lab on `backend`: "webgpu" (the browser's WebGPU; fails with an error if it
    /// cannot start) or "cpu" (Burn's Flex backend, always available).
    pub async fn create(backend: String) -> std::result::Result<Lab, JsError> {
        let (device, name) = match backend.as_str() {
            "cpu" => (Device::flex(), "cpu"),
            "webgpu" => (webgpu_device().await?, "webgpu"),
            other => return Err(JsError::new(&format!("unknown backend '{other}' (use 'webgpu' or 'cpu')"))),
        };
        Ok(Lab {
            state: Rc::new(RefCell::new(State { device, backend: name, data: None, slots: HashMap::new() })),
        })
    }

    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        self.state.borrow().backend.to_string()
    }

    /// Parses the four MNIST files (gzip or raw IDX); returns `{train, test}` counts.
    pub fn set_data(&self, train_images: &[u8], train_labels: &[u8], test_images: &[u8], test_labels: &[u8]) -> std::result::Result<JsValue, JsError> {
        let mnist = Mnist::from_bytes([train_images, train_labels, test_images, test_labels]).map_err(js_err)?;
        let counts = serde_json::json!({"train": mnist.train.n, "test": mnist.test.n});
        self.state.borrow_mut().data = Some(mnist);
        to_js(&counts)
    }

    pub fn has_data(&self) -> bool {
        self.state.borrow().data.is_some()
    }

    /// Replaces `family`'s model with the weights in `bytes`; returns the file's hyper-parameters.
    pub fn load_weights(&self, family: &str, bytes: Vec<u8>, seed: u32) -> std::result::Result<JsValue, JsError> {
        let mut s = self.state.borrow_mut();
        let model = families::load(Some(family), bytes, &s.device).map_err(js_err)?;
        let config = model.config().clone();
        s.slots.insert(family.to_string(), Trainer::new(model, seed as u64));
        to_js(&config)
    }

    /// Replaces `family`'s model with a fresh one built from `params` (validated against the
    /// declared ranges); returns the full hyper-parameters.
    pub fn init_family(&self, family: &str, params: JsValue, seed: u32) -> std::result::Result<JsValue, JsError> {
        let params: serde_json::Map<String, serde_json::Value> = if params.is_undefined() || params.is_null() {
            Default::default()
        } else {
            serde_wasm_bindgen::from_value(params).map_err(|e| JsError::new(&format!("invalid parameter: hyper-parameters must be an object of numbers ({e})")))?
        };
        let mut s = self.state.borrow_mut();
        s.device.seed(seed as u64);
        let model = families::create(family, &params, &s.device).map_err(js_err)?;
        let config = model.config().clone();
        s.slots.insert(family.to_string(), Trainer::new(model, seed as u64));
        to_js(&config)
    }

    /// Changes hyper-parameters that do not change the network's shape (beta, learning rate,
    /// batch size) for the model in place, keeping its weights and optimiser state.
    pub fn set_params(&self, family: &str, params: JsValue) -> std::result::Result<JsValue, JsError> {
        let params: serde_json::Map<String, serde_json::Value> = serde_wasm_bindgen::from_value(params)
            .map_err(|e| JsError::new(&format!("invalid parameter: {e}")))?;
        let mut s = self.state.borrow_mut();
        let t = s.trainer(family).map_err(js_err)?;
        let config = t.family.set_params(&params).map_err(js_err)?;
        to_js(&config)
    }

    pub fn has_model(&self, family: &str) -> bool {
        self.state.borrow().slots.contains_key(family)
    }

    /// The loaded model's hyper-parameters.
    pub fn config(&self, family: &str) -> std::result::Result<JsValue, JsError> {
        let mut s = self.state.borrow_mut();
        let t = s.trainer(family).map_err(js_err)?;
        to_js(t.family.config())
    }

    /// `n` samples from `family` as a Float32Array of n*784 values in [0, 1].
    pub fn sample(&self, family: String, n: u32, seed: u32) -> Promise {
        promise(&self.state, move |state| async move {
            let n = check_n(n)?;
            let t = {
                let mut s = state.borrow_mut();
                s.trainer(&family)?.family.sample(&SampleOptions { n, seed: seed as u64, labels: None })?
            };
            Ok(floats(read_f32(t).await?))
        })
    }

    /// Runs `steps` training steps and reads back the last step's losses:
    /// `{step, losses: {key: value}}`. Non-finite losses are an error (diverged training).
    pub fn train(&self, family: String, steps: u32) -> Promise {
        promise(&self.state, move |state| async move {
            if steps == 0 || steps > 1000 {
                return Err(Error::Param(format!("steps = {steps} is out of range [1, 1000]")));
            }
            let (losses, keys, step) = {
                let mut s = state.borrow_mut();
                let s = &mut *s;
                let data = s.data.as_ref().ok_or_else(|| Error::Data("MNIST is not loaded yet".into()))?;
                let t = s.slots.get_mut(&family).ok_or_else(|| Error::Family(format!("no '{family}' model is loaded")))?;
                let mut last = vec![];
                for _ in 0..steps {
                    last = t.step(&data.train)?;
                }
                let keys: Vec<&str> = t.family.info().losses.iter().map(|l| l.key).collect();
                (last, keys, t.step)
            };
            let values = read_scalars(losses).await?;
            let mut map = serde_json::Map::new();
            for (k, v) in keys.iter().zip(values) {
                if !v.is_finite() {
                    return Err(Error::Backend(format!("training diverged: loss '{k}' is {v}; lower the learning rate and reset")));
                }
                map.insert(k.to_string(), serde_json::json!(v));
            }
            to_js(&serde_json::json!({"step": step, "losses": map})).map_err(|_| Error::Backend("serialise".into()))
        })
    }

    /// Test digits as n*784 floats in [0, 1], and their labels.
    pub fn test_digits(&self, indices: Vec<u32>) -> std::result::Result<JsValue, JsError> {
        let s = self.state.borrow();
        let split = s.test_split().map_err(js_err)?;
        let idx = test_indices(split, &indices).map_err(js_err)?;
        let mut px = Vec::with_capacity(idx.len() * IMAGE_PIXELS);
        let mut labels = Vec::with_capacity(idx.len());
        for i in idx {
            px.extend(split.image(i));
            labels.push(split.labels[i]);
        }
        let out = js_sys::Object::new();
        js_sys::Reflect::set(&out, &"pixels".into(), &floats(px)).unwrap();
        js_sys::Reflect::set(&out, &"labels".into(), &js_sys::Uint8Array::from(labels.as_slice())).unwrap();
        Ok(out.into())
    }

    /// Reconstructions of test digits (autoencoders), n*784 floats.
    pub fn reconstruct(&self, family: String, indices: Vec<u32>) -> Promise {
        promise(&self.state, move |state| async move {
            let t = {
                let mut s = state.borrow_mut();
                let device = s.device.clone();
                let split = s.test_split()?.clone();
                let idx = test_indices(&split, &indices)?;
                let (x, _) = split.batch(&idx, &device);
                let tr = s.trainer(&family)?;
                tr.family.reconstruct(x).ok_or_else(|| Error::Family(format!("'{family}' has no encoder to reconstruct with")))?
            };
            Ok(floats(read_f32(t).await?))
        })
    }

    /// Decodes the straight line between the codes of test digits `a` and `b`.
    pub fn interpolate(&self, family: String, a: u32, b: u32, steps: u32) -> Promise {
        promise(&self.state, move |state| async move {
            let t = {
                let mut s = state.borrow_mut();
                let device = s.device.clone();
                let split = s.test_split()?.clone();
                let idx = test_indices(&split, &[a, b])?;
                let (xa, _) = split.batch(&idx[..1], &device);
                let (xb, _) = split.batch(&idx[1..], &device);
                let tr = s.trainer(&family)?;
                let lat = tr.family.latent().ok_or_else(|| Error::Family(format!("'{family}' has no latent space")))?;
                latent::interpolate(lat, xa, xb, steps as usize)?
            };
            Ok(floats(read_f32(t).await?))
        })
    }

    /// A side x side grid decoded from a 2-D latent over [-extent, extent]^2.
    pub fn manifold(&self, family: String, side: u32, extent: f32) -> Promise {
        promise(&self.state, move |state| async move {
            let t = {
                let mut s = state.borrow_mut();
                let device = s.device.clone();
                let tr = s.trainer(&family)?;
                let lat = tr.family.latent().ok_or_else(|| Error::Family(format!("'{family}' has no latent space")))?;
                latent::manifold(lat, side as usize, extent, &device)?
            };
            Ok(floats(read_f32(t).await?))
        })
    }

    /// Mean log-likelihood (or its bound) over the first `n` test digits, binarised with a
    /// fixed seed: `{nats, bits_per_dim, kind}`.
    pub fn likelihood(&self, family: String, n: u32) -> Promise {
        promise(&self.state, move |state| async move {
            let n = check_n(n)?;
            let (t, n) = {
                let mut s = state.borrow_mut();
                let device = s.device.clone();
                let split = s.test_split()?.head(n);
                let tr = s.trainer(&family)?;
                let pixels = tr.family.info().pixels;
                let idx: Vec<usize> = (0..split.n).collect();
                let (x, _) = split.batch(&idx, &device);
                device.seed(0);
                let x = prepare(x, pixels, &device);
                let ll = tr.family.log_likelihood(x).ok_or_else(|| Error::Family(format!("'{family}' has no likelihood")))?;
                (ll.mean(), split.n)
            };
            let nats = read_scalars(vec![t]).await?[0];
            to_js(&serde_json::json!({"nats": nats, "bits_per_dim": -nats / (IMAGE_PIXELS as f32 * std::f32::consts::LN_2), "n": n}))
                .map_err(|_| Error::Backend("serialise".into()))
        })
    }

    /// The model's weights as a GenLab burnpack file (parameters read back asynchronously).
    pub fn export_weights(&self, family: String) -> Promise {
        promise(&self.state, move |state| async move {
            let (pending, name, config) = {
                let mut s = state.borrow_mut();
                let t = s.trainer(&family)?;
                (t.family.weights(), t.family.info().name, t.family.config().clone())
            };
            let bytes = weights::encode(pending, name, &config).await?;
            Ok(Uint8Array::from(bytes.as_slice()).into())
        })
    }
}
