//! Durations as people write them in settings: "45s", "2m", "1h30m", "2500ms".

use std::fmt::Write as _;
use std::time::Duration;
use thiserror::Error;

/// The longest duration any setting accepts: anything longer is a typo, and capping it keeps
/// every later addition of durations far from overflow.
pub const LONGEST: Duration = Duration::from_secs(7 * 24 * 3600);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DurationError {
    #[error("empty duration; write it like \"45s\", \"2m\" or \"1h30m\"")]
    Empty,
    #[error("\"{0}\" has a number without a unit; add s, m or h (for example \"{0}m\")")]
    NoUnit(String),
    #[error("\"{text}\" has an unknown unit '{unit}'; use ms, s, m or h")]
    BadUnit { text: String, unit: char },
    #[error("\"{0}\" is not a duration; write it like \"45s\", \"2m\" or \"1h30m\"")]
    Malformed(String),
    #[error("\"{0}\" is too long; the most any setting takes is 7 days (\"168h\")")]
    TooLong(String),
}

/// Parses "1h30m", "90s", "2m 30s", "2500ms". Units may repeat in any order ("30s1m" is
/// 90 s) because rejecting it would only annoy; what is rejected is a bare number, whose unit
/// we would have to guess.
pub fn parse(text: &str) -> Result<Duration, DurationError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(DurationError::Empty);
    }
    // In milliseconds: a pause in typing is a matter of a second or two.
    let mut total: u64 = 0;
    let mut number: Option<u64> = None;
    let mut chars = trimmed.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '0'..='9' => {
                let digit = u64::from(c as u8 - b'0');
                let n = number.unwrap_or(0).checked_mul(10).and_then(|n| n.checked_add(digit));
                number = Some(n.ok_or_else(|| DurationError::TooLong(trimmed.to_string()))?);
            }
            ' ' if number.is_none() => {}
            'h' | 'm' | 's' => {
                let n = number.take().ok_or_else(|| DurationError::Malformed(trimmed.to_string()))?;
                let scale = match c {
                    'h' => 3_600_000,
                    'm' if chars.peek() == Some(&'s') => {
                        chars.next();
                        1
                    }
                    'm' => 60_000,
                    _ => 1000,
                };
                total = n
                    .checked_mul(scale)
                    .and_then(|s| total.checked_add(s))
                    .ok_or_else(|| DurationError::TooLong(trimmed.to_string()))?;
            }
            c if c.is_alphabetic() && number.is_some() => {
                return Err(DurationError::BadUnit { text: trimmed.to_string(), unit: c });
            }
            _ => return Err(DurationError::Malformed(trimmed.to_string())),
        }
    }
    if number.is_some() {
        return Err(DurationError::NoUnit(trimmed.to_string()));
    }
    let d = Duration::from_millis(total);
    if d > LONGEST {
        return Err(DurationError::TooLong(trimmed.to_string()));
    }
    Ok(d)
}

/// The inverse of [`parse`], to the millisecond: "1h30m", "45s", "2s500ms", "0s".
pub fn format(d: Duration) -> String {
    let mut ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    if ms == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    for (unit, size) in [("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)] {
        if ms >= size {
            let _ = write!(out, "{}{unit}", ms / size);
            ms %= size;
        }
    }
    out
}

/// Whole minutes for people, rounded up so "break in 1 min" never shows while 59 s remain
/// as "0 min".
pub fn minutes_ceil(d: Duration) -> u64 {
    d.as_secs().div_ceil(60)
}

/// A short human form for cards and notifications: "30 s", "2 min", "1 h 30 min".
pub fn human(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        if s.is_multiple_of(60) { format!("{} min", s / 60) } else { format!("{} min {} s", s / 60, s % 60) }
    } else if s.is_multiple_of(3600) {
        format!("{} h", s / 3600)
    } else {
        format!("{} h {} min", s / 3600, (s % 3600) / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn parses_the_forms_people_write() {
        assert_eq!(parse("45s"), Ok(secs(45)));
        assert_eq!(parse("2m"), Ok(secs(120)));
        assert_eq!(parse("1h30m"), Ok(secs(5400)));
        assert_eq!(parse(" 1h 30m "), Ok(secs(5400)));
        assert_eq!(parse("0s"), Ok(secs(0)));
        assert_eq!(parse("168h"), Ok(LONGEST));
        assert_eq!(parse("2500ms"), Ok(Duration::from_millis(2500)));
        assert_eq!(parse("2s 500ms"), Ok(Duration::from_millis(2500)));
        assert_eq!(parse("1m1ms"), Ok(Duration::from_millis(60_001)));
    }

    #[test]
    fn rejects_with_a_hint() {
        assert_eq!(parse(""), Err(DurationError::Empty));
        assert_eq!(parse("90"), Err(DurationError::NoUnit("90".into())));
        assert!(matches!(parse("5x"), Err(DurationError::BadUnit { unit: 'x', .. })));
        assert!(matches!(parse("m"), Err(DurationError::Malformed(_))));
        assert!(matches!(parse("-5m"), Err(DurationError::Malformed(_))));
        assert!(matches!(parse("169h"), Err(DurationError::TooLong(_))));
        assert!(matches!(parse("99999999999999999999s"), Err(DurationError::TooLong(_))));
        assert!(parse("90").unwrap_err().to_string().contains("\"90m\""));
    }

    #[test]
    fn format_round_trips() {
        for s in [0, 1, 59, 60, 61, 3599, 3600, 5400, 86_399] {
            assert_eq!(parse(&format(secs(s))), Ok(secs(s)), "{s}");
        }
        assert_eq!(format(secs(5400)), "1h30m");
        assert_eq!(format(Duration::from_millis(2500)), "2s500ms");
        assert_eq!(parse(&format(Duration::from_millis(2500))), Ok(Duration::from_millis(2500)));
    }

    #[test]
    fn human_forms() {
        assert_eq!(human(secs(30)), "30 s");
        assert_eq!(human(secs(120)), "2 min");
        assert_eq!(human(secs(150)), "2 min 30 s");
        assert_eq!(human(secs(5400)), "1 h 30 min");
        assert_eq!(minutes_ceil(secs(59)), 1);
        assert_eq!(minutes_ceil(secs(0)), 0);
    }
}
