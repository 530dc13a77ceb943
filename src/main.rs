//! The page's entry point: everything lives in the `hearth` library.

fn main() {
    hearth::start();
}
