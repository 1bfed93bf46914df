//! Coupling flows: invertible networks with a triangular Jacobian, shared by NICE (Dinh,
//! Krueger & Bengio 2014, "NICE: Non-linear Independent Components Estimation",
//! arXiv:1410.8516) and RealNVP (Dinh, Sohl-Dickstein & Bengio 2016, "Density estimation using
//! Real NVP", arXiv:1605.08803).
//!
//! A coupling layer splits its input x into a part x_a it leaves alone and a part x_b it moves,
//! with a scale and shift computed from x_a by any network (the conditioner, never inverted):
//!
//!   y_a = x_a,   y_b = x_b (.) exp(s(x_a)) + t(x_a)                        (RealNVP eq. 7)
//!   x_b = (y_b - t(y_a)) (.) exp(-s(y_a))                                  (eq. 8-9)
//!   log |det dy/dx| = sum_j s(x_a)_j                                       (eq. 6)
//!
//! NICE's additive coupling is the case s = 0 (volume preserving, eq. 5 of NICE), so its only
//! change of volume is a final diagonal scaling z = exp(S) (.) h (log-det sum S, NICE §3.3).
//! Stacking couplings that alternate which half moves makes every dimension move; the
//! log-dets add.
//!
//! Partitions ([`Partition`]): NICE's odd and even entries of the flat image, RealNVP's
//! checkerboard (a spatial mask, eq. 9's b) and its channel halves after a squeeze (each
//! 2 x 2 block of pixels folded into 4 channels, §3.6). RealNVP is multi-scale: after each
//! scale half the channels are factored out (they are final z) and the rest go on at half the
//! resolution (§3.6, eq. 13-15). Here the factored-out parts are put back where their pixels
//! came from, so z has the image's layout and the flow maps `[b, 1, 28, 28]` to itself.
//!
//! Every conditioner's last layer starts at zero, so a new flow is the identity (a stable
//! start, as in Glow), and s = scale * tanh(raw) keeps the early scales bounded (RealNVP uses a
//! tanh with a learnt scale too).

use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Initializer, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};

/// Which entries of the state a coupling leaves alone (x_a) and which it moves (x_b).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    /// NICE: of the flat image, the even entries (`odd = false`) or the odd ones condition the
    /// others.
    Parity { odd: bool },
    /// RealNVP: pixels with (i + j) even (`odd = false`) or odd condition the others.
    Checker { odd: bool },
    /// RealNVP after a squeeze: the first half of the channels (`upper = false`) or the second
    /// conditions the other.
    Channel { upper: bool },
}

/// The network that computes (s, t) from x_a.
// A handful live per flow, built once: their size difference costs nothing worth a Box.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum Conditioner {
    /// A ReLU MLP on the flat half (NICE).
    Mlp(Mlp),
    /// A small ResNet of 3 x 3 convolutions at the state's resolution (RealNVP).
    Conv(ResNet),
}

#[derive(Module, Debug)]
pub struct Mlp {
    layers: Vec<Linear>,
}

impl Mlp {
    /// `inputs` -> `hidden` x `depth` -> `outputs`, the last layer zero.
    pub fn new(inputs: usize, hidden: usize, depth: usize, outputs: usize, device: &Device) -> Mlp {
        let mut layers = vec![LinearConfig::new(inputs, hidden).init(device)];
        layers.extend((1..depth).map(|_| LinearConfig::new(hidden, hidden).init(device)));
        layers.push(LinearConfig::new(hidden, outputs).with_initializer(Initializer::Zeros).init(device));
        Mlp { layers }
    }

    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len() - 1;
        self.layers.iter().enumerate().fold(x, |h, (i, l)| if i < last { relu(l.forward(h)) } else { l.forward(h) })
    }
}

fn conv3(i: usize, o: usize, device: &Device) -> Conv2d {
    Conv2dConfig::new([i, o], [3, 3]).with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)).init(device)
}

#[derive(Module, Debug)]
pub struct Block {
    a: Conv2d,
    b: Conv2d,
}

#[derive(Module, Debug)]
pub struct ResNet {
    input: Conv2d,
    blocks: Vec<Block>,
    output: Conv2d,
}

impl ResNet {
    /// `inputs` channels -> `width` -> `blocks` residual blocks -> `outputs`, the last layer zero.
    pub fn new(inputs: usize, width: usize, blocks: usize, outputs: usize, device: &Device) -> ResNet {
        ResNet {
            input: conv3(inputs, width, device),
            blocks: (0..blocks).map(|_| Block { a: conv3(width, width, device), b: conv3(width, width, device) }).collect(),
            output: Conv2dConfig::new([width, outputs], [3, 3])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .with_initializer(Initializer::Zeros)
                .init(device),
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let h = self.blocks.iter().fold(self.input.forward(x), |h, blk| h.clone() + blk.b.forward(relu(blk.a.forward(relu(h)))));
        self.output.forward(relu(h))
    }
}

/// One coupling layer: a partition, a conditioner, additive (NICE) or affine (RealNVP).
#[derive(Module, Debug)]
pub struct Coupling {
    net: Conditioner,
    /// The learnt bound on |s| (affine couplings; unused by additive ones).
    scale: Param<Tensor<1>>,
    #[module(skip)]
    partition: Partition,
    #[module(skip)]
    affine: bool,
}

/// 1 where the checkerboard leaves the pixel alone, `[1, 1, h, w]`.
fn checker_mask(h: usize, w: usize, odd: bool, device: &Device) -> Tensor<4> {
    let values: Vec<f32> = (0..h * w).map(|k| (((k / w + k % w) % 2 == 1) == odd) as u8 as f32).collect();
    Tensor::from_data(TensorData::new(values, [1, 1, h, w]), device)
}

impl Coupling {
    /// An MLP coupling on the halves of a flat state of `2 half` numbers (NICE).
    pub fn mlp(odd: bool, half: usize, hidden: usize, depth: usize, affine: bool, device: &Device) -> Coupling {
        let outputs = if affine { 2 * half } else { half };
        Coupling::new(Conditioner::Mlp(Mlp::new(half, hidden, depth, outputs, device)), Partition::Parity { odd }, affine, device)
    }

    /// A ResNet coupling on a `channels`-channel state (RealNVP's checkerboard or channel kind).
    pub fn conv(partition: Partition, channels: usize, width: usize, blocks: usize, affine: bool, device: &Device) -> Coupling {
        let (inputs, moved) = match partition {
            Partition::Channel { .. } => (channels / 2, channels / 2),
            _ => (channels, channels),
        };
        let outputs = if affine { 2 * moved } else { moved };
        Coupling::new(Conditioner::Conv(ResNet::new(inputs, width, blocks, outputs, device)), partition, affine, device)
    }

    fn new(net: Conditioner, partition: Partition, affine: bool, device: &Device) -> Coupling {
        Coupling { net, scale: Param::from_tensor(Tensor::ones([1], device)), partition, affine }
    }

    /// (s, t) for the moved part from the fixed part, in the moved part's shape (s = 0 for an
    /// additive coupling).
    fn shift_scale(&self, fixed: Tensor<4>, moved_shape: [usize; 4]) -> (Option<Tensor<4>>, Tensor<4>) {
        let out = match &self.net {
            Conditioner::Mlp(mlp) => {
                let b = fixed.dims()[0];
                mlp.forward(fixed.reshape([b as i32, -1])).reshape([b as i32, -1, moved_shape[2] as i32, moved_shape[3] as i32])
            }
            Conditioner::Conv(net) => net.forward(fixed),
        };
        if !self.affine {
            return (None, out);
        }
        let c = out.dims()[1] / 2;
        let raw = out.clone().narrow(1, 0, c);
        let t = out.narrow(1, c, c);
        let s = raw.tanh() * self.scale.val().reshape([1, 1, 1, 1]);
        (Some(s), t)
    }

    /// y = f(x) and log |det dy/dx| per item, `[b]`.
    pub fn forward(&self, x: Tensor<4>) -> (Tensor<4>, Tensor<1>) {
        self.apply(x, false)
    }

    /// x = f^-1(y).
    pub fn inverse(&self, y: Tensor<4>) -> Tensor<4> {
        self.apply(y, true).0
    }

    fn apply(&self, x: Tensor<4>, inverse: bool) -> (Tensor<4>, Tensor<1>) {
        let [b, c, h, w] = x.dims();
        let device = x.device();
        // The fixed and moved parts; `merge` puts the new moved part back.
        match self.partition {
            Partition::Checker { odd } => {
                // Masked form (RealNVP eq. 9): both parts keep the image's shape.
                let m = checker_mask(h, w, !odd, &device);
                let keep = m.clone().neg().add_scalar(1.0);
                let (s, t) = self.shift_scale(x.clone() * m, [b, c, h, w]);
                let t = t * keep.clone();
                let s = s.map(|s| s * keep);
                coupled(x, s, t, inverse)
            }
            Partition::Parity { odd } => {
                // Odd and even entries of the flat image as two `[b, 1, 1, 392]` halves.
                let pairs = x.reshape([b, c * h * w / 2, 2]);
                let (fixed, moved) = (pairs.clone().narrow(2, odd as usize, 1), pairs.narrow(2, !odd as usize, 1));
                let half = |t: Tensor<3>| t.reshape([b, 1, 1, c * h * w / 2]);
                let (fixed, moved) = (half(fixed), half(moved));
                let (s, t) = self.shift_scale(fixed.clone(), moved.dims());
                let (moved, logdet) = coupled(moved, s, t, inverse);
                let flat = |t: Tensor<4>| t.reshape([b, c * h * w / 2, 1]);
                let parts = if odd { vec![flat(moved), flat(fixed)] } else { vec![flat(fixed), flat(moved)] };
                (Tensor::cat(parts, 2).reshape([b, c, h, w]), logdet)
            }
            Partition::Channel { upper } => {
                let half = c / 2;
                let (fixed, moved) = if upper {
                    (x.clone().narrow(1, half, half), x.narrow(1, 0, half))
                } else {
                    (x.clone().narrow(1, 0, half), x.narrow(1, half, half))
                };
                let (s, t) = self.shift_scale(fixed.clone(), moved.dims());
                let (moved, logdet) = coupled(moved, s, t, inverse);
                let parts = if upper { vec![moved, fixed] } else { vec![fixed, moved] };
                (Tensor::cat(parts, 1), logdet)
            }
        }
    }
}

/// The coupling law on the moved part: x (.) exp(s) + t forwards, (y - t) (.) exp(-s)
/// backwards, with log-det sum s (0 when additive).
fn coupled(x: Tensor<4>, s: Option<Tensor<4>>, t: Tensor<4>, inverse: bool) -> (Tensor<4>, Tensor<1>) {
    let b = x.dims()[0];
    let device = x.device();
    match s {
        None if inverse => (x - t, Tensor::zeros([b], &device)),
        None => (x + t, Tensor::zeros([b], &device)),
        Some(s) if inverse => ((x - t) * s.clone().neg().exp(), sum_per_item(s).neg()),
        Some(s) => (x * s.clone().exp() + t, sum_per_item(s)),
    }
}

/// The sum over everything but the batch dimension, `[b]`.
pub fn sum_per_item(x: Tensor<4>) -> Tensor<1> {
    let b = x.dims()[0];
    x.reshape([b as i32, -1]).sum_dim(1).reshape([b])
}

/// Folds each 2 x 2 block of pixels into 4 channels: `[b, c, h, w]` -> `[b, 4c, h/2, w/2]`
/// (RealNVP §3.6). A permutation, so its log-det is 0.
pub fn squeeze(x: Tensor<4>) -> Tensor<4> {
    let [b, c, h, w] = x.dims();
    x.reshape([b, c, h / 2, 2, w / 2, 2]).permute([0, 1, 3, 5, 2, 4]).reshape([b, c * 4, h / 2, w / 2])
}

/// The inverse of [`squeeze`].
pub fn unsqueeze(x: Tensor<4>) -> Tensor<4> {
    let [b, c, h, w] = x.dims();
    x.reshape([b, c / 4, 2, 2, h, w]).permute([0, 1, 4, 2, 5, 3]).reshape([b, c / 4, h * 2, w * 2])
}

/// One scale of a multi-scale flow: couplings at its resolution, a squeeze, couplings on the
/// channels, then half the channels leave as final z.
#[derive(Module, Debug)]
pub struct Scale {
    checker: Vec<Coupling>,
    channel: Vec<Coupling>,
}

/// A whole flow on `[b, 1, 28, 28]`: the scales (none for NICE), the last couplings, and a
/// diagonal scaling at the end (NICE's; RealNVP has none).
#[derive(Module, Debug)]
pub struct FlowNet {
    scales: Vec<Scale>,
    last: Vec<Coupling>,
    log_scale: Option<Param<Tensor<4>>>,
}

/// The state after one layer of a traced forward pass, for views: the state in the image's
/// layout `[b, 784]` and that layer's log-det `[b]`.
pub struct Traced {
    /// What the layer is ("checkerboard 1 (28 x 28)", "channels 2 (14 x 14 x 4)", "scaling").
    pub name: String,
    pub state: Tensor<2>,
    pub logdet: Tensor<1>,
}

/// Puts the parts factored out so far back where their pixels came from, giving a state in
/// the image's layout `[b, 1, 28, 28]` (the inverse of the splits and squeezes).
fn assemble(h: Tensor<4>, out: &[Tensor<4>]) -> Tensor<4> {
    let mut h = h;
    for o in out.iter().rev() {
        while h.dims()[2] < o.dims()[2] {
            h = unsqueeze(h);
        }
        h = Tensor::cat(vec![h, o.clone()], 1);
    }
    while h.dims()[1] > 1 {
        h = unsqueeze(h);
    }
    h
}

impl FlowNet {
    /// NICE on `side` x `side` images: `couplings` additive MLP couplings alternating odd and
    /// even, then the scaling.
    pub fn nice(side: usize, couplings: usize, hidden: usize, depth: usize, device: &Device) -> FlowNet {
        FlowNet {
            scales: vec![],
            last: (0..couplings).map(|i| Coupling::mlp(i % 2 == 1, side * side / 2, hidden, depth, false, device)).collect(),
            log_scale: Some(Param::from_tensor(Tensor::zeros([1, 1, side, side], device))),
        }
    }

    /// RealNVP: two scales (3 checkerboard couplings at 28 x 28, a squeeze, 3 channel
    /// couplings at 14 x 14 x 4, half out; the same at 14 x 14 x 2 -> 7 x 7 x 8), then 4
    /// checkerboard couplings on the last 7 x 7 x 4. The paper's layout for CIFAR-10 with one
    /// scale fewer, as 28 halves only twice. Any image side divisible by 4 works (tests use 4).
    pub fn realnvp(width: usize, blocks: usize, device: &Device) -> FlowNet {
        let checker = |n: usize, c: usize| -> Vec<Coupling> {
            (0..n).map(|i| Coupling::conv(Partition::Checker { odd: i % 2 == 1 }, c, width, blocks, true, device)).collect()
        };
        let channel = |n: usize, c: usize| -> Vec<Coupling> {
            (0..n).map(|i| Coupling::conv(Partition::Channel { upper: i % 2 == 1 }, c, width, blocks, true, device)).collect()
        };
        FlowNet {
            scales: vec![Scale { checker: checker(3, 1), channel: channel(3, 4) }, Scale { checker: checker(3, 2), channel: channel(3, 8) }],
            last: checker(4, 4),
            log_scale: None,
        }
    }

    /// Every coupling, in forward order.
    pub fn layers(&self) -> usize {
        self.scales.iter().map(|s| s.checker.len() + s.channel.len()).sum::<usize>() + self.last.len() + self.log_scale.is_some() as usize
    }

    /// z = f(x) for x `[b, 1, 28, 28]` and log |det dz/dx| per item.
    pub fn forward(&self, x: Tensor<4>) -> (Tensor<4>, Tensor<1>) {
        let (z, logdet, _) = self.run(x, false);
        (z, logdet)
    }

    /// [`FlowNet::forward`] with the state after every layer (in the image's layout).
    pub fn traced(&self, x: Tensor<4>) -> (Tensor<4>, Tensor<1>, Vec<Traced>) {
        self.run(x, true)
    }

    fn run(&self, x: Tensor<4>, trace: bool) -> (Tensor<4>, Tensor<1>, Vec<Traced>) {
        let b = x.dims()[0];
        let mut logdet = Tensor::zeros([b], &x.device());
        let mut out: Vec<Tensor<4>> = vec![];
        let mut steps = vec![];
        let mut h = x;
        let mut count = 0;
        let mut step = |h: Tensor<4>, ld: Tensor<1>, kind: &str, out: &[Tensor<4>], logdet: &mut Tensor<1>| {
            *logdet = logdet.clone() + ld.clone();
            count += 1;
            if trace {
                let [_, c, hh, w] = h.dims();
                let name = format!("{count}. {kind} ({hh} x {w} x {c})");
                steps.push(Traced { name, state: assemble(h.clone(), out).reshape([b as i32, -1]), logdet: ld });
            }
            h
        };
        for scale in &self.scales {
            for c in &scale.checker {
                let (y, ld) = c.forward(h);
                h = step(y, ld, "checkerboard", &out, &mut logdet);
            }
            h = squeeze(h);
            for c in &scale.channel {
                let (y, ld) = c.forward(h);
                h = step(y, ld, "channels", &out, &mut logdet);
            }
            let half = h.dims()[1] / 2;
            out.push(h.clone().narrow(1, half, half));
            h = h.narrow(1, 0, half);
        }
        for c in &self.last {
            let kind = if matches!(c.partition, Partition::Parity { .. }) { "additive coupling" } else { "checkerboard" };
            let (y, ld) = c.forward(h);
            h = step(y, ld, kind, &out, &mut logdet);
        }
        let mut z = assemble(h, &out);
        if let Some(s) = &self.log_scale {
            let s = s.val();
            z = z * s.clone().exp();
            let ld = sum_per_item(s).repeat_dim(0, b);
            z = step(z, ld, "scaling", &[], &mut logdet);
        }
        (z, logdet, steps)
    }

    /// x = f^-1(z) for z `[b, 1, 28, 28]`.
    pub fn inverse(&self, z: Tensor<4>) -> Tensor<4> {
        let mut h = match &self.log_scale {
            Some(s) => z * s.val().neg().exp(),
            None => z,
        };
        // Take the factored-out parts apart again, finest scale first.
        let mut out = vec![];
        for _ in &self.scales {
            h = squeeze(h);
            let half = h.dims()[1] / 2;
            out.push(h.clone().narrow(1, half, half));
            h = h.narrow(1, 0, half);
        }
        for c in self.last.iter().rev() {
            h = c.inverse(h);
        }
        for scale in self.scales.iter().rev() {
            h = Tensor::cat(vec![h, out.pop().expect("one part per scale")], 1);
            for c in scale.channel.iter().rev() {
                h = c.inverse(h);
            }
            h = unsqueeze(h);
            for c in scale.checker.iter().rev() {
                h = c.inverse(h);
            }
        }
        h
    }
}

/// The logit transform of RealNVP (§4.1) with its Jacobian: pixels y in [0, 1] become
/// x = logit(p), p = alpha + (1 - 2 alpha) y, so the flow works on an unbounded space, and
///
///   log |dx/dy| = sum_i [ log(1 - 2 alpha) - log p_i - log(1 - p_i) ].
pub const ALPHA: f64 = 0.05;

/// x = logit(alpha + (1 - 2 alpha) y) and log |dx/dy| per item, for `[b, n]` pixels.
pub fn logit(y: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
    let n = y.dims()[1];
    let p = y.mul_scalar(1.0 - 2.0 * ALPHA).add_scalar(ALPHA);
    let (log_p, log_q) = (p.clone().log(), p.neg().add_scalar(1.0).log());
    let logdet = (log_p.clone() + log_q.clone()).sum_dim(1).neg().flatten(0, 1).add_scalar(n as f64 * (1.0 - 2.0 * ALPHA).ln());
    (log_p - log_q, logdet)
}

/// The inverse of [`logit`]: pixels (sigmoid(x) - alpha) / (1 - 2 alpha), clipped to [0, 1].
pub fn expit(x: Tensor<2>) -> Tensor<2> {
    burn::tensor::activation::sigmoid(x).sub_scalar(ALPHA).div_scalar(1.0 - 2.0 * ALPHA).clamp(0.0, 1.0)
}

/// log N(z; 0, I) per item, `[b]`: -1/2 sum z^2 - d/2 log 2 pi.
pub fn standard_normal_log_prob(z: Tensor<2>) -> Tensor<1> {
    let d = z.dims()[1] as f64;
    z.square().sum_dim(1).flatten(0, 1).mul_scalar(-0.5).sub_scalar(0.5 * d * (2.0 * std::f64::consts::PI).ln())
}
