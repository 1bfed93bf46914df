//! The native CLI: trains the weights the page ships, measures them, and benchmarks training.
//! Runs on Burn's Flex CPU backend (multi-threaded natively); `train` and `bench` also run on a
//! GPU with `--device wgpu` when built with the cargo feature of that name.
//!
//!   genlab train vae|naive-bayes|classifier [--steps N] [--seed S] [--set k=v] [--out FILE] [--resume]
//!                [--device flex|wgpu] [--minutes M] [--checkpoint-every N]
//!   genlab likelihood --weights www/weights/vae.bpk [--samples K]
//!   genlab eval [--samples N] [--seed S] [--json FILE]
//!   genlab bench [--family vae] [--steps N] [--batch B]
//!   genlab upgrade-weights FILE...
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
    use genlab::data::{IMAGE_PIXELS, Mnist};
    use genlab::eval::classifier::{self, Classifier};
    use genlab::eval::likelihood::{LikelihoodReport, test_likelihood};
    use genlab::eval::report::{EvalOptions, EvalReport, Mode, evaluate};
    use genlab::families::{self, Family, Given, Likelihood, Model, SampleOptions};
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
        /// Where `train` and `bench` compute: flex (CPU), or wgpu (a GPU through Burn's wgpu
        /// backend, in a build with the `wgpu` cargo feature). Evaluation always runs on flex,
        /// like the page.
        #[arg(long, global = true, default_value = "flex")]
        device: String,
        #[command(subcommand)]
        command: Command,
    }

    #[derive(Subcommand)]
    enum Command {
        /// Train a family (or the classifier judge) from scratch and write its weights file
        /// (f16 unless --f32).
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
            /// Carry on from the weights already at --out (their step count is in the file) up
            /// to --steps in all, instead of starting afresh: a long run spread over sittings.
            #[arg(long)]
            resume: bool,
            /// Stop after this many minutes of training (at a step boundary) and write what
            /// has been learnt; the file records the steps taken.
            #[arg(long)]
            minutes: Option<f64>,
            /// Also write the weights file every N steps, so that an interrupted run loses
            /// at most N steps (carry on with --resume).
            #[arg(long)]
            checkpoint_every: Option<u64>,
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
            /// Hyper-parameters that leave the weights alone, for this run only, e.g.
            /// --set ais_steps=10000 for a closer estimate of an energy model's log Z.
            #[arg(long = "set", value_parser = parse_kv)]
            set: Vec<(String, f64)>,
            /// Write the file back (f16) keeping what the estimate computed (an energy model's
            /// log Z with these settings), so the page need not compute it again.
            #[arg(long)]
            keep: bool,
        },
        /// Evaluate every family's shipped weights with the classifier judge: a markdown table
        /// on stdout, the same as JSON with --json.
        Eval {
            /// Samples per family.
            #[arg(long, default_value_t = 1000)]
            samples: usize,
            #[arg(long, default_value_t = 0)]
            seed: u64,
            /// Samples checked for copies of training digits.
            #[arg(long, default_value_t = 300)]
            memorisation: usize,
            /// Only these families (default: all registered).
            #[arg(long, value_delimiter = ',')]
            families: Vec<String>,
            #[arg(long, default_value = "www/weights")]
            weights_dir: PathBuf,
            #[arg(long)]
            json: Option<PathBuf>,
            /// Samples for the slow sampler variants of a diffusion family (DDIM 50 and 250
            /// steps, ancestral DDPM with 1000 steps); 0 skips them.
            #[arg(long, default_value_t = 100)]
            slow_samples: usize,
            /// Only the main evaluation of each family, none of its extra variants.
            #[arg(long)]
            no_variants: bool,
            /// Sampler settings for the main evaluation instead of the defaults, e.g.
            /// --setting steps=50 --setting guidance=3 (with --families to name the family).
            #[arg(long = "setting", value_parser = parse_kv)]
            settings: Vec<(String, f64)>,
            /// Hyper-parameters that leave the weights alone, for this evaluation only, applied
            /// to each family that declares them (--set ais_steps=10000).
            #[arg(long = "set", value_parser = parse_kv)]
            set: Vec<(String, f64)>,
        },
        /// Native training throughput of a fresh model on real MNIST, as a JSON line per family.
        Bench {
            /// One family (default: every registered family, in registry order).
            #[arg(long)]
            family: Option<String>,
            /// Timed steps at most.
            #[arg(long, default_value_t = 100)]
            steps: u64,
            /// On the CPU, stop timing after this many seconds even before --steps (a slow
            /// family then measures fewer steps instead of keeping everyone waiting).
            #[arg(long, default_value_t = 30.0)]
            seconds: f64,
            #[arg(long, default_value_t = 64)]
            batch: u64,
        },
        /// Adds the integrity checksum to weights files written before GenLab files carried one
        /// (rewritten in place; every weight stays bit for bit).
        UpgradeWeights { files: Vec<PathBuf> },
    }

    fn parse_kv(s: &str) -> std::result::Result<(String, f64), String> {
        let (k, v) = s.split_once('=').ok_or("expected KEY=VALUE")?;
        Ok((k.to_string(), v.parse().map_err(|e| format!("{k}: {e}"))?))
    }

    pub fn run() -> Result<()> {
        genlab::runtime::flush_subnormals_to_zero();
        let args = Args::parse();
        match args.command {
            Command::Train { family, out, steps, seed, set, log_every, f32, resume, minutes, checkpoint_every } => {
                let precision = if f32 { Precision::F32 } else { Precision::F16 };
                let device = compute_device(&args.device)?;
                let budget =
                    Budget { log_every, deadline: minutes.map(|m| Instant::now() + std::time::Duration::from_secs_f64(m * 60.0)), checkpoint_every };
                train(&family, &args.mnist, &device, out, steps, seed, &set, budget, precision, resume)
            }
            Command::Likelihood { weights: path, samples, n, set, keep } => {
                let data = Mnist::load_dir(&args.mnist)?;
                let bases = bases_in(path.parent().unwrap_or(Path::new(".")));
                let (mut model, steps) = families::load_trained(None, read_file(&path)?, &bases, &Device::flex())?;
                let as_filed = genlab::families::hyper::show(&model.info().hyper, model.config());
                declared_params(model.as_mut(), &params(&set))?;
                if keep {
                    let density = model.density().ok_or_else(|| Error::Family("this family has no likelihood".into()))?;
                    density.prepare();
                    // The file keeps its own hyper-parameters (--set was for this estimate); the
                    // estimate stays, since they leave the weights alone.
                    model.set_params(&as_filed)?;
                    let bytes = block_on(weights::encode(weights::export(model.as_ref()).with_steps(steps), Precision::F16))?;
                    write_weights(&path, &bytes, Precision::F16)?;
                    println!("kept the estimate in {}", path.display());
                }
                report_likelihood(model.as_ref(), &data, n.unwrap_or(data.test.n), samples)
            }
            Command::Eval { samples, seed, memorisation, families, weights_dir, json, slow_samples, no_variants, settings, set } => {
                let variants = if no_variants { None } else { Some(slow_samples) };
                eval(&args.mnist, &weights_dir, samples, seed, memorisation, variants, &params(&settings), &params(&set), &families, json.as_deref())
            }
            Command::Bench { family, steps, seconds, batch } => {
                let names: Vec<&str> = match &family {
                    Some(name) => vec![name.as_str()],
                    None => families::infos().iter().map(|i| i.name).collect(),
                };
                let device = compute_device(&args.device)?;
                names.into_iter().try_for_each(|name| bench(name, &args.mnist, &device, steps, seconds, batch))
            }
            Command::UpgradeWeights { files } => {
                for path in files {
                    let bytes = weights::upgrade(read_file(&path)?)?;
                    std::fs::write(&path, &bytes).map_err(|e| Error::Weights(format!("{}: {e}", path.display())))?;
                    println!("{}: checksum added ({} bytes)", path.display(), bytes.len());
                }
                Ok(())
            }
        }
    }

    /// The device `--device` names, checked by computing one small sum on it: a GPU that cannot
    /// start (no driver, no such feature in this build) is a clear error here, not a panic
    /// deep inside the first training step.
    fn compute_device(name: &str) -> Result<Device> {
        match name {
            "flex" => Ok(Device::flex()),
            #[cfg(feature = "wgpu")]
            "wgpu" => checked(name, Device::wgpu(burn::tensor::DeviceKind::DefaultDevice)),
            #[cfg(not(feature = "wgpu"))]
            "wgpu" => Err(Error::Param(
                "--device wgpu: this genlab was built without the 'wgpu' cargo feature (./build.sh train FAMILY --device wgpu builds it)".into(),
            )),
            other => Err(Error::Param(format!("--device {other}: expected flex or wgpu"))),
        }
    }

    #[cfg(feature = "wgpu")]
    fn checked(name: &str, device: Device) -> Result<Device> {
        let probe = device.clone();
        let sum = std::panic::catch_unwind(move || {
            let t = burn::tensor::Tensor::<1>::ones([16], &probe);
            block_on(read_f32(t.sum()))
        });
        match sum {
            Ok(Ok(v)) if v == [16.0] => {
                println!("computing on {device:?}");
                Ok(device)
            }
            Ok(Ok(v)) => Err(Error::Backend(format!("--device {name}: a test sum of sixteen ones gave {v:?}"))),
            Ok(Err(e)) => Err(Error::Backend(format!("--device {name} could not start: {e}"))),
            Err(_) => Err(Error::Backend(format!("--device {name} could not start (see the message above)"))),
        }
    }

    /// When a training run stops and what it reports on the way.
    struct Budget {
        log_every: u64,
        deadline: Option<Instant>,
        checkpoint_every: Option<u64>,
    }

    /// The weights files of every family some family is built on, from `dir` (where the
    /// weights at hand are), else the shipped www/weights; one found in neither is left out,
    /// and the family built on it says so when it is made.
    fn bases_in(dir: &Path) -> families::Bases {
        let mut bases = families::Bases::none();
        for info in families::infos() {
            for base in info.built_on {
                let file = format!("{base}.bpk");
                if let Some(bytes) = [dir, Path::new("www/weights")].iter().find_map(|d| std::fs::read(d.join(&file)).ok()) {
                    bases.insert(base, bytes);
                }
            }
        }
        bases
    }

    fn read_file(path: &Path) -> Result<Vec<u8>> {
        std::fs::read(path).map_err(|e| Error::Weights(format!("{}: {e}", path.display())))
    }

    fn params(set: &[(String, f64)]) -> Given {
        set.iter().map(|(k, v)| (k.clone(), serde_json::json!(v))).collect()
    }

    /// Sets those of `given` the family declares (the others belong to other families).
    fn declared_params(family: &mut dyn Family, given: &Given) -> Result<()> {
        let info = family.info();
        let mine: Given = given.iter().filter(|(k, _)| info.hyper.iter().any(|h| h.key == k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
        if !mine.is_empty() {
            family.set_params(&mine)?;
        }
        Ok(())
    }

    fn write_weights(out: &Path, bytes: &[u8], precision: Precision) -> Result<()> {
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::Weights(format!("{}: {e}", dir.display())))?;
        }
        // Written beside and renamed over: a run stopped mid-write (a checkpoint of a long
        // GPU run, say) leaves the last whole file, never half of one.
        let partial = out.with_extension("bpk.partial");
        std::fs::write(&partial, bytes).map_err(|e| Error::Weights(format!("{}: {e}", partial.display())))?;
        std::fs::rename(&partial, out).map_err(|e| Error::Weights(format!("{}: {e}", out.display())))?;
        println!("wrote {} ({} bytes, {precision:?})", out.display(), bytes.len());
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn train(
        name: &str,
        mnist: &Path,
        device: &Device,
        out: Option<PathBuf>,
        steps: Option<u64>,
        seed: u64,
        set: &[(String, f64)],
        budget: Budget,
        precision: Precision,
        resume: bool,
    ) -> Result<()> {
        let data = Mnist::load_dir(mnist)?;
        let device = device.clone();
        device.seed(seed);
        let out = out.unwrap_or_else(|| PathBuf::from(format!("www/weights/{name}.bpk")));
        if name == classifier::NAME {
            if resume {
                return Err(Error::Param("the classifier trains in one sitting: --resume is for the families".into()));
            }
            let judge = Classifier::create(&params(set), &device, seed)?;
            let steps = steps.unwrap_or(judge.info().train_steps);
            println!("training the classifier with {:?} for {steps} steps, seed {seed}, on {} training digits", judge.config(), data.train.n);
            let mut trainer = Trainer::new(Box::new(judge), seed);
            run_steps(&mut trainer, &data, steps, &budget, &mut |_| Ok(()))?;
            block_on(trainer.model.set_reference(&data.test))?;
            let bytes = block_on(weights::encode(weights::export(trainer.model.as_ref()), precision))?;
            write_weights(&out, &bytes, precision)?;
            let shipped = Classifier::load(bytes, &Device::flex())?;
            let acc = block_on(shipped.accuracy(&data.test, data.test.n))?;
            println!("test accuracy: {:.2}% ({} test digits)", acc * 100.0, data.test.n);
            return Ok(());
        }
        // What it is built on: the shipped weights beside where its own go.
        let bases = bases_in(out.parent().unwrap_or(Path::new(".")));
        let (family, done) = if resume {
            let bytes = std::fs::read(&out).map_err(|e| Error::Weights(format!("--resume: no weights to resume at {} ({e})", out.display())))?;
            let (mut family, done) = families::load_trained(Some(name), bytes, &bases, &device)?;
            // The file's sizes stay; --set may change what leaves them alone (the learning
            // rate, the batch, an RBM's sampler), and refuses the rest.
            family.set_params(&params(set))?;
            (family, done)
        } else {
            (families::create(name, &params(set), &bases, &device)?, 0)
        };
        let steps = steps.unwrap_or(family.info().train_steps);
        if done >= steps {
            println!("{} has had {done} training steps already (--steps {steps}): nothing to do", out.display());
            return Ok(());
        }
        if resume {
            // What the file does not keep starts afresh: Adam's moments, and for a DDPM the raw
            // network (the file holds its moving average, which training then carries on from).
            println!("resuming {name} from {} at step {done} of {steps}, with {:?}", out.display(), family.config());
        } else {
            println!("training {name} with {:?} for {steps} steps, seed {seed}, on {} training digits", family.config(), data.train.n);
        }
        // A resumed run draws other batches than a fresh one would from the same seed.
        let mut trainer = Trainer::new(family, seed.wrapping_add(done));
        trainer.step = done;
        let save = |trainer: &Trainer| -> Result<Vec<u8>> {
            let bytes = block_on(weights::encode(weights::export(trainer.model.as_ref()).with_steps(trainer.step), precision))?;
            write_weights(&out, &bytes, precision)?;
            Ok(bytes)
        };
        run_steps(&mut trainer, &data, steps - done, &budget, &mut |t| save(t).map(drop))?;
        let bytes = save(&trainer)?;
        // Score what was written, not what is in memory: the shipped file is f16.
        let shipped = families::load(Some(name), bytes, &bases, &Device::flex())?;
        // An estimate's constant (an energy model's log Z) is computed once, for the weights as
        // written, and kept in the file.
        if let Some(density) = shipped.density().filter(|d| d.kind() == Likelihood::Estimate) {
            density.prepare();
            let bytes = block_on(weights::encode(weights::export(shipped.as_ref()).with_steps(trainer.step), precision))?;
            write_weights(&out, &bytes, precision)?;
        }
        report_likelihood(shipped.as_ref(), &data, data.test.n, 1)?;
        report_classifiers(shipped.as_ref(), &data)
    }

    /// Test accuracy of the classifiers a family carries (naive Bayes and its twin).
    fn report_classifiers(family: &dyn Family, data: &Mnist) -> Result<()> {
        let device = Device::flex();
        for (name, acc) in block_on(genlab::eval::classify::accuracies(family, &data.test, data.test.n, &device))? {
            println!("test accuracy of {name}: {:.2}%", acc * 100.0);
        }
        Ok(())
    }

    /// Runs up to `steps` more steps (fewer if the budget's deadline passes first), printing
    /// the mean of each loss every `log_every` steps and calling `checkpoint` every
    /// `checkpoint_every`.
    ///
    /// The losses are summed on the device and read back only when printed: a read every step
    /// would make a GPU wait for each step to finish before the next is queued.
    fn run_steps<M: Model + ?Sized>(
        trainer: &mut Trainer<M>,
        data: &Mnist,
        steps: u64,
        budget: &Budget,
        checkpoint: &mut dyn FnMut(&Trainer<M>) -> Result<()>,
    ) -> Result<()> {
        let start = Instant::now();
        let keys: Vec<&str> = trainer.model.info().losses.iter().map(|l| l.key).collect();
        let mut sums: Option<Vec<burn::tensor::Tensor<1>>> = None;
        let mut count = 0u64;
        for i in 1..=steps {
            let losses = trainer.step(&data.train)?;
            sums = Some(match sums.take() {
                None => losses,
                Some(s) => s.into_iter().zip(losses).map(|(a, b)| a + b).collect(),
            });
            count += 1;
            let step = trainer.step;
            let late = budget.deadline.is_some_and(|d| Instant::now() >= d);
            if step.is_multiple_of(budget.log_every) || i == steps || late {
                let values = block_on(read_scalars(sums.take().unwrap_or_default()))?;
                // A NaN or infinity in any step of the window survives into its sum.
                if let Some((k, v)) = keys.iter().zip(&values).find(|(_, v)| !v.is_finite()) {
                    return Err(Error::Backend(format!("training diverged by step {step}: loss '{k}' is {v}")));
                }
                // Small losses (a consistency model's, ~1e-3 per pixel) keep three significant
                // digits rather than showing as 0.000.
                let shown = |v: f64| if v != 0.0 && v.abs() < 0.01 { format!("{v:.3e}") } else { format!("{v:.3}") };
                let parts: Vec<String> = keys.iter().zip(&values).map(|(k, s)| format!("{k} {}", shown(*s as f64 / count as f64))).collect();
                let secs = start.elapsed().as_secs_f64();
                println!("step {step:>6}  {}  ({:.1} steps/s, {secs:.0} s)", parts.join("  "), i as f64 / secs);
                count = 0;
            }
            if budget.checkpoint_every.is_some_and(|n| step.is_multiple_of(n)) && i < steps && !late {
                checkpoint(trainer)?;
            }
            if late {
                println!("stopping at step {step}: the --minutes budget is spent");
                break;
            }
        }
        Ok(())
    }

    fn print_likelihood(r: &LikelihoodReport) {
        let what = match (r.kind, r.samples) {
            (Likelihood::Exact, _) => "log p(x)".to_string(),
            (Likelihood::Bound, 1) => "ELBO (lower bound on log p(x))".to_string(),
            (Likelihood::Bound, k) => format!("IWAE bound, k = {k} (lower bound on log p(x))"),
            (Likelihood::Estimate, _) => "estimate of log p(x) (log Z by AIS)".to_string(),
        };
        let se = r.uncertainty.map_or(String::new(), |se| format!(" ± {se:.2} (log Z's standard error)"));
        println!(
            "test-set {what}: {:.2}{se} nats per digit = {:.4} bits/dim ({} test digits, pixels {:?}, prepared with a fixed seed)",
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

    fn now_ms() -> f64 {
        static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1000.0
    }

    #[allow(clippy::too_many_arguments)]
    fn eval(
        mnist: &Path,
        dir: &Path,
        n: usize,
        seed: u64,
        memorisation: usize,
        variants: Option<usize>,
        settings: &Given,
        set: &Given,
        only: &[String],
        json: Option<&Path>,
    ) -> Result<()> {
        let data = Mnist::load_dir(mnist)?;
        let device = Device::flex();
        let judge = Classifier::load(read_file(&dir.join("classifier.bpk"))?, &device)?;
        let acc = block_on(judge.accuracy(&data.test, data.test.n))?;
        eprintln!("judge: test accuracy {:.2}%", acc * 100.0);
        let main = EvalOptions { n, seed, memorisation, likelihood: data.test.n, settings: Default::default(), mode: Mode::Both };
        let mut reports: Vec<EvalReport> = vec![];
        // Read once: every family built on another loads from the same files.
        let bases = bases_in(dir);
        for info in families::infos() {
            if !only.is_empty() && !only.iter().any(|f| f == info.name) {
                continue;
            }
            let path = dir.join(format!("{}.bpk", info.name));
            let Ok(bytes) = std::fs::read(&path) else {
                eprintln!("{}: no weights at {} (run ./build.sh train {})", info.name, path.display(), info.name);
                continue;
            };
            // A file that does not load (damaged, or built on other base weights than those
            // here) is named and skipped, as a missing one is: the others are still scored.
            let mut family = match families::load(Some(info.name), bytes, &bases, &device) {
                Ok(family) => family,
                Err(e) => {
                    eprintln!("{}: not evaluated: {e}", info.name);
                    continue;
                }
            };
            declared_params(family.as_mut(), set)?;
            let mut options = main.clone();
            options.settings = named_settings(&info, settings)?;
            eprintln!("evaluating {} ({n} samples, seed {seed})", info.name);
            let mut last = String::new();
            let mut progress = |_: f64, what: &str| {
                if what != last {
                    eprintln!("  {what}");
                    last = what.to_string();
                }
            };
            reports.push(block_on(evaluate(family.as_ref(), &judge, &data, &options, &device, now_ms, &mut progress))?);
            let Some(slow_samples) = variants else { continue };
            for variant in &info.variants {
                let n = if variant.slow { slow_samples } else { n };
                if n < 2 {
                    continue;
                }
                let settings = named_settings(&info, &variant.settings)?;
                let mode = if variant.labelled { Mode::Labelled } else { Mode::Unconditional };
                eprintln!("evaluating {} with {} ({n} samples)", info.name, describe(&info, &settings));
                let variant = EvalOptions { n, memorisation: 0, likelihood: 0, settings, mode, ..options.clone() };
                reports.push(block_on(evaluate(family.as_ref(), &judge, &data, &variant, &device, now_ms, &mut progress))?);
            }
        }
        println!("{}", markdown_table(&reports));
        if let Some(path) = json {
            let mut rows = serde_json::to_value(&reports).expect("serialisable");
            // Evaluating some families updates their rows of an existing file, keeping the others'.
            if !only.is_empty()
                && let Ok(text) = std::fs::read_to_string(path)
                && let Ok(old) = serde_json::from_str::<serde_json::Value>(&text)
                && let (Some(kept), Some(new)) = (old["reports"].as_array(), rows.as_array_mut())
            {
                let others = kept.iter().filter(|r| !only.iter().any(|f| r["family"] == f.as_str()));
                *new = others.cloned().chain(new.drain(..)).collect();
            }
            let doc = serde_json::json!({
                "judge_accuracy": acc, "samples": n, "seed": seed, "backend": "flex-native",
                "train_digits": data.train.n, "reports": rows,
            });
            std::fs::write(path, serde_json::to_string_pretty(&doc).expect("serialisable"))
                .map_err(|e| Error::Data(format!("{}: {e}", path.display())))?;
            eprintln!("wrote {}", path.display());
        }
        Ok(())
    }

    /// "ddim, 10 steps": the sampler settings given, with choices by name.
    /// Sampler settings checked against the family's declarations, keeping only those `given`
    /// names (the rest stay the family's defaults and out of the table's sampler column).
    fn named_settings(info: &genlab::families::FamilyInfo, given: &Given) -> Result<genlab::families::Config> {
        let mut settings = genlab::families::hyper::validate("sampler setting", &info.sampling, given)?;
        settings.retain(|k, _| given.contains_key(k));
        Ok(settings)
    }

    fn describe(info: &genlab::families::FamilyInfo, settings: &genlab::families::Config) -> String {
        settings
            .iter()
            .map(|(k, v)| match info.sampling.iter().find(|h| h.key == k.as_str()).and_then(|h| h.choices.get(*v as usize)) {
                Some(choice) => choice.to_string(),
                None => format!("{k} {v}"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn markdown_table(reports: &[EvalReport]) -> String {
        let opt = |v: Option<f64>, digits: usize| v.map_or("–".to_string(), |v| format!("{v:.digits$}"));
        let mut out = String::from(
            "| family | sampler | samples | FID-MNIST | real-vs-real FID | class entropy (bits) | IS | missing digits | near-copies | NLL (nats) | bits/dim | conditional accuracy | ms per digit |\n\
             | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |\n",
        );
        for r in reports {
            let (nats, bpd) = match &r.likelihood {
                Some(l) => {
                    // Say what each figure is of: bounds, estimates and exact values, of binarised
                    // or 8-bit digits, must not read as one comparable column.
                    let kind = match l.kind {
                        Likelihood::Exact => "exact",
                        Likelihood::Bound => "bound",
                        Likelihood::Estimate => "estimate",
                    };
                    let data = match l.pixels {
                        genlab::families::PixelModel::Binarized => "binarised",
                        genlab::families::PixelModel::Dequantized => "8-bit",
                        genlab::families::PixelModel::Continuous => "[0, 1]",
                    };
                    let se = l.uncertainty.map_or(String::new(), |se| format!(" ± {se:.1}"));
                    (format!("{:.1}{se} ({kind}, {data})", -l.nats), format!("{:.4}", l.bits_per_dim))
                }
                None => ("–".into(), "–".into()),
            };
            let missing = if r.classes.missing.is_empty() {
                "none".to_string()
            } else {
                r.classes.missing.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", ")
            };
            out += &format!(
                "| {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {missing} | {} | {nats} | {bpd} | {} | {:.3} |\n",
                r.family,
                match families::infos().into_iter().find(|i| i.name == r.family) {
                    Some(info) if !r.settings.is_empty() => describe(&info, &r.settings),
                    _ => "defaults".to_string(),
                },
                r.n,
                r.fid,
                r.fid_real,
                r.classes.entropy_bits,
                r.classes.inception_score,
                r.memorisation.as_ref().map_or("–".to_string(), |m| format!("{:.1}%", m.near_copies * 100.0)),
                opt(r.conditional_accuracy.map(|a| a * 100.0), 1) + if r.conditional_accuracy.is_some() { "%" } else { "" },
                r.ms_per_digit,
            );
        }
        out
    }

    fn bench(name: &str, mnist: &Path, device: &Device, max_steps: u64, seconds: f64, batch: u64) -> Result<()> {
        let data = Mnist::load_dir(mnist)?;
        let family = families::create(name, &params(&[("batch".into(), batch as f64)]), &bases_in(Path::new("www/weights")), device)?;
        let mut trainer = Trainer::new(family, 0);
        // Warm-up steps, excluded (a GPU compiles and tunes its kernels in the first ones).
        let flex = *device == Device::flex();
        let warm_up = if flex { 1 } else { 10 };
        for _ in 0..warm_up {
            block_on(read_scalars(trainer.step(&data.train)?))?;
        }
        // Steps are queued back to back and the last loss read at the end, which waits for
        // them all: the same on Flex, which computes eagerly (so only there does the clock
        // between steps tell how long they took, and only there does --seconds apply).
        let start = Instant::now();
        let mut last = vec![];
        let mut steps = 0;
        while steps < max_steps && !(flex && start.elapsed().as_secs_f64() > seconds) {
            last = trainer.step(&data.train)?;
            steps += 1;
        }
        block_on(read_scalars(last))?;
        let secs = start.elapsed().as_secs_f64();
        let t0 = Instant::now();
        let px = block_on(read_f32(trainer.model.sample(&SampleOptions::new(64, 0))?))?;
        let sample_ms = t0.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(px.len(), 64 * IMAGE_PIXELS);
        let report = serde_json::json!({
            "family": name, "backend": if flex { "flex-native".to_string() } else { format!("{device:?}") }, "threads": rayon::current_num_threads(), "batch": batch, "steps": steps,
            "steps_per_s": steps as f64 / secs, "images_per_s": (steps * batch) as f64 / secs, "sample64_ms": sample_ms,
        });
        println!("{report}");
        Ok(())
    }
}
