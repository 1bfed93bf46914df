//! The native CLI: trains the weights the page ships, measures them, and benchmarks training.
//! Runs on Burn's Flex CPU backend (multi-threaded natively).
//!
//!   genlab train vae [--steps N] [--seed S] [--set k=v] [--out FILE]
//!   genlab likelihood --weights www/weights/vae.bpk [--samples K]
//!   genlab bench [--family vae] [--steps N] [--batch B]
//!
//! MNIST comes from --mnist, else $MNIST_DIR, else ../shared/data/mnist.

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
    use genlab::data::{Mnist, IMAGE_PIXELS};
    use genlab::eval::likelihood::{test_likelihood, LikelihoodReport};
    use genlab::families::{self, Family, Given, Likelihood, SampleOptions};
    use genlab::runtime::{block_on, read_f32, read_scalars};
    use genlab::train::Trainer;
    use genlab::weights::{self, Precision};
    use genlab::{Error, Result};
    use std::path::{Path, PathBuf};
    use std::time::Instant;

    #[derive(Parser)]
    #[command(name = "genlab", about = "Train, measure and benchmark GenLab's model families natively (Burn Flex backend)")]
    struct Args {
        /// Directory with the four MNIST .gz files.
        #[arg(long, global = true, env = "MNIST_DIR", default_value = "../shared/data/mnist")]
        mnist: PathBuf,
        #[command(subcommand)]
        command: Command,
    }

    #[derive(Subcommand)]
    enum Command {
        /// Train a family from scratch and write its weights file (f16 unless --f32).
        Train {
            family: String,
            /// Where to write the weights (default www/weights/FAMILY.bpk).
            #[arg(long)]
            out: Option<PathBuf>,
            /// Training steps (default: the family's own, as shipped).
            #[arg(long)]
            steps: Option<u64>,
            #[arg(long, default_value_t = 1)]
            seed: u64,
            /// Hyper-parameters, e.g. --set latent=16 --set lr=0.001.
            #[arg(long = "set", value_parser = parse_kv)]
            set: Vec<(String, f64)>,
            /// Report progress every N steps.
            #[arg(long, default_value_t = 1000)]
            log_every: u64,
            /// Keep full f32 precision in the file.
            #[arg(long)]
            f32: bool,
        },
        /// Test-set log-likelihood (or bound) of a weights file, in nats and bits/dim.
        Likelihood {
            #[arg(long)]
            weights: PathBuf,
            /// Importance samples for bounds (1: the family's basic bound, the ELBO for a VAE).
            #[arg(long, default_value_t = 1)]
            samples: usize,
            /// Test digits to score (default: all).
            #[arg(long)]
            n: Option<usize>,
        },
        /// Native training throughput of a fresh model on real MNIST, as JSON.
        Bench {
            #[arg(long, default_value = "vae")]
            family: String,
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
        genlab::runtime::flush_subnormals_to_zero();
        let args = Args::parse();
        match args.command {
            Command::Train { family, out, steps, seed, set, log_every, f32 } => {
                let precision = if f32 { Precision::F32 } else { Precision::F16 };
                train(&family, &args.mnist, out, steps, seed, &set, log_every, precision)
            }
            Command::Likelihood { weights, samples, n } => {
                let data = Mnist::load_dir(&args.mnist)?;
                let model = families::load(None, read_file(&weights)?, &Device::flex())?;
                report_likelihood(model.as_ref(), &data, n.unwrap_or(data.test.n), samples)
            }
            Command::Bench { family, steps, batch } => bench(&family, &args.mnist, steps, batch),
        }
    }

    fn read_file(path: &Path) -> Result<Vec<u8>> {
        std::fs::read(path).map_err(|e| Error::Weights(format!("{}: {e}", path.display())))
    }

    fn params(set: &[(String, f64)]) -> Given {
        set.iter().map(|(k, v)| (k.clone(), serde_json::json!(v))).collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn train(name: &str, mnist: &Path, out: Option<PathBuf>, steps: Option<u64>, seed: u64, set: &[(String, f64)], log_every: u64, precision: Precision) -> Result<()> {
        let data = Mnist::load_dir(mnist)?;
        let device = Device::flex();
        device.seed(seed);
        let family = families::create(name, &params(set), &device)?;
        let steps = steps.unwrap_or(family.info().train_steps);
        println!("training {name} with {:?} for {steps} steps, seed {seed}, on {} training digits", family.config(), data.train.n);
        let mut trainer = Trainer::new(family, seed);
        run_steps(&mut trainer, &data, steps, log_every)?;
        let out = out.unwrap_or_else(|| PathBuf::from(format!("www/weights/{name}.bpk")));
        let bytes = block_on(weights::encode(weights::export(trainer.model.as_ref()), precision))?;
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::Weights(format!("{}: {e}", dir.display())))?;
        }
        std::fs::write(&out, &bytes).map_err(|e| Error::Weights(format!("{}: {e}", out.display())))?;
        println!("wrote {} ({} bytes, {precision:?})", out.display(), bytes.len());
        // Score what was written, not what is in memory: the shipped file is f16.
        let shipped = families::load(Some(name), bytes, &Device::flex())?;
        report_likelihood(shipped.as_ref(), &data, data.test.n, 1)
    }

    /// Runs `steps` steps, printing the mean of each loss every `log_every` steps.
    fn run_steps(trainer: &mut Trainer, data: &Mnist, steps: u64, log_every: u64) -> Result<()> {
        let start = Instant::now();
        let keys: Vec<&str> = trainer.model.info().losses.iter().map(|l| l.key).collect();
        let mut sums = vec![0f64; keys.len()];
        let mut count = 0u64;
        for step in 1..=steps {
            let values = block_on(read_scalars(trainer.step(&data.train)?))?;
            if let Some((k, v)) = keys.iter().zip(&values).find(|(_, v)| !v.is_finite()) {
                return Err(Error::Backend(format!("training diverged at step {step}: loss '{k}' is {v}")));
            }
            for (s, v) in sums.iter_mut().zip(&values) {
                *s += *v as f64;
            }
            count += 1;
            if step % log_every == 0 || step == steps {
                let parts: Vec<String> = keys.iter().zip(&sums).map(|(k, s)| format!("{k} {:.3}", s / count as f64)).collect();
                let secs = start.elapsed().as_secs_f64();
                println!("step {step:>6}  {}  ({:.1} steps/s, {secs:.0} s)", parts.join("  "), step as f64 / secs);
                sums.iter_mut().for_each(|s| *s = 0.0);
                count = 0;
            }
        }
        Ok(())
    }

    fn print_likelihood(r: &LikelihoodReport) {
        let what = match (r.kind, r.samples) {
            (Likelihood::Exact, _) => "log p(x)".to_string(),
            (Likelihood::Bound, 1) => "ELBO (lower bound on log p(x))".to_string(),
            (Likelihood::Bound, k) => format!("IWAE bound, k = {k} (lower bound on log p(x))"),
        };
        println!(
            "test-set {what}: {:.2} nats per digit = {:.4} bits/dim ({} test digits, pixels {:?}, binarised with a fixed seed)",
            r.nats, r.bits_per_dim, r.n, r.pixels
        );
    }

    fn report_likelihood(family: &dyn Family, data: &Mnist, n: usize, samples: usize) -> Result<()> {
        let device = Device::flex();
        match block_on(test_likelihood(family, &data.test, n, samples, 0, &device))? {
            Some(r) => print_likelihood(&r),
            None => println!("{} has no likelihood", family.info().name),
        }
        Ok(())
    }

    fn bench(name: &str, mnist: &Path, steps: u64, batch: u64) -> Result<()> {
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
        let px = block_on(read_f32(trainer.model.sample(&SampleOptions::new(64, 0))?))?;
        let sample_ms = t0.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(px.len(), 64 * IMAGE_PIXELS);
        let report = serde_json::json!({
            "family": name, "backend": "flex-native", "threads": rayon::current_num_threads(), "batch": batch, "steps": steps,
            "steps_per_s": steps as f64 / secs, "images_per_s": (steps * batch) as f64 / secs, "sample64_ms": sample_ms,
        });
        println!("{report}");
        Ok(())
    }
}
