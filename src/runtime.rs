//! Reading tensors back to the host, the one way that works everywhere.
//!
//! On WebGPU in the browser a synchronous read (`into_data`, `into_scalar`) panics, because
//! the main loop cannot block on the GPU. Flex happens to allow it, which hides the bug, so all
//! code the browser runs reads through these async helpers; natively we drive them with
//! [`block_on`].

use crate::error::{Result, backend};
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
    Ok(datas.into_iter().map(|d| d.convert::<f32>().try_into_vec::<f32>().expect("converted to f32")[0]).collect())
}

/// Runs a future to completion on the native CLI and in tests.
#[cfg(not(target_family = "wasm"))]
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    pollster::block_on(f)
}

/// Flushes subnormal floats (magnitudes below 1.2e-38) to zero on this thread and on every
/// thread of the rayon pool Burn's Flex backend computes on. Call once, first thing.
///
/// Why: Adam squares gradients, and a pixel the decoder is sure is background has a gradient
/// near e^-45, whose square is subnormal. x86 processors handle subnormals in microcode,
/// hundreds of times slower: VAE training fell from 65 to 25 steps/s over 12,000 steps, and
/// stayed at 65 with this flag. (The families also bound their logits with weight decay, for
/// the browser, where WebAssembly offers no such flag.)
#[cfg(not(target_family = "wasm"))]
pub fn flush_subnormals_to_zero() {
    fn this_thread() {
        #[cfg(target_arch = "x86_64")]
        #[allow(deprecated)] // the intrinsics are deprecated in favour of inline asm; same effect
        unsafe {
            use std::arch::x86_64::{_mm_getcsr, _mm_setcsr};
            // MXCSR bit 15: flush-to-zero; bit 6: denormals-are-zero.
            _mm_setcsr(_mm_getcsr() | 0x8040);
        }
        #[cfg(target_arch = "aarch64")]
        unsafe {
            // FPCR bit 24: flush-to-zero.
            let mut fpcr: u64;
            std::arch::asm!("mrs {}, fpcr", out(reg) fpcr);
            fpcr |= 1 << 24;
            std::arch::asm!("msr fpcr, {}", in(reg) fpcr);
        }
    }
    this_thread();
    // Fails only if the pool already exists (a second call): then its threads have the flag.
    let _ = rayon::ThreadPoolBuilder::new().start_handler(|_| this_thread()).build_global();
}
