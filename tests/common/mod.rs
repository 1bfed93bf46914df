//! Shared test helpers: the MNIST directory CI and developers have, and small fixtures.

#![allow(dead_code)]

use genlab::data::Mnist;
use std::path::PathBuf;
use std::sync::OnceLock;

/// `$MNIST_DIR`, else `../shared/data/mnist` beside the checkout.
pub fn mnist_dir() -> PathBuf {
    std::env::var_os("MNIST_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/mnist"))
}

pub fn mnist() -> &'static Mnist {
    static DATA: OnceLock<Mnist> = OnceLock::new();
    DATA.get_or_init(|| Mnist::load_dir(&mnist_dir()).expect("MNIST in $MNIST_DIR or ../shared/data/mnist"))
}

/// A shipped weights file, `www/weights/NAME.bpk`.
pub fn shipped_weights(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("www/weights/{name}.bpk"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e} (run ./build.sh train {name})", path.display()))
}

/// The shipped weights of every family some family is built on (as the CLI reads them).
pub fn bases() -> genlab::families::Bases {
    let mut bases = genlab::families::Bases::none();
    for info in genlab::families::infos() {
        for base in info.built_on {
            bases.insert(base, shipped_weights(base));
        }
    }
    bases
}
