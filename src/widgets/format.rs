//! Numbers as people read them: shares, sizes, durations.

/// A share from 0 to 1 as a percentage with one decimal: `97.8%`.
pub fn percent(value: f64) -> String {
    format!("{:.1}%", value * 100.0)
}

/// Bytes as people read them: `812 B`, `1.4 MB`, `2.1 GB`.
pub fn bytes_label(bytes: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = bytes.max(0.0);
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{value:.0} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Seconds as "1 min 5 s" or "12 s".
pub fn duration(seconds: f64) -> String {
    let seconds = seconds.max(0.0).round() as u64;
    if seconds >= 60 {
        format!("{} min {} s", seconds / 60, seconds % 60)
    } else {
        format!("{seconds} s")
    }
}

/// Bytes in megabytes (millions of bytes), as the engine's figures are given: `54.5 MB`.
pub fn megabytes(bytes: f64) -> String {
    format!("{:.1} MB", bytes / 1_000_000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_well() {
        assert_eq!(bytes_label(812.0), "812 B");
        assert_eq!(bytes_label(381_000.0), "381.0 KB");
        assert_eq!(bytes_label(1_400_000.0), "1.4 MB");
        assert_eq!(bytes_label(2.1e9), "2.1 GB");
    }
}
