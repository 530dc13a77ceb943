pub mod card_editor;
pub mod drawing;
pub mod inputs;
pub mod panel;
pub mod share;
pub mod state;
