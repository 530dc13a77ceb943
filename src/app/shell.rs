//! The App component: the shared state, the engine connection, the top bar, the step
//! navigation and the panel of the current step.

use super::nav::{StepNav, StepPanel};
use super::steps::Step;
use super::update::{UpdateBanner, keep_data_for_offline};
use leptos::prelude::*;

use crate::browser;
use crate::context::{self, Shared};
use crate::data::state::DataState;
use crate::engine::connection::EngineConnection;
use crate::engine::link::EngineLink;
use crate::engine::status::EngineStatus;
use crate::engine::widgets::{BackendControl, EngineStatusBar};
use crate::evaluate::state::EvalState;
use crate::keeping::keeper::Keeper;
use crate::model::state::SpecState;
use crate::train::state::TrainState;
use crate::use_share::state::UseState;

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    // A returning visit opens where the user left off; a first one on the Data step, which
    // then shows the drawing pad beside the ways to bring data.
    let current_step = RwSignal::new(
        browser::preferences::load_step()
            .and_then(|id| Step::from_id(&id))
            .unwrap_or(Step::Data),
    );
    Effect::new(move |_| browser::preferences::save_step(current_step.get().id()));
    let link = StoredValue::new_local(None::<EngineLink>);
    let (data, specs, train) = (
        RwSignal::new(DataState::default()),
        RwSignal::new(SpecState::default()),
        RwSignal::new(TrainState::default()),
    );
    let shared = Shared {
        status: RwSignal::new(EngineStatus {
            prefer_webgpu: browser::preferences::load_prefer_webgpu(),
            ..EngineStatus::new(browser::preferences::load_force_cpu())
        }),
        data,
        specs,
        train,
        eval: RwSignal::new(EvalState::default()),
        uses: RwSignal::new(UseState::default()),
        link,
        keeper: Keeper::new(link, data, specs, train),
    };
    context::provide(shared);
    crate::capture::classes::provide();
    let engine = EngineConnection::new(shared);
    engine.connect();
    crate::engine::gpu::watch(shared, engine);
    keep_data_for_offline();

    // A shared link (`#spec=…`) opens its model spec in the Model step.
    let open_link = move || {
        let Some(fragment) = browser::url::fragment() else {
            return;
        };
        if !fragment.starts_with("#spec=") {
            return;
        }
        if specs
            .try_update(|specs| specs.open_link(&fragment))
            .unwrap_or(false)
        {
            shared.keeper.spec_from_link();
        }
        current_step.set(Step::Model);
        browser::url::clear_fragment();
    };
    open_link();
    browser::url::on_hash_change(open_link);

    view! {
        <header class="topbar">
            <div class="brand">
                <Logo />
                <div>
                    <h1>"Hearth"</h1>
                    <p class="tagline">
                        "Machine learning in your browser. Your data never leaves this device."
                    </p>
                </div>
            </div>
            <BackendControl />
        </header>
        <UpdateBanner />
        <StepNav current=current_step />
        <main id="main">
            <StepPanel step=current_step />
        </main>
        <EngineStatusBar on_restart=move || engine.restart() />
    }
}

/// The flame mark, drawn inline so the page needs no image request.
#[component]
pub fn Logo() -> impl IntoView {
    view! {
        <svg class="logo" viewBox="0 0 32 32" width="36" height="36" aria-hidden="true">
            <path
                d="M16 2c1 6 8 9 8 17a8 8 0 0 1-16 0c0-4 2-6 4-8 0 3 1 5 3 6-1-6 1-11 1-15z"
                fill="#e8643a"
            />
            <path d="M16 16c1 3 4 4 4 8a4 4 0 0 1-8 0c0-3 3-4 4-8z" fill="#f6b23c" />
        </svg>
    }
}
