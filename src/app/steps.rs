//! The steps a user goes through, in order.

/// One step of the studio, shown in the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Choose and configure the data set.
    Data,
    /// Build the model.
    Model,
    /// Train it.
    Train,
    /// Read its metrics on the test split.
    Evaluate,
    /// Try it, keep it and share it.
    UseAndShare,
}

impl Step {
    /// Every step, in the order the user goes through them.
    pub const ALL: [Step; 5] = [
        Step::Data,
        Step::Model,
        Step::Train,
        Step::Evaluate,
        Step::UseAndShare,
    ];

    /// The step's name in the navigation.
    pub fn title(self) -> &'static str {
        match self {
            Step::Data => "Data",
            Step::Model => "Model",
            Step::Train => "Train",
            Step::Evaluate => "Evaluate",
            Step::UseAndShare => "Use & share",
        }
    }

    /// A stable identifier for tests and anchors.
    pub fn id(self) -> &'static str {
        match self {
            Step::Data => "data",
            Step::Model => "model",
            Step::Train => "train",
            Step::Evaluate => "evaluate",
            Step::UseAndShare => "use",
        }
    }

    /// The step whose [`Step::id`] is `id`.
    pub fn from_id(id: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|step| step.id() == id)
    }

    /// What the user does in this step, in one sentence.
    pub fn summary(self) -> &'static str {
        match self {
            Step::Data => {
                "Bring a CSV table or images, or pick a built-in set; choose the target and mark sensitive columns."
            }
            Step::Model => "Stack layers and see each layer's output shape and parameter count.",
            Step::Train => "Press Train and watch training and validation loss fall, live.",
            Step::Evaluate => {
                "Read per-class and per-group metrics on the held-out test split before trusting the model."
            }
            Step::UseAndShare => {
                "Try the model on new rows, images or a drawn digit, and download it as one file."
            }
        }
    }

    /// The step's position, counted from 1 as users count.
    pub fn number(self) -> usize {
        Step::ALL
            .iter()
            .position(|step| *step == self)
            .map_or(0, |index| index + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_numbered_in_order_with_unique_ids() {
        let numbers: Vec<usize> = Step::ALL.iter().map(|step| step.number()).collect();
        assert_eq!(numbers, vec![1, 2, 3, 4, 5]);
        let mut ids: Vec<&str> = Step::ALL.iter().map(|step| step.id()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), Step::ALL.len());
    }

    #[test]
    fn a_step_is_found_again_by_its_id() {
        for step in Step::ALL {
            assert_eq!(Step::from_id(step.id()), Some(step));
        }
        assert_eq!(Step::from_id("settings"), None);
        assert_eq!(Step::from_id(""), None);
    }

    #[test]
    fn titles_match_the_studio_flow() {
        let titles: Vec<&str> = Step::ALL.iter().map(|step| step.title()).collect();
        assert_eq!(
            titles,
            ["Data", "Model", "Train", "Evaluate", "Use & share"]
        );
    }
}
