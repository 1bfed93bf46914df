//! Declared settings: each family lists its hyper-parameters (and its sampler's settings) with
//! defaults and ranges; the page renders its controls from these, and they are validated in one
//! place for the CLI, the JS API and weights files.

use crate::error::{Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;
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
    /// One of [`HyperParam::choices`], stored as its index and written as its name.
    Choice,
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
    /// The names a [`ParamKind::Choice`] takes (empty for numbers).
    pub choices: &'static [&'static str],
}

impl HyperParam {
    const fn number(kind: ParamKind, key: &'static str, label: &'static str, help: &'static str, default: f64, min: f64, max: f64) -> Self {
        HyperParam { key, label, help, kind, default, min, max, architecture: false, choices: &[] }
    }

    pub const fn int(key: &'static str, label: &'static str, help: &'static str, default: f64, min: f64, max: f64) -> Self {
        Self::number(ParamKind::Int, key, label, help, default, min, max)
    }

    pub const fn float(key: &'static str, label: &'static str, help: &'static str, default: f64, min: f64, max: f64) -> Self {
        Self::number(ParamKind::Float, key, label, help, default, min, max)
    }

    pub const fn log_float(key: &'static str, label: &'static str, help: &'static str, default: f64, min: f64, max: f64) -> Self {
        Self::number(ParamKind::LogFloat, key, label, help, default, min, max)
    }

    /// One of `choices`, `default` being the index of the default one.
    pub const fn choice(key: &'static str, label: &'static str, help: &'static str, choices: &'static [&'static str], default: usize) -> Self {
        HyperParam {
            key,
            label,
            help,
            kind: ParamKind::Choice,
            default: default as f64,
            min: 0.0,
            max: (choices.len() - 1) as f64,
            architecture: false,
            choices,
        }
    }

    /// Marks a parameter that shapes the network (it cannot change under a trained model).
    pub const fn architecture(mut self) -> Self {
        self.architecture = true;
        self
    }

    /// Reads one given value: a number, or for a choice its name.
    fn parse(&self, v: &serde_json::Value) -> Result<f64> {
        if self.kind == ParamKind::Choice
            && let Some(name) = v.as_str()
        {
            return self
                .choices
                .iter()
                .position(|c| *c == name)
                .map(|i| i as f64)
                .ok_or_else(|| Error::Param(format!("'{}' = '{name}' is not one of {}", self.key, self.choices.join(", "))));
        }
        let x = v.as_f64().ok_or_else(|| {
            let expect = if self.kind == ParamKind::Choice { format!("one of {}", self.choices.join(", ")) } else { "a number".into() };
            Error::Param(format!("'{}' must be {expect}, got {v}", self.key))
        })?;
        if !x.is_finite() || x < self.min || x > self.max {
            return Err(Error::Param(format!("'{}' = {x} is out of range [{}, {}]", self.key, self.min, self.max)));
        }
        if matches!(self.kind, ParamKind::Int | ParamKind::Choice) && x.fract() != 0.0 {
            return Err(Error::Param(format!("'{}' must be a whole number, got {x}", self.key)));
        }
        Ok(x)
    }

    /// A stored value as the user writes it: a choice by name, a number as itself.
    fn show(&self, x: f64) -> serde_json::Value {
        match self.kind {
            ParamKind::Choice => serde_json::json!(self.choices.get(x as usize).copied().unwrap_or("?")),
            ParamKind::Int => serde_json::json!(x as i64),
            _ => serde_json::json!(x),
        }
    }
}

/// Validated values, by key (a choice as its index).
pub type Config = BTreeMap<String, f64>;

/// A JSON object of given values, as the JS API and weights files carry them.
pub type Given = serde_json::Map<String, serde_json::Value>;

/// A family's validated values as its own typed struct: each field named as a declared key,
/// a choice as an enum whose serde names are the declared choices. Keys missing from `config`
/// (a caller's partial sampler settings) take their declared defaults.
///
/// Validation has already range-checked every value, so this fails only when a family's
/// struct and its declarations disagree (a programmer's error `tests/registry.rs` catches for
/// every key and every choice); the structs use `deny_unknown_fields` so a declared key the
/// struct forgot is caught as well as a field nobody declared.
pub fn typed<T: DeserializeOwned>(declared: &[HyperParam], config: &Config) -> Result<T> {
    let given: Given = declared.iter().map(|h| (h.key.to_string(), h.show(config.get(h.key).copied().unwrap_or(h.default)))).collect();
    serde_json::from_value(serde_json::Value::Object(given)).map_err(|e| Error::Param(format!("the declared settings do not fit their struct: {e}")))
}

/// Checks `given` against `declared`: unknown keys, non-numbers, unknown choices, non-integers
/// and values out of range are refused with a message naming the parameter and its range.
/// Missing keys take their defaults. `what` names them in messages ("hyper-parameter").
pub fn validate(what: &str, declared: &[HyperParam], given: &Given) -> Result<Config> {
    for key in given.keys() {
        if !declared.iter().any(|h| h.key == key) {
            let known: Vec<_> = declared.iter().map(|h| h.key).collect();
            let known = if known.is_empty() { "none".to_string() } else { known.join(", ") };
            return Err(Error::Param(format!("unknown {what} '{key}' (known: {known})")));
        }
    }
    let mut config = Config::new();
    for h in declared {
        let v = match given.get(h.key) {
            None | Some(serde_json::Value::Null) => h.default,
            Some(v) => h.parse(v)?,
        };
        config.insert(h.key.to_string(), v);
    }
    Ok(config)
}

/// The values as the user writes them (choices by name): for the JS API and weights files.
pub fn show(declared: &[HyperParam], config: &Config) -> Given {
    declared.iter().filter_map(|h| config.get(h.key).map(|&v| (h.key.to_string(), h.show(v)))).collect()
}

/// The two hyper-parameters every trainable family has: Adam's learning rate and the batch size.
pub fn common(lr: f64, batch: f64) -> [HyperParam; 2] {
    [
        HyperParam::log_float("lr", "learning rate", "Adam step size", lr, 1e-5, 1e-1),
        HyperParam::int("batch", "batch size", "digits per training step", batch, 8.0, 512.0),
    ]
}
