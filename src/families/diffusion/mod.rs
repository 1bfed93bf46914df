//! Diffusion models, split as Hugging Face diffusers splits them: noise schedules
//! ([`schedule`]) and samplers ([`sampler`]) apart from the network (the shared U-Net in
//! [`crate::nn::unet`]), so one trained network runs under several samplers. DDPM is the first
//! family here; latent diffusion and consistency models are to reuse all three parts.

pub mod ddpm;
pub mod sampler;
pub mod schedule;
