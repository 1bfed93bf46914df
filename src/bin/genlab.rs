//! The native CLI: trains the weights the page ships, measures them, and benchmarks training.
//! Runs on Burn's Flex CPU backend (multi-threaded natively).
//!
//!   genlab train vae --mnist DIR --out www/weights/vae.bpk [--steps N] [--seed S] [--set k=v]
//!   genlab likelihood --weights www/weights/vae.bpk --mnist DIR
//!   genlab bench [--family vae] [--steps N]

#[cfg(target_family = "wasm")]
fn main() {}

#[cfg(not(target_family = "wasm"))]
fn main() {
    if let Err(e) = cli::run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

#[cfg(not(target_family = "wasm"))]
mod cli {
    use burn::tensor::Device;
    use clap::{Parser, Subcommand};
    use genlab::data::{Mnist, Split, IMAGE_PIXELS};
    use genlab::families::{self, Family, SampleOptions};
    use genlab::runtime::{block_on, read_f32, read_scalars};
    use genlab::train::{prepare, Trainer};
    use genlab::{weights, Error, Result};
    use std::path::PathBuf;
    use std::time::Instant;

    #[derive(Parser)]
    #[command(name = "genlab", about = "Train, measure and benchmark GenLab's model families natively")]
    struct Args {
        #[command(subcommand)]
        command: Command,
    }

    #[derive(Subcommand)]
    enum Command {
        /// Train a family from scratch and write its weights file.
        Train {
            family: String,
            /// Directory with the four MNIST .gz files.
            #[arg(long, env = "MNIST_DIR", default_value = "../shared/data/mnist")]
            mnist: PathBuf,
            /// Where to write the weights (default www/weights/FAMILY.bpk).
            #[arg(long)]
            out: Option<PathBuf>,
            #[arg(long, default_value_t = 12000)]
            steps: u64,
            #[arg(long, default_value_t = 1)]
            seed: u64,
            /// Hyper-parameters, e.g. --set latent=16 --set lr=0.001.
            #[arg(long = "set", value_parser = parse_kv)]
            set: Vec<(String, f64)>,
            /// Report progress every N steps.
            #[arg(long, default_value_t = 500)]
            log_every: u64,
        },
        /// Test-set log-likelihood (or bound) of a weights file, in nats and bits/dim.
        Likelihood {
            #[arg(long)]
            weights: PathBuf,
            #[arg(long, env = "MNIST_DIR", default_value = "../shared/data/mnist")]
            mnist: PathBuf,
        },
        /// Native training throughput of a family (fresh model, synthetic-free: real MNIST).
        Bench {
            #[arg(long, default_value = "vae")]
            family: String,
            #[arg(long, env = "MNIST_DIR", default_value = "../shared/data/mnist")]
            mnist: PathBuf,
            #[arg(long, default_value_t = 100)]
            steps: u64,
            #[arg(long, default_value_t = 64)]
            batch: u64,
        },
    }

    fn parse_kv(s: &str) -> std::result::Result<(String, f64), String> {
        let (k, v) = s.split_once('=').ok_or("expected KEY=VALUE")?;
        Ok((k.to_string(), v.parse().map_err(|e| format!("{k}: {e}"))?))
    }

    pub fn run() -> Result<()> {
        match Args::parse().command {
            Command::Train { family, mnist, out, steps, seed, set, log_every } => {
                train(&family, &mnist, out, steps, seed, &set, log_every)
            }
            Command::Likelihood { weights, mnist } => {
                let data = Mnist::load_dir(&mnist)?;
                let bytes = std::fs::read(&weights).map_err(|e| Error::Weights(format!("{}: {e}", weights.display())))?;
                let model = families::load(None, bytes, &Device::flex())?;
                report_likelihood(model.as_ref(), &data.test)
            }
            Command::Bench { family, mnist, steps, batch } => bench(&family, &mnist, steps, batch),
        }
    }

    fn params(set: &[(String, f64)]) -> serde_json::Map<String, serde_json::Value> {
        set.iter().map(|(k, v)| (k.clone(), serde_json::json!(v))).collect()
    }

    fn train(name: &str, mnist: &PathBuf, out: Option<PathBuf>, steps: u64, seed: u64, set: &[(String, f64)], log_every: u64) -> Result<()> {
        let data = Mnist::load_dir(mnist)?;
        let device = Device::flex();
        device.seed(seed);
        let family = families::create(name, &params(set), &device)?;
        println!("training {name} with {:?} for {steps} steps, seed {seed}, on {} training digits", family.config(), data.train.n);
        let mut trainer = Trainer::new(family, seed);
        let start = Instant::now();
        let keys: Vec<&str> = trainer.family.info().losses.iter().map(|l| l.key).collect();
        let mut sums = vec![0f64; keys.len()];
        let mut count = 0u64;
        for step in 1..=steps {
            let losses = trainer.step(&data.train)?;
            let values = block_on(read_scalars(losses))?;
            for (s, v) in sums.iter_mut().zip(&values) {
                *s += *v as f64;
            }
            count += 1;
            if step % log_every == 0 || step == steps {
                let parts: Vec<String> = keys.iter().zip(&sums).map(|(k, s)| format!("{k} {:.2}", s / count as f64)).collect();
                println!("step {step:>6}  {}  ({:.1} steps/s)", parts.join("  "), step as f64 / start.elapsed().as_secs_f64());
                sums.iter_mut().for_each(|s| *s = 0.0);
                count = 0;
            }
        }
        let out = out.unwrap_or_else(|| PathBuf::from(format!("www/weights/{name}.bpk")));
        let bytes = block_on(weights::encode(trainer.family.weights(), name, trainer.family.config()))?;
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::Weights(format!("{}: {e}", dir.display())))?;
        }
        std::fs::write(&out, &bytes).map_err(|e| Error::Weights(format!("{}: {e}", out.display())))?;
        println!("wrote {} ({} bytes) in {:.0} s", out.display(), bytes.len(), start.elapsed().as_secs_f64());
        report_likelihood(trainer.family.as_ref(), &data.test)
    }

    /// Mean log-likelihood (or bound) over the whole test set, dynamically binarised with a
    /// fixed seed; printed in nats and bits/dim.
    pub fn report_likelihood(family: &dyn Family, test: &Split) -> Result<()> {
        let info = family.info();
        let Some(kind) = info.capabilities.likelihood else {
            println!("{} has no likelihood", info.name);
            return Ok(());
        };
        let device = Device::flex();
        device.seed(0);
        let mut total = 0f64;
        for chunk in (0..test.n).collect::<Vec<_>>().chunks(500) {
            let (x, _) = test.batch(chunk, &device);
            let x = prepare(x, info.pixels, &device);
            let ll = family.log_likelihood(x).expect("declared").sum();
            total += block_on(read_scalars(vec![ll]))?[0] as f64;
        }
        let nats = total / test.n as f64;
        let bpd = -nats / (IMAGE_PIXELS as f64 * std::f64::consts::LN_2);
        let what = match kind {
            families::Likelihood::Bound => "ELBO (lower bound on log p(x))",
            families::Likelihood::Exact => "log p(x)",
        };
        println!("test-set {what}: {nats:.2} nats per digit = {bpd:.4} bits/dim ({} test digits, pixels {:?} with seed 0)", test.n, info.pixels);
        Ok(())
    }

    fn bench(name: &str, mnist: &PathBuf, steps: u64, batch: u64) -> Result<()> {
        let data = Mnist::load_dir(mnist)?;
        let device = Device::flex();
        let family = families::create(name, &params(&[("batch".into(), batch as f64)]), &device)?;
        let mut trainer = Trainer::new(family, 0);
        // Warm-up step, excluded.
        block_on(read_scalars(trainer.step(&data.train)?))?;
        let start = Instant::now();
        for _ in 0..steps {
            block_on(read_scalars(trainer.step(&data.train)?))?;
        }
        let secs = start.elapsed().as_secs_f64();
        let t0 = Instant::now();
        let px = block_on(read_f32(trainer.family.sample(&SampleOptions { n: 64, seed: 0, labels: None })?))?;
        let sample_ms = t0.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(px.len(), 64 * IMAGE_PIXELS);
        println!(
            "{{\"family\":\"{name}\",\"backend\":\"flex-native\",\"batch\":{batch},\"steps\":{steps},\"steps_per_s\":{:.2},\"images_per_s\":{:.1},\"sample64_ms\":{sample_ms:.1}}}",
            steps as f64 / secs,
            (steps * batch) as f64 / secs
        );
        Ok(())
    }
}
