//! What can go wrong with a user's data, said so that they can fix it: each message
//! names the file and, where it applies, the line and the column.

/// A problem with a data set. The data set that was loaded before stays loaded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DataError {
    #[error("{file} is empty. Choose a CSV file with a header row and at least one row of data.")]
    Empty { file: String },
    #[error("{file} has a header row but no data rows. Add rows of data below the header.")]
    HeaderOnly { file: String },
    #[error(
        "{file} is not a text file (it holds binary data near byte {offset}). Choose a CSV file: \
         plain text, one row per line."
    )]
    Binary { file: String, offset: usize },
    #[error(
        "{file} is not UTF-8 text (line {line}, byte {column}). Save it as UTF-8 (in a spreadsheet: \
         \"CSV UTF-8\") and load it again."
    )]
    NotUtf8 {
        file: String,
        line: u64,
        column: usize,
    },
    #[error(
        "{file}: {count} row(s) do not have {expected} fields like the header (the first is line \
         {first_line}, with {found}). Fix the file, or skip those rows."
    )]
    Ragged {
        file: String,
        count: usize,
        expected: usize,
        first_line: u64,
        found: usize,
    },
    #[error(
        "{file} is {size_mb:.0} MB; Hearth reads files up to {limit_mb:.0} MB in the browser. Use a sample of the rows, or the `hearth` command line."
    )]
    TooLarge {
        file: String,
        size_mb: f64,
        limit_mb: f64,
    },
    #[error(
        "{file} has more than {limit} rows, the most Hearth reads in the browser. Use a sample of the rows, or the `hearth` command line."
    )]
    TooManyRows { file: String, limit: usize },
    #[error(
        "{file} has {found} columns; Hearth reads up to {limit}. Keep the columns the model needs (in a spreadsheet, or with the `hearth` command line), then load it again."
    )]
    TooManyColumns {
        file: String,
        found: usize,
        limit: usize,
    },
    #[error("{file}, line {line}: {message}")]
    Csv {
        file: String,
        line: u64,
        message: String,
    },
    #[error("{file} has no column called \"{column}\".")]
    UnknownColumn { file: String, column: String },
    #[error(
        "The target column \"{column}\" has only one value (\"{value}\") in the rows that have one: \
         there is nothing to predict. Choose another target column."
    )]
    TargetOneClass { column: String, value: String },
    #[error(
        "The target column \"{column}\" has {distinct} different text values: too many classes to \
         learn (at most {limit}). Choose another target, or use a numeric column for regression."
    )]
    TargetTooManyClasses {
        column: String,
        distinct: usize,
        limit: usize,
    },
    #[error("Choose a target column: the column the model should learn to predict.")]
    NoTarget,
    #[error(
        "The target column \"{column}\" is not numeric, so it cannot be a regression target. Choose classification, or a numeric target."
    )]
    TargetNotNumeric { column: String },
    #[error(
        "The target column \"{column}\" has {classes} classes; binary classification needs exactly 2. Choose multi-class classification."
    )]
    NotBinary { column: String, classes: usize },
    #[error("The target column \"{column}\" has no values. Choose another target column.")]
    TargetEmpty { column: String },
    #[error(
        "No column is left to learn from: every column is the target, sensitive or excluded. Mark at least one column as a feature."
    )]
    NoFeatures,
    #[error(
        "{rows} row(s) are left after dropping rows with missing values; at least {needed} are needed. Choose another missing-value strategy than \"drop rows\"."
    )]
    TooFewRows { rows: usize, needed: usize },
    #[error("{file} could not be read as an image ({reason}).")]
    Image { file: String, reason: String },
    #[error(
        "{file} could not be read as a sound ({reason}). Hearth reads WAV, FLAC, Ogg Vorbis and MP3 files."
    )]
    Sound { file: String, reason: String },
    #[error("No sounds were given. Record or add sounds for at least two classes.")]
    NoSounds,
    #[error(
        "Sounds need at least two classes (found {found}). Record or add sounds of another class."
    )]
    OneSoundClass { found: usize },
    #[error(
        "{file} is not in a class folder and was given no class, so Hearth cannot tell what it \
         shows. Put the images of each class in a folder named after the class, or choose its \
         class by hand."
    )]
    ImageNoClass { file: String },
    #[error("No images were given. Add at least one image to each of two classes.")]
    NoImages,
    #[error("Images need at least two classes (found {found}). Add images of another class.")]
    OneImageClass { found: usize },
    #[error("{file} does not fit the model: {reason}")]
    WrongData { file: String, reason: String },
    #[error("{file}, line {line}, column \"{column}\": \"{value}\" is not {expected}.")]
    BadValue {
        file: String,
        line: u64,
        column: String,
        value: String,
        expected: String,
    },
    #[error("There is no built-in data set called \"{name}\". The built-in sets are: {known}.")]
    UnknownBuiltin { name: String, known: String },
    #[error("The built-in data set \"{name}\" is damaged: {reason}")]
    BrokenBuiltin { name: String, reason: String },
}
