//! What a reload restores (the session's data choice and settings), and the saved-models
//! list, as plain structs tested natively. The browser's storage itself is in
//! [`super::storage`].

use hearth_core::data::summary::DataConfig;
use hearth_core::model::summary::ModelSummary;
use hearth_core::model::{ModelSpec, TrainConfig};
use hearth_core::protocol::ToEngine;
use serde::{Deserialize, Serialize};

/// The version of [`SessionState`] this page writes; an older or newer one is ignored.
pub const SESSION_VERSION: u32 = 1;

/// Which data set the session used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", try_from = "FlatDataChoice")]
pub enum DataChoice {
    /// A built-in data set, loaded again by name.
    Builtin { name: String },
    /// An uploaded CSV file; its bytes are kept only when the user allows it.
    Csv { name: String },
    /// Uploaded images; kept only when the user allows it.
    Images {
        name: String,
        paths: Vec<String>,
        classes: Vec<Option<String>>,
        width: u32,
        height: u32,
        channels: u8,
    },
    /// Sounds (recorded or added); kept only when the user allows it.
    Sounds {
        name: String,
        paths: Vec<String>,
        classes: Vec<Option<String>>,
    },
}

/// [`DataChoice`] as read: a flat struct of optional fields, which the page reads in one
/// pass, where serde's derive for a tagged enum buffers the object first (more code; see
/// hearth-core's `flat` module). The stored JSON is the same.
#[derive(Deserialize)]
struct FlatDataChoice {
    kind: DataChoiceKind,
    name: String,
    paths: Option<Vec<String>>,
    classes: Option<Vec<Option<String>>>,
    width: Option<u32>,
    height: Option<u32>,
    channels: Option<u8>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum DataChoiceKind {
    Builtin,
    Csv,
    Images,
    Sounds,
}

impl TryFrom<FlatDataChoice> for DataChoice {
    type Error = String;

    fn try_from(flat: FlatDataChoice) -> Result<Self, String> {
        fn field<T>(value: Option<T>, name: &str) -> Result<T, String> {
            value.ok_or_else(|| format!("missing field `{name}`"))
        }
        Ok(match flat.kind {
            DataChoiceKind::Builtin => DataChoice::Builtin { name: flat.name },
            DataChoiceKind::Csv => DataChoice::Csv { name: flat.name },
            DataChoiceKind::Images => DataChoice::Images {
                name: flat.name,
                paths: field(flat.paths, "paths")?,
                classes: field(flat.classes, "classes")?,
                width: field(flat.width, "width")?,
                height: field(flat.height, "height")?,
                channels: field(flat.channels, "channels")?,
            },
            DataChoiceKind::Sounds => DataChoice::Sounds {
                name: flat.name,
                paths: field(flat.paths, "paths")?,
                classes: field(flat.classes, "classes")?,
            },
        })
    }
}

impl DataChoice {
    /// Whether the data came from the user's files.
    pub fn is_upload(&self) -> bool {
        !matches!(self, DataChoice::Builtin { .. })
    }

    /// The data set's name, as the page shows it.
    pub fn name(&self) -> &str {
        match self {
            DataChoice::Builtin { name }
            | DataChoice::Csv { name }
            | DataChoice::Images { name, .. }
            | DataChoice::Sounds { name, .. } => name,
        }
    }

    /// The message that asks the engine to load this data (the page attaches the files
    /// apart). `skip_ragged`: leave out CSV rows of the wrong length.
    pub fn load_message(&self, skip_ragged: bool) -> ToEngine {
        match self.clone() {
            DataChoice::Builtin { name } => ToEngine::LoadBuiltin { name },
            DataChoice::Csv { name } => ToEngine::LoadCsv { name, skip_ragged },
            DataChoice::Images {
                name,
                paths,
                classes,
                width,
                height,
                channels,
            } => ToEngine::LoadImages {
                name,
                paths,
                classes,
                width,
                height,
                channels,
            },
            DataChoice::Sounds {
                name,
                paths,
                classes,
            } => ToEngine::LoadSounds {
                name,
                paths,
                classes,
            },
        }
    }
}

/// The session's settings (the model's weights and uploaded files are stored beside it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionState {
    /// The format's version ([`SESSION_VERSION`]).
    pub version: u32,
    /// The data set in use.
    pub data: Option<DataChoice>,
    /// Its configuration (target, roles, split).
    pub data_config: Option<DataConfig>,
    /// The model spec.
    pub spec: Option<ModelSpec>,
    /// The training settings.
    pub train_config: Option<TrainConfig>,
    /// Whether uploaded files may be kept in this browser.
    pub keep_uploads: bool,
}

impl Default for SessionState {
    fn default() -> Self {
        SessionState {
            version: SESSION_VERSION,
            data: None,
            data_config: None,
            spec: None,
            train_config: None,
            keep_uploads: false,
        }
    }
}

impl SessionState {
    /// The stored JSON as a session, if it is one this page understands.
    pub fn parse(json: &str) -> Option<SessionState> {
        crate::browser::json::from_str::<SessionState>(json)
            .ok()
            .filter(|state| state.version == SESSION_VERSION)
    }

    /// The session as the JSON that is stored.
    pub fn to_json(&self) -> String {
        crate::browser::json::to_string(self).unwrap_or_default()
    }
}

/// A model kept in the browser, as the Saved models list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedInfo {
    /// The storage key.
    pub id: String,
    /// The model's name.
    pub name: String,
    /// Milliseconds since 1970, when it was saved.
    pub saved_at: f64,
    /// The task, in words.
    pub task: String,
    /// "97.8% test accuracy", or empty when the model was not scored.
    pub metric: String,
    /// The model file's size.
    pub bytes: u64,
}

impl SavedInfo {
    /// The list entry for `model`, saved at `now` as a file of `bytes` bytes.
    pub fn of(model: &ModelSummary, now: f64, bytes: u64) -> SavedInfo {
        SavedInfo {
            id: format!("m{}", now as u64),
            name: if model.card.name.is_empty() {
                model.name.clone()
            } else {
                model.card.name.clone()
            },
            saved_at: now,
            task: hearth_core::text::capitalised(model.task.label()),
            metric: model.score_label().unwrap_or_default(),
            bytes,
        }
    }

    /// Newest first.
    pub fn sort(list: &mut [SavedInfo]) {
        list.sort_by(|a, b| b.saved_at.total_cmp(&a.saved_at));
    }
}

/// What the page says when the browser refuses to store something.
pub fn storage_refused(what: &str, reason: &str) -> String {
    format!(
        "The browser's storage refused to keep {what} ({reason}). It is probably full: delete saved models below to make room. Your work stays on this page until you close it."
    )
}

#[cfg(test)]
mod tests {

    use super::*;
    use hearth_core::data::summary::Task;
    use hearth_core::model::InputShape;
    use hearth_core::model::summary::{ModelCard, ModelInput, ModelSource};
    #[test]
    fn each_choice_loads_again_with_its_own_message() {
        let images = DataChoice::Images {
            name: "shapes".into(),
            paths: vec!["shapes/a/1.png".into()],
            classes: vec![None],
            width: 28,
            height: 28,
            channels: 1,
        };
        assert_eq!(
            images.load_message(true),
            ToEngine::LoadImages {
                name: "shapes".into(),
                paths: vec!["shapes/a/1.png".into()],
                classes: vec![None],
                width: 28,
                height: 28,
                channels: 1,
            }
        );
        let csv = DataChoice::Csv {
            name: "t.csv".into(),
        };
        assert_eq!(
            csv.load_message(true),
            ToEngine::LoadCsv {
                name: "t.csv".into(),
                skip_ragged: true
            }
        );
        let sounds = DataChoice::Sounds {
            name: "Sound samples".into(),
            paths: vec!["Sound samples/Hum/0.wav".into()],
            classes: vec![Some("Hum".into())],
        };
        assert_eq!(
            sounds.load_message(false),
            ToEngine::LoadSounds {
                name: "Sound samples".into(),
                paths: vec!["Sound samples/Hum/0.wav".into()],
                classes: vec![Some("Hum".into())],
            }
        );
        let state = SessionState {
            data: Some(sounds.clone()),
            ..SessionState::default()
        };
        assert_eq!(
            SessionState::parse(&state.to_json()).and_then(|state| state.data),
            Some(sounds)
        );
        let builtin = DataChoice::Builtin {
            name: "iris".into(),
        };
        assert_eq!(
            builtin.load_message(false),
            ToEngine::LoadBuiltin {
                name: "iris".into()
            }
        );
    }

    #[test]
    fn a_session_round_trips_and_other_versions_are_ignored() {
        let state = SessionState {
            data: Some(DataChoice::Csv {
                name: "flowers.csv".into(),
            }),
            spec: Some(ModelSpec::mlp(
                InputShape::Features { features: 4 },
                Task::MultiClass,
                3,
            )),
            keep_uploads: true,
            ..SessionState::default()
        };
        assert_eq!(SessionState::parse(&state.to_json()), Some(state.clone()));
        let newer = state.to_json().replace("\"version\":1", "\"version\":2");
        assert_eq!(SessionState::parse(&newer), None);
        assert_eq!(SessionState::parse("not json"), None);
        assert!(state.data.as_ref().unwrap().is_upload());
        assert_eq!(state.data.unwrap().name(), "flowers.csv");
    }

    #[test]
    fn every_data_choice_reads_back_and_a_broken_one_says_why() {
        for choice in [
            DataChoice::Builtin {
                name: "iris".into(),
            },
            DataChoice::Csv {
                name: "a.csv".into(),
            },
            DataChoice::Images {
                name: "pets".into(),
                paths: vec!["cat/1.png".into(), "2.png".into()],
                classes: vec![None, Some("dog".into())],
                width: 32,
                height: 24,
                channels: 3,
            },
        ] {
            let json = crate::browser::json::to_string(&choice).unwrap();
            assert!(json.contains("\"kind\":"), "{json}");
            assert_eq!(
                crate::browser::json::from_str::<DataChoice>(&json),
                Ok(choice)
            );
        }
        let broken =
            crate::browser::json::from_str::<DataChoice>(r#"{"kind":"images","name":"x"}"#);
        assert!(broken.unwrap_err().contains("missing field `paths`"));
    }

    #[test]
    fn saved_models_are_listed_newest_first_with_their_headline() {
        let model = ModelSummary {
            name: "iris".into(),
            source: ModelSource::Trained,
            task: Task::MultiClass,
            labels: vec![],
            input: ModelInput::Table {
                columns: vec![],
                target: "species".into(),
            },
            parameters: 10,
            test_score: Some(0.9667),
            test_rows: 0,
            spec: ModelSpec::logistic(InputShape::Features { features: 4 }, Task::MultiClass, 3),
            config: None,
            history: vec![],
            card: ModelCard {
                name: "iris model".into(),
                ..ModelCard::default()
            },
        };
        let older = SavedInfo::of(&model, 1_000.0, 512);
        let newer = SavedInfo::of(&model, 2_000.0, 512);
        assert_eq!(newer.name, "iris model");
        assert_eq!(newer.metric, "96.7% test accuracy");
        assert_eq!(newer.task, "Multi-class classification");
        let mut list = vec![older.clone(), newer.clone()];
        SavedInfo::sort(&mut list);
        assert_eq!(list, vec![newer, older]);
    }
}
