//! The one `match` on [`ToEngine`]: each message goes to the [`EngineState`] method of
//! its concern (data, training, prediction, files, bench), with the files attached to it.

use hearth_core::data::images::ImageShape;
use hearth_core::protocol::ToEngine;

use super::EngineState;
use super::transport::Attachments;

impl EngineState {
    /// Handles one message from the page, to the end (training then goes on step by step
    /// in the message loop).
    pub(super) async fn dispatch(&mut self, message: ToEngine, attachments: Attachments) {
        let Attachments { file, files } = attachments;
        // A run or a measurement of the engine's own makes the warm-up moot, or would be
        // disturbed by it.
        if matches!(
            message,
            ToEngine::Train { .. }
                | ToEngine::TrainFurther { .. }
                | ToEngine::SelfTest { .. }
                | ToEngine::Bench { .. }
                | ToEngine::KernelCheck { .. }
        ) {
            self.warm_up = None;
        }
        match message {
            ToEngine::Init {
                force_cpu,
                prefer_webgpu,
            } => self.init(force_cpu, prefer_webgpu).await,
            ToEngine::SelfTest { steps } => self.self_test(steps).await,
            ToEngine::LoadCsv { name, skip_ragged } => self.load_csv(name, skip_ragged, file).await,
            ToEngine::LoadImages {
                name,
                paths,
                classes,
                width,
                height,
                channels,
            } => {
                self.load_images(
                    name,
                    paths,
                    classes,
                    ImageShape {
                        width,
                        height,
                        channels,
                    },
                    files,
                )
                .await
            }
            ToEngine::LoadSounds {
                name,
                paths,
                classes,
            } => self.load_sounds(name, paths, classes, files).await,
            ToEngine::AttachFiles { total } => self.attach_files(total, files),
            ToEngine::LoadBuiltin { name } => self.load_builtin(&name).await,
            ToEngine::ConfigureData { config } => self.configure_data(config),
            ToEngine::SetAugmentation { augment } => self.set_augmentation(augment),
            ToEngine::Train { spec, config } => self.train(spec, config).await,
            ToEngine::TrainFurther { config } => self.train_further(config).await,
            ToEngine::Pause => self.pause().await,
            ToEngine::Resume => self.resume(),
            ToEngine::Stop => self.stop(),
            ToEngine::Predict { id, input } => self.predict(id, input, file).await,
            ToEngine::SaveModel { id } => self.save_model(id).await,
            ToEngine::CellSamples { truth, predicted } => self.cell_samples(truth, predicted),
            ToEngine::SetCard {
                intended_use,
                limitations,
            } => self.set_card(&intended_use, &limitations),
            ToEngine::ExportCard { id } => self.export_card(id),
            ToEngine::ExportPytorch { id } => self.export_pytorch(id),
            ToEngine::OpenModel { name, source } => self.open_model(name, source, file).await,
            ToEngine::ChooseBase { source } => self.choose_base(source, file).await,
            ToEngine::PanicAfterEpoch { after_epoch } => self.panic_after_epoch(after_epoch),
            ToEngine::Bench { settings } => self.bench(settings).await,
            ToEngine::KernelCheck { seed } => self.kernel_check(seed).await,
        }
    }
}
