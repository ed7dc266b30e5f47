//! Reading what `wrk --latency` prints: requests per second, the latency
//! percentiles, and the requests that failed. A pure parser, tested on text.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct WrkResult {
    pub requests: u64,
    pub requests_per_sec: f64,
    pub p50: Duration,
    pub p99: Duration,
    /// Responses other than 2xx or 3xx.
    pub non_2xx: u64,
    /// connect + read + write + timeout errors.
    pub socket_errors: u64,
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("wrk output: {0} not found")]
pub struct WrkParseError(&'static str);

/// `12.34ms`, `850.00us`, `1.20s`, `2.00m` → a duration.
fn duration(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let n: f64 = number.parse().ok()?;
    let secs = match unit {
        "us" => n / 1e6,
        "ms" => n / 1e3,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return None,
    };
    Some(Duration::from_secs_f64(secs))
}

pub fn parse(output: &str) -> Result<WrkResult, WrkParseError> {
    let mut p50 = None;
    let mut p99 = None;
    let mut rps = None;
    let mut requests = None;
    let (mut non_2xx, mut socket_errors) = (0, 0);
    for line in output.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["50%", d] => p50 = duration(d),
            ["99%", d] => p99 = duration(d),
            ["Requests/sec:", r] => rps = r.parse().ok(),
            [n, "requests", "in", ..] => requests = n.parse().ok(),
            ["Non-2xx", "or", "3xx", "responses:", n] => non_2xx = n.parse().unwrap_or(0),
            ["Socket", "errors:", rest @ ..] => {
                socket_errors = rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok())
                    .sum()
            }
            _ => {}
        }
    }
    Ok(WrkResult {
        requests: requests.ok_or(WrkParseError("'N requests in'"))?,
        requests_per_sec: rps.ok_or(WrkParseError("'Requests/sec:'"))?,
        p50: p50.ok_or(WrkParseError("the 50% latency"))?,
        p99: p99.ok_or(WrkParseError("the 99% latency"))?,
        non_2xx,
        socket_errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "Running 10s test @ http://127.0.0.1:8080/xep-hang?period=2025-12
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    41.25ms   12.10ms 210.33ms   78.12%
    Req/Sec   776.40     90.12     1.01k    70.50%
  Latency Distribution
     50%   39.87ms
     75%   46.02ms
     90%   55.71ms
     99%  850.00us
  15482 requests in 10.02s, 1.21GB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 7
Requests/sec:   1545.16
Transfer/sec:    123.45MB
";

    #[test]
    fn rate_percentiles_and_failures_are_read_from_wrk_latency_output() {
        let r = parse(OUTPUT).unwrap();
        assert_eq!(r.requests, 15482);
        assert!((r.requests_per_sec - 1545.16).abs() < 1e-9);
        assert_eq!(r.p50, Duration::from_micros(39_870));
        assert_eq!(r.p99, Duration::from_micros(850));
        assert_eq!(r.non_2xx, 7);
        assert_eq!(r.socket_errors, 5);
    }

    #[test]
    fn every_time_unit_wrk_prints_is_understood() {
        assert_eq!(duration("1.50s"), Some(Duration::from_millis(1500)));
        assert_eq!(duration("2.00m"), Some(Duration::from_secs(120)));
        assert_eq!(duration("12.00ms"), Some(Duration::from_millis(12)));
        assert_eq!(duration("12.00xs"), None);
    }

    #[test]
    fn output_without_a_latency_distribution_is_refused_naming_what_is_missing() {
        let cut = OUTPUT.replace("     99%  850.00us\n", "");
        assert_eq!(parse(&cut), Err(WrkParseError("the 99% latency")));
    }
}
