//! Connecting the page to its engine worker, handing every message to the states, and
//! starting a new worker when one crashed.

use hearth_core::protocol::{FromEngine, ToEngine};
use leptos::prelude::*;

use crate::browser;
use crate::context::Shared;
use crate::data::state::DataState;
use crate::engine::link::{EngineLink, Link};
use crate::engine::status::{EngineStatus, GpuEngine, Phase};
use crate::evaluate::state::EvalState;
use crate::keeping::keeper::Keeper;
use crate::model::state::SpecState;
use crate::train::state::TrainState;
use crate::use_share::state::UseState;

/// The page's side of the engine: connecting to its worker, handing every message to
/// the states, and starting a new worker when one crashed. Cheap to copy.
#[derive(Clone, Copy)]
pub struct EngineConnection {
    link: Link,
    status: RwSignal<EngineStatus>,
    data: RwSignal<DataState>,
    specs: RwSignal<SpecState>,
    train: RwSignal<TrainState>,
    uses: RwSignal<UseState>,
    eval: RwSignal<EvalState>,
    keeper: Keeper,
    /// Whether this is the page's first engine (test hooks apply to it only).
    first: StoredValue<bool>,
}

impl EngineConnection {
    /// The connection for the page's `shared` signals (not connected yet).
    pub fn new(shared: Shared) -> Self {
        EngineConnection {
            link: shared.link,
            status: shared.status,
            data: shared.data,
            specs: shared.specs,
            train: shared.train,
            uses: shared.uses,
            eval: shared.eval,
            keeper: shared.keeper,
            first: StoredValue::new(true),
        }
    }

    /// Connects to the engine worker (a failure to start it fails the engine's status):
    /// one of the kind in use.
    pub fn connect(self) {
        let gpu = self
            .status
            .with_untracked(|status| status.gpu == GpuEngine::InUse);
        match EngineLink::connect(gpu) {
            Ok(engine) => self.listen_to(engine),
            Err(message) => {
                self.status
                    .update(|status| status.phase = Phase::Failed { message });
            }
        }
    }

    /// Makes `engine` the page's engine and hands it every message it sends.
    fn listen_to(self, engine: EngineLink) {
        let reply_link = engine.clone();
        engine.listen(move |message, bytes| {
            if matches!(message, FromEngine::Ready { .. })
                && self.first.get_value()
                && browser::url::debug_engine_panic_requested()
            {
                self.first.set_value(false);
                reply_link.send(&ToEngine::PanicAfterEpoch { after_epoch: 1 });
            }
            self.data.update(|data| data.on_message(&message));
            if matches!(
                message,
                FromEngine::BaseChosen { .. } | FromEngine::BaseRefused { .. }
            ) {
                self.specs.update(|specs| specs.on_message(&message));
            }
            self.train.update(|train| train.on_message(&message));
            self.uses.update(|uses| uses.on_message(&message));
            self.eval.update(|eval| eval.on_message(&message));
            self.keeper.on_message(&message, bytes);
            // A new engine is ready for the user's work only once it has the page's back.
            let resuming = self.keeper.resuming();
            let replies = self
                .status
                .try_update(|status| {
                    status.resuming = resuming;
                    status.on_message(message)
                })
                .unwrap_or_default();
            for reply in &replies {
                reply_link.send(reply);
            }
        });
        self.link.set_value(Some(engine));
    }

    /// Ends the crashed worker and starts a new one, which gets the page's work back.
    pub fn restart(self) {
        self.end_worker();
        self.status.update(EngineStatus::restart);
        self.keeper.engine_restarting();
        self.connect();
    }

    /// Moves the page's work onto `engine`, the WebGPU engine that booted in the
    /// background: the CPU engine ends, and the new one gets the work back as a restarted
    /// engine does (data, settings, the model in use).
    pub fn switch_to_gpu(self, engine: EngineLink) {
        self.end_worker();
        self.status.update(EngineStatus::switch_to_gpu);
        self.keeper.engine_restarting();
        self.listen_to(engine);
    }

    fn end_worker(self) {
        if let Some(old) = self.link.try_update_value(Option::take).flatten() {
            old.terminate();
        }
        self.first.set_value(false);
    }
}
