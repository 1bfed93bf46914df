//! The weights file: burnpack (Burn's own format) with two metadata entries that make a file
//! self-describing, `genlab.family` and `genlab.config` (the hyper-parameters as JSON), so a
//! file for another family or other sizes is refused with a clear message instead of a panic.
//!
//! Saving reads every parameter back asynchronously ([`encode`]): `Module::into_record` reads
//! synchronously, which panics on WebGPU in the browser.
//!
//! Integrity: a third entry, `genlab.sha256`, is the SHA-256 of everything else the file says
//! (family, hyper-parameters, and each tensor's name, type, shape and bytes). Loading recomputes
//! it, so a file damaged anywhere (a flipped byte in a tensor, which burnpack itself cannot see
//! and which would otherwise load as NaN or as silently different digits) is refused, and the
//! model that was loaded before stays.
//!
//! Computed values: tensors named `extra.*` are not parameters but figures computed from them
//! once and worth keeping with them (an energy model's log Z by AIS, which takes minutes).
//! They are always f32, are covered by the checksum, and reach the model on the host
//! ([`WeightsFile::extras`], [`crate::families::Model::load_extras`]) rather than through its
//! record.
//!
//! Precision: files written in the page are f32 (a download loads back bit for bit); the
//! shipped pretrained weights are f16, half the bytes for the page to fetch and for git to
//! keep, at a relative error of 2^-11 per weight. Loading widens f16 to f32.

use crate::error::{Error, Result};
use crate::families::{Config, Given, HyperParam, Model, hyper};
use burn::module::{Module, ModuleVisitor, Param};
use burn::store::ModuleRecord;
use burn::tensor::{Tensor, f16};
use burn_pack::{Bytes, DType, Reader, Writer};

const KEY_FAMILY: &str = "genlab.family";
const KEY_CONFIG: &str = "genlab.config";
const KEY_SHA256: &str = "genlab.sha256";
/// Training steps the weights have had, so that `genlab train --resume` carries on counting.
const KEY_STEPS: &str = "genlab.steps";
/// For a family built on others ([`crate::families::FamilyInfo::built_on`]): which weights of
/// each it was trained with, as JSON `{"autoencoder": "<its file's genlab.sha256>"}`.
const KEY_BUILT_ON: &str = "genlab.built_on";
/// The name prefix of computed values kept beside the parameters.
pub const EXTRA: &str = "extra.";

/// SHA-256 over the header and the tensors, in name order (independent of the order burnpack
/// stores them in), each field length-prefixed so that no two different files hash alike by
/// moving bytes from one field to the next.
fn digest<'a>(
    family: &str,
    config: &str,
    steps: &str,
    built_on: &str,
    tensors: impl Iterator<Item = (&'a str, DType, &'a [usize], &'a [u8])>,
) -> String {
    use sha2::{Digest, Sha256};
    let mut sorted: Vec<_> = tensors.collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let mut h = Sha256::new();
    let mut field = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    field(family.as_bytes());
    field(config.as_bytes());
    // Files written before they recorded steps hash without the field.
    if !steps.is_empty() {
        field(steps.as_bytes());
    }
    // Only families built on others record their bases (and hash them).
    if !built_on.is_empty() {
        field(built_on.as_bytes());
    }
    for (name, dtype, shape, data) in sorted {
        field(name.as_bytes());
        field(format!("{dtype:?}").as_bytes());
        field(&shape.iter().flat_map(|d| (*d as u64).to_le_bytes()).collect::<Vec<u8>>());
        field(data);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// How many bits a weight gets in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    F32,
    F16,
}

/// A module's parameters, not yet read back: `(path, param id, flattened tensor, shape)`.
pub struct Pending {
    entries: Vec<(String, u64, Tensor<1>, Vec<usize>)>,
}

impl Pending {
    /// Another module's parameters under `prefix.` (for models made of several modules, like
    /// a GAN's generator and discriminator).
    pub fn merge(mut self, prefix: &str, other: Pending) -> Pending {
        self.entries.extend(other.entries.into_iter().map(|(p, id, t, s)| (format!("{prefix}.{p}"), id, t, s)));
        self
    }

    pub fn empty() -> Pending {
        Pending { entries: vec![] }
    }

    /// A computed value to keep beside the parameters, `extra.NAME` (see the module docs).
    pub fn extra(mut self, name: &str, value: Tensor<1>) -> Pending {
        let n = value.dims()[0];
        self.entries.push((format!("{EXTRA}{name}"), burn::module::ParamId::new().val(), value, vec![n]));
        self
    }
}

/// What a weights file holds: the parameters, and the header saying whose and what size.
pub struct Export {
    pub pending: Pending,
    pub family: &'static str,
    pub config: Given,
    /// Training steps the weights have had (0: not counted).
    pub steps: u64,
    /// The weights of the families it is built on, `(family, checksum)` ([`Model::built_on`]).
    pub built_on: Vec<(String, String)>,
}

impl Export {
    /// Records how many training steps the weights have had.
    pub fn with_steps(self, steps: u64) -> Export {
        Export { steps, ..self }
    }
}

/// A model's parameters and header, ready for [`encode`] (taken synchronously, read later).
pub fn export(model: &dyn Model) -> Export {
    let info = model.info();
    Export { pending: model.weights(), family: info.name, config: hyper::show(&info.hyper, model.config()), steps: 0, built_on: model.built_on() }
}

/// Collects a module's float parameters by path, the same paths `Module::load_record` matches.
pub fn pending<M: Module>(module: &M) -> Pending {
    struct Collect {
        path: Vec<String>,
        entries: Vec<(String, u64, Tensor<1>, Vec<usize>)>,
    }
    impl ModuleVisitor for Collect {
        fn enter_module(&mut self, name: &str, _: &str) {
            self.path.push(name.to_string());
        }
        fn exit_module(&mut self, _: &str, _: &str) {
            self.path.pop();
        }
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let t = param.transform_for_save().val();
            let shape = t.dims().to_vec();
            let n = shape.iter().product::<usize>();
            self.entries.push((self.path.join("."), param.id.val(), t.reshape([n]), shape));
        }
    }
    let mut c = Collect { path: vec![], entries: vec![] };
    module.visit(&mut c);
    Pending { entries: c.entries }
}

/// Reads the parameters back (asynchronously) and writes a weights file.
pub async fn encode(export: Export, precision: Precision) -> Result<Vec<u8>> {
    let mut tensors = Vec::with_capacity(export.pending.entries.len());
    for (path, id, t, shape) in export.pending.entries {
        let values = crate::runtime::read_f32(t).await?;
        // f16 holds magnitudes up to 65504: a tensor beyond that stays f32, as do computed
        // values (a log Z of hundreds of nats would lose a quarter of a nat to f16).
        let half = precision == Precision::F16 && !path.starts_with(EXTRA) && values.iter().all(|v| v.abs() < 65000.0);
        let (dtype, bytes): (DType, Vec<u8>) = if half {
            (DType::F16, values.iter().flat_map(|v| f16::from_f32(*v).to_le_bytes()).collect())
        } else {
            (DType::F32, values.iter().flat_map(|v| v.to_le_bytes()).collect())
        };
        tensors.push((path, dtype, shape, id, bytes));
    }
    let config_json = serde_json::to_string(&export.config).expect("a map of values serialises");
    let steps = export.steps.to_string();
    let built_on = built_on_json(&export.built_on);
    let sha =
        digest(export.family, &config_json, &steps, &built_on, tensors.iter().map(|(p, d, s, _, b)| (p.as_str(), *d, s.as_slice(), b.as_slice())));
    let tensors = tensors
        .into_iter()
        .map(|(path, dtype, shape, id, bytes)| burn_pack::Tensor::new(path, dtype, shape, Some(id), Bytes::from_bytes_vec(bytes)))
        .collect();
    let mut writer =
        Writer::new(tensors).with_metadata(KEY_FAMILY, export.family).with_metadata(KEY_CONFIG, &config_json).with_metadata(KEY_STEPS, &steps);
    if !built_on.is_empty() {
        writer = writer.with_metadata(KEY_BUILT_ON, &built_on);
    }
    let bytes = writer.with_metadata(KEY_SHA256, &sha).into_bytes().map_err(|e| Error::Weights(format!("cannot write burnpack: {e}")))?;
    Ok(bytes.to_vec())
}

/// `(family, checksum)` pairs as the header's JSON object; empty for none.
fn built_on_json(pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let map: std::collections::BTreeMap<&str, &str> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    serde_json::to_string(&map).expect("a map of strings serialises")
}

/// A decoded weights file.
pub struct WeightsFile {
    pub family: String,
    /// Training steps the weights have had (0 where the file does not say).
    pub steps: u64,
    /// The file's checksum (`genlab.sha256`): what a family built on this one records.
    pub digest: String,
    /// Which weights of its bases the model was trained with, `(family, checksum)`.
    pub built_on: Vec<(String, String)>,
    given: Given,
    pub record: ModuleRecord,
    /// Computed values (`extra.*` tensors, name without the prefix), read on the host.
    pub extras: Vec<(String, Vec<f32>)>,
}

impl WeightsFile {
    /// The file's hyper-parameters, checked against the family's declarations.
    pub fn config(&self, declared: &[HyperParam]) -> Result<Config> {
        hyper::validate("hyper-parameter", declared, &self.given).map_err(|e| Error::Weights(format!("the file's hyper-parameters are invalid: {e}")))
    }
}

fn not_burnpack(e: impl std::fmt::Display) -> Error {
    Error::Weights(format!("this is not a burnpack weights file ({e})"))
}

/// A GenLab burnpack file taken apart: its header entries, its tensors as stored, and the
/// checksum its contents give (for [`decode`] to compare with the recorded one, and for
/// [`upgrade`] to record).
struct Parsed {
    meta: std::collections::BTreeMap<String, String>,
    family: String,
    config: String,
    steps: String,
    built_on: String,
    parts: Vec<(String, DType, burn_pack::Shape, Option<u64>, Bytes)>,
    digest: String,
}

fn parse(bytes: Vec<u8>) -> Result<Parsed> {
    let reader = Reader::from_bytes(Bytes::from_bytes_vec(bytes)).map_err(not_burnpack)?;
    let meta = reader.metadata().clone();
    let family =
        meta.get(KEY_FAMILY).ok_or_else(|| Error::Weights("this burnpack file was not written by GenLab (no family recorded)".into()))?.clone();
    let config = meta.get(KEY_CONFIG).ok_or_else(|| Error::Weights("the file's hyper-parameters are missing".into()))?.clone();
    let steps = meta.get(KEY_STEPS).cloned().unwrap_or_default();
    let built_on = meta.get(KEY_BUILT_ON).cloned().unwrap_or_default();
    let parts = reader.into_tensors().map_err(not_burnpack)?.into_iter().map(|t| t.into_parts().map_err(not_burnpack)).collect::<Result<Vec<_>>>()?;
    let digest = digest(&family, &config, &steps, &built_on, parts.iter().map(|(n, d, s, _, b)| (n.as_str(), *d, s.as_slice(), &b[..])));
    Ok(Parsed { meta, family, config, steps, built_on, parts, digest })
}

/// Parses a weights file; refuses files that are not burnpack, were not written by GenLab,
/// (with `expected`) hold another family's weights, or do not match their checksum.
pub fn decode(bytes: Vec<u8>, expected: Option<&str>) -> Result<WeightsFile> {
    let Parsed { meta, family, config, steps, built_on, parts, digest } = parse(bytes)?;
    if let Some(expected) = expected
        && family != expected
    {
        return Err(Error::Weights(format!("this file holds '{family}' weights, not '{expected}' weights")));
    }
    let given: Given = serde_json::from_str(&config).map_err(|e| Error::Weights(format!("the file's hyper-parameters are unreadable ({e})")))?;
    let sha = meta.get(KEY_SHA256).ok_or_else(|| {
        Error::Weights("the file has no checksum: it was written by an older GenLab (`genlab upgrade-weights FILE` adds one) or not by GenLab".into())
    })?;
    if *sha != digest {
        return Err(Error::Weights(
            "the file is damaged: its checksum does not match its contents (a truncated download or a corrupted copy?); the model was left as it was"
                .into(),
        ));
    }
    // Widen f16 to f32 and hand Burn an all-f32 burnpack: the model's parameters stay f32.
    let mut tensors = vec![];
    let mut extras = vec![];
    for (name, dtype, shape, id, data) in parts {
        if let Some(key) = name.strip_prefix(EXTRA) {
            if dtype != DType::F32 {
                return Err(Error::Weights(format!("computed value '{name}' is {dtype:?}, not f32")));
            }
            extras.push((key.to_string(), data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()));
            continue;
        }
        let data = match dtype {
            DType::F32 => data,
            DType::F16 => Bytes::from_bytes_vec(data.chunks_exact(2).flat_map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32().to_le_bytes()).collect()),
            other => return Err(Error::Weights(format!("tensor '{name}' has type {other:?}; GenLab files hold f32 or f16"))),
        };
        tensors.push(burn_pack::Tensor::new(name, DType::F32, shape, id, data));
    }
    let widened = Writer::new(tensors).into_bytes().map_err(not_burnpack)?;
    let record = ModuleRecord::from_bytes(widened).map_err(not_burnpack)?;
    let steps =
        if steps.is_empty() { 0 } else { steps.parse().map_err(|_| Error::Weights(format!("the file's step count '{steps}' is not a number")))? };
    let built_on: Vec<(String, String)> = if built_on.is_empty() {
        vec![]
    } else {
        let map: std::collections::BTreeMap<String, String> =
            serde_json::from_str(&built_on).map_err(|e| Error::Weights(format!("the file's record of its base models is unreadable ({e})")))?;
        map.into_iter().collect()
    };
    Ok(WeightsFile { family, steps, digest, built_on, given, record, extras })
}

/// Applies a record to a module, turning a mismatch into a clear error.
pub fn apply<M: Module>(module: M, record: ModuleRecord) -> Result<M> {
    module.try_load_record(record).map_err(|e| Error::Weights(format!("the file does not fit this model (other sizes?): {e}")))
}

/// Adds the checksum to a weights file written before files carried one, leaving every tensor
/// byte as it was (f16 stays f16). A file that already has one is checked and returned as is.
pub fn upgrade(bytes: Vec<u8>) -> Result<Vec<u8>> {
    let parsed = parse(bytes.clone())?;
    if parsed.meta.contains_key(KEY_SHA256) {
        decode(bytes.clone(), None)?;
        return Ok(bytes);
    }
    let Parsed { meta, parts, digest, .. } = parsed;
    let tensors = parts.into_iter().map(|(name, dtype, shape, id, data)| burn_pack::Tensor::new(name, dtype, shape, id, data)).collect();
    // Every header entry stays; the checksum joins them.
    let mut writer = Writer::new(tensors);
    for (k, v) in &meta {
        writer = writer.with_metadata(k, v);
    }
    let out = writer.with_metadata(KEY_SHA256, &digest).into_bytes().map_err(|e| Error::Weights(format!("cannot write burnpack: {e}")))?;
    Ok(out.to_vec())
}
