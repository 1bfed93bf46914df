//! Diffusion models, split as Hugging Face diffusers splits them: noise schedules
//! ([`schedule`]) and samplers ([`sampler`]) apart from the network, which is any
//! [`denoiser::Denoiser`] over states of any size (the shared U-Net in [`crate::nn::unet`] for
//! pixels), so one trained network runs under several samplers. [`chain`] drives a denoiser's
//! reverse chain a step at a time, with guidance, in pixel space or a latent space. DDPM is
//! the first family here, and latent diffusion is the same module in an autoencoder's codes
//! (`ddpm::LATENT`); consistency models ([`consistency`]) learn from the pixel DDPM's chain.

pub mod chain;
pub mod consistency;
pub mod ddpm;
pub mod denoiser;
pub mod sampler;
pub mod schedule;
