//! Reading tensors back to the host, the one way that works everywhere.
//!
//! On WebGPU in the browser a synchronous read (`into_data`, `into_scalar`) panics, because
//! the main loop cannot block on the GPU. Flex happens to allow it, which hides the bug, so all
//! code the browser runs reads through these async helpers; natively we drive them with
//! [`block_on`].

use crate::error::{backend, Result};
use burn::tensor::{Tensor, Transaction};

/// Reads a float tensor of any rank as a flat `Vec<f32>`.
pub async fn read_f32<const D: usize>(t: Tensor<D>) -> Result<Vec<f32>> {
    let data = t.into_data_async().await.map_err(backend)?;
    Ok(data.convert::<f32>().try_into_vec::<f32>().expect("converted to f32"))
}

/// Reads several scalar tensors in one transaction: one round trip instead of one per loss.
pub async fn read_scalars(ts: Vec<Tensor<1>>) -> Result<Vec<f32>> {
    let mut tx = Transaction::default();
    for t in ts {
        tx = tx.register(t);
    }
    let datas = tx.execute_async().await.map_err(backend)?;
    Ok(datas
        .into_iter()
        .map(|d| d.convert::<f32>().try_into_vec::<f32>().expect("converted to f32")[0])
        .collect())
}

/// Runs a future to completion on the native CLI and in tests.
#[cfg(not(target_family = "wasm"))]
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    pollster::block_on(f)
}
