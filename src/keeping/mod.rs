pub mod keeper;
pub mod kept_models;
pub mod reload;
pub mod snapshot;
pub mod storage;
