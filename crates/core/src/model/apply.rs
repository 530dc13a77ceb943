//! A trained model applied to new data: the rows of a table or a set of images turned into
//! the model's inputs with the preprocessing it was trained with, and the true targets
//! where the data holds them (for evaluation). Every mismatch between the data and the
//! model is explained with the file, the line and the column.

use std::collections::HashMap;

use super::spec::{InputShape, ModelSpec};
use crate::data::infer::{is_missing, parse_number};
use crate::data::prep::{Groups, Schema, TargetSchema, groups_of};
use crate::data::summary::Task;
use crate::data::{DataError, ImageSet, Table};

/// Examples ready for a model.
#[derive(Debug, Clone, PartialEq)]
pub struct Examples {
    /// Row-major inputs, `rows.len()` examples.
    pub x: Vec<f32>,
    /// For each example, its row in the table (or its image's index).
    pub rows: Vec<usize>,
    /// The true class index or value of each example, when the data has the target.
    pub truth: Option<Vec<f32>>,
    /// The groups of each sensitive column asked for (tables only).
    pub groups: Vec<Groups>,
    /// What was left out or assumed.
    pub notices: Vec<String>,
}

/// What the examples are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Every row, in order; the target column is not needed (and is read when present).
    Predict,
    /// Only rows with a target; the target column is required.
    Evaluate,
}

/// The rows of `table` as inputs for a model whose preprocessing is `schema`.
pub fn from_table(
    spec: &ModelSpec,
    schema: &Schema,
    table: &Table,
    purpose: Purpose,
    sensitive: &[String],
) -> Result<Examples, DataError> {
    let file = table.name.clone();
    if let InputShape::Image { .. } = spec.input {
        return Err(DataError::WrongData {
            file,
            reason: "the model reads images, not table rows. Give it a folder of images."
                .to_string(),
        });
    }
    let missing: Vec<&str> = schema
        .features
        .iter()
        .map(|feature| feature.column())
        .filter(|name| table.column(name).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(DataError::WrongData {
            file,
            reason: format!(
                "it has no column {}, which the model reads. Use a file with the columns of the training data.",
                quoted_list(&missing)
            ),
        });
    }
    for name in sensitive {
        if table.column(name).is_none() {
            return Err(DataError::UnknownColumn {
                file,
                column: name.clone(),
            });
        }
    }
    let target_name = schema.target.column();
    let target = table.column(target_name);
    if purpose == Purpose::Evaluate && target.is_none() {
        return Err(DataError::WrongData {
            file,
            reason: format!(
                "it has no column \"{target_name}\", the target the model predicts, so the model cannot be scored on it."
            ),
        });
    }

    let mut rows = Vec::with_capacity(table.rows());
    let mut truth = Vec::with_capacity(table.rows());
    let labels = LabelIndex::new(&schema.target);
    let mut without_target = 0;
    for row in 0..table.rows() {
        let value = match target {
            Some(cells) => {
                let cell = cells.get(row);
                if is_missing(cell) {
                    None
                } else {
                    let line = table.line(row).unwrap_or(row as u64 + 2);
                    Some(labels.value(cell).ok_or_else(|| DataError::BadValue {
                        file: file.clone(),
                        line,
                        column: target_name.to_string(),
                        value: cell.trim().to_string(),
                        expected: labels.expected(),
                    })?)
                }
            }
            None => None,
        };
        match (value, purpose) {
            (None, Purpose::Evaluate) => without_target += 1,
            (value, _) => {
                rows.push(row);
                truth.push(value.unwrap_or(f32::NAN));
            }
        }
    }
    if rows.is_empty() {
        return Err(DataError::WrongData {
            file,
            reason: format!("no row has a value in the target \"{target_name}\"."),
        });
    }
    let mut notices = Vec::new();
    if without_target > 0 {
        notices.push(format!(
            "{without_target} row(s) without a value in the target \"{target_name}\" are left out."
        ));
    }

    let columns: Vec<_> = schema
        .features
        .iter()
        .filter_map(|feature| table.column(feature.column()))
        .collect();
    let mut x = Vec::with_capacity(rows.len() * schema.width());
    for &row in &rows {
        for (feature, cells) in schema.features.iter().zip(&columns) {
            feature.encode(Some(cells.get(row)), &mut x);
        }
    }
    let groups = sensitive
        .iter()
        .filter_map(|name| {
            table
                .column(name)
                .map(|cells| groups_of(name, cells, &rows))
        })
        .collect();
    let has_truth = target.is_some() && truth.iter().all(|value| value.is_finite());
    Ok(Examples {
        x,
        rows,
        truth: has_truth.then_some(truth),
        groups,
        notices,
    })
}

/// The images of `images` (already brought to the model's input shape) as inputs, with
/// their classes mapped to the model's class labels by name.
pub fn from_images(
    spec: &ModelSpec,
    labels: &[String],
    images: &ImageSet,
) -> Result<Examples, DataError> {
    let file = images.name.clone();
    let InputShape::Image {
        height,
        width,
        channels,
    } = spec.input
    else {
        return Err(DataError::WrongData {
            file,
            reason: "the model reads table rows, not images. Give it a CSV file.".to_string(),
        });
    };
    if (
        images.height as usize,
        images.width as usize,
        images.channels as usize,
    ) != (height, width, channels)
    {
        return Err(DataError::WrongData {
            file,
            reason: format!(
                "its images are {}x{}x{}, but the model reads {width}x{height}x{channels}.",
                images.width, images.height, images.channels
            ),
        });
    }
    let index: HashMap<&str, usize> = labels
        .iter()
        .enumerate()
        .map(|(i, label)| (label.as_str(), i))
        .collect();
    let mut class_index = Vec::with_capacity(images.classes.len());
    for class in &images.classes {
        match index.get(class.as_str()) {
            Some(&i) => class_index.push(i as f32),
            None => {
                return Err(DataError::WrongData {
                    file,
                    reason: format!(
                        "its class folder \"{class}\" is not one of the model's classes ({}).",
                        labels.join(", ")
                    ),
                });
            }
        }
    }
    let truth = images
        .labels
        .iter()
        .map(|&label| class_index.get(label as usize).copied().unwrap_or(f32::NAN))
        .collect();
    Ok(Examples {
        x: images
            .pixels
            .iter()
            .map(|&p| f32::from(p) / 255.0)
            .collect(),
        rows: (0..images.len()).collect(),
        truth: Some(truth),
        groups: Vec::new(),
        notices: Vec::new(),
    })
}

/// Whether the task of `spec` is the one the data's target needs, said for the user.
pub fn task_mismatch(spec: &ModelSpec, schema: &Schema) -> Option<String> {
    let wanted = schema.target.task();
    (spec.task != wanted).then(|| {
        format!(
            "the model does {} but its data target \"{}\" is {}",
            spec.task.label(),
            schema.target.column(),
            wanted.label()
        )
    })
}

/// Maps target cells to class indices (or numbers) the way training did.
struct LabelIndex<'a> {
    target: &'a TargetSchema,
    exact: HashMap<&'a str, usize>,
    folded: HashMap<String, usize>,
}

impl<'a> LabelIndex<'a> {
    fn new(target: &'a TargetSchema) -> Self {
        let labels: &[String] = match target {
            TargetSchema::Classes { labels, .. } => labels,
            TargetSchema::Regression { .. } => &[],
        };
        LabelIndex {
            target,
            exact: labels
                .iter()
                .enumerate()
                .map(|(i, label)| (label.as_str(), i))
                .collect(),
            folded: labels
                .iter()
                .enumerate()
                .map(|(i, label)| (label.to_lowercase(), i))
                .collect(),
        }
    }

    /// The class index or number of a (present) cell, as training read it: trimmed,
    /// numbers in their shortest form ("1.0" is "1"), booleans ignoring case.
    fn value(&self, cell: &str) -> Option<f32> {
        let cell = cell.trim();
        if let TargetSchema::Regression { .. } = self.target {
            return parse_number(cell).map(|value| value as f32);
        }
        self.exact
            .get(cell)
            .copied()
            .or_else(|| {
                parse_number(cell)
                    .and_then(|number| self.exact.get(format!("{number}").as_str()).copied())
            })
            .or_else(|| self.folded.get(&cell.to_lowercase()).copied())
            .map(|index| index as f32)
    }

    fn expected(&self) -> String {
        match self.target {
            TargetSchema::Regression { .. } => "a number".to_string(),
            TargetSchema::Classes { labels, .. } => {
                format!("one of the model's classes ({})", labels.join(", "))
            }
        }
    }
}

fn quoted_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| format!("\"{name}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The task's name for a spec and its data (for the `hearth eval` JSON).
pub fn task_name(task: Task) -> &'static str {
    match task {
        Task::Binary => "binary",
        Task::MultiClass => "multiclass",
        Task::Regression => "regression",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::session::DataSession;
    use crate::data::{Dataset, builtin};

    fn iris() -> (Schema, ModelSpec, Table) {
        let mut session = DataSession::default();
        session.load_builtin("iris");
        let prepared = session.prepared().unwrap().unwrap();
        let spec = ModelSpec::logistic(
            InputShape::Features {
                features: prepared.width,
            },
            Task::MultiClass,
            3,
        );
        let Dataset::Table(table) = builtin::load("iris").unwrap().dataset else {
            panic!("iris is a table");
        };
        (prepared.schema, spec, table)
    }

    #[test]
    fn a_table_is_encoded_as_training_encoded_it() {
        let mut session = DataSession::default();
        session.load_builtin("iris");
        let prepared = session.prepared().unwrap().unwrap();
        let (schema, spec, table) = iris();
        let examples = from_table(&spec, &schema, &table, Purpose::Evaluate, &[]).unwrap();
        assert_eq!(examples.rows.len(), prepared.rows());
        assert_eq!(examples.x, prepared.x);
        assert_eq!(examples.truth.unwrap(), prepared.y);
    }

    #[test]
    fn predict_keeps_every_row_and_evaluate_needs_targets() {
        let (schema, spec, _) = iris();
        let csv = "sepal_length,sepal_width,petal_length,petal_width,species\n\
                   5.1,3.5,1.4,0.2,setosa\n6.0,2.2,5.0,1.5,\n";
        let table = read(csv);
        let predict = from_table(&spec, &schema, &table, Purpose::Predict, &[]).unwrap();
        assert_eq!(predict.rows, vec![0, 1]);
        assert!(predict.truth.is_none(), "one row has no target");
        let evaluate = from_table(&spec, &schema, &table, Purpose::Evaluate, &[]).unwrap();
        assert_eq!(evaluate.rows, vec![0]);
        assert_eq!(evaluate.truth, Some(vec![0.0]));
        assert!(evaluate.notices[0].contains("1 row(s)"));
    }

    #[test]
    fn mismatches_name_the_file_line_and_column() {
        let (schema, spec, _) = iris();
        let table = read("sepal_length,sepal_width,species\n5.1,3.5,setosa\n");
        let error = from_table(&spec, &schema, &table, Purpose::Predict, &[])
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("new.csv") && error.contains("\"petal_length\", \"petal_width\""),
            "{error}"
        );

        let table = read(
            "sepal_length,sepal_width,petal_length,petal_width,species\n\
             5.1,3.5,1.4,0.2,setosa\n5.1,3.5,1.4,0.2,tulip\n",
        );
        let error = from_table(&spec, &schema, &table, Purpose::Evaluate, &[])
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("new.csv, line 3, column \"species\": \"tulip\""),
            "{error}"
        );
        assert!(error.contains("setosa, versicolor, virginica"), "{error}");

        let table = read("sepal_length,sepal_width,petal_length,petal_width\n5,3,1,0\n");
        let error = from_table(&spec, &schema, &table, Purpose::Evaluate, &[])
            .unwrap_err()
            .to_string();
        assert!(error.contains("no column \"species\""), "{error}");
        let error = from_table(&spec, &schema, &table, Purpose::Predict, &["sex".into()])
            .unwrap_err()
            .to_string();
        assert!(error.contains("no column called \"sex\""), "{error}");
    }

    #[test]
    fn image_classes_map_by_name_and_shapes_must_match() {
        let spec = ModelSpec::logistic(
            InputShape::Image {
                height: 2,
                width: 2,
                channels: 1,
            },
            Task::MultiClass,
            3,
        );
        let labels: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let mut images = ImageSet {
            name: "folder".into(),
            width: 2,
            height: 2,
            channels: 1,
            classes: vec!["c".into(), "a".into()],
            labels: vec![0, 1, 1],
            pixels: vec![255; 12],
            sound: None,
        };
        let examples = from_images(&spec, &labels, &images).unwrap();
        assert_eq!(examples.truth, Some(vec![2.0, 0.0, 0.0]));
        assert!(examples.x.iter().all(|&v| v == 1.0));
        images.classes[0] = "d".into();
        let error = from_images(&spec, &labels, &images)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("\"d\" is not one of the model's classes"),
            "{error}"
        );
        images.width = 1;
        images.pixels = vec![0; 6];
        let error = from_images(&spec, &labels, &images)
            .unwrap_err()
            .to_string();
        assert!(error.contains("1x2x1"), "{error}");
    }

    #[test]
    fn sensitive_groups_follow_the_kept_rows() {
        let mut session = DataSession::default();
        session.load_builtin("loans");
        let prepared = session.prepared().unwrap().unwrap();
        let spec = ModelSpec::logistic(
            InputShape::Features {
                features: prepared.width,
            },
            Task::Binary,
            2,
        );
        let Dataset::Table(table) = builtin::load("loans").unwrap().dataset else {
            panic!("loans is a table");
        };
        let examples = from_table(
            &spec,
            &prepared.schema,
            &table,
            Purpose::Evaluate,
            &["gender".into()],
        )
        .unwrap();
        assert_eq!(examples.groups.len(), 1);
        assert_eq!(examples.groups[0].codes.len(), examples.rows.len());
        assert_eq!(prepared.groups[0], examples.groups[0]);
        assert!(task_mismatch(&spec, &prepared.schema).is_none());
    }

    fn read(csv: &str) -> Table {
        let options = crate::data::csv::CsvOptions::default();
        crate::data::csv::read_csv("new.csv", csv.as_bytes(), &options, &mut |_| {})
            .unwrap()
            .0
    }
}
