//! Numbers and messages as people read them, shared by the page and the command line.

/// `1234567` as `1,234,567`.
pub fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// `text` with its first letter in upper case.
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().collect::<String>() + chars.as_str()
    })
}

/// `count` and `noun`, plural when the count is not one: `1 epoch`, `3 epochs`.
pub fn counted(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", thousands(count))
    }
}

/// `items` joined as a sentence lists them: `a`, `a and b`, `a, b and c`.
pub fn listed(items: &[impl AsRef<str>]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [rest @ .., last] => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", rest.join(", "), last.as_ref())
        }
    }
}

/// `text` as part of a file name: its letters and digits in lower case, anything else
/// between them one dash, at most 60 characters; empty when it has no letter or digit.
pub fn slug(text: &str) -> String {
    let mut slug = String::new();
    for c in text.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_end_matches('-').chars().take(60).collect();
    slug.trim_end_matches('-').to_string()
}

/// A model's `name` as a file name: letters, digits and dashes, then `.safetensors`.
pub fn model_file_name(name: &str) -> String {
    let stem = name
        .trim()
        .trim_end_matches(".safetensors")
        .trim_end_matches(".csv");
    let slug = slug(stem);
    format!(
        "{}.safetensors",
        if slug.is_empty() { "model" } else { &slug }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_slugs_read_as_people_write_them() {
        assert_eq!(listed(&[] as &[&str]), "");
        assert_eq!(listed(&["a"]), "a");
        assert_eq!(listed(&["a", "b", "c"]), "a, b and c");
        assert_eq!(slug("  Sound samples!  "), "sound-samples");
        assert_eq!(slug("?!"), "");
    }

    #[test]
    fn thousands_are_grouped_and_sentences_capitalised() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(109_386), "109,386");
        assert_eq!(thousands(5_616_512), "5,616,512");
        assert_eq!(capitalised("the learning rate"), "The learning rate");
        assert_eq!(capitalised(""), "");
        assert_eq!(counted(1, "epoch"), "1 epoch");
        assert_eq!(counted(0, "epoch"), "0 epochs");
        assert_eq!(counted(1200, "row"), "1,200 rows");
    }
}
