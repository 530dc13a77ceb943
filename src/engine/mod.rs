pub mod connection;
pub mod link;
pub mod status;
pub mod widgets;
