//! The weights file: burnpack (Burn's own format) with two metadata entries that make a file
//! self-describing, `genlab.family` and `genlab.config` (the hyper-parameters as JSON), so a
//! file for another family or other sizes is refused with a clear message instead of a panic.
//!
//! Saving reads every parameter back asynchronously ([`encode`]): `Module::into_record` reads
//! synchronously, which panics on WebGPU in the browser.

use crate::error::{Error, Result};
use crate::families::Config;
use burn::module::{Module, ModuleVisitor, Param};
use burn::store::ModuleRecord;
use burn::tensor::Tensor;
use burn_pack::{Bytes, Reader, Writer};

const KEY_FAMILY: &str = "genlab.family";
const KEY_CONFIG: &str = "genlab.config";

/// A module's parameters, not yet read back: `(path, param id, flattened tensor, shape)`.
pub struct Pending {
    entries: Vec<(String, u64, Tensor<1>, Vec<usize>)>,
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
pub async fn encode(pending: Pending, family: &str, config: &Config) -> Result<Vec<u8>> {
    let mut tensors = Vec::with_capacity(pending.entries.len());
    for (path, id, t, shape) in pending.entries {
        let values = crate::runtime::read_f32(t).await?;
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        tensors.push(burn_pack::Tensor::new(
            path,
            burn_pack::DType::F32,
            shape,
            Some(id),
            Bytes::from_bytes_vec(bytes),
        ));
    }
    let config_json = serde_json::to_string(config).expect("a map of numbers serialises");
    let bytes = Writer::new(tensors)
        .with_metadata(KEY_FAMILY, family)
        .with_metadata(KEY_CONFIG, &config_json)
        .into_bytes()
        .map_err(|e| Error::Weights(format!("cannot write burnpack: {e}")))?;
    Ok(bytes.to_vec())
}

/// A decoded weights file.
pub struct WeightsFile {
    pub family: String,
    pub config: serde_json::Map<String, serde_json::Value>,
    pub record: ModuleRecord,
}

/// Parses a weights file; refuses files that are not burnpack or were not written by GenLab.
pub fn decode(bytes: Vec<u8>) -> Result<WeightsFile> {
    let not_burnpack = |e: &dyn std::fmt::Display| {
        Error::Weights(format!("this is not a burnpack weights file ({e})"))
    };
    let reader = Reader::from_bytes(Bytes::from_bytes_vec(bytes.clone())).map_err(|e| not_burnpack(&e))?;
    let meta = reader.metadata();
    let family = meta
        .get(KEY_FAMILY)
        .ok_or_else(|| Error::Weights("this burnpack file was not written by GenLab (no family recorded)".into()))?
        .clone();
    let config: serde_json::Map<String, serde_json::Value> = meta
        .get(KEY_CONFIG)
        .and_then(|c| serde_json::from_str(c).ok())
        .ok_or_else(|| Error::Weights("the file's hyper-parameters are missing or unreadable".into()))?;
    let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes)).map_err(|e| not_burnpack(&e))?;
    Ok(WeightsFile { family, config, record })
}

/// Applies a record to a module, turning a mismatch into a clear error.
pub fn apply<M: Module>(module: M, record: ModuleRecord) -> Result<M> {
    module.try_load_record(record).map_err(|e| {
        Error::Weights(format!("the file does not fit this model (other sizes?): {e}"))
    })
}
