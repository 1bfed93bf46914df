//! The gated PixelCNN network (van den Oord et al. 2016, "Conditional Image Generation with
//! PixelCNN Decoders", arXiv:1606.05328), on 28 x 28 binary digits: the logit of
//! p(x_i = 1 | x_<i, y) for every pixel i in raster order, all at once (training, likelihood)
//! or one row and one pixel at a time (sampling, [`Incremental`]).
//!
//! Two stacks instead of one masked convolution, so the receptive field has no blind spot:
//! - the vertical stack sees the rows above: a (h+1) x k convolution over rows i-h..i, whose
//!   output reaches the horizontal stack only shifted down one row (so row i sees rows < i);
//! - the horizontal stack sees the pixels to the left in the same row: a 1 x (h+1)
//!   convolution over columns j-h..j; in the first layer its input is shifted right one column
//!   (the paper's mask A: pixel i does not see itself), afterwards not (mask B).
//!
//! Each of the L gated layers computes, for both stacks (eq. 4 with the class term of eq. 5),
//!
//!   y = tanh(W_f * x + V_f h_y) (.) sigmoid(W_g * x + V_g h_y)
//!
//! where * is the stack's convolution, h_y a learnt embedding of the label y (a null label for
//! "any digit", as the DDPM's guidance uses) and (.) the elementwise product. The horizontal
//! stack adds a 1 x 1 convolution of the shifted vertical pre-activation to its own, and is
//! residual: h_l = h_{l-1} + W_r y_h. A 1 x 1 head gives one Bernoulli logit per pixel.
//!
//! Every convolution here is unpadded ("valid"): the stacks' causal padding is added by hand
//! (`pad`), so the same weights serve the whole image and a window of one row or one pixel.

use crate::data::IMAGE_SIDE;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Embedding, EmbeddingConfig, PaddingConfig2d};
use burn::tensor::activation::{relu, sigmoid};
use burn::tensor::ops::PadMode;
use burn::tensor::{Device, Int, Tensor};

/// Labels 0..9 and the null label (no class given).
pub const LABELS: usize = 11;
pub const NULL_LABEL: usize = 10;
/// The first layer's reach: its vertical kernel is (H0 + 1) x (2 H0 + 1), its horizontal one
/// 1 x (H0 + 1). The gated layers reach one row / column further each (k = 3, h = 1).
const H0: usize = 3;
const H: usize = 1;

fn valid(i: usize, o: usize, kernel: [usize; 2], device: &Device) -> Conv2d {
    Conv2dConfig::new([i, o], kernel).with_padding(PaddingConfig2d::Valid).init(device)
}

fn pad(x: Tensor<4>, left: usize, right: usize, top: usize, bottom: usize) -> Tensor<4> {
    x.pad((left, right, top, bottom), PadMode::Constant(0.0))
}

/// tanh(a) * sigmoid(b) of the two halves of the channels.
fn gate(x: Tensor<4>) -> Tensor<4> {
    let mut halves = x.chunk(2, 1);
    let b = halves.pop().expect("two halves");
    let a = halves.pop().expect("two halves");
    a.tanh() * sigmoid(b)
}

/// The label embedding as a per-channel bias `[b, c, 1, 1]`.
fn bias(embedding: &Embedding, y: Tensor<1, Int>) -> Tensor<4> {
    let b = y.dims()[0];
    let e = embedding.forward(y.reshape([b, 1])); // [b, 1, c]
    let c = e.dims()[2];
    e.reshape([b, c, 1, 1])
}

#[derive(Module, Debug)]
pub struct GatedLayer {
    /// Vertical (H + 1) x (2H + 1) convolution, p -> 2p.
    vertical: Conv2d,
    /// Horizontal 1 x (H + 1) convolution, p -> 2p.
    horizontal: Conv2d,
    /// The vertical pre-activation into the horizontal stack, 2p -> 2p (1 x 1).
    link: Conv2d,
    /// The horizontal stack's residual branch, p -> p (1 x 1).
    residual: Conv2d,
    label_v: Embedding,
    label_h: Embedding,
}

impl GatedLayer {
    fn new(p: usize, device: &Device) -> Self {
        GatedLayer {
            vertical: valid(p, 2 * p, [H + 1, 2 * H + 1], device),
            horizontal: valid(p, 2 * p, [1, H + 1], device),
            link: valid(2 * p, 2 * p, [1, 1], device),
            residual: valid(p, p, [1, 1], device),
            label_v: EmbeddingConfig::new(LABELS, 2 * p).init(device),
            label_h: EmbeddingConfig::new(LABELS, 2 * p).init(device),
        }
    }

    /// The vertical pre-activation over a window of rows already padded (H above, H left and
    /// right): one output row per H + 1 input rows.
    fn vertical_pre(&self, v: Tensor<4>, y: Tensor<1, Int>) -> Tensor<4> {
        self.vertical.forward(v) + bias(&self.label_v, y)
    }

    /// The horizontal stack's next state from its input (padded H on the left), the link from
    /// the vertical pre-activation one row up, and the label; `h` is the unpadded input.
    fn horizontal_next(&self, h: Tensor<4>, h_padded: Tensor<4>, v_pre_above: Tensor<4>, y: Tensor<1, Int>) -> Tensor<4> {
        let pre = self.horizontal.forward(h_padded) + self.link.forward(v_pre_above) + bias(&self.label_h, y);
        h + self.residual.forward(gate(pre))
    }
}

#[derive(Module, Debug)]
pub struct PixelCnnNet {
    first_v: Conv2d,
    first_h: Conv2d,
    layers: Vec<GatedLayer>,
    head1: Conv2d,
    head2: Conv2d,
    channels: usize,
}

impl PixelCnnNet {
    pub fn new(channels: usize, layers: usize, device: &Device) -> Self {
        let p = channels;
        PixelCnnNet {
            first_v: valid(1, p, [H0 + 1, 2 * H0 + 1], device),
            first_h: valid(1, p, [1, H0 + 1], device),
            layers: (0..layers).map(|_| GatedLayer::new(p, device)).collect(),
            head1: valid(p, 2 * p, [1, 1], device),
            head2: valid(2 * p, 1, [1, 1], device),
            channels,
        }
    }

    /// Logits `[b, 1, s, s]` of p(x_ij = 1 | pixels before ij, y) for images `x` `[b, 1, s, s]`
    /// in {0, 1} (any side s) and labels `y` `[b]` (0..9 or [`NULL_LABEL`]).
    pub fn forward(&self, x: Tensor<4>, y: Tensor<1, Int>) -> Tensor<4> {
        let [b, _, s, w] = x.dims();
        // Layer 0. Vertical: rows i-H0..i. Horizontal: columns j-H0-1..j-1, the input shifted
        // right one column so that pixel j does not see itself (mask A).
        let mut v = self.first_v.forward(pad(x.clone(), H0, H0, H0, 0));
        let mut h = self.first_h.forward(pad(x, H0 + 1, 0, 0, 0)).slice([0..b, 0..self.channels, 0..s, 0..w]);
        for layer in &self.layers {
            let pre = layer.vertical_pre(pad(v, H, H, H, 0), y.clone());
            // The vertical stack reaches the horizontal one shifted down a row: row i sees < i.
            let above = pad(pre.clone(), 0, 0, 1, 0).slice([0..b, 0..2 * self.channels, 0..s, 0..w]);
            h = layer.horizontal_next(h.clone(), pad(h, H, 0, 0, 0), above, y.clone());
            v = gate(pre);
        }
        self.head(h)
    }

    fn head(&self, h: Tensor<4>) -> Tensor<4> {
        self.head2.forward(relu(self.head1.forward(relu(h))))
    }

    /// Logits `[b, 784]` for flat images `[b, 784]` in {0, 1}.
    pub fn logits(&self, x: Tensor<2>, y: Tensor<1, Int>) -> Tensor<2> {
        let b = x.dims()[0];
        self.forward(x.reshape([b, 1, IMAGE_SIDE, IMAGE_SIDE]), y).reshape([b, IMAGE_SIDE * IMAGE_SIDE])
    }
}

/// Sampling a pixel at a time, computing only what each new pixel needs: the vertical stack
/// once per row (its row i-1, from the rows cached above it), the horizontal stack once per
/// pixel (its column j, from the columns cached to its left). Holds the image as it is filled.
pub struct Incremental {
    net: PixelCnnNet,
    y: Tensor<1, Int>,
    n: usize,
    /// Rows done so far of the image `[n, 1, s, s]` (the rest zero until written).
    image: Tensor<4>,
    /// Per vertical level (0: layer 0's output, l: gated layer l's output), its rows so far,
    /// each `[n, c, 1, s]`.
    v_rows: Vec<Vec<Tensor<4>>>,
    /// Per gated layer, the vertical pre-activation of the row above the current one
    /// `[n, 2p, 1, s]`, through the link: computed once per row.
    links: Vec<Tensor<4>>,
    /// Per horizontal level, the current row's columns so far, each `[n, p, 1, 1]`.
    h_cols: Vec<Vec<Tensor<4>>>,
    row: usize,
    col: usize,
}

impl Incremental {
    /// Starts an empty image of `n` samples with labels `y` (`[n]`).
    pub fn new(net: PixelCnnNet, y: Tensor<1, Int>) -> Incremental {
        let n = y.dims()[0];
        let device = y.device();
        let levels = net.layers.len() + 1;
        Incremental {
            image: Tensor::zeros([n, 1, IMAGE_SIDE, IMAGE_SIDE], &device),
            v_rows: vec![vec![]; levels],
            links: vec![],
            h_cols: vec![vec![]; levels],
            row: 0,
            col: 0,
            net,
            y,
            n,
        }
    }

    /// Starts with the first `rows` rows of `image` (`[n, 1, s, s]`) given: the vertical stack
    /// is run over them, and sampling goes on at row `rows`. Rows below are cleared.
    pub fn with_prefix(net: PixelCnnNet, y: Tensor<1, Int>, image: Tensor<4>, rows: usize) -> Incremental {
        let mut inc = Incremental::new(net, y);
        let n = inc.n;
        let rows = rows.min(IMAGE_SIDE);
        if rows > 0 {
            let kept = image.slice([0..n, 0..1, 0..rows, 0..IMAGE_SIDE]);
            inc.image = inc.image.clone().slice_assign([0..n, 0..1, 0..rows, 0..IMAGE_SIDE], kept);
        }
        // The vertical stack over rows 0..rows-2 (row rows-1 is done when its successor starts).
        for r in 0..rows {
            inc.row = r;
            inc.start_row();
        }
        inc.row = rows;
        inc
    }

    pub fn image(&self) -> Tensor<4> {
        self.image.clone()
    }

    /// The last `k` entries of `cached` (zeros standing in before the first), concatenated
    /// along `dim` (2 for rows, 3 for columns).
    fn window(cached: &[Tensor<4>], k: usize, zero: impl Fn() -> Tensor<4>, dim: usize) -> Tensor<4> {
        let have = cached.len().min(k);
        let mut parts: Vec<Tensor<4>> = (0..k - have).map(|_| zero()).collect();
        parts.extend(cached[cached.len() - have..].iter().cloned());
        Tensor::cat(parts, dim)
    }

    /// Before each row: the vertical stack over the row just finished (row - 1), and the links
    /// it gives the horizontal stack of this row.
    fn start_row(&mut self) {
        let (n, s, p) = (self.n, IMAGE_SIDE, self.net.channels);
        let device = self.y.device();
        self.links = if self.row == 0 {
            // Nothing above the first row: the link sees the zero padding.
            self.net.layers.iter().map(|l| l.link.forward(Tensor::zeros([n, 2 * p, 1, s], &device))).collect()
        } else {
            let r = self.row - 1;
            let x_rows: Vec<Tensor<4>> = (r.saturating_sub(H0)..=r).map(|i| self.image.clone().slice([0..n, 0..1, i..i + 1, 0..s])).collect();
            let zero_x = || Tensor::zeros([n, 1, 1, s], &device);
            let win = Self::window(&x_rows, H0 + 1, zero_x, 2);
            let mut v = self.net.first_v.forward(pad(win, H0, H0, 0, 0));
            self.v_rows[0].push(v.clone());
            let mut links = vec![];
            for (l, layer) in self.net.layers.iter().enumerate() {
                let zero_v = || Tensor::zeros([n, p, 1, s], &device);
                let win = Self::window(&self.v_rows[l], H + 1, zero_v, 2);
                let pre = layer.vertical_pre(pad(win, H, H, 0, 0), self.y.clone());
                links.push(layer.link.forward(pre.clone()));
                v = gate(pre);
                self.v_rows[l + 1].push(v.clone());
            }
            links
        };
        for cols in &mut self.h_cols {
            cols.clear();
        }
    }

    /// The logit of the next pixel, `[n]`, from everything before it.
    pub fn next_logit(&mut self) -> Tensor<1> {
        if self.col == 0 {
            self.start_row();
        }
        let (n, p, j, i) = (self.n, self.net.channels, self.col, self.row);
        let device = self.y.device();
        // Layer 0's horizontal stack at column j sees columns j-H0-1..j-1 of this row.
        let x_cols: Vec<Tensor<4>> = (j.saturating_sub(H0 + 1)..j).map(|c| self.image.clone().slice([0..n, 0..1, i..i + 1, c..c + 1])).collect();
        let win = Self::window(&x_cols, H0 + 1, || Tensor::zeros([n, 1, 1, 1], &device), 3);
        let mut h = self.net.first_h.forward(win);
        self.h_cols[0].push(h.clone());
        for (l, layer) in self.net.layers.iter().enumerate() {
            let win = Self::window(&self.h_cols[l], H + 1, || Tensor::zeros([n, p, 1, 1], &device), 3);
            let link = self.links[l].clone().slice([0..n, 0..2 * p, 0..1, j..j + 1]);
            let pre = layer.horizontal.forward(win) + link + bias(&layer.label_h, self.y.clone());
            h = h + layer.residual.forward(gate(pre));
            self.h_cols[l + 1].push(h.clone());
        }
        self.net.head(h).reshape([n])
    }

    /// Writes the next pixel's values `[n]` (in {0, 1}) and moves on.
    pub fn write(&mut self, values: Tensor<1>) {
        let (n, i, j) = (self.n, self.row, self.col);
        self.image = self.image.clone().slice_assign([0..n, 0..1, i..i + 1, j..j + 1], values.reshape([n, 1, 1, 1]));
        self.col += 1;
        if self.col == IMAGE_SIDE {
            self.col = 0;
            self.row += 1;
        }
    }

    /// Pixels written so far.
    pub fn position(&self) -> usize {
        self.row * IMAGE_SIDE + self.col
    }
}
