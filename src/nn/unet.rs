//! A small U-Net for noise prediction (Ronneberger, Fischer & Brox 2015, as used for
//! diffusion by Ho, Jain & Abbeel 2020): residual blocks that read a time embedding, one
//! down-sampling and one up-sampling with a skip connection between them. One network for
//! every diffusion-style family: the DDPM's 28 x 28 digits and latent diffusion's 4 x 7 x 7
//! autoencoder codes ([`Grid`]); consistency models are to use it too.
//!
//! Sized for two CPU cores. A digit is first folded 2 x 2 into 4 channels at 14 x 14
//! (space-to-depth) and unfolded at the end, so every convolution runs at 14 x 14 or 7 x 7:
//! a quarter of the cost of working at 28 x 28 with the same channels.
//!
//!   28x28x1 -> 14x14x4 -> conv -> [res C] x2 ----------------- skip ---------------.
//!                                  \-> conv stride 2 -> 7x7 [res 2C] x2 -> up x2 -> cat -> [res C] -> conv -> 14x14x4 -> 28x28x1
//!
//! A 4 x 7 x 7 code is not folded and runs at 7 x 7 and 4 x 4: about a quarter of the
//! digits' cost again.
//!
//! The embedding e = MLP(sinusoid(t)) + label_embedding(y) is added inside every residual
//! block: h = conv(silu(norm(x))); h += dense(e); h = conv(silu(norm(h))); return h + skip(x).
//! The label table has an eleventh row, the "null" label, for classifier-free guidance.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{Embedding, EmbeddingConfig, GroupNorm, GroupNormConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::silu;
use burn::tensor::{Device, Int, Tensor, TensorData};

/// Label rows in the embedding: the ten digits and the null label.
pub const LABELS: usize = 11;
/// The null label: "no label", for unconditional prediction.
pub const NULL_LABEL: usize = 10;

/// The states a U-Net denoises: `channels` x `side` x `side`, flattened, folded `fold` x `fold`
/// into `channels * fold^2` channels at `side / fold` before the first convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    pub channels: usize,
    pub side: usize,
    pub fold: usize,
}

impl Grid {
    /// MNIST digits, folded 2 x 2.
    pub const PIXELS: Grid = Grid { channels: 1, side: 28, fold: 2 };

    /// The size of a flattened state.
    pub fn dim(&self) -> usize {
        self.channels * self.side * self.side
    }
}

fn conv3(i: usize, o: usize, stride: usize, device: &Device) -> Conv2d {
    Conv2dConfig::new([i, o], [3, 3]).with_stride([stride, stride]).with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)).init(device)
}

fn norm(c: usize, device: &Device) -> GroupNorm {
    GroupNormConfig::new(8.min(c), c).init(device)
}

/// A residual block conditioned on the embedding.
#[derive(Module, Debug)]
pub struct ResBlock {
    norm1: GroupNorm,
    conv1: Conv2d,
    emb: Linear,
    norm2: GroupNorm,
    conv2: Conv2d,
    skip: Option<Conv2d>,
}

impl ResBlock {
    fn new(i: usize, o: usize, emb: usize, device: &Device) -> Self {
        ResBlock {
            norm1: norm(i, device),
            conv1: conv3(i, o, 1, device),
            emb: LinearConfig::new(emb, o).init(device),
            norm2: norm(o, device),
            conv2: conv3(o, o, 1, device),
            skip: (i != o).then(|| Conv2dConfig::new([i, o], [1, 1]).init(device)),
        }
    }

    fn forward(&self, x: Tensor<4>, e: Tensor<2>) -> Tensor<4> {
        let [b, _, _, _] = x.dims();
        let h = self.conv1.forward(silu(self.norm1.forward(x.clone())));
        let c = h.dims()[1];
        let h = h + self.emb.forward(silu(e)).reshape([b, c, 1, 1]);
        let h = self.conv2.forward(silu(self.norm2.forward(h)));
        let skip = match &self.skip {
            Some(s) => s.forward(x),
            None => x,
        };
        h + skip
    }
}

#[derive(Module, Debug)]
pub struct UNet {
    time1: Linear,
    time2: Linear,
    labels: Embedding,
    input: Conv2d,
    down_a: ResBlock,
    down_b: ResBlock,
    downsample: Conv2d,
    mid_a: ResBlock,
    mid_b: ResBlock,
    upsample: ConvTranspose2d,
    up: ResBlock,
    out_norm: GroupNorm,
    output: Conv2d,
    channels: usize,
    /// The [`Grid`] (kept as numbers: modules hold plain values as constants).
    grid_channels: usize,
    grid_side: usize,
    grid_fold: usize,
}

impl UNet {
    /// A U-Net with `c` channels at the working resolution (14 x 14 for digits) and 2c at half
    /// of it, for states of `grid`.
    pub fn new(c: usize, grid: Grid, device: &Device) -> Self {
        let e = 4 * c;
        let folded = grid.channels * grid.fold * grid.fold;
        // Up-sampling undoes the stride-2 convolution: 7 -> 14 doubles (kernel 4), 4 -> 7 for
        // an odd side (kernel 3: (4 - 1) 2 + 3 - 2 = 7).
        let k = if (grid.side / grid.fold).is_multiple_of(2) { 4 } else { 3 };
        UNet {
            time1: LinearConfig::new(c, e).init(device),
            time2: LinearConfig::new(e, e).init(device),
            labels: EmbeddingConfig::new(LABELS, e).init(device),
            input: conv3(folded, c, 1, device),
            down_a: ResBlock::new(c, c, e, device),
            down_b: ResBlock::new(c, c, e, device),
            downsample: conv3(c, 2 * c, 2, device),
            mid_a: ResBlock::new(2 * c, 2 * c, e, device),
            mid_b: ResBlock::new(2 * c, 2 * c, e, device),
            upsample: ConvTranspose2dConfig::new([2 * c, c], [k, k]).with_stride([2, 2]).with_padding([1, 1]).init(device),
            up: ResBlock::new(2 * c, c, e, device),
            out_norm: norm(c, device),
            output: conv3(c, folded, 1, device),
            channels: c,
            grid_channels: grid.channels,
            grid_side: grid.side,
            grid_fold: grid.fold,
        }
    }

    /// c, the channels at the working resolution.
    pub fn channels(&self) -> usize {
        self.channels
    }

    pub fn grid(&self) -> Grid {
        Grid { channels: self.grid_channels, side: self.grid_side, fold: self.grid_fold }
    }

    /// Predicts the noise in `x` (`[b, d]` states of its [`Grid`]: pixels scaled to [-1, 1],
    /// or codes) at timesteps `t` (`[b]`, as floats) for labels `y` (`[b]`, 0..9 or
    /// [`NULL_LABEL`]); returns `[b, d]`.
    pub fn forward(&self, x: Tensor<2>, t: Tensor<1>, y: Tensor<1, Int>) -> Tensor<2> {
        let b = x.dims()[0];
        let e = self.time2.forward(silu(self.time1.forward(sinusoid(t, self.channels))));
        let e = e + self.labels.forward(y.reshape([b, 1])).reshape([b, 4 * self.channels]);
        let grid = self.grid();
        let h = self.input.forward(fold(x, grid));
        let skip = self.down_b.forward(self.down_a.forward(h, e.clone()), e.clone());
        let h = self.downsample.forward(skip.clone());
        let h = self.mid_b.forward(self.mid_a.forward(h, e.clone()), e.clone());
        let h = self.upsample.forward(h);
        let h = self.up.forward(Tensor::cat(vec![h, skip], 1), e);
        unfold(self.output.forward(silu(self.out_norm.forward(h))), grid)
    }
}

/// The transformer's sinusoidal position code of each timestep (Vaswani et al. 2017, as DDPM
/// embeds t): [sin(t w_0), .., sin(t w_{d/2-1}), cos(t w_0), ..], w_i = 10000^(-2i/d).
pub fn sinusoid(t: Tensor<1>, dim: usize) -> Tensor<2> {
    let b = t.dims()[0];
    let half = dim / 2;
    let freqs: Vec<f32> = (0..half).map(|i| (-(10000f32).ln() * i as f32 / half as f32).exp()).collect();
    let w = Tensor::<2>::from_data(TensorData::new(freqs, [1, half]), &t.device());
    let angles = t.reshape([b, 1]).matmul(w);
    Tensor::cat(vec![angles.clone().sin(), angles.cos()], 1)
}

/// `[b, c s^2]` -> `[b, c f^2, s/f, s/f]` (space-to-depth): each f x f block of a channel
/// becomes f^2 channels.
pub fn fold(x: Tensor<2>, g: Grid) -> Tensor<4> {
    let (b, (c, s, f)) = (x.dims()[0], (g.channels, g.side, g.fold));
    let r = s / f;
    x.reshape([b * c, r, f, r, f]).permute([0, 2, 4, 1, 3]).reshape([b, c * f * f, r, r])
}

/// The inverse of [`fold`]: `[b, c f^2, s/f, s/f]` -> `[b, c s^2]`.
pub fn unfold(x: Tensor<4>, g: Grid) -> Tensor<2> {
    let (b, (c, s, f)) = (x.dims()[0], (g.channels, g.side, g.fold));
    let r = s / f;
    x.reshape([b * c, f, f, r, r]).permute([0, 3, 1, 4, 2]).reshape([b, c * s * s])
}
