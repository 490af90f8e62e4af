//! How transferable are features in deep neural networks?
//!
//! The umbrella crate of convnet-transfer: it re-exports the crates that
//! together run the grid of Yosinski et al. (2014).
pub use convnet_alexnet as alexnet;
pub use convnet_data as data;
pub use convnet_figures as figures;
pub use convnet_splits as splits;
pub use convnet_train as train;
pub use convnet_transfer as transfer;
