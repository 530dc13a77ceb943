//! Classes of captured examples (camera frames, drawings, sounds): their names and samples, what
//! may be loaded, and the files the image pipeline is given. Generic over the sample's
//! handle (a browser `Blob` in the page, anything in the tests).

/// Where a set's samples come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Frames of the camera's preview.
    Camera,
    /// Drawings on the pad.
    Drawing,
    /// Sounds: one-second clips from the microphone, and sound files the user added.
    Sound,
}

impl Source {
    /// Every source.
    pub const ALL: [Source; 3] = [Source::Camera, Source::Drawing, Source::Sound];

    /// Its name in stored records and project files.
    pub fn key(self) -> &'static str {
        match self {
            Source::Camera => "camera",
            Source::Drawing => "drawing",
            Source::Sound => "sound",
        }
    }

    /// The source whose [`Source::key`] is `key`.
    pub fn from_key(key: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|source| source.key() == key)
    }

    /// The data set's name once loaded (the folder of its files' paths).
    pub fn set_name(self) -> &'static str {
        match self {
            Source::Camera => "Camera samples",
            Source::Drawing => "Drawn samples",
            Source::Sound => "Sound samples",
        }
    }

    /// A sample's file extension (camera frames are JPEG, drawings PNG, recorded clips
    /// WAV; a sound file keeps its own name).
    pub fn extension(self) -> &'static str {
        match self {
            Source::Camera => "jpg",
            Source::Drawing => "png",
            Source::Sound => "wav",
        }
    }

    /// Whether examples are sounds (loaded as sounds, shown as play buttons).
    pub fn is_sound(self) -> bool {
        self == Source::Sound
    }

    /// The names the first two classes get.
    fn first_names(self) -> [&'static str; 2] {
        match self {
            Source::Camera => ["Class 1", "Class 2"],
            Source::Drawing => ["Circle", "Cross"],
            // A class of the room's own noise lets a model say that nothing is happening.
            Source::Sound => ["Background noise", "Class 2"],
        }
    }
}

/// The most samples one class keeps (about 10 s of holding the record button).
pub const MAX_PER_CLASS: usize = 1000;

/// One captured example.
#[derive(Debug, Clone)]
pub struct Sample<B> {
    /// Unique within its set, for removing it.
    pub id: u64,
    /// The image (a `Blob` in the page).
    pub blob: B,
    /// Where its thumbnail is shown (or its sound played) from (a `blob:` URL in the page).
    pub url: String,
    /// The name of the file it came from (a sound file the user added); empty for what
    /// was recorded or drawn here.
    pub name: String,
}

/// One class: its name and samples, newest last.
#[derive(Debug, Clone)]
pub struct Class<B> {
    /// The label the model learns.
    pub name: String,
    /// Its examples.
    pub samples: Vec<Sample<B>>,
}

/// The classes of one source.
#[derive(Debug, Clone)]
pub struct CaptureSet<B> {
    /// Where the samples come from.
    pub source: Source,
    /// The classes, in the order the user made them.
    pub classes: Vec<Class<B>>,
    next_id: u64,
}

impl<B: Clone> CaptureSet<B> {
    /// Two empty classes, named for the source.
    pub fn new(source: Source) -> Self {
        CaptureSet {
            source,
            classes: source
                .first_names()
                .iter()
                .map(|name| Class {
                    name: (*name).to_string(),
                    samples: Vec::new(),
                })
                .collect(),
            next_id: 0,
        }
    }

    /// Adds an empty class with a name not yet used.
    pub fn add_class(&mut self) {
        let mut number = self.classes.len() + 1;
        while self
            .classes
            .iter()
            .any(|class| class.name == format!("Class {number}"))
        {
            number += 1;
        }
        self.classes.push(Class {
            name: format!("Class {number}"),
            samples: Vec::new(),
        });
    }

    /// Renames class `index` (surrounding spaces dropped).
    pub fn rename(&mut self, index: usize, name: &str) {
        if let Some(class) = self.classes.get_mut(index) {
            class.name = name.trim().to_string();
        }
    }

    /// Removes class `index` with its samples, which are returned (their URLs to free).
    pub fn remove_class(&mut self, index: usize) -> Vec<Sample<B>> {
        if index < self.classes.len() {
            self.classes.remove(index).samples
        } else {
            Vec::new()
        }
    }

    /// Adds a sample to class `index`; false (and nothing added) when the class is full
    /// or gone.
    pub fn add_sample(&mut self, index: usize, blob: B, url: String) -> bool {
        self.add_named_sample(index, blob, url, String::new())
    }

    /// Adds a sample from the file `name` to class `index` (see [`CaptureSet::add_sample`]).
    pub fn add_named_sample(&mut self, index: usize, blob: B, url: String, name: String) -> bool {
        let id = self.next_id;
        let Some(class) = self.classes.get_mut(index) else {
            return false;
        };
        if class.samples.len() >= MAX_PER_CLASS {
            return false;
        }
        class.samples.push(Sample {
            id,
            blob,
            url,
            name,
        });
        self.next_id += 1;
        true
    }

    /// Removes sample `id` from class `index`, returned (its URL to free).
    pub fn remove_sample(&mut self, index: usize, id: u64) -> Option<Sample<B>> {
        let class = self.classes.get_mut(index)?;
        let at = class.samples.iter().position(|sample| sample.id == id)?;
        Some(class.samples.remove(at))
    }

    /// Removes every sample of class `index`, returned.
    pub fn clear_class(&mut self, index: usize) -> Vec<Sample<B>> {
        self.classes
            .get_mut(index)
            .map(|class| std::mem::take(&mut class.samples))
            .unwrap_or_default()
    }

    /// How many samples in all.
    pub fn total(&self) -> usize {
        self.classes.iter().map(|class| class.samples.len()).sum()
    }

    /// Why these classes cannot be loaded yet, in words that say what to do; None when
    /// they can.
    pub fn problem(&self) -> Option<String> {
        let named: Vec<&str> = self
            .classes
            .iter()
            .map(|class| class.name.as_str())
            .collect();
        if named.iter().any(|name| name.is_empty()) {
            return Some("Every class needs a name.".to_string());
        }
        for (index, name) in named.iter().enumerate() {
            if named[..index].contains(name) {
                return Some(format!(
                    "Two classes are named \"{name}\": give each its own name."
                ));
            }
        }
        let with_samples = self
            .classes
            .iter()
            .filter(|class| !class.samples.is_empty())
            .count();
        if with_samples < 2 {
            return Some(
                "Record examples of at least two classes: a model learns to tell classes apart."
                    .to_string(),
            );
        }
        if let Some(empty) = self.classes.iter().find(|class| class.samples.is_empty()) {
            return Some(format!(
                "\"{}\" has no examples yet: record some, or remove the class.",
                empty.name
            ));
        }
        None
    }

    /// The samples as the image (or sound) pipeline takes files: (class, path, handle), the
    /// path "SET/CLASS/N.EXT" (or "SET/CLASS/N-NAME" for a file the user added, so that a
    /// message about it names it), so that the loaded set is named for the source.
    pub fn labelled(&self) -> Vec<(String, String, B)> {
        let (folder, extension) = (self.source.set_name(), self.source.extension());
        self.classes
            .iter()
            .flat_map(|class| {
                class.samples.iter().map(move |sample| {
                    (
                        class.name.clone(),
                        if sample.name.is_empty() {
                            format!("{folder}/{}/{}.{extension}", class.name, sample.id)
                        } else {
                            format!("{folder}/{}/{}-{}", class.name, sample.id, sample.name)
                        },
                        sample.blob.clone(),
                    )
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_samples(counts: &[usize]) -> CaptureSet<u8> {
        let mut set = CaptureSet::new(Source::Camera);
        while set.classes.len() < counts.len() {
            set.add_class();
        }
        for (class, count) in counts.iter().enumerate() {
            for n in 0..*count {
                assert!(set.add_sample(class, n as u8, format!("blob:{class}-{n}")));
            }
        }
        set
    }

    #[test]
    fn a_new_set_has_two_named_empty_classes_and_cannot_load() {
        let set = CaptureSet::<u8>::new(Source::Drawing);
        assert_eq!(set.classes.len(), 2);
        assert_eq!(set.classes[0].name, "Circle");
        assert_eq!(set.total(), 0);
        assert!(set.problem().unwrap().contains("at least two classes"));
    }

    #[test]
    fn two_classes_with_samples_load_with_paths_named_for_the_source() {
        let set = with_samples(&[2, 1]);
        assert_eq!(set.problem(), None);
        let files = set.labelled();
        assert_eq!(files.len(), 3);
        assert_eq!(files[0].0, "Class 1");
        assert_eq!(files[0].1, "Camera samples/Class 1/0.jpg");
        assert_eq!(files[2].1, "Camera samples/Class 2/2.jpg");
    }

    #[test]
    fn an_empty_class_beside_two_full_ones_is_named_in_the_problem() {
        let mut set = with_samples(&[1, 1]);
        set.add_class();
        assert_eq!(
            set.problem().unwrap(),
            "\"Class 3\" has no examples yet: record some, or remove the class."
        );
        let removed = set.remove_class(2);
        assert!(removed.is_empty());
        assert_eq!(set.problem(), None);
    }

    #[test]
    fn sounds_start_with_a_background_class_and_files_keep_their_names() {
        let mut set = CaptureSet::new(Source::Sound);
        assert_eq!(set.classes[0].name, "Background noise");
        assert!(set.add_sample(0, 1u8, "blob:a".into()));
        assert!(set.add_named_sample(1, 2, "blob:b".into(), "bark.mp3".into()));
        let files = set.labelled();
        assert_eq!(files[0].1, "Sound samples/Background noise/0.wav");
        assert_eq!(files[1].1, "Sound samples/Class 2/1-bark.mp3");
        assert!(Source::Sound.is_sound() && !Source::Camera.is_sound());
    }

    #[test]
    fn names_must_be_given_and_distinct() {
        let mut set = with_samples(&[1, 1]);
        set.rename(1, "  Class 1 ");
        assert!(
            set.problem()
                .unwrap()
                .contains("Two classes are named \"Class 1\"")
        );
        set.rename(1, "   ");
        assert_eq!(set.problem().unwrap(), "Every class needs a name.");
        set.rename(1, "thumbs up");
        assert_eq!(set.problem(), None);
        assert_eq!(set.labelled()[1].0, "thumbs up");
    }

    #[test]
    fn a_removed_sample_is_returned_and_ids_are_not_reused() {
        let mut set = with_samples(&[3, 0]);
        let removed = set.remove_sample(0, 1).unwrap();
        assert_eq!(removed.url, "blob:0-1");
        assert!(set.remove_sample(0, 1).is_none(), "already gone");
        assert!(set.add_sample(1, 9, "blob:new".into()));
        assert_eq!(set.classes[1].samples[0].id, 3);
        let ids: Vec<u64> = set.classes[0]
            .samples
            .iter()
            .map(|sample| sample.id)
            .collect();
        assert_eq!(ids, vec![0, 2]);
        assert_eq!(set.clear_class(0).len(), 2);
        assert_eq!(set.total(), 1);
    }

    #[test]
    fn a_full_class_takes_no_more_and_added_classes_get_unused_names() {
        let mut set = CaptureSet::new(Source::Camera);
        for _ in 0..MAX_PER_CLASS {
            assert!(set.add_sample(0, 0u8, String::new()));
        }
        assert!(!set.add_sample(0, 0, String::new()));
        assert!(!set.add_sample(7, 0, String::new()), "no such class");
        set.rename(1, "Class 3");
        set.add_class();
        assert_eq!(set.classes[2].name, "Class 4");
    }
}
