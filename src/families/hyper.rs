//! Hyper-parameters: declared by each family with defaults and ranges (the page renders its
//! controls from these), validated in one place for the CLI, the JS API and weights files.

use crate::error::{Error, Result};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ParamKind {
    /// An integer.
    Int,
    /// A real number on a linear scale.
    Float,
    /// A positive real number best set on a log scale (learning rates).
    LogFloat,
}

#[derive(Debug, Clone, Serialize)]
pub struct HyperParam {
    pub key: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    pub kind: ParamKind,
    pub default: f64,
    pub min: f64,
    pub max: f64,
    /// Changing it changes the network's shape, so it needs a fresh model.
    pub architecture: bool,
}

/// Validated hyper-parameters, by key.
pub type Config = BTreeMap<String, f64>;

/// Reads a config value the family declared (validation put every key in).
pub fn get(config: &Config, key: &str) -> f64 {
    config[key]
}

/// Checks `given` against `declared`: unknown keys, non-numbers, non-integers and values out
/// of range are refused with a message naming the parameter and its range.
pub fn validate(declared: &[HyperParam], given: &serde_json::Map<String, serde_json::Value>) -> Result<Config> {
    for key in given.keys() {
        if !declared.iter().any(|h| h.key == key) {
            let known: Vec<_> = declared.iter().map(|h| h.key).collect();
            return Err(Error::Param(format!("unknown hyper-parameter '{key}' (known: {})", known.join(", "))));
        }
    }
    let mut config = Config::new();
    for h in declared {
        let v = match given.get(h.key) {
            None | Some(serde_json::Value::Null) => h.default,
            Some(v) => v.as_f64().ok_or_else(|| {
                Error::Param(format!("'{}' must be a number, got {v}", h.key))
            })?,
        };
        if !v.is_finite() || v < h.min || v > h.max {
            return Err(Error::Param(format!(
                "'{}' = {v} is out of range [{}, {}]",
                h.key, h.min, h.max
            )));
        }
        if h.kind == ParamKind::Int && v.fract() != 0.0 {
            return Err(Error::Param(format!("'{}' must be a whole number, got {v}", h.key)));
        }
        config.insert(h.key.to_string(), v);
    }
    Ok(config)
}

/// The two hyper-parameters every trainable family has: Adam's learning rate and the batch size.
pub fn common(lr: f64, batch: f64) -> [HyperParam; 2] {
    [
        HyperParam {
            key: "lr",
            label: "learning rate",
            help: "Adam step size",
            kind: ParamKind::LogFloat,
            default: lr,
            min: 1e-5,
            max: 1e-1,
            architecture: false,
        },
        HyperParam {
            key: "batch",
            label: "batch size",
            help: "digits per training step",
            kind: ParamKind::Int,
            default: batch,
            min: 8.0,
            max: 512.0,
            architecture: false,
        },
    ]
}
