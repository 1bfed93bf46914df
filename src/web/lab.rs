//! `Lab`: one compute device, the MNIST data and one model per family (each held by a
//! [`Trainer`], so the model that trains is the model that samples).
//!
//! Each model sits in its own `Rc<RefCell<..>>` slot: an async call clones the slot out of the
//! lab and keeps only that model borrowed while it awaits read-backs. The worker runs one call
//! at a time, so a slot is never borrowed twice; if that ever broke, the call would fail with
//! "busy" rather than panic.

use super::{js_err, to_js};
use crate::data::{Mnist, IMAGE_PIXELS};
use crate::error::{Error, Result};
use crate::eval::likelihood::test_likelihood;
use crate::families::{self, hyper, Family, Given, SampleOptions};
use crate::latent;
use crate::runtime::{read_f32, read_scalars};
use crate::train::Trainer;
use crate::weights::{self, Precision};
use burn::tensor::Device;
use js_sys::{Float32Array, Promise, Uint8Array};
use std::cell::{Ref, RefCell, RefMut};
use std::collections::HashMap;
use std::future::Future;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

type Slot = Rc<RefCell<Trainer>>;

struct State {
    device: Device,
    backend: &'static str,
    data: Option<Rc<Mnist>>,
    slots: HashMap<String, Slot>,
}

impl State {
    fn slot(&self, family: &str) -> Result<Slot> {
        self.slots
            .get(family)
            .cloned()
            .ok_or_else(|| Error::Family(format!("no '{family}' model is loaded: load weights or start training first")))
    }

    fn data(&self) -> Result<Rc<Mnist>> {
        self.data.clone().ok_or_else(|| Error::Data("MNIST is not loaded yet".into()))
    }
}

fn busy() -> Error {
    Error::Backend("the model is busy with another call".into())
}

fn read(slot: &Slot) -> Result<Ref<'_, Trainer>> {
    slot.try_borrow().map_err(|_| busy())
}

fn write(slot: &Slot) -> Result<RefMut<'_, Trainer>> {
    slot.try_borrow_mut().map_err(|_| busy())
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

/// Runs an async job and turns its result into a Promise (errors become JS `Error`s).
fn promise<Fut>(job: Fut) -> Promise
where
    Fut: Future<Output = Result<JsValue>> + 'static,
{
    future_to_promise(async move { job.await.map_err(|e| js_err(e).into()) })
}

fn checked_indices(n: usize, indices: &[u32]) -> Result<Vec<usize>> {
    indices
        .iter()
        .map(|&i| {
            if (i as usize) < n {
                Ok(i as usize)
            } else {
                Err(Error::Param(format!("test digit {i} does not exist (0..{})", n - 1)))
            }
        })
        .collect()
}

/// A JS object of named values (hyper-parameters, sampler settings); undefined or null is empty.
fn given(v: JsValue, what: &str) -> Result<Given> {
    if v.is_undefined() || v.is_null() {
        return Ok(Given::new());
    }
    serde_wasm_bindgen::from_value(v).map_err(|e| Error::Param(format!("{what} must be an object of numbers or names ({e})")))
}

fn floats(v: Vec<f32>) -> JsValue {
    Float32Array::from(v.as_slice()).into()
}

fn shown_config(f: &dyn Family) -> Given {
    hyper::show(&f.info().hyper, f.config())
}

impl Lab {
    fn slot(&self, family: &str) -> Result<Slot> {
        self.state.borrow().slot(family)
    }

    fn data(&self) -> Result<Rc<Mnist>> {
        self.state.borrow().data()
    }

    fn device(&self) -> Device {
        self.state.borrow().device.clone()
    }

    fn install(&self, family: &str, model: Box<dyn Family>, seed: u32) -> Result<JsValue> {
        let config = shown_config(model.as_ref());
        self.state.borrow_mut().slots.insert(family.to_string(), Rc::new(RefCell::new(Trainer::new(model, seed as u64))));
        to_js(&config).map_err(|_| Error::Backend("serialise".into()))
    }
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
        Ok(Lab { state: Rc::new(RefCell::new(State { device, backend: name, data: None, slots: HashMap::new() })) })
    }

    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        self.state.borrow().backend.to_string()
    }

    /// Parses the four MNIST files (gzip or raw IDX); returns `{train, test}` counts.
    pub fn set_data(&self, train_images: &[u8], train_labels: &[u8], test_images: &[u8], test_labels: &[u8]) -> std::result::Result<JsValue, JsError> {
        let mnist = Mnist::from_bytes([train_images, train_labels, test_images, test_labels]).map_err(js_err)?;
        let counts = serde_json::json!({"train": mnist.train.n, "test": mnist.test.n});
        self.state.borrow_mut().data = Some(Rc::new(mnist));
        to_js(&counts)
    }

    pub fn has_data(&self) -> bool {
        self.state.borrow().data.is_some()
    }

    /// Replaces `family`'s model with the weights in `bytes`; returns the file's hyper-parameters.
    pub fn load_weights(&self, family: &str, bytes: Vec<u8>, seed: u32) -> std::result::Result<JsValue, JsError> {
        let model = families::load(Some(family), bytes, &self.device()).map_err(js_err)?;
        self.install(family, model, seed).map_err(js_err)
    }

    /// Replaces `family`'s model with a fresh one built from `params` (validated against the
    /// declared ranges); returns the full hyper-parameters.
    pub fn init_family(&self, family: &str, params: JsValue, seed: u32) -> std::result::Result<JsValue, JsError> {
        let params = given(params, "hyper-parameters").map_err(js_err)?;
        let device = self.device();
        device.seed(seed as u64);
        let model = families::create(family, &params, &device).map_err(js_err)?;
        self.install(family, model, seed).map_err(js_err)
    }

    /// Changes hyper-parameters that do not change the network's shape (beta, learning rate,
    /// batch size) for the model in place, keeping its weights and optimiser state.
    pub fn set_params(&self, family: &str, params: JsValue) -> std::result::Result<JsValue, JsError> {
        let params = given(params, "hyper-parameters").map_err(js_err)?;
        let slot = self.slot(family).map_err(js_err)?;
        let mut t = write(&slot).map_err(js_err)?;
        t.model.set_params(&params).map_err(js_err)?;
        to_js(&shown_config(t.model.as_ref()))
    }

    pub fn has_model(&self, family: &str) -> bool {
        self.state.borrow().slots.contains_key(family)
    }

    /// The loaded model's hyper-parameters.
    pub fn config(&self, family: &str) -> std::result::Result<JsValue, JsError> {
        let slot = self.slot(family).map_err(js_err)?;
        let t = read(&slot).map_err(js_err)?;
        to_js(&shown_config(t.model.as_ref()))
    }

    /// `n` samples from `family` as a Float32Array of n*784 values in [0, 1]; `labels` (one
    /// per sample, conditional families only) and the family's sampler `settings` are optional.
    pub fn sample(&self, family: String, n: u32, seed: u32, labels: Option<Vec<u8>>, settings: JsValue) -> Promise {
        let job = (|| {
            let settings = given(settings, "sampler settings")?;
            let slot = self.slot(&family)?;
            let t = read(&slot)?;
            let options = SampleOptions::checked(&t.model.info(), n as usize, seed as u64, labels, &settings)?;
            t.model.sample(&options)
        })();
        promise(async move { Ok(floats(read_f32(job?).await?)) })
    }

    /// Runs `steps` training steps and reads back the last step's losses:
    /// `{step, losses: {key: value}}`. Non-finite losses are an error (diverged training).
    pub fn train(&self, family: String, steps: u32) -> Promise {
        let job = (|| {
            if steps == 0 || steps > 1000 {
                return Err(Error::Param(format!("steps = {steps} is out of range [1, 1000]")));
            }
            let data = self.data()?;
            let slot = self.slot(&family)?;
            let mut t = write(&slot)?;
            let mut last = vec![];
            for _ in 0..steps {
                last = t.step(&data.train)?;
            }
            let keys: Vec<&'static str> = t.model.info().losses.iter().map(|l| l.key).collect();
            Ok((last, keys, t.step))
        })();
        promise(async move {
            let (losses, keys, step) = job?;
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
        let data = self.data().map_err(js_err)?;
        let idx = checked_indices(data.test.n, &indices).map_err(js_err)?;
        let mut px = Vec::with_capacity(idx.len() * IMAGE_PIXELS);
        let mut labels = Vec::with_capacity(idx.len());
        for i in idx {
            px.extend(data.test.image(i));
            labels.push(data.test.labels[i]);
        }
        let out = js_sys::Object::new();
        js_sys::Reflect::set(&out, &"pixels".into(), &floats(px)).map_err(|_| JsError::new("set pixels"))?;
        js_sys::Reflect::set(&out, &"labels".into(), &Uint8Array::from(labels.as_slice())).map_err(|_| JsError::new("set labels"))?;
        Ok(out.into())
    }

    /// Reconstructions of test digits (autoencoders), n*784 floats.
    pub fn reconstruct(&self, family: String, indices: Vec<u32>) -> Promise {
        let job = (|| {
            let data = self.data()?;
            let idx = checked_indices(data.test.n, &indices)?;
            let (x, _) = data.test.batch(&idx, &self.device());
            let slot = self.slot(&family)?;
            let t = read(&slot)?;
            t.model.reconstruct(x).ok_or_else(|| Error::Family(format!("'{family}' has no encoder to reconstruct with")))
        })();
        promise(async move { Ok(floats(read_f32(job?).await?)) })
    }

    /// Decodes the straight line between the codes of test digits `a` and `b`.
    pub fn interpolate(&self, family: String, a: u32, b: u32, steps: u32) -> Promise {
        let job = (|| {
            let data = self.data()?;
            let idx = checked_indices(data.test.n, &[a, b])?;
            let device = self.device();
            let (xa, _) = data.test.batch(&idx[..1], &device);
            let (xb, _) = data.test.batch(&idx[1..], &device);
            let slot = self.slot(&family)?;
            let t = read(&slot)?;
            let lat = t.model.latent().ok_or_else(|| Error::Family(format!("'{family}' has no latent space")))?;
            latent::interpolate(lat, xa, xb, steps as usize)
        })();
        promise(async move { Ok(floats(read_f32(job?).await?)) })
    }

    /// A side x side grid decoded from a 2-D latent over [-extent, extent]^2.
    pub fn manifold(&self, family: String, side: u32, extent: f32) -> Promise {
        let job = (|| {
            let slot = self.slot(&family)?;
            let t = read(&slot)?;
            let lat = t.model.latent().ok_or_else(|| Error::Family(format!("'{family}' has no latent space")))?;
            latent::manifold(lat, side as usize, extent, &self.device())
        })();
        promise(async move { Ok(floats(read_f32(job?).await?)) })
    }

    /// Mean log-likelihood (or its bound) over the first `n` test digits, binarised with a
    /// fixed seed: `{nats, bits_per_dim, n, kind, samples, pixels}`.
    pub fn likelihood(&self, family: String, n: u32) -> Promise {
        let parts = (|| Ok((self.data()?, self.slot(&family)?, self.device())))();
        promise(async move {
            let (data, slot, device): (Rc<Mnist>, Slot, Device) = parts?;
            let t = read(&slot)?;
            let n = (n as usize).min(data.test.n);
            let report = test_likelihood(t.model.as_ref(), &data.test, n, 1, 0, &device)
                .await?
                .ok_or_else(|| Error::Family(format!("'{family}' has no likelihood")))?;
            to_js(&report).map_err(|_| Error::Backend("serialise".into()))
        })
    }

    /// The model's weights as a GenLab burnpack file (parameters read back asynchronously).
    pub fn export_weights(&self, family: String) -> Promise {
        let export = (|| {
            let slot = self.slot(&family)?;
            let t = read(&slot)?;
            Ok(weights::export(t.model.as_ref()))
        })();
        promise(async move {
            let bytes = weights::encode(export?, Precision::F32).await?;
            Ok(Uint8Array::from(bytes.as_slice()).into())
        })
    }
}
