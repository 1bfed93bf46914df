#!/usr/bin/env bash
# GenLab's one entry point.
#   ./build.sh              set up what is missing, build the wasm package, serve www/ on :8080
#   ./build.sh build        the same without serving
#   ./build.sh test         every test: fmt, clippy, cargo test, wasm-pack test (Chromium, WebGPU + CPU), pkg-tests
#   ./build.sh check-install   prove that each tool set-up builds with cargo still installs from scratch
#   ./build.sh train NAME [--resume] [--steps N] [--device wgpu]
#                           train a family (or the classifier judge) natively, write www/weights/NAME.bpk
#   ./build.sh eval [--samples N]   evaluate every family's shipped weights: a table, and www/weights/eval.json
#   ./build.sh likelihood NAME [--samples K]   the test-set likelihood (or bound) of NAME's weights
#   ./build.sh bench        training/sampling speed natively and in Chromium, wasm size
# Environment: PORT (8080), MNIST_DIR (else ../shared/data/mnist, else downloaded and md5-checked),
# CARGO_TARGET_DIR (reuse a warm build), GENLAB_SKIP_SETUP=1 (skip the install checks).
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
PORT=${PORT:-8080}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
WASM_PACK_VERSION=0.15.1
# The wasm build optimises for size (the page downloads it), except the crates where Burn's
# Flex backend computes. Passed to cargo by both wasm-pack build and wasm-pack test, so the two
# share one set of compiled dependencies; native builds keep the plain release profile.
# Measured on 2026-11-28 (2-core dev machine, Chromium, Flex, one thread; same sitting): "z"
# and one codegen unit, then wasm-opt -Oz, give 3.13 MB gzipped against 3.76 MB for "s", 16
# units and -O3, with training and sampling speeds equal within noise (VAE 20.9 vs 19.6
# steps/s, DDPM 0.81 vs 0.79; the arithmetic stays at opt-level 3 below). Fat LTO saved nothing.
WASM_CARGO_ARGS=(--locked
  --config 'profile.release.opt-level="z"'
  --config 'profile.release.codegen-units=1'
  --config 'profile.release.package.burn-flex.opt-level=3'
  --config 'profile.release.package.gemm-common.opt-level=3'
  --config 'profile.release.package.gemm-f32.opt-level=3')
CHROMIUM_FLAGS="--no-sandbox --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  if [ $apt_updated = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

setup() {
  [ "${GENLAB_SKIP_SETUP:-}" = 1 ] && return 0
  command -v cargo >/dev/null || die "cargo not found: install Rust with rustup (https://rustup.rs) first"
  command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
  apt_install chromium chromium-driver binaryen python3 ca-certificates curl
  rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown \
    || { log "adding the wasm32 target"; rustup target add wasm32-unknown-unknown; }
  # rustfmt and clippy gate ./build.sh test; a minimal rustup profile lacks them.
  local component
  for component in rustfmt clippy; do
    rustup component list --installed 2>/dev/null | grep -q "^$component" \
      || { log "adding the $component component"; rustup component add "$component"; }
  done
  # wasm-bindgen-cli is built from source at the version Cargo.toml pins: without it on PATH,
  # wasm-pack would download a prebuilt one.
  local crate version bin
  while read -r crate version; do
    bin=${crate%-cli}
    "$bin" --version 2>/dev/null | grep -qx "$bin $version" || cargo_install "$crate" "$version"
  done < <(cargo_tools)
  npm_ci www
  npm_ci pkg-tests
}

# The wasm-bindgen version pinned in Cargo.toml; wasm-bindgen-cli must match it exactly.
bindgen_version() {
  local v; v=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"$/\1/p' Cargo.toml)
  [ -n "$v" ] || die "Cargo.toml must pin wasm-bindgen exactly (wasm-bindgen = \"=X.Y.Z\")"
  echo "$v"
}

# The tools built with cargo, "crate version" per line: what setup installs and what
# `./build.sh check-install` proves still installs on a machine that never had them.
cargo_tools() { echo "wasm-pack $WASM_PACK_VERSION"; echo "wasm-bindgen-cli $(bindgen_version)"; }

# cargo install CRATE VERSION [--root DIR], from source. First with the tool's own lock file
# (--locked: the versions its authors tested); when that lock has gone stale (a dependency
# yanked or missing from the registry, as happened to wasm-bindgen-cli 0.2.130), once more with
# a fresh resolution of its dependencies. Never a prebuilt download.
cargo_install() {
  local crate=$1 version=$2; shift 2
  log "installing $crate $version (cargo install, a few minutes)"
  if cargo install "$crate" --version "=$version" --locked "$@"; then return 0; fi
  log "$crate $version: its own Cargo.lock no longer resolves (see above); installing with a fresh resolution of its dependencies"
  cargo install "$crate" --version "=$version" "$@" \
    || die "could not install $crate $version with cargo, with or without its lock file (see above). Check the network to crates.io, then rerun; or install it by hand: cargo install $crate --version $version"
}

# Proves that every cargo-installed tool still installs from scratch, the way setup installs it.
# A tool whose exact version is cached here is checked cheaply, without building: the
# resolution that `cargo_install` would do must still succeed against the registry, first with
# the tool's own Cargo.lock (--locked) and, when that lock has gone stale, afresh (the fallback;
# the log says which). Anything else (not cached, or not resolvable either way) is installed for
# real into a throwaway root through the same cargo_install, which fails loudly if it cannot.
check_install() {
  local crate version src root
  while read -r crate version; do
    src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"$crate-$version" 2>/dev/null | head -1)
    if [ -n "$src" ] && [ -f "$src/Cargo.lock" ]; then
      if resolves "$src" --locked; then
        log "check-install: $crate $version is cached and its own Cargo.lock still resolves"
        continue
      fi
      if resolves "$src" --fresh; then
        log "check-install: $crate $version is cached; its own Cargo.lock is stale, the fresh resolution setup falls back to still resolves"
        continue
      fi
    fi
    root=$(mktemp -d)
    log "check-install: installing $crate $version into the throwaway root $root"
    cargo_install "$crate" "$version" --root "$root"
    "$root/bin/${crate%-cli}" --version || die "check-install: $crate installed but does not run"
    rm -rf "$root"
  done < <(cargo_tools)
}

# resolves DIR --locked|--fresh: does a packaged crate's dependency graph still resolve, with its
# own Cargo.lock or without it? Checked in a copy (cargo writes the lock file), building nothing.
resolves() {
  local copy ok=0; copy=$(mktemp -d)
  cp -r "$1/." "$copy/"
  if [ "$2" = --locked ]; then
    (cd "$copy" && cargo metadata --locked --format-version 1 >/dev/null 2>&1) || ok=1
  else
    rm -f "$copy/Cargo.lock"
    (cd "$copy" && cargo metadata --format-version 1 >/dev/null 2>&1) || ok=1
  fi
  rm -rf "$copy"
  return $ok
}

# npm ci when node_modules is missing or older than the lock file.
npm_ci() {
  local dir=$1
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    log "npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# MNIST into www/data: from $MNIST_DIR, ../shared/data/mnist, or the public mirror (md5-checked).
MNIST_FILES="train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz"
declare -A MNIST_MD5=(
  [train-images-idx3-ubyte.gz]=f68b3c2dcbeaaa9fbdd348bbdeb94873
  [train-labels-idx1-ubyte.gz]=d53e105ee54ea40749a09fcbcd1e9432
  [t10k-images-idx3-ubyte.gz]=9fb629c4189551a2d022fa330f9573f3
  [t10k-labels-idx1-ubyte.gz]=ec29112dd5afa0611ce80d1b7f02629c
)
MNIST_MIRROR=${MNIST_MIRROR:-https://storage.googleapis.com/cvdf-datasets/mnist}

mnist_dir() {
  if [ -n "${MNIST_DIR:-}" ]; then echo "$MNIST_DIR"; return; fi
  if [ -f "$ROOT/../shared/data/mnist/train-images-idx3-ubyte.gz" ]; then (cd "$ROOT/../shared/data/mnist" && pwd); return; fi
  local dir="$ROOT/.cache/mnist"
  mkdir -p "$dir"
  for f in $MNIST_FILES; do
    if [ ! -f "$dir/$f" ] || [ "$(md5sum "$dir/$f" | cut -d' ' -f1)" != "${MNIST_MD5[$f]}" ]; then
      log "downloading $f"
      curl -fsSL --retry 3 -o "$dir/$f.part" "$MNIST_MIRROR/$f" || die "could not download $f from $MNIST_MIRROR (set MNIST_DIR to a folder with the four MNIST .gz files)"
      [ "$(md5sum "$dir/$f.part" | cut -d' ' -f1)" = "${MNIST_MD5[$f]}" ] || die "$f: md5 mismatch, download corrupt"
      mv "$dir/$f.part" "$dir/$f"
    fi
  done
  echo "$dir"
}

stage_mnist() {
  local src; src=$(mnist_dir)
  mkdir -p www/data
  for f in $MNIST_FILES; do
    [ -f "$src/$f" ] || die "MNIST file $src/$f is missing (set MNIST_DIR)"
    cmp -s "$src/$f" "www/data/$f" || cp "$src/$f" "www/data/$f"
  done
}

# The wasm package in www/pkg, optimised by Debian's wasm-opt (wasm-pack's own download of
# wasm-opt is turned off in Cargo.toml: nothing may download a prebuilt binary). wasm-opt is
# skipped when its input has not changed since the last run.
build_wasm() {
  log "building the wasm package (release)"
  wasm-pack build --release --target web --out-dir www/pkg --no-pack --no-typescript -- "${WASM_CARGO_ARGS[@]}"
  local wasm=www/pkg/genlab_bg.wasm stamp="$CARGO_TARGET_DIR/wasm-opt.stamp" sum
  sum=$(sha256sum "$wasm" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(head -1 "$stamp")" = "$sum" ] && [ -f "$CARGO_TARGET_DIR/genlab_bg.opt.wasm" ]; then
    cp "$CARGO_TARGET_DIR/genlab_bg.opt.wasm" "$wasm"
  else
    # -Oz: 3% smaller than -O3 gzipped, as fast in the benchmarks above.
    log "wasm-opt -Oz (about a minute)"
    wasm-opt -Oz --strip-debug --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals "$wasm" -o "$wasm.opt"
    # Binaryen 108 mis-numbers the export of wasm-bindgen's second (externref) table.
    node pkg-tests/tools/fix-table-exports.mjs "$wasm" "$wasm.opt"
    mv "$wasm.opt" "$wasm"
    cp "$wasm" "$CARGO_TARGET_DIR/genlab_bg.opt.wasm"
    echo "$sum" > "$stamp"
  fi
  printf 'wasm: %s bytes, %s gzipped\n' "$(stat -c%s "$wasm")" "$(gzip -9c "$wasm" | wc -c)" >&2
}

serve() {
  log "serving www/ on http://127.0.0.1:$PORT/ (gallery) and http://127.0.0.1:$PORT/family.html?family=vae"
  exec python3 -m http.server "$PORT" --bind 127.0.0.1 --directory www
}

write_webdriver_json() {
  # wasm-pack test reads webdriver.json beside Cargo.toml; made here, not committed.
  local args; args=$(printf '"%s",' $CHROMIUM_FLAGS --headless=new --enable-unsafe-webgpu)
  printf '{"goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": [%s]}}\n' "${args%,}" > webdriver.json
}

run_tests() {
  local dir; dir=$(mnist_dir); export MNIST_DIR=$dir
  log "cargo fmt --check, cargo clippy -D warnings"
  cargo fmt --check || die "the code is not formatted: run cargo fmt"
  cargo clippy --release --locked --all-targets -- -D warnings
  log "cargo test (native, Flex)"
  cargo test --release --locked
  log "wasm-pack test in headless Chromium (WebGPU through SwiftShader, and Flex)"
  write_webdriver_json
  CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-600} \
    wasm-pack test --headless --chrome --release -- "${WASM_CARGO_ARGS[@]}" --test web
  build_wasm
  stage_mnist
  log "pkg-tests (node:test + playwright-core on /usr/bin/chromium)"
  (cd pkg-tests && npm test)
}

cmd=${1:-serve}
case "$cmd" in
  serve|"")
    setup; build_wasm; stage_mnist; serve ;;
  build)
    setup; build_wasm; stage_mnist ;;
  test)
    setup; check_install; run_tests ;;
  check-install)
    check_install ;;
  train)
    [ $# -ge 2 ] || die "usage: ./build.sh train FAMILY [--steps N] [--seed S] [--set key=value]"
    family=$2; shift 2
    setup
    # --device wgpu trains on a GPU: the CLI is then built with that cargo feature (Burn's
    # wgpu backend), which the default build never compiles.
    features=()
    prev=
    for a in "$@"; do
      case "$prev$a" in
        --devicewgpu|--device=wgpu) features=(--features wgpu) ;;
      esac
      prev=$a
    done
    MNIST_DIR=$(mnist_dir) cargo run --release --locked "${features[@]}" --bin genlab -- train "$family" --out "www/weights/$family.bpk" "$@" ;;
  likelihood)
    [ $# -ge 2 ] || die "usage: ./build.sh likelihood FAMILY [--samples K]"
    family=$2; shift 2
    MNIST_DIR=$(mnist_dir) cargo run --release --locked --bin genlab -- likelihood --weights "www/weights/$family.bpk" "$@" ;;
  eval)
    shift
    MNIST_DIR=$(mnist_dir) cargo run --release --locked --bin genlab -- eval --json www/weights/eval.json "$@" ;;
  bench)
    setup; export MNIST_DIR; MNIST_DIR=$(mnist_dir)
    build_wasm; stage_mnist
    log "native training throughput (Flex, batch 64)"
    # Every registered family: 200 steps, or fewer where 30 s does not hold them (diffusion).
    cargo run --release --locked --bin genlab -- bench --steps 200 --seconds 30 --batch 64 | tee "$CARGO_TARGET_DIR/bench-native.json"
    log "in headless Chromium (Flex and WebGPU/SwiftShader), page load to first samples, wasm size"
    (cd pkg-tests && node bench.mjs "$CARGO_TARGET_DIR/bench-native.json") ;;
  *)
    die "unknown command '$cmd' (serve | build | test | check-install | train FAMILY | eval | likelihood FAMILY | bench)" ;;
esac
