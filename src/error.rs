//! One error type for everything a user can get wrong: bad data, bad weights, bad parameters,
//! a backend that fails. Each variant's message is written to be shown as-is in the page.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// MNIST files that cannot be read: truncated, corrupt, wrong magic, mismatched counts.
    Data(String),
    /// A weights file that is not burnpack, or is for another family or other sizes.
    Weights(String),
    /// A hyper-parameter or option out of range, or unknown.
    Param(String),
    /// A family name that is not in the registry, or a capability it does not have.
    Family(String),
    /// The compute backend failed (device lost, read-back failed).
    Backend(String),
    /// The caller cancelled a long computation.
    Cancelled(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Data(m) => write!(f, "MNIST data error: {m}"),
            Error::Weights(m) => write!(f, "weights error: {m}"),
            Error::Param(m) => write!(f, "invalid parameter: {m}"),
            Error::Family(m) => write!(f, "{m}"),
            Error::Backend(m) => write!(f, "backend error: {m}"),
            Error::Cancelled(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// For the async read-backs: what the backend says when a read fails (device lost, say).
pub fn backend<E: fmt::Debug>(e: E) -> Error {
    Error::Backend(format!("{e:?}"))
}
