//! Showing times: stored in UTC milliseconds, shown in Europe/Berlin as TT.MM.JJJJ HH:MM.

use time::{OffsetDateTime, macros::format_description};
use time_tz::{OffsetDateTimeExt, timezones};

/// `ms` (Unix milliseconds) as Berlin local time, e.g. `05.12.2026 14:30`.
pub fn berlin(ms: i64) -> String {
    let utc = OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let local = utc.to_timezone(timezones::db::europe::BERLIN);
    local.format(format_description!("[day].[month].[year] [hour]:[minute]")).unwrap_or_default()
}

/// Today's date in Berlin, for "not in the future" checks.
pub fn today_berlin(ms: i64) -> time::Date {
    let utc = OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    utc.to_timezone(timezones::db::europe::BERLIN).date()
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_in_berlin_time_with_daylight_saving() {
        // 2026-12-04 12:00 UTC is 13:00 in Berlin (CET).
        assert_eq!(super::berlin(1_796_385_600_000), "04.12.2026 13:00");
        // 2026-07-01 12:00 UTC is 14:00 in Berlin (CEST).
        assert_eq!(super::berlin(1_782_907_200_000), "01.07.2026 14:00");
    }
}
