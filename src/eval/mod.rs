//! Judging generated digits by numbers: test-set likelihoods (here), and later the classifier
//! judge, Fréchet distance and diversity. Everything is written once against
//! [`crate::families::Family`] and read back asynchronously, so the CLI and the page share it.

pub mod likelihood;
