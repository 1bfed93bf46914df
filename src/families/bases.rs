//! Families built on other families: latent diffusion runs in an autoencoder's code space,
//! consistency distillation learns from a diffusion model. A family declares what it is built
//! on ([`super::FamilyInfo::built_on`]); whoever builds it hands over those families' weights
//! files in a [`Bases`] (the CLI reads them from the weights directory, the page fetches the
//! shipped ones), and the family loads from it what it needs ([`Bases::load`]).
//!
//! Its own weights file records which base weights it was trained with (their checksums,
//! [`super::Model::built_on`]); loading it with other base weights is refused with a clear
//! error ([`check`]) rather than decoding codes the network never saw. Nothing here knows any
//! family by name.

use super::Family;
use crate::error::{Error, Result};
use crate::weights;
use burn::tensor::Device;
use std::collections::HashMap;
use std::rc::Rc;

/// The weights files of base families, by family name.
#[derive(Clone, Default)]
pub struct Bases {
    files: HashMap<String, Vec<u8>>,
    /// Builds a base not given as a file afresh from its defaults (untrained), for reading
    /// what a family can do ([`super::capabilities`]), never for samples.
    fresh: bool,
}

/// A base family as loaded for a family built on it: the model (for inference: it is not
/// trained further) and its file's checksum.
#[derive(Clone)]
pub struct BuiltOn {
    pub family: Rc<dyn Family>,
    pub name: String,
    pub digest: String,
}

impl Bases {
    /// No base weights: enough for every family that is built on nothing.
    pub fn none() -> Bases {
        Bases::default()
    }

    /// Untrained bases from their defaults wherever no file is given (see `fresh`).
    pub fn fresh() -> Bases {
        Bases { fresh: true, ..Bases::default() }
    }

    /// Adds (or replaces) `family`'s weights file.
    pub fn insert(&mut self, family: &str, bytes: Vec<u8>) {
        self.files.insert(family.to_string(), bytes);
    }

    pub fn with(mut self, family: &str, bytes: Vec<u8>) -> Bases {
        self.insert(family, bytes);
        self
    }

    pub fn has(&self, family: &str) -> bool {
        self.files.contains_key(family)
    }

    /// Loads base `name` for the family `user` on `device`, with a clear error when its weights
    /// were not given or do not load.
    pub fn load(&self, user: &str, name: &str, device: &Device) -> Result<BuiltOn> {
        if self.fresh && !self.has(name) {
            let family = super::create(name, &super::Given::new(), self, device)?;
            return Ok(BuiltOn { family: Rc::from(family), name: name.to_string(), digest: "untrained".into() });
        }
        let bytes = self.files.get(name).ok_or_else(|| {
            Error::Family(format!(
                "'{user}' is built on '{name}', whose weights were not given (the page fetches the shipped weights/{name}.bpk; the CLI reads \
                 {name}.bpk beside the weights, then in www/weights: ./build.sh train {name})"
            ))
        })?;
        let fail = |e: Error| Error::Weights(format!("'{user}' is built on '{name}', whose weights did not load: {e}"));
        let file = weights::decode(bytes.clone(), Some(name)).map_err(fail)?;
        let digest = file.digest.clone();
        let family = super::from_file(file, self, device).map_err(fail)?;
        Ok(BuiltOn { family: Rc::from(family), name: name.to_string(), digest })
    }
}

impl Bases {
    /// The weights of base `name` as a record (to start a network from them: consistency
    /// distillation starts from its teacher), `None` where no file was given.
    pub fn record(&self, name: &str) -> Result<Option<burn::store::ModuleRecord>> {
        self.files.get(name).map(|bytes| Ok(weights::decode(bytes.clone(), Some(name))?.record)).transpose()
    }
}

/// Refuses a weights file of `family` whose record of its bases (`recorded`) does not name the
/// base weights it was just built with (`loaded`).
pub fn check(family: &str, recorded: &[(String, String)], loaded: &[(String, String)]) -> Result<()> {
    for (name, digest) in loaded {
        match recorded.iter().find(|(n, _)| n == name) {
            None => {
                return Err(Error::Weights(format!("these '{family}' weights do not say which '{name}' weights they were trained with")));
            }
            Some((_, want)) if want != digest => {
                return Err(Error::Weights(format!(
                    "these '{family}' weights were trained with other '{name}' weights ({}...) than the ones given ({}...): they need the '{name}' \
                     weights they were trained with (the page gives the shipped ones), or '{family}' trained again on these",
                    &want[..want.len().min(12)],
                    &digest[..digest.len().min(12)]
                )));
            }
            Some(_) => {}
        }
    }
    Ok(())
}
