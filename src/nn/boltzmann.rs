//! Boltzmann machines of binary units in layers: the restricted Boltzmann machine (one hidden
//! layer; Smolensky 1986, trained by contrastive divergence, Hinton 2002) and the deep
//! Boltzmann machine (two or more; Salakhutdinov & Hinton 2009). One [`Stack`] holds either.
//!
//! Layers x_0 = v (the 784 pixels), x_1, ..., x_L, with weights W_l between x_l and x_{l+1}
//! and a bias b_l per layer. The energy and the distribution:
//!
//!   E(x) = - sum_l x_l^T W_l x_{l+1} - sum_l b_l^T x_l,        p(x) = exp(-E(x)) / Z
//!
//! A unit's neighbours are in the layers just below and above it, so given the layers of one
//! parity (even: v, x_2, ...) the units of the other are independent:
//!
//!   p(x_l,j = 1 | rest) = sigmoid(b_l + x_{l-1} W_{l-1} + x_{l+1} W_l^T)_j           (1)
//!
//! and a Gibbs sweep samples every odd layer, then every even one ([`Stack::sweep`]).
//!
//! **Free energy.** Summing out the hidden units of an RBM in closed form,
//!
//!   F(v) = -log sum_h exp(-E(v, h)) = -b_0^T v - sum_j softplus(b_1 + v W_0)_j         (2)
//!
//! so p(v) = exp(-F(v)) / Z. A DBM has no closed form; its mean-field posterior
//! q(h) = prod Bernoulli(mu) (the fixed point of (1) with means for states, [`Stack::mean_field`])
//! gives the variational free energy F_q(v) = E_q[E(v, h)] - H(q) >= F(v), so
//! -F_q(v) - log Z is a lower bound on log p(v) (Salakhutdinov & Hinton 2009, section 3.2).
//!
//! **The partition function** by annealed importance sampling (Neal 2001; Salakhutdinov &
//! Murray 2008, "On the quantitative analysis of deep belief networks"). Any layered machine is
//! bipartite between two groups of units, S and P ([`Bipartite`]: v and h for an RBM; x_1 and
//! (v, x_2) for a two-layer DBM). Summing out P, the unnormalised marginal of S is
//! f(s) = exp(b_S s) prod_j (1 + exp(s W + b_P)_j). AIS anneals from a base of independent
//! units with biases a (f_0(s) = exp(a s) 2^|P|, log Z_0 = sum softplus(a) + |P| ln 2) through
//!
//!   log f_k(s) = (1 - beta_k) a s + beta_k b_S s + sum_j softplus(beta_k (s W + b_P))_j     (3)
//!
//! for 0 = beta_0 < ... < beta_K = 1, with a Gibbs transition that leaves f_k invariant after
//! each step, and weights log w = sum_k log f_k(s_{k-1}) - log f_{k-1}(s_{k-1}). Then
//! Z / Z_0 is estimated by the mean of w over independent runs ([`ais`]).

use super::softplus;
use burn::module::{Module, Param};
use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, Distribution, Tensor};

/// The layers of a Boltzmann machine: an RBM with one hidden layer, a DBM with more.
#[derive(Module, Debug)]
pub struct Stack {
    /// W_l, `[n_l, n_{l+1}]`, between layer l and l + 1.
    pub weights: Vec<Param<Tensor<2>>>,
    /// b_l of every layer, `[n_l]`, the visible layer's first.
    pub biases: Vec<Param<Tensor<1>>>,
}

/// Uniform draws in [0, 1) for the Bernoulli samples of one layer: from the device's generator
/// while training, from seeded host noise when a sampler must draw the same digits on every
/// backend.
pub type Noise<'a> = &'a mut dyn FnMut([usize; 2]) -> Tensor<2>;

/// Device noise: `Tensor::random` on `device`.
pub fn device_noise(device: &Device) -> impl FnMut([usize; 2]) -> Tensor<2> + '_ {
    move |shape| Tensor::random(shape, Distribution::Default, device)
}

/// Binary states from probabilities and uniform noise: x = [u < p].
pub fn bernoulli(p: Tensor<2>, noise: Noise) -> Tensor<2> {
    noise(p.dims()).lower(p).float()
}

impl Stack {
    /// Layers of the given sizes (the visible first), with small random weights
    /// (N(0, 0.01^2), Hinton's "practical guide") and zero biases.
    pub fn new(sizes: &[usize], device: &Device) -> Stack {
        let weights = sizes
            .windows(2)
            .map(|w| Param::from_tensor(Tensor::random([w[0], w[1]], Distribution::Normal(0.0, 0.01), device)).set_require_grad(false))
            .collect();
        let biases = sizes.iter().map(|&n| Param::from_tensor(Tensor::zeros([n], device)).set_require_grad(false)).collect();
        Stack { weights, biases }
    }

    /// Units per layer, the visible first.
    pub fn sizes(&self) -> Vec<usize> {
        self.biases.iter().map(|b| b.dims()[0]).collect()
    }

    /// Hidden layers (1 for an RBM).
    pub fn depth(&self) -> usize {
        self.weights.len()
    }

    pub fn w(&self, l: usize) -> Tensor<2> {
        self.weights[l].val()
    }

    /// b_l as a row, `[1, n_l]`.
    pub fn b(&self, l: usize) -> Tensor<2> {
        self.biases[l].val().unsqueeze()
    }

    /// The total input of layer l, `[n, n_l]`: b_l + x_{l-1} W_{l-1} + x_{l+1} W_l^T from the
    /// neighbours' states (or means) in `states` (every layer, the visible first). `below` and
    /// `above` scale each side's input (the doubled inputs of DBM pre-training).
    pub fn input_scaled(&self, l: usize, states: &[Tensor<2>], below: f64, above: f64) -> Tensor<2> {
        let mut total = self.b(l);
        if l > 0 {
            total = total + states[l - 1].clone().matmul(self.w(l - 1)).mul_scalar(below);
        }
        if l < self.depth() {
            total = total + states[l + 1].clone().matmul(self.w(l).transpose()).mul_scalar(above);
        }
        total
    }

    /// p(x_l = 1 | neighbours), equation (1).
    pub fn conditional(&self, l: usize, states: &[Tensor<2>]) -> Tensor<2> {
        sigmoid(self.input_scaled(l, states, 1.0, 1.0))
    }

    /// One Gibbs sweep: every odd layer given the even ones, then every even layer given the
    /// odd ones (each parity is conditionally independent given the other). Returns the new
    /// states and p(v | x_1), the visible probabilities the last half-sweep sampled from (what
    /// a view shows: the model's image of the state, without the sampling speckle).
    pub fn sweep(&self, mut states: Vec<Tensor<2>>, noise: Noise) -> (Vec<Tensor<2>>, Tensor<2>) {
        let layers = states.len();
        for l in (1..layers).step_by(2) {
            let p = self.conditional(l, &states);
            states[l] = bernoulli(p, noise);
        }
        let mut visible = None;
        for l in (0..layers).step_by(2) {
            let p = self.conditional(l, &states);
            states[l] = bernoulli(p.clone(), noise);
            if l == 0 {
                visible = Some(p);
            }
        }
        (states, visible.expect("layer 0 is even"))
    }

    /// The hidden layers' means for visible states `v` before any mean-field iteration: one
    /// bottom-up pass, the input from below doubled in every layer but the top, standing in for
    /// the missing input from above (as in DBM pre-training). For an RBM, p(h | v) exactly.
    pub fn upward(&self, v: Tensor<2>) -> Vec<Tensor<2>> {
        let mut states = vec![v];
        for l in 1..=self.depth() {
            let double = if l < self.depth() { 2.0 } else { 1.0 };
            let x = states[l - 1].clone().matmul(self.w(l - 1)).mul_scalar(double) + self.b(l);
            states.push(sigmoid(x));
        }
        states
    }

    /// The mean-field posterior over the hidden layers given `v`: the fixed point of (1) with
    /// means for states, from [`Stack::upward`], `iters` updates of the odd then the even hidden
    /// layers. Returns every layer (v first). One layer (an RBM) is exact after no iteration.
    pub fn mean_field(&self, v: Tensor<2>, iters: usize) -> Vec<Tensor<2>> {
        let mut mu = self.upward(v);
        if self.depth() == 1 {
            return mu;
        }
        for _ in 0..iters {
            for start in [1, 2] {
                for l in (start..mu.len()).step_by(2) {
                    mu[l] = self.conditional(l, &mu);
                }
            }
        }
        mu
    }

    /// F(v), `[n]`: exact for an RBM (equation 2); for a DBM the mean-field free energy
    /// F_q(v) = E_q[E(v, h)] - H(q), an upper bound, with `iters` mean-field updates.
    pub fn free_energy(&self, v: Tensor<2>, iters: usize) -> Tensor<1> {
        if self.depth() == 1 {
            let visible = (v.clone() * self.b(0)).sum_dim(1);
            let hidden = softplus(v.matmul(self.w(0)) + self.b(1)).sum_dim(1);
            return (visible + hidden).neg().flatten(0, 1);
        }
        self.mean_field_free_energy(&self.mean_field(v, iters))
    }

    /// F_q(v) = E_q[E(v, h)] - H(q) for mean-field means `mu` (every layer, v first), `[n]`.
    pub fn mean_field_free_energy(&self, mu: &[Tensor<2>]) -> Tensor<1> {
        let mut neg_energy = (mu[0].clone() * self.b(0)).sum_dim(1);
        let mut entropy = Tensor::zeros_like(&neg_energy);
        for l in 1..mu.len() {
            neg_energy = neg_energy + (mu[l - 1].clone().matmul(self.w(l - 1)) * mu[l].clone()).sum_dim(1) + (mu[l].clone() * self.b(l)).sum_dim(1);
            entropy = entropy + bernoulli_entropy(mu[l].clone());
        }
        (neg_energy + entropy).neg().flatten(0, 1)
    }

    /// The machine as two groups of conditionally independent units, for [`ais`]: the visible
    /// layer against the hidden one for an RBM; for a two-layer DBM the first hidden layer
    /// against the visible and the top layers together (its neighbours on both sides).
    pub fn bipartite(&self) -> Bipartite {
        match self.depth() {
            1 => Bipartite { w: self.w(0), bs: self.b(0), bp: self.b(1) },
            2 => {
                Bipartite { w: Tensor::cat(vec![self.w(0).transpose(), self.w(1)], 1), bs: self.b(1), bp: Tensor::cat(vec![self.b(0), self.b(2)], 1) }
            }
            d => unimplemented!("a Boltzmann machine of {d} hidden layers has no two-group split here"),
        }
    }
}

/// The entropy of independent Bernoulli units with means `mu`, summed per row `[n, 1]`.
fn bernoulli_entropy(mu: Tensor<2>) -> Tensor<2> {
    let mu = mu.clamp(1e-7, 1.0 - 1e-7);
    (mu.clone() * mu.clone().log() + mu.clone().neg().add_scalar(1.0) * mu.neg().add_scalar(1.0).log()).sum_dim(1).neg()
}

/// A Boltzmann machine as two groups S and P of units, with no connection inside a group:
/// E(s, p) = -s W p^T - b_S s - b_P p.
pub struct Bipartite {
    /// `[|S|, |P|]`.
    pub w: Tensor<2>,
    /// `[1, |S|]`.
    pub bs: Tensor<2>,
    /// `[1, |P|]`.
    pub bp: Tensor<2>,
}

impl Bipartite {
    /// -log f(s) = -b_S s - sum_j softplus(s W + b_P)_j, P summed out, `[n]`.
    pub fn free_energy(&self, s: Tensor<2>) -> Tensor<1> {
        ((s.clone() * self.bs.clone()).sum_dim(1) + softplus(s.matmul(self.w.clone()) + self.bp.clone()).sum_dim(1)).neg().flatten(0, 1)
    }

    /// log Z by brute force: every state of S enumerated (tiny machines only, for tests).
    pub fn exact_log_z(&self) -> Tensor<1> {
        let n = self.w.dims()[0];
        assert!(n <= 20, "enumerating 2^{n} states");
        let states: Vec<f32> = (0..1usize << n).flat_map(|k| (0..n).map(move |i| ((k >> i) & 1) as f32)).collect();
        let s = Tensor::<2>::from_data(burn::tensor::TensorData::new(states, [1 << n, n]), &self.w.device());
        super::log_sum_exp(self.free_energy(s).neg().unsqueeze_dim(0), 1).flatten(0, 1)
    }
}

/// An AIS estimate of log Z: the value and its standard error across runs (both `[1]`).
#[derive(Clone, Debug)]
pub struct LogZ {
    pub value: Tensor<1>,
    pub se: Tensor<1>,
}

/// `k + 1` inverse temperatures from 0 to 1, spaced as Salakhutdinov & Murray's 14,500: a
/// thirtieth of them up to 0.5, a quarter more to 0.9, and the rest, closest together, to 1,
/// where the distributions change fastest.
pub fn betas(k: usize) -> Vec<f64> {
    let k = k.max(3);
    let n1 = (k / 29).max(1);
    let n2 = (k * 8 / 29).max(1);
    let n3 = k - n1 - n2;
    let mut out = vec![0.0];
    let mut span = |from: f64, to: f64, n: usize| out.extend((1..=n).map(|i| from + (to - from) * i as f64 / n as f64));
    span(0.0, 0.5, n1);
    span(0.5, 0.9, n2);
    span(0.9, 1.0, n3);
    out
}

/// Annealed importance sampling (equation 3) from independent units of biases `base` (`[1,
/// |S|]`) to `machine`, `runs` independent runs through `betas`. Returns log Z with its
/// standard error by the delta method, sd(w) / (sqrt(runs) mean(w)) computed on the log scale.
pub fn ais(machine: &Bipartite, base: Tensor<2>, runs: usize, betas: &[f64], noise: Noise) -> LogZ {
    let p = machine.w.dims()[1];
    let w = machine.w.clone();
    let wt = w.clone().transpose();
    let mut x = bernoulli(sigmoid(base.clone()).repeat_dim(0, runs), noise);
    let mut log_w = Tensor::<2>::zeros([runs, 1], &base.device());
    for pair in betas.windows(2) {
        let (before, beta) = (pair[0], pair[1]);
        let into_p = x.clone().matmul(w.clone()) + machine.bp.clone();
        // log f_k(x) - log f_{k-1}(x): the bias terms change by (beta - before)(b_S - a) x.
        let linear = (x.clone() * (machine.bs.clone() - base.clone())).sum_dim(1).mul_scalar(beta - before);
        let soft = softplus(into_p.clone().mul_scalar(beta)).sum_dim(1) - softplus(into_p.clone().mul_scalar(before)).sum_dim(1);
        log_w = log_w + linear + soft;
        // A Gibbs sweep that leaves f_k invariant: P given S, then S given P, at beta.
        let hp = bernoulli(sigmoid(into_p.mul_scalar(beta)), noise);
        let into_s = (hp.matmul(wt.clone()) + machine.bs.clone()).mul_scalar(beta) + base.clone().mul_scalar(1.0 - beta);
        x = bernoulli(sigmoid(into_s), noise);
    }
    let log_z0 = softplus(base).sum_dim(1).add_scalar(p as f64 * std::f64::consts::LN_2).flatten::<1>(0, 1);
    // log mean w and its standard error, with the largest log w taken out first.
    let log_w = log_w.transpose(); // [1, runs]
    let top = log_w.clone().max_dim(1);
    let scaled = (log_w - top.clone()).exp(); // w / max w
    let mean = scaled.clone().mean_dim(1);
    let var = (scaled - mean.clone()).powf_scalar(2.0).sum_dim(1).div_scalar((runs.max(2) - 1) as f64);
    let se = (var.sqrt() / mean.clone()).div_scalar((runs as f64).sqrt());
    LogZ { value: (mean.log() + top).flatten(0, 1) + log_z0, se: se.flatten(0, 1) }
}
