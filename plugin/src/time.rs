//! Reading the RFC 3339 timestamps Databricks sends (`2026-05-01T12:00:00Z`,
//! `2026-05-01T12:00:00.123+02:00`) as Unix seconds, for expiry arithmetic. A few lines
//! rather than a date crate: the component's size is a budget (docs/performance.md), and this is the
//! only date reading it does.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch of an RFC 3339 timestamp; `None` when it is not one.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = b.get(range)?;
        digits.iter().all(u8::is_ascii_digit).then(|| digits.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
    };
    let separators = b.get(4) == Some(&b'-')
        && b.get(7) == Some(&b'-')
        && matches!(b.get(10), Some(b'T' | b't' | b' '))
        && b.get(13) == Some(&b':')
        && b.get(16) == Some(&b':');
    if !separators {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &fraction[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')) && rest.as_bytes()[3] == b':' => {
            let ob = rest.as_bytes();
            let two = |i: usize| -> Option<i64> {
                (ob[i].is_ascii_digit() && ob[i + 1].is_ascii_digit()).then(|| i64::from(ob[i] - b'0') * 10 + i64::from(ob[i + 1] - b'0'))
            };
            let minutes = two(1)? * 60 + two(4)?;
            if rest.starts_with('-') { -minutes * 60 } else { minutes * 60 }
        }
        _ => return None,
    };
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Now, in Unix seconds (the host's wall clock).
pub fn now_unix() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// Whole days from `now` to `expiry`, rounded down (so an expired time gives a negative number,
/// and a time later today gives 0).
pub fn days_left(expiry: i64, now: i64) -> i64 {
    (expiry - now).div_euclid(86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_utc_fractional_and_offset_timestamps() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2026-11-30T00:00:00Z"), Some(1_795_996_800));
        assert_eq!(parse_rfc3339("2026-11-30T00:00:00.123456Z"), Some(1_795_996_800));
        assert_eq!(parse_rfc3339("2026-11-30T02:00:00+02:00"), Some(1_795_996_800));
        assert_eq!(parse_rfc3339("2026-11-29T19:00:00-05:00"), Some(1_795_996_800));
        assert_eq!(parse_rfc3339("2024-02-29T12:00:00Z"), Some(1_709_208_000));
    }

    #[test]
    fn refuses_what_is_not_a_timestamp() {
        for text in [
            "",
            "2026-11-30",
            "2026-13-01T00:00:00Z",
            "2026-11-30T00:00:00",
            "2026-11-30T00:00:00.Z",
            "2026-11-30T00:00:00+0200",
            "2026-11-30T00:00:00+0é00",
            "２０２６-11-30T00:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(text), None, "{text}");
        }
    }

    #[test]
    fn days_left_round_down() {
        let now = 1_000_000;
        assert_eq!(days_left(now + 10 * 86_400 + 43_200, now), 10);
        assert_eq!(days_left(now + 86_399, now), 0);
        assert_eq!(days_left(now, now), 0);
        assert_eq!(days_left(now - 1, now), -1);
        assert_eq!(days_left(now - 3 * 86_400, now), -3);
    }
}
