#![cfg(not(target_family = "wasm"))]
//! The IDX reader on good and bad bytes.

use flate2::write::GzEncoder;
use genlab::Error;
use genlab::data::Split;
use genlab::data::idx::{decode, encode};
use std::io::Write;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn images(n: usize) -> Vec<u8> {
    encode(&[n, 28, 28], &(0..n * 784).map(|i| (i % 251) as u8).collect::<Vec<_>>())
}

fn labels(n: usize) -> Vec<u8> {
    encode(&[n], &(0..n).map(|i| (i % 10) as u8).collect::<Vec<_>>())
}

fn data_error(r: Result<Split, Error>) -> String {
    match r {
        Err(Error::Data(m)) => m,
        Err(other) => panic!("expected a data error, got {other:?}"),
        Ok(_) => panic!("expected a data error, got a split"),
    }
}

#[test]
fn reads_raw_and_gzipped_files_alike() {
    let raw = Split::from_idx(&images(3), &labels(3), "t").unwrap();
    let gz = Split::from_idx(&gzip(&images(3)), &gzip(&labels(3)), "t").unwrap();
    assert_eq!(raw.n, 3);
    assert_eq!(raw.images, gz.images);
    assert_eq!(raw.labels, vec![0, 1, 2]);
    assert_eq!(raw.images[784 + 5], ((784 + 5) % 251) as u8);
    assert!((raw.image(1)[5] - ((784 + 5) % 251) as f32 / 255.0).abs() < 1e-6);
}

#[test]
fn accepts_any_count_in_the_header() {
    let idx = decode(&images(7), 3, "x").unwrap();
    assert_eq!(idx.dims, vec![7, 28, 28]);
}

#[test]
fn truncated_file_is_refused() {
    let mut bytes = images(3);
    bytes.truncate(bytes.len() - 10);
    let m = data_error(Split::from_idx(&bytes, &labels(3), "training"));
    assert!(m.contains("truncated") && m.contains("training images"), "{m}");
    let m = data_error(Split::from_idx(&images(3)[..6], &labels(3), "training"));
    assert!(m.contains("header"), "{m}");
}

#[test]
fn corrupt_gzip_is_refused() {
    let mut gz = gzip(&images(3));
    let mid = gz.len() / 2;
    for b in &mut gz[mid..mid + 16] {
        *b ^= 0x5a;
    }
    let m = data_error(Split::from_idx(&gz, &labels(3), "test"));
    assert!(m.contains("gzip"), "{m}");
    // A gzip stream cut short is corrupt too.
    let gz = gzip(&images(3));
    let m = data_error(Split::from_idx(&gz[..gz.len() / 2], &labels(3), "test"));
    assert!(m.contains("gzip") || m.contains("truncated"), "{m}");
}

#[test]
fn wrong_magic_is_refused() {
    // A labels file where images are expected, and a float-typed file.
    let m = data_error(Split::from_idx(&labels(3), &labels(3), "test"));
    assert!(m.contains("magic"), "{m}");
    let mut bytes = images(3);
    bytes[2] = 0x0d;
    let m = data_error(Split::from_idx(&bytes, &labels(3), "test"));
    assert!(m.contains("magic") && m.contains("0x00000d03"), "{m}");
}

#[test]
fn mismatched_counts_are_refused() {
    let m = data_error(Split::from_idx(&images(3), &labels(4), "training"));
    assert!(m.contains("mismatched counts") && m.contains("3 images but 4 labels"), "{m}");
}

#[test]
fn labels_must_be_digits() {
    let bad = encode(&[2], &[3, 12]);
    let m = data_error(Split::from_idx(&images(2), &bad, "test"));
    assert!(m.contains("12"), "{m}");
}

#[test]
fn real_mnist_loads_with_its_counts() {
    let data = common::mnist();
    assert_eq!(data.test.n, 10_000);
    assert!(data.train.n == 24_000 || data.train.n == 60_000, "{}", data.train.n);
    // Class counts are roughly balanced and every class is present.
    let mut counts = [0usize; 10];
    for &l in &data.test.labels {
        counts[l as usize] += 1;
    }
    assert!(counts.iter().all(|&c| c > 800), "{counts:?}");
}

mod common;
