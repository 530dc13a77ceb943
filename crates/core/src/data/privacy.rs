//! The privacy scan: columns that look like personal data (e-mail addresses, phone
//! numbers, people's names, unique identifiers, addresses, dates of birth) are proposed
//! for exclusion, and columns named like protected attributes are proposed as sensitive.
//! Names and a sample of values are checked; nothing leaves the machine.

use super::summary::{ColumnKind, PersonalData};

/// Values looked at per column (the most frequent ones are enough to decide).
const SAMPLE: usize = 2_000;

/// Whether `name` (any case, any separator) looks like a key: `id`, `user_id`, `uuid`, ...
pub fn id_like_name(name: &str) -> bool {
    let words = words(name);
    words.iter().any(|word| {
        matches!(
            word.as_str(),
            "id" | "uuid"
                | "guid"
                | "key"
                | "ssn"
                | "passport"
                | "iban"
                | "account"
                | "customerid"
                | "userid"
        )
    }) || name.ends_with("ID")
        || name.ends_with("Id")
}

/// Whether `name` looks like a protected attribute (gender, ethnicity, religion, ...).
pub fn sensitive_name(name: &str) -> bool {
    words(name).iter().any(|word| {
        matches!(
            word.as_str(),
            "gender"
                | "sex"
                | "race"
                | "ethnicity"
                | "ethnic"
                | "religion"
                | "nationality"
                | "disability"
                | "marital"
                | "pregnant"
                | "pregnancy"
                | "sexuality"
                | "orientation"
        )
    })
}

/// What personal data the column looks like, if any. `values` are its distinct
/// non-missing values.
pub fn scan(name: &str, kind: ColumnKind, values: &[&str]) -> Option<PersonalData> {
    let words = words(name);
    let has = |candidates: &[&str]| words.iter().any(|word| candidates.contains(&word.as_str()));
    let sample: Vec<&str> = values.iter().copied().take(SAMPLE).collect();
    let share = |test: fn(&str) -> bool| {
        if sample.is_empty() {
            0.0
        } else {
            sample.iter().filter(|value| test(value)).count() as f64 / sample.len() as f64
        }
    };

    if share(looks_like_email) >= 0.5 {
        return Some(PersonalData::Email);
    }
    let phone_name = has(&["phone", "telephone", "tel", "mobile", "cell", "fax"]);
    if (phone_name && share(phone_digits) >= 0.5) || share(looks_like_formatted_phone) >= 0.8 {
        return Some(PersonalData::Phone);
    }
    let name_words = [
        "name",
        "firstname",
        "lastname",
        "surname",
        "fullname",
        "forename",
        "username",
    ];
    if has(&name_words)
        && !matches!(kind, ColumnKind::Numeric | ColumnKind::Boolean)
        && share(looks_like_a_name) >= 0.5
    {
        return Some(PersonalData::Name);
    }
    if has(&["address", "street", "addr", "postcode", "zipcode", "zip"])
        && kind != ColumnKind::Boolean
    {
        return Some(PersonalData::Address);
    }
    if has(&["dob", "birthdate", "birthday"])
        || (words.contains(&"birth".to_string()) && has(&["date", "day"]))
    {
        return Some(PersonalData::BirthDate);
    }
    if kind == ColumnKind::Identifier && (id_like_name(name) || values.len() > 20) {
        return Some(PersonalData::UniqueId);
    }
    None
}

/// Lower-case words of a column name: "First Name" / "first_name" / "firstName" give
/// ["first", "name", "firstname"] (the joined form too, so "firstname" matches).
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for character in name.chars() {
        if !character.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if character.is_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = character.is_lowercase();
        current.extend(character.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    if words.len() > 1 {
        words.push(words.concat());
    }
    words
}

fn looks_like_email(value: &str) -> bool {
    let Some((local, domain)) = value.trim().split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !local.contains(char::is_whitespace)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains(char::is_whitespace)
}

fn phone_digits(value: &str) -> bool {
    let digits = value.chars().filter(char::is_ascii_digit).count();
    (7..=15).contains(&digits)
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')' | '.' | '/'))
}

/// A phone number written as one: digits with separators or a leading +, not a plain
/// number or a date.
fn looks_like_formatted_phone(value: &str) -> bool {
    let value = value.trim();
    phone_digits(value)
        && (value.starts_with('+')
            || value.contains(' ')
            || value.contains('(')
            || value.matches('-').count() >= 2)
        && !value.contains('/')
        && !value.contains('.')
        && !looks_like_date(value)
}

/// 2024-01-31 or 31-01-2024.
fn looks_like_date(value: &str) -> bool {
    let parts: Vec<usize> = value.split('-').map(str::len).collect();
    parts == [4, 2, 2] || parts == [2, 2, 4]
}

/// One to four capitalised words of letters: "Ann", "Jean-Luc Picard", "O'Neil".
fn looks_like_a_name(value: &str) -> bool {
    let parts: Vec<&str> = value.split_whitespace().collect();
    (1..=4).contains(&parts.len())
        && parts.iter().all(|part| {
            part.chars().next().is_some_and(char::is_uppercase)
                && part
                    .chars()
                    .all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '.'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e_mail_addresses_are_found_by_their_values() {
        let values = ["ann@example.com", "bob.smith@mail.example.org", "x"];
        assert_eq!(
            scan("contact", ColumnKind::Identifier, &values),
            Some(PersonalData::Email)
        );
        assert_eq!(
            scan("contact", ColumnKind::Categorical, &["a@b", "c@d"]),
            None
        );
    }

    #[test]
    fn phone_numbers_by_name_or_by_format() {
        let values = ["0612345678", "0698765432"];
        assert_eq!(
            scan("Mobile", ColumnKind::Numeric, &values),
            Some(PersonalData::Phone)
        );
        assert_eq!(scan("income", ColumnKind::Numeric, &values), None);
        let formatted = ["+33 6 12 34 56 78", "(555) 123-4567", "+1-555-987-6543"];
        assert_eq!(
            scan("contact", ColumnKind::Categorical, &formatted),
            Some(PersonalData::Phone)
        );
        assert_eq!(
            scan(
                "date",
                ColumnKind::Categorical,
                &["2024-01-05", "2023-12-31"]
            ),
            None
        );
    }

    #[test]
    fn names_by_column_name_and_capitalised_values() {
        let values = ["Ann Lee", "Bob", "Jean-Luc Picard"];
        assert_eq!(
            scan("Full Name", ColumnKind::Identifier, &values),
            Some(PersonalData::Name)
        );
        assert_eq!(
            scan("firstName", ColumnKind::Categorical, &values),
            Some(PersonalData::Name)
        );
        // A product name is not a person's name when the values are codes.
        assert_eq!(
            scan("product_name", ColumnKind::Categorical, &["x-100", "y-200"]),
            None
        );
    }

    #[test]
    fn identifiers_addresses_and_birth_dates() {
        let ids: Vec<String> = (0..30).map(|i| format!("C{i:05}")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        assert_eq!(
            scan("customer_id", ColumnKind::Identifier, &ids),
            Some(PersonalData::UniqueId)
        );
        assert_eq!(
            scan("Street Address", ColumnKind::Text, &["1 Main St"]),
            Some(PersonalData::Address)
        );
        assert_eq!(
            scan("date_of_birth", ColumnKind::Categorical, &["1990-01-01"]),
            Some(PersonalData::BirthDate)
        );
        assert_eq!(
            scan("DOB", ColumnKind::Categorical, &["1990-01-01"]),
            Some(PersonalData::BirthDate)
        );
        assert_eq!(scan("petal_width", ColumnKind::Numeric, &["1.2"]), None);
    }

    #[test]
    fn protected_attributes_and_id_names() {
        assert!(sensitive_name("Gender"));
        assert!(sensitive_name("ethnic_group"));
        assert!(sensitive_name("maritalStatus"));
        assert!(!sensitive_name("essex_region"));
        assert!(id_like_name("user_id"));
        assert!(id_like_name("CustomerID"));
        assert!(!id_like_name("idea"));
        assert!(!id_like_name("width"));
    }
}
