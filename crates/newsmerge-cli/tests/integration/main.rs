//! The integration tests: the CLI on fixture folders, and the library's
//! invariants on generated corpora.

mod acceptance;
mod bad_input;
mod commands;
mod containers;
mod determinism;
mod hard_cases;
mod hostile;
mod output_safety;
mod properties;
mod real_shapes;
mod staged;
mod util;
