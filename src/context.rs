//! The signals App shares with the panels, by context rather than as props: App provides
//! each once ([`provide`]), and a component reads only those it uses, by type, through
//! the accessors below.

use leptos::prelude::*;

use crate::data::state::DataState;
use crate::engine::link::Link;
use crate::engine::status::EngineStatus;
use crate::evaluate::state::EvalState;
use crate::keeping::keeper::Keeper;
use crate::model::state::SpecState;
use crate::train::state::TrainState;
use crate::use_share::state::UseState;

/// Every signal the panels share, as App creates them.
#[derive(Clone, Copy)]
pub struct Shared {
    /// The engine worker's state.
    pub status: RwSignal<EngineStatus>,
    /// Step 1's data set.
    pub data: RwSignal<DataState>,
    /// Step 2's spec.
    pub specs: RwSignal<SpecState>,
    /// Step 3's run.
    pub train: RwSignal<TrainState>,
    /// Step 4's evaluation.
    pub eval: RwSignal<EvalState>,
    /// Step 5's model in use.
    pub uses: RwSignal<UseState>,
    /// The link to the engine.
    pub link: Link,
    /// The keeper of work.
    pub keeper: Keeper,
}

/// Makes every shared signal available to the components below the caller.
pub fn provide(shared: Shared) {
    provide_context(shared.status);
    provide_context(shared.data);
    provide_context(shared.specs);
    provide_context(shared.train);
    provide_context(shared.eval);
    provide_context(shared.uses);
    provide_context(shared.link);
    provide_context(shared.keeper);
}

/// The engine worker's state.
pub fn status() -> RwSignal<EngineStatus> {
    expect_context()
}

/// Step 1's data set.
pub fn data() -> RwSignal<DataState> {
    expect_context()
}

/// Step 2's spec.
pub fn specs() -> RwSignal<SpecState> {
    expect_context()
}

/// Step 3's run.
pub fn train() -> RwSignal<TrainState> {
    expect_context()
}

/// Step 4's evaluation.
pub fn eval() -> RwSignal<EvalState> {
    expect_context()
}

/// Step 5's model in use.
pub fn uses() -> RwSignal<UseState> {
    expect_context()
}

/// The link to the engine.
pub fn link() -> Link {
    expect_context()
}

/// The keeper of work.
pub fn keeper() -> Keeper {
    expect_context()
}
