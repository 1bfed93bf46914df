//! The wasm-bindgen surface the Web Worker (`www/js/worker.js`) drives. The public JS API
//! (`www/js/genlab.js`) wraps it; nothing here is meant to be called from the main thread.
//!
//! Every method that touches tensor values returns a Promise and reads back asynchronously:
//! on WebGPU a synchronous read panics. Errors come back as JS `Error`s with the message of
//! [`crate::Error`]; a panic (a bug) reaches the page through the panic hook installed by
//! [`start`], after which the worker is restarted by `genlab.js`.

mod lab;

use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        // Let the worker tell the page: this instance is no longer usable.
        let report = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("__genlabPanic"));
        if let Ok(f) = report {
            if let Some(f) = f.dyn_ref::<js_sys::Function>() {
                let _ = f.call1(&JsValue::NULL, &JsValue::from_str(&info.to_string()));
            }
        }
    }));
}

/// Panics with `message`: a real Rust panic, so a test can prove the hook above reaches the
/// page and the lab recovers (pkg-tests/tests/crash.test.mjs). No bad input panics (each is
/// an error), so this is the only way to make one; it is refused with an error unless the
/// calling global's `__genlabAllowTestPanic` is `true`, which only that test sets.
#[wasm_bindgen(js_name = testPanic)]
pub fn test_panic(message: String) -> Result<(), JsError> {
    let allowed = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("__genlabAllowTestPanic")).is_ok_and(|v| v.as_bool() == Some(true));
    if !allowed {
        return Err(JsError::new("testPanic panics only where a test allowed it (__genlabAllowTestPanic = true)"));
    }
    panic!("{message}");
}

/// The families in the registry, with hyper-parameters, ranges and capabilities.
#[wasm_bindgen]
pub fn families() -> Result<JsValue, JsError> {
    to_js(&crate::families::described())
}

pub(crate) fn to_js<T: serde::Serialize + ?Sized>(v: &T) -> Result<JsValue, JsError> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| JsError::new(&e.to_string()))
}

pub(crate) fn js_err(e: crate::Error) -> JsError {
    JsError::new(&e.to_string())
}

pub use lab::Lab;
