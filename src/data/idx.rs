//! The IDX format MNIST ships in (LeCun et al.): a big-endian header
//! `[0, 0, type, ndim]`, then `ndim` big-endian `u32` dimensions, then the raw values.
//! We accept the file gzip-compressed or not, and refuse anything that does not add up,
//! with a message that names the file and what is wrong.

use crate::error::{Error, Result};
use std::io::Read;

/// The only element type MNIST uses: unsigned bytes.
const TYPE_U8: u8 = 0x08;

/// A decoded IDX array of bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Idx {
    pub dims: Vec<usize>,
    pub data: Vec<u8>,
}

/// Gunzips `bytes` when they start with the gzip magic, else returns them unchanged.
pub fn maybe_gunzip(bytes: &[u8], name: &str) -> Result<Vec<u8>> {
    if bytes.len() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b {
        let mut out = Vec::with_capacity(bytes.len() * 4);
        flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).map_err(|e| Error::Data(format!("{name}: the gzip stream is corrupt ({e})")))?;
        Ok(out)
    } else {
        Ok(bytes.to_vec())
    }
}

/// Decodes an IDX file of `expected_ndim` dimensions (3 for images, 1 for labels).
pub fn decode(bytes: &[u8], expected_ndim: usize, name: &str) -> Result<Idx> {
    let raw = maybe_gunzip(bytes, name)?;
    if raw.len() < 4 {
        return Err(Error::Data(format!("{name}: {} bytes is too short for an IDX header", raw.len())));
    }
    let expected_magic = 0x0800 + expected_ndim as u32;
    let magic = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]);
    if raw[0] != 0 || raw[1] != 0 || raw[2] != TYPE_U8 || raw[3] as usize != expected_ndim {
        return Err(Error::Data(format!(
            "{name}: wrong magic number 0x{magic:08x} (expected 0x{expected_magic:08x}, \
             unsigned bytes in {expected_ndim} dimension(s)); is this an MNIST IDX file?"
        )));
    }
    let header = 4 + 4 * expected_ndim;
    if raw.len() < header {
        return Err(Error::Data(format!("{name}: truncated inside the header")));
    }
    let dims: Vec<usize> = (0..expected_ndim)
        .map(|i| {
            let o = 4 + 4 * i;
            u32::from_be_bytes([raw[o], raw[o + 1], raw[o + 2], raw[o + 3]]) as usize
        })
        .collect();
    let expected: usize = dims.iter().product();
    let got = raw.len() - header;
    if got != expected {
        let what = if got < expected { "truncated" } else { "longer than its header says" };
        return Err(Error::Data(format!("{name}: {what}: the header promises {dims:?} = {expected} bytes of data, the file has {got}")));
    }
    Ok(Idx { dims, data: raw[header..].to_vec() })
}

/// Encodes bytes as an (uncompressed) IDX file: used by tests and tools that write small data.
pub fn encode(dims: &[usize], data: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, TYPE_U8, dims.len() as u8];
    for d in dims {
        out.extend_from_slice(&(*d as u32).to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}
