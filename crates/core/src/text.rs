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

#[cfg(test)]
mod tests {
    use super::*;

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
