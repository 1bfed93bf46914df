//! `Lab`: one compute device, the MNIST data and one model per family (each held by a
//! [`Trainer`], so the model that trains is the model that samples).
//!
//! Each model sits in its own `Rc<RefCell<..>>` slot: an async call clones the slot out of the
//! lab and keeps only that model borrowed while it awaits read-backs. The worker runs one call
//! at a time, so a slot is never borrowed twice; if that ever broke, the call would fail with
//! "busy" rather than panic.

use super::{js_err, to_js};
use crate::data::{IMAGE_PIXELS, Mnist};
use crate::error::{Error, Result};
use crate::eval::classifier::Classifier;
use crate::eval::classify::accuracies;
use crate::eval::likelihood::test_likelihood;
use crate::eval::report::{EvalOptions, evaluate, score_images};
use crate::families::chain::{Chain, Frames};
use crate::families::{self, Family, Given, SampleOptions, hyper};
use crate::latent;
use crate::runtime::{read_f32, read_scalars};
use crate::train::Trainer;
use crate::weights::{self, Precision};
use burn::tensor::Device;
use js_sys::{Float32Array, Promise, Uint8Array};
use std::cell::{Ref, RefCell, RefMut};
use std::collections::{HashMap, HashSet};
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
    /// The weights files of families others are built on ([`Lab::provide_base`]): the shipped
    /// ones, whatever the base's own slot has since trained to.
    bases: families::Bases,
    /// The evaluation's classifier, once loaded.
    judge: Option<Rc<Classifier>>,
    /// Jobs the page asked to cancel ([`Lab::cancel`]); a chain checks between its steps.
    cancelled: HashSet<u32>,
}

impl State {
    fn slot(&self, family: &str) -> Result<Slot> {
        self.slots.get(family).cloned().ok_or_else(|| Error::Family(format!("no '{family}' model is loaded: load weights or start training first")))
    }

    fn data(&self) -> Result<Rc<Mnist>> {
        self.data.clone().ok_or_else(|| Error::Data("MNIST is not loaded yet".into()))
    }

    fn judge(&self) -> Result<Rc<Classifier>> {
        self.judge.clone().ok_or_else(|| Error::Family("the classifier judge is not loaded yet".into()))
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
    let device = Device::wgpu_options().init_async().await.map_err(|e| JsError::new(&format!("WebGPU failed to start: {e:?}")))?;
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
        .map(|&i| if (i as usize) < n { Ok(i as usize) } else { Err(Error::Param(format!("test digit {i} does not exist (0..{})", n - 1))) })
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

/// Calls a JS progress callback `(fraction, stage)`; a callback that throws is ignored.
fn reporter(f: Option<js_sys::Function>) -> impl FnMut(f64, &str) {
    move |fraction, stage| {
        if let Some(f) = &f {
            let _ = f.call2(&JsValue::NULL, &JsValue::from_f64(fraction), &JsValue::from_str(stage));
        }
    }
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Lets the worker's event loop run (a cancel message, say) before the caller carries on.
async fn yield_now() {
    let tick = Promise::new(&mut |resolve, _| {
        let global = js_sys::global();
        let set_timeout = js_sys::Reflect::get(&global, &"setTimeout".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok());
        match set_timeout {
            Some(f) => drop(f.call2(&global, &resolve, &JsValue::from(0))),
            None => drop(resolve.call0(&JsValue::NULL)),
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(tick).await;
}

/// A sampling call after its synchronous part.
enum Started {
    Done(burn::tensor::Tensor<2>),
    Chain(Box<dyn Chain>),
}

/// How long a chain computes before it yields to the event loop and reports progress.
const SLICE_MS: f64 = 40.0;

/// Drives a sampler's chain in the page: steps, with a yield to the event loop and a progress
/// report (`progress(fraction)`) every [`SLICE_MS`], so the tab never freezes; stops with an
/// error when job `job` was cancelled meanwhile. `each` sees the chain after every step.
async fn drive(
    state: Rc<RefCell<State>>,
    job: Option<u32>,
    mut chain: Box<dyn Chain>,
    progress: Option<js_sys::Function>,
    mut each: impl FnMut(&dyn Chain),
) -> Result<Box<dyn Chain>> {
    let cancelled = |state: &Rc<RefCell<State>>| job.is_some_and(|j| state.borrow_mut().cancelled.remove(&j));
    let mut slice = now_ms();
    while !chain.is_finished() {
        chain.step()?;
        each(chain.as_ref());
        if now_ms() - slice > SLICE_MS {
            if let Some(f) = &progress {
                let _ = f.call1(&JsValue::NULL, &JsValue::from_f64(chain.done() as f64 / chain.steps() as f64));
            }
            yield_now().await;
            if cancelled(&state) {
                return Err(Error::Cancelled(format!("cancelled after {} of {} steps", chain.done(), chain.steps())));
            }
            slice = now_ms();
        }
    }
    // A cancel that came too late to stop anything must not stop a later job of the same id.
    cancelled(&state);
    Ok(chain)
}

/// Drives `chain` keeping up to `frames` of its states, and hands them to JS:
/// `{frames: [{t, x, x0, code}], ms}` (`ms` since `start`; `code`: `{values, grid}` for a
/// state that is a code, else null).
fn frames_of(
    state: Rc<RefCell<State>>,
    chain: Result<Box<dyn Chain>>,
    frames: u32,
    progress: Option<js_sys::Function>,
    job: Option<u32>,
    start: f64,
) -> Promise {
    let run = async move {
        let chain = chain?;
        let mut kept = Frames::new(chain.as_ref(), frames as usize);
        drive(state, job, chain, progress, |c| kept.after_step(c)).await?;
        Ok::<_, Error>(kept.into_frames())
    };
    promise(async move {
        let list = js_sys::Array::new();
        for f in run.await? {
            let o = js_sys::Object::new();
            let set = |k: &str, v: &JsValue| js_sys::Reflect::set(&o, &k.into(), v).map(|_| ()).map_err(|_| Error::Backend("set".into()));
            set("t", &JsValue::from_f64(f.t as f64))?;
            set("x", &floats(read_f32(f.x).await?))?;
            set(
                "x0",
                &match f.x0 {
                    Some(x0) => floats(read_f32(x0).await?),
                    None => JsValue::NULL,
                },
            )?;
            let code = match f.code {
                Some((z, grid)) => {
                    let c = js_sys::Object::new();
                    js_sys::Reflect::set(&c, &"values".into(), &floats(read_f32(z).await?)).map_err(|_| Error::Backend("set".into()))?;
                    js_sys::Reflect::set(&c, &"grid".into(), &to_js(&grid).map_err(|_| Error::Backend("serialise".into()))?)
                        .map_err(|_| Error::Backend("set".into()))?;
                    c.into()
                }
                None => JsValue::NULL,
            };
            set("code", &code)?;
            list.push(&o);
        }
        let out = js_sys::Object::new();
        js_sys::Reflect::set(&out, &"frames".into(), &list).map_err(|_| Error::Backend("set".into()))?;
        js_sys::Reflect::set(&out, &"ms".into(), &JsValue::from_f64(now_ms() - start)).map_err(|_| Error::Backend("set".into()))?;
        Ok(out.into())
    })
}

/// Images from JS, `[n, 784]` on `device`: n*784 finite values in [0, 1], binarised at 1/2
/// for a family of binary pixels (a drawing's soft edges become ink or not).
fn images_in(pixels: &[f32], model: families::PixelModel, device: &Device) -> Result<burn::tensor::Tensor<2>> {
    if pixels.is_empty() || pixels.len() % IMAGE_PIXELS != 0 {
        return Err(Error::Param(format!("{} values are not whole digits of {IMAGE_PIXELS} pixels", pixels.len())));
    }
    if let Some(bad) = pixels.iter().find(|v| !(0.0..=1.0).contains(*v)) {
        return Err(Error::Param(format!("pixel value {bad} is outside [0, 1]")));
    }
    let n = pixels.len() / IMAGE_PIXELS;
    if n > families::MAX_SAMPLES {
        return Err(Error::Param(format!("{n} digits is more than {}", families::MAX_SAMPLES)));
    }
    let values: Vec<f32> = match model {
        families::PixelModel::Binarized => pixels.iter().map(|&v| if v >= 0.5 { 1.0 } else { 0.0 }).collect(),
        // The byte k = round(255 v) made continuous, (k + u) / 256, with the same fixed-seed u
        // for every digit: a digit scores the same every time, wherever it is in the batch.
        families::PixelModel::Dequantized => pixels
            .chunks(IMAGE_PIXELS)
            .flat_map(|digit| digit.iter().zip(crate::noise::uniform(0, IMAGE_PIXELS)).map(|(&v, u)| ((v * 255.0).round() + u) / 256.0))
            .collect(),
        families::PixelModel::Continuous => pixels.to_vec(),
    };
    Ok(burn::tensor::Tensor::from_data(burn::tensor::TensorData::new(values, [n, IMAGE_PIXELS]), device))
}

fn energy_of<'a>(f: &'a dyn Family, name: &str) -> Result<&'a dyn families::Energy> {
    f.energy().ok_or_else(|| Error::Family(format!("'{name}' is not an energy-based model")))
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

    /// `steps`: the training the weights have had already, so that a file exported after more
    /// training in the page records the total.
    fn install(&self, family: &str, model: Box<dyn Family>, seed: u32, steps: u64) -> Result<JsValue> {
        let config = shown_config(model.as_ref());
        let mut trainer = Trainer::new(model, seed as u64);
        trainer.step = steps;
        self.state.borrow_mut().slots.insert(family.to_string(), Rc::new(RefCell::new(trainer)));
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
        Ok(Lab {
            state: Rc::new(RefCell::new(State {
                device,
                backend: name,
                data: None,
                slots: HashMap::new(),
                bases: families::Bases::none(),
                judge: None,
                cancelled: HashSet::new(),
            })),
        })
    }

    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        self.state.borrow().backend.to_string()
    }

    /// Parses the four MNIST files (gzip or raw IDX); returns `{train, test}` counts.
    pub fn set_data(
        &self,
        train_images: &[u8],
        train_labels: &[u8],
        test_images: &[u8],
        test_labels: &[u8],
    ) -> std::result::Result<JsValue, JsError> {
        let mnist = Mnist::from_bytes([train_images, train_labels, test_images, test_labels]).map_err(js_err)?;
        let counts = serde_json::json!({"train": mnist.train.n, "test": mnist.test.n});
        self.state.borrow_mut().data = Some(Rc::new(mnist));
        to_js(&counts)
    }

    pub fn has_data(&self) -> bool {
        self.state.borrow().data.is_some()
    }

    /// Keeps `family`'s weights file as the base that families built on it are made from and
    /// loaded with (the worker gives the shipped file before loading such a family); refuses
    /// a file that is not `family`'s or is damaged.
    pub fn provide_base(&self, family: &str, bytes: Vec<u8>) -> std::result::Result<(), JsError> {
        weights::decode(bytes.clone(), Some(family)).map_err(js_err)?;
        self.state.borrow_mut().bases.insert(family, bytes);
        Ok(())
    }

    pub fn has_base(&self, family: &str) -> bool {
        self.state.borrow().bases.has(family)
    }

    /// Replaces `family`'s model with the weights in `bytes`; returns the file's hyper-parameters.
    pub fn load_weights(&self, family: &str, bytes: Vec<u8>, seed: u32) -> std::result::Result<JsValue, JsError> {
        let bases = self.state.borrow().bases.clone();
        let (model, steps) = families::load_trained(Some(family), bytes, &bases, &self.device()).map_err(js_err)?;
        self.install(family, model, seed, steps).map_err(js_err)
    }

    /// Replaces `family`'s model with a fresh one built from `params` (validated against the
    /// declared ranges); returns the full hyper-parameters.
    pub fn init_family(&self, family: &str, params: JsValue, seed: u32) -> std::result::Result<JsValue, JsError> {
        let params = given(params, "hyper-parameters").map_err(js_err)?;
        let device = self.device();
        device.seed(seed as u64);
        let bases = self.state.borrow().bases.clone();
        let model = families::create(family, &params, &bases, &device).map_err(js_err)?;
        self.install(family, model, seed, 0).map_err(js_err)
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
    /// A step-by-step sampler reports `progress(fraction)` as it goes and stops, rejecting,
    /// when [`Lab::cancel`] is called with its `job` id.
    #[allow(clippy::too_many_arguments)]
    pub fn sample(
        &self,
        family: String,
        n: u32,
        seed: u32,
        labels: Option<Vec<u8>>,
        settings: JsValue,
        progress: Option<js_sys::Function>,
        job: Option<u32>,
    ) -> Promise {
        let start = (|| {
            let settings = given(settings, "sampler settings")?;
            let slot = self.slot(&family)?;
            let t = read(&slot)?;
            let options = SampleOptions::checked(&t.model.info(), n as usize, seed as u64, labels, &settings)?;
            // A step-by-step sampler is driven below; a one-shot one has its samples already.
            Ok(match t.model.chain(&options) {
                Some(chain) => Started::Chain(chain?),
                None => Started::Done(t.model.sample(&options)?),
            })
        })();
        let state = self.state.clone();
        promise(async move {
            let x = match start? {
                Started::Done(x) => x,
                Started::Chain(chain) => drive(state, job, chain, progress, |_| {}).await?.finish()?,
            };
            Ok(floats(read_f32(x).await?))
        })
    }

    /// Stops the step-by-step sampling of job `job` (a `sample` or `trajectory` call) at its
    /// next yield; that call then rejects with "cancelled".
    pub fn cancel(&self, job: u32) {
        self.state.borrow_mut().cancelled.insert(job);
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
            t.model.reconstruct(x).ok_or_else(|| Error::Family(format!("'{family}' has no encoder to reconstruct with")))?
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
            Ok(weights::export(t.model.as_ref()).with_steps(t.step))
        })();
        promise(async move {
            let bytes = weights::encode(export?, Precision::F32).await?;
            Ok(Uint8Array::from(bytes.as_slice()).into())
        })
    }

    /// Loads the classifier judge from its weights file.
    pub fn load_judge(&self, bytes: Vec<u8>) -> std::result::Result<(), JsError> {
        let judge = Classifier::load(bytes, &self.device()).map_err(js_err)?;
        self.state.borrow_mut().judge = Some(Rc::new(judge));
        Ok(())
    }

    pub fn has_judge(&self) -> bool {
        self.state.borrow().judge.is_some()
    }

    /// Evaluates `family`'s current model: `n` samples from `seed` judged by the classifier
    /// (FID-MNIST and its real-vs-real baseline, class histogram and entropy, confidence,
    /// Inception-Score-like figure), `memorisation` of them checked for copies of training
    /// digits, the likelihood of `likelihood` test digits where the family has one, and the
    /// conditional accuracy of a conditional family. The samples are drawn with the family's
    /// sampler `settings` (e.g. a diffusion sampler's steps and guidance; missing ones take
    /// their defaults). `progress(fraction, stage)` is called as it goes. Resolves to the same
    /// fields as `./build.sh eval --json`.
    pub fn evaluate(
        &self,
        family: String,
        n: u32,
        seed: u32,
        memorisation: u32,
        likelihood: u32,
        settings: JsValue,
        progress: Option<js_sys::Function>,
    ) -> Promise {
        let parts = (|| {
            let slot = self.slot(&family)?;
            let given = given(settings, "sampler settings")?;
            let settings = hyper::validate("sampler setting", &read(&slot)?.model.info().sampling, &given)?;
            Ok((self.data()?, self.state.borrow().judge()?, slot, self.device(), settings))
        })();
        promise(async move {
            let (data, judge, slot, device, settings) = parts?;
            let t = read(&slot)?;
            let options = EvalOptions {
                n: n as usize,
                seed: seed as u64,
                memorisation: memorisation as usize,
                likelihood: likelihood as usize,
                settings,
                mode: Default::default(),
            };
            let mut report = reporter(progress);
            let r = evaluate(t.model.as_ref(), &judge, &data, &options, &device, now_ms, &mut report).await?;
            to_js(&r).map_err(|_| Error::Backend("serialise".into()))
        })
    }

    /// Scores given images (n*784 values in [0, 1], e.g. the samples on screen):
    /// `{n, fid, fid_real, classes, memorisation}`.
    pub fn score(&self, images: Vec<f32>, memorisation: u32, progress: Option<js_sys::Function>) -> Promise {
        let parts = (|| Ok((self.data()?, self.state.borrow().judge()?, self.device())))();
        promise(async move {
            let (data, judge, device) = parts?;
            if images.len() % IMAGE_PIXELS != 0 {
                return Err(Error::Param(format!("{} values are not whole 28x28 images", images.len())));
            }
            let mut report = reporter(progress);
            let (fid, fid_real, classes, memorisation) = score_images(&judge, &images, &data, memorisation as usize, &device, &mut report).await?;
            let n = images.len() / IMAGE_PIXELS;
            to_js(&serde_json::json!({"n": n, "fid": fid, "fid_real": fid_real, "classes": classes, "memorisation": memorisation}))
                .map_err(|_| Error::Backend("serialise".into()))
        })
    }

    /// Test accuracy of the classifiers `family` carries over the first `n` test digits:
    /// `[{name, accuracy}]` (empty when it has none).
    pub fn accuracy(&self, family: String, n: u32) -> Promise {
        let parts = (|| Ok((self.data()?, self.slot(&family)?, self.device())))();
        promise(async move {
            let (data, slot, device) = parts?;
            let t = read(&slot)?;
            let n = (n as usize).min(data.test.n);
            let list: Vec<serde_json::Value> = accuracies(t.model.as_ref(), &data.test, n, &device)
                .await?
                .into_iter()
                .map(|(name, accuracy)| serde_json::json!({"name": name, "accuracy": accuracy}))
                .collect();
            to_js(&serde_json::json!({"n": n, "classifiers": list})).map_err(|_| Error::Backend("serialise".into()))
        })
    }

    /// The noise codes `sample(family, n, seed)` decodes: n * d floats (a GAN's z, a VAE's
    /// prior draw), for latent views that edit or blend them.
    pub fn latent_codes(&self, family: &str, n: u32, seed: u32) -> std::result::Result<Float32Array, JsError> {
        let slot = self.slot(family).map_err(js_err)?;
        let t = read(&slot).map_err(js_err)?;
        let lat = t.model.latent().ok_or_else(|| js_err(Error::Family(format!("'{family}' has no latent space"))))?;
        Ok(Float32Array::from(crate::noise::normal(seed as u64, n as usize * lat.latent_dim()).as_slice()))
    }

    /// Decodes codes (n * d floats) into n images; `labels` (one per code) for a conditional family.
    pub fn decode(&self, family: String, z: Vec<f32>, labels: Option<Vec<u8>>) -> Promise {
        let job = (|| {
            let slot = self.slot(&family)?;
            let t = read(&slot)?;
            let lat = t.model.latent().ok_or_else(|| Error::Family(format!("'{family}' has no latent space")))?;
            let d = lat.latent_dim();
            if z.is_empty() || z.len() % d != 0 || z.len() / d > families::MAX_SAMPLES {
                return Err(Error::Param(format!("codes must be 1..{} rows of {d} numbers, got {} numbers", families::MAX_SAMPLES, z.len())));
            }
            if z.iter().any(|v| !v.is_finite()) {
                return Err(Error::Param("codes must be finite numbers".into()));
            }
            if let Some(bad) = labels.as_ref().and_then(|l| l.iter().find(|&&c| c > 9)) {
                return Err(Error::Param(format!("label = {bad} is out of range [0, 9]")));
            }
            let n = z.len() / d;
            let z = burn::tensor::Tensor::<2>::from_data(burn::tensor::TensorData::new(z, [n, d]), &self.device());
            lat.decode(z, labels.as_deref())
        })();
        promise(async move { Ok(floats(read_f32(job?).await?)) })
    }

    /// What the judge says of images (n*784 values in [0, 1]): `{histogram, entropy_bits,
    /// confidence, inception_score, missing, warning}`, and each image's label in `labels`.
    pub fn classes(&self, images: Vec<f32>) -> Promise {
        let parts = (|| Ok((self.state.borrow().judge()?, self.device())))();
        promise(async move {
            let (judge, device) = parts?;
            let n = images.len() / IMAGE_PIXELS;
            if n == 0 || images.len() % IMAGE_PIXELS != 0 {
                return Err(Error::Param(format!("{} values are not whole 28x28 images", images.len())));
            }
            let x = burn::tensor::Tensor::<2>::from_data(burn::tensor::TensorData::new(images, [n, IMAGE_PIXELS]), &device);
            let probs = read_f32(judge.judge(x).1.exp()).await?;
            let labels: Vec<usize> = probs.chunks_exact(10).map(crate::eval::classifier::argmax).collect();
            let d = crate::eval::diversity::diversity(&probs);
            to_js(&serde_json::json!({"labels": labels, "classes": d})).map_err(|_| Error::Backend("serialise".into()))
        })
    }

    /// The sampler's stored states, first (pure noise) to last (the samples): `{frames: [{t,
    /// x: Float32Array, x0: Float32Array | null}], ms}` with n*784 values per image set;
    /// `ms` is the wall-clock time of the whole run. Same options as `sample`.
    #[allow(clippy::too_many_arguments)]
    pub fn trajectory(
        &self,
        family: String,
        n: u32,
        seed: u32,
        labels: Option<Vec<u8>>,
        settings: JsValue,
        frames: u32,
        progress: Option<js_sys::Function>,
        job: Option<u32>,
    ) -> Promise {
        let start = now_ms();
        let chain = (|| {
            let settings = given(settings, "sampler settings")?;
            let slot = self.slot(&family)?;
            let t = read(&slot)?;
            let options = SampleOptions::checked(&t.model.info(), n as usize, seed as u64, labels, &settings)?;
            if !(2..=1001).contains(&frames) {
                return Err(Error::Param(format!("frames = {frames} is out of range [2, 1001]")));
            }
            t.model.chain(&options).ok_or_else(|| Error::Family(format!("'{family}' has no step-by-step sampler")))?
        })();
        frames_of(self.state.clone(), chain, frames, progress, job, start)
    }

    /// Another model's sampling path with this family's digit for each state (a consistency
    /// model along its teacher's ODE path from the same noise and labels): `trajectory`'s
    /// `{frames, ms}`, frame `x` the path's state, `x0` the family's digit made of it. Families
    /// with `capabilities.trajectory_map` only.
    #[allow(clippy::too_many_arguments)]
    pub fn trajectory_map(
        &self,
        family: String,
        n: u32,
        seed: u32,
        labels: Option<Vec<u8>>,
        frames: u32,
        progress: Option<js_sys::Function>,
        job: Option<u32>,
    ) -> Promise {
        let start = now_ms();
        let chain = (|| {
            let slot = self.slot(&family)?;
            let t = read(&slot)?;
            let options = SampleOptions::checked(&t.model.info(), n as usize, seed as u64, labels, &Given::new())?;
            if !(2..=1001).contains(&frames) {
                return Err(Error::Param(format!("frames = {frames} is out of range [2, 1001]")));
            }
            t.model.trajectory_map(&options).ok_or_else(|| Error::Family(format!("'{family}' maps no other model's path")))?
        })();
        frames_of(self.state.clone(), chain, frames, progress, job, start)
    }

    /// Completions: the first `rows` rows of each of the `n` digits in `pixels` (n*784 values
    /// in [0, 1], binarised at 1/2 for a family of binary pixels) kept bit for bit, the rest
    /// sampled given them, as `trajectory` gives its frames (the last are the completions; a
    /// frame's `x0` is the model's probability of ink at each pixel drawn so far). A Gibbs
    /// chain (an energy model) starts at the given digits, so `rows` = 0 lets a drawing settle
    /// into a digit. `settings`: the family's sampler settings (an RBM's `steps`). Families
    /// with `capabilities.completion` only.
    #[allow(clippy::too_many_arguments)]
    pub fn complete(
        &self,
        family: String,
        pixels: Vec<f32>,
        rows: u32,
        seed: u32,
        labels: Option<Vec<u8>>,
        frames: u32,
        progress: Option<js_sys::Function>,
        job: Option<u32>,
        settings: JsValue,
    ) -> Promise {
        let start = now_ms();
        let chain = (|| {
            let settings = given(settings, "sampler settings")?;
            let slot = self.slot(&family)?;
            let t = read(&slot)?;
            let info = t.model.info();
            let x = images_in(&pixels, info.pixels, &self.device())?;
            let n = x.dims()[0];
            let options = SampleOptions::checked(&info, n, seed as u64, labels, &settings)?;
            if !(2..=1001).contains(&frames) {
                return Err(Error::Param(format!("frames = {frames} is out of range [2, 1001]")));
            }
            if rows as usize > crate::data::IMAGE_SIDE {
                return Err(Error::Param(format!("rows = {rows} is out of range [0, {}]", crate::data::IMAGE_SIDE)));
            }
            let prefix = families::Prefix { pixels: x, rows: rows as usize };
            t.model.complete(&options, prefix).ok_or_else(|| Error::Family(format!("'{family}' cannot complete digits")))?
        })();
        frames_of(self.state.clone(), chain, frames, progress, job, start)
    }

    /// The likelihood of given images (n*784 values in [0, 1]), for families with one:
    /// `{nats, bits_per_dim}` per image (log p(x), a bound or an estimate per the family's
    /// kind; bits/dim = -nats / (784 ln 2), of the family's data model), and where the
    /// likelihood splits by pixel (`capabilities.pixel_likelihood`) each pixel's share,
    /// `pixels` (n*784); for an estimate, `uncertainty`, the standard error (nats) every
    /// image's figure shares (an energy model's log Z). Binary families binarise at 1/2;
    /// dequantised ones score the bytes round(255 v) with a fixed-seed dequantisation.
    pub fn image_likelihood(&self, family: String, pixels: Vec<f32>) -> Promise {
        let job = (|| {
            let slot = self.slot(&family)?;
            let t = read(&slot)?;
            let x = images_in(&pixels, t.model.info().pixels, &self.device())?;
            let density = t.model.density().ok_or_else(|| Error::Family(format!("'{family}' has no likelihood")))?;
            let (nats, per_pixel) = match density.pixel_log_probs(x.clone()) {
                Some(per_pixel) => (per_pixel.clone().sum_dim(1).flatten::<1>(0, 1), Some(per_pixel)),
                None => (density.log_likelihood(x, 1), None),
            };
            Ok((nats, per_pixel, density.uncertainty()))
        })();
        promise(async move {
            let (nats, per_pixel, uncertainty) = job?;
            let nats = read_f32(nats.unsqueeze::<2>()).await?;
            let bits: Vec<f32> = nats.iter().map(|&v| crate::eval::likelihood::bits_per_dim(v as f64) as f32).collect();
            let out = js_sys::Object::new();
            let set = |k: &str, v: JsValue| js_sys::Reflect::set(&out, &k.into(), &v).map_err(|_| Error::Backend("set".into()));
            set("nats", floats(nats))?;
            set("bits_per_dim", floats(bits))?;
            if let Some(per_pixel) = per_pixel {
                set("pixels", floats(read_f32(per_pixel).await?))?;
            }
            if let Some(se) = uncertainty {
                set("uncertainty", JsValue::from_f64(read_scalars(vec![se]).await?[0] as f64))?;
            }
            Ok(out.into())
        })
    }

    /// The codes of given images (n*784 values in [0, 1]) for a family with an encoder: n*d
    /// floats (a VAE's posterior mean, a flow's z).
    pub fn encode(&self, family: String, pixels: Vec<f32>) -> Promise {
        let job = (|| {
            let slot = self.slot(&family)?;
            let t = read(&slot)?;
            let x = images_in(&pixels, families::PixelModel::Continuous, &self.device())?;
            let no = || Error::Family(format!("'{family}' has no encoder"));
            t.model.latent().ok_or_else(no)?.encode(x).ok_or_else(no)
        })();
        promise(async move { Ok(floats(read_f32(job?).await?)) })
    }

    /// An invertible family's layers on given images (n*784 values in [0, 1]): `{names,
    /// states, logdets, log_prior}`, the state after each layer (L*n*784, in the image's
    /// layout), that layer's log |det| per image (L*n, nats), and log N(z; 0, I) of the last
    /// state, z (n, nats): with the log-dets, log p of the pixels as given.
    pub fn flow_layers(&self, family: String, pixels: Vec<f32>) -> Promise {
        let job = (|| {
            let slot = self.slot(&family)?;
            let t = read(&slot)?;
            let x = images_in(&pixels, families::PixelModel::Continuous, &self.device())?;
            let flow = t.model.invertible().ok_or_else(|| Error::Family(format!("'{family}' is not invertible")))?;
            let layers = flow.layers(x);
            let z = layers.last().expect("a flow has layers").state.clone();
            Ok((layers, crate::nn::flow::standard_normal_log_prob(z)))
        })();
        promise(async move {
            let (layers, log_prior) = job?;
            let names = js_sys::Array::new();
            for l in &layers {
                names.push(&JsValue::from_str(&l.name));
            }
            let (states, logdets): (Vec<_>, Vec<_>) = layers.into_iter().map(|l| (l.state, l.logdet.unsqueeze::<2>())).unzip();
            let states = read_f32(burn::tensor::Tensor::cat(states, 0)).await?;
            let logdets = read_f32(burn::tensor::Tensor::cat(logdets, 0)).await?;
            let out = js_sys::Object::new();
            let set = |k: &str, v: JsValue| js_sys::Reflect::set(&out, &k.into(), &v).map_err(|_| Error::Backend("set".into()));
            set("names", names.into())?;
            set("states", floats(states))?;
            set("logdets", floats(logdets))?;
            set("log_prior", floats(read_f32(log_prior.unsqueeze::<2>()).await?))?;
            Ok(out.into())
        })
    }

    /// An energy model's free energy F(v) of given images (n*784 values in [0, 1], binarised
    /// at 1/2): n floats, nats (log p(v) = -F(v) - log Z; a DBM's is its mean-field bound).
    pub fn free_energy(&self, family: String, pixels: Vec<f32>) -> Promise {
        let job = (|| {
            let slot = self.slot(&family)?;
            let t = read(&slot)?;
            let x = images_in(&pixels, t.model.info().pixels, &self.device())?;
            Ok(energy_of(&*t.model, &family)?.free_energy(x))
        })();
        promise(async move { Ok(floats(read_f32(job?.unsqueeze::<2>()).await?)) })
    }

    /// An energy model's hidden layers given images (n*784 values in [0, 1], binarised at
    /// 1/2): `{sizes, layers}`, each layer's unit probabilities (n*size floats), bottom up.
    pub fn hidden_layers(&self, family: String, pixels: Vec<f32>) -> Promise {
        let job = (|| {
            let slot = self.slot(&family)?;
            let t = read(&slot)?;
            let x = images_in(&pixels, t.model.info().pixels, &self.device())?;
            Ok(energy_of(&*t.model, &family)?.hidden(x))
        })();
        promise(async move {
            let layers = job?;
            let (sizes, list) = (js_sys::Array::new(), js_sys::Array::new());
            for l in layers {
                sizes.push(&JsValue::from_f64(l.dims()[1] as f64));
                list.push(&floats(read_f32(l).await?));
            }
            let out = js_sys::Object::new();
            js_sys::Reflect::set(&out, &"sizes".into(), &sizes).map_err(|_| Error::Backend("set".into()))?;
            js_sys::Reflect::set(&out, &"layers".into(), &list).map_err(|_| Error::Backend("set".into()))?;
            Ok(out.into())
        })
    }

    /// An energy model's first-layer filters: `{units, filters}`, one 784-pixel weight image
    /// per hidden unit (units*784 floats, signed).
    pub fn filters(&self, family: String) -> Promise {
        let job = (|| {
            let slot = self.slot(&family)?;
            let t = read(&slot)?;
            Ok(energy_of(&*t.model, &family)?.filters())
        })();
        promise(async move {
            let w = job?;
            let units = w.dims()[0];
            let values = read_f32(w).await?;
            let out = js_sys::Object::new();
            js_sys::Reflect::set(&out, &"units".into(), &JsValue::from_f64(units as f64)).map_err(|_| Error::Backend("set".into()))?;
            js_sys::Reflect::set(&out, &"filters".into(), &floats(values)).map_err(|_| Error::Backend("set".into()))?;
            Ok(out.into())
        })
    }

    /// The overfitting signal of an energy model: the mean free energy of the first `n`
    /// training and the first `n` test digits (binarised with a fixed seed), `{train, test, n}`.
    /// Held-out digits with a higher free energy than training ones are less probable to the
    /// model: a widening gap is overfitting.
    pub fn energy_gap(&self, family: String, n: u32) -> Promise {
        let job = (|| {
            let data = self.data()?;
            let slot = self.slot(&family)?;
            let t = read(&slot)?;
            let e = energy_of(&*t.model, &family)?;
            let n = (n as usize).clamp(1, data.test.n.min(data.train.n));
            let idx: Vec<usize> = (0..n).collect();
            let device = self.device();
            let pixels = t.model.info().pixels;
            let train = e.free_energy(data.train.batch_prepared(&idx, pixels, 1, &device)).mean();
            let test = e.free_energy(data.test.batch_prepared(&idx, pixels, 1, &device)).mean();
            Ok((train, test, n))
        })();
        promise(async move {
            let (train, test, n) = job?;
            let v = read_scalars(vec![train, test]).await?;
            to_js(&serde_json::json!({"train": v[0], "test": v[1], "n": n})).map_err(|_| Error::Backend("serialise".into()))
        })
    }

    /// An energy model's log Z by annealed importance sampling and its standard error across
    /// runs: `{log_z, se}` (estimated once per set of weights, then kept).
    pub fn log_partition(&self, family: String) -> Promise {
        let job = (|| {
            let slot = self.slot(&family)?;
            let t = read(&slot)?;
            Ok(energy_of(&*t.model, &family)?.log_partition())
        })();
        promise(async move {
            let (z, se) = job?;
            let v = read_scalars(vec![z, se]).await?;
            to_js(&serde_json::json!({"log_z": v[0], "se": v[1]})).map_err(|_| Error::Backend("serialise".into()))
        })
    }

    /// A diffusion family's schedule: `{alpha_bar: [..T]}`.
    pub fn schedule(&self, family: &str) -> std::result::Result<JsValue, JsError> {
        let slot = self.slot(family).map_err(js_err)?;
        let t = read(&slot).map_err(js_err)?;
        let d = t.model.diffusion().ok_or_else(|| js_err(Error::Family(format!("'{family}' is not a diffusion model"))))?;
        to_js(&serde_json::json!({"alpha_bar": d.alpha_bar()}))
    }

    /// The forward process on test digit `index`: x_t at each of `ts` (0..T-1, one shared
    /// noise draw from `seed`), as ts.len()*784 values in [0, 1].
    pub fn forward_process(&self, family: String, index: u32, ts: Vec<u32>, seed: u32) -> Promise {
        let job = (|| {
            let data = self.data()?;
            let idx = checked_indices(data.test.n, &[index])?;
            let slot = self.slot(&family)?;
            let t = read(&slot)?;
            let d = t.model.diffusion().ok_or_else(|| Error::Family(format!("'{family}' is not a diffusion model")))?;
            let steps = d.alpha_bar().len();
            if ts.is_empty() || ts.len() > 64 || ts.iter().any(|&t| t as usize >= steps) {
                return Err(Error::Param(format!("timesteps must be 1..64 values in [0, {}]", steps - 1)));
            }
            let device = self.device();
            let (x0, _) = data.test.batch(&idx, &device);
            let eps = crate::noise::normal_tensor(seed as u64, [1, IMAGE_PIXELS], &device);
            let rows: Vec<_> = ts.iter().map(|&t| d.noise_images(x0.clone(), t as usize, eps.clone())).collect();
            Ok(burn::tensor::Tensor::cat(rows, 0))
        })();
        promise(async move { Ok(floats(read_f32(job?).await?)) })
    }
}
