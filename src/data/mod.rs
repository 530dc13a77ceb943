pub mod class_picker;
pub mod image_view;
pub mod loading;
pub mod panel;
pub mod state;
pub mod table_view;
