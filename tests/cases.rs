//! The hand-worked cases of calendar, credit arithmetic and input parsing,
//! each asserted through the engines and readers the product uses.

mod support;

use isc_sim::calendar::{month_series, Date, Instant};
use isc_sim::connectivity::Connectivity;
use isc_sim::credit::{Exact, Milli, Rate};
use isc_sim::domain::Domain;
use isc_sim::event::{Event, StopCause};
use isc_sim::input::licenses::read_csv;
use isc_sim::input::pricing::{rate_changes, LicenseCount, PriceList};
use isc_sim::simulation::Simulation;
use support::*;

#[test]
fn c01_adding_months_clamps() {
    assert_eq!(day("2024-01-31").plus_months(1), day("2024-02-29"));
    assert_eq!(day("2023-01-31").plus_months(1), day("2023-02-28"));
    assert_eq!(day("2024-01-31").plus_months(2), day("2024-03-31"));
    assert_eq!(day("2024-05-31").plus_months(1), day("2024-06-30"));
    assert_eq!(day("2024-03-31").plus_months(-1), day("2024-02-29"));
    // Every day of several years shifts without a panic.
    for offset in 0..3_000 {
        let date = day("2023-01-01").plus_days(offset);
        for months in [-13, -1, 1, 2, 12] {
            let _ = date.plus_months(months);
        }
    }
}

#[test]
fn c02_month_series_does_not_drift() {
    let series = month_series(day("2024-01-31"), 5);
    let expected: Vec<Date> = ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31"].map(day).to_vec();
    assert_eq!(series, expected);

    let case = Case::new("2024-01-01", "2024-05-01")
        .rate_from("2024-01-01", licenses(10))
        .rate_from(&series[2].to_string(), licenses(20))
        .balance_at("2024-01-01", "100000");
    let recorder = case.run();
    let march = consumed_between(&recorder.segments, at("2024-03-01"), at("2024-04-01"));
    assert_eq!(milli(march), isc("320"));
}

#[test]
fn c03_check_window_crosses_midnight() {
    let check = |night: &str, time: &str| {
        let case = Case::new("2024-01-01", "2026-01-01").check_of_night(night, time);
        case.simulation.night_instant(&case.domain, day(night)).to_string()
    };
    assert_eq!(check("2024-06-01", "22:00"), "2024-06-01T22:00:00Z");
    assert_eq!(check("2024-06-01", "23:59"), "2024-06-01T23:59:00Z");
    assert_eq!(check("2024-06-01", "00:00"), "2024-06-02T00:00:00Z");
    assert_eq!(check("2024-06-01", "04:59"), "2024-06-02T04:59:00Z");
    assert_eq!(check("2024-12-31", "01:00"), "2025-01-01T01:00:00Z");
    assert_eq!(at("2025-01-01T01:00:00Z").night(), Some(day("2024-12-31")));
    assert_eq!(check("2023-02-28", "03:00"), "2023-03-01T03:00:00Z");

    // Seeded random checks: 10,000 nights of one domain.
    let case = Case::new("2024-01-01", "2060-01-01");
    let mut simulation = case.simulation.clone();
    simulation.check_clock = isc_sim::simulation::CheckClock::Random;
    let mut before_midnight = 0;
    for index in 0..10_000 {
        let night = day("2024-01-01").plus_days(index);
        let instant = simulation.night_instant(&case.domain, night);
        let hour = instant.second_of_day() / 3_600;
        assert!([22, 23, 0, 1, 2, 3, 4].contains(&hour), "hour {hour} on night {night}");
        assert_eq!(instant.night(), Some(night));
        if instant.date() == night {
            before_midnight += 1;
        }
    }
    let share = before_midnight as f64 / 10_000.0;
    assert!((share - 2.0 / 7.0).abs() < 0.015, "share before midnight {share}");
}

#[test]
fn c04_date_only_value_is_utc_midnight() {
    let rows = read_csv("licenses.csv", b"date,licenses\n2024-01-01,10\n2024-03-02,50\n").unwrap();
    assert_eq!(rows[1].at, at("2024-03-02T00:00:00Z"));
    let counts: Vec<LicenseCount> = rows
        .iter()
        .map(|row| LicenseCount { at: row.at, license_type: row.license_type.clone(), count: row.count })
        .collect();
    let prices = PriceList { prices: [("user".to_string(), isc("30"))].into() };

    let mut case = Case::new("2024-01-01", "2024-03-05")
        .balance_at("2024-01-01", "1000")
        .order("2024-01-01", 2, 1)
        .balance_at("2024-03-01T23:30:00Z", "200")
        .check_of_night("2024-03-01", "23:30")
        .check_of_night("2024-03-02", "22:10");
    case.domain.rates = rate_changes(&counts, &prices);
    let recorder = case.run();

    let reloads = reloads(&recorder);
    let two_nights = |when: &Instant| *when >= at("2024-03-01T23:30:00Z") && *when < at("2024-03-03T05:00:00Z");
    let in_window: Vec<_> = reloads.iter().filter(|(when, _, _)| two_nights(when)).collect();
    assert_eq!(in_window.len(), 1, "one reload over the two nights: {reloads:?}");
    let (when, amount, after) = *in_window[0];
    assert_eq!(when, at("2024-03-02T22:10:00Z"));
    assert_eq!(amount, isc("300"));
    let before = Exact(after.0 - amount.to_exact(SECONDS_PER_MONTH).0);
    assert_eq!(milli(before), isc("153.611"));
    let invoices: Vec<_> = invoices(&recorder)
        .into_iter()
        .filter(|(date, _)| *date >= day("2024-03-01") && *date <= day("2024-03-02"))
        .collect();
    assert_eq!(invoices, vec![(day("2024-03-02"), isc("300"))]);
}

#[test]
fn c05a_threshold_inclusive() {
    let run = |balance: &str, count: i64| {
        let case = Case::new("2024-01-01", "2024-03-02")
            .rate_from("2024-01-01", licenses(10))
            .balance_at("2024-01-01", "1000")
            .order("2024-01-01", 2, 1)
            .rate_from("2024-03-01T23:00:00Z", licenses(count))
            .balance_at("2024-03-01T23:00:00Z", balance)
            .checks_at("23:00");
        reloads(&case.run()).into_iter().filter(|(when, _, _)| *when == at("2024-03-01T23:00:00Z")).count()
    };
    assert_eq!(run("140.000", 10), 1);
    assert_eq!(run("140.001", 10), 0);
    assert_eq!(run("0", 0), 0);
    assert_eq!(run("140.000", 0), 0);
}

#[test]
fn c05b_one_reload_per_check() {
    let case = Case::new("2024-03-01", "2024-05-05")
        .rate_from("2024-03-01", licenses(10))
        .rate_from("2024-05-01", licenses(40))
        .balance_at("2024-03-01", "1000")
        .order("2024-03-01", 4, 1)
        .balance_at("2024-05-01", "540")
        .checks_at("23:00");
    let recorder = case.run();
    let reloads: Vec<_> = reloads(&recorder).into_iter().filter(|(when, _, _)| *when >= at("2024-05-01")).collect();
    let amount = Milli(300_000).to_exact(SECONDS_PER_MONTH);
    let expected = [
        ("2024-05-01T23:00:00Z", "300", "801.667"),
        ("2024-05-02T23:00:00Z", "330", "1091.667"),
        ("2024-05-03T23:00:00Z", "360", "1411.667"),
    ];
    assert_eq!(reloads.len(), 3, "{reloads:?}");
    for ((when, amount, after), (expected_at, expected_amount, expected_after)) in reloads.iter().zip(expected) {
        assert_eq!(*when, at(expected_at));
        assert_eq!(*amount, isc(expected_amount));
        assert_eq!(milli(*after), isc(expected_after));
    }
    let first_before = Exact(reloads[0].2.0 - amount.0);
    assert_eq!(milli(first_before), isc("501.667"));
    let invoices: Vec<Milli> = invoices(&recorder).into_iter().filter(|(d, _)| *d >= day("2024-05-01")).map(|(_, m)| m).collect();
    assert_eq!(invoices, ["300", "330", "360"].map(isc).to_vec());
}

#[test]
fn c06_license_change_mid_day() {
    let case = Case::new("2024-05-01", "2024-07-02")
        .rate_from("2024-05-01", licenses(10))
        .rate_from("2024-06-10T12:00:00Z", licenses(20))
        .balance_at("2024-06-10", "1000")
        .checks_at("23:00");
    let recorder = case.run();
    let consumed = consumed_between(&recorder.segments, at("2024-06-10"), at("2024-06-11"));
    assert_eq!(milli(consumed), isc("15"));
    assert_eq!(milli(balance_at(&recorder.segments, at("2024-06-11"))), isc("985"));
    let at_check = balance_at(&recorder.segments, at("2024-06-10T23:00:00Z"));
    assert_eq!(milli(at_check), isc("985.833"));
    // T = 985.833 / 20 per day = 49.29 days: just above the 49-day alert lead.
    assert!(at_check > licenses(20).over(49 * 86_400));
    assert!(at_check < licenses(20).over(50 * 86_400));
    // The license change at noon is no check: the only check on June 10 is the night's at 23:00.
    let checks_on_10th: Vec<Instant> = expand(&recorder.events, &case)
        .iter()
        .filter_map(|event| match event {
            Event::Check { at: when, .. } if when.date() == day("2024-06-10") => Some(*when),
            _ => None,
        })
        .collect();
    assert_eq!(checks_on_10th, vec![at("2024-06-10T23:00:00Z")]);

    // With a contract and a low balance, night June 30 reloads A = 495.
    let case = Case::new("2024-05-01", "2024-07-02")
        .rate_from("2024-05-01", licenses(10))
        .rate_from("2024-06-10T12:00:00Z", licenses(20))
        .balance_at("2024-05-01", "5000")
        .order("2024-05-02", 2, 1)
        .balance_at("2024-06-30T12:00:00Z", "100")
        .checks_at("23:00");
    let reloads = reloads(&case.run());
    assert_eq!(reloads.len(), 1, "{reloads:?}");
    assert_eq!(reloads[0].0, at("2024-06-30T23:00:00Z"));
    assert_eq!(reloads[0].1, isc("495"));
}

#[test]
fn c07a_average_over_short_history() {
    let case = Case::new("2024-07-21", "2024-08-01")
        .rate_from("2024-07-21", licenses(10))
        .balance_at("2024-07-21", "1000")
        .order("2024-07-21", 2, 3)
        .balance_at("2024-07-31T12:00:00Z", "50")
        .checks_at("22:30");
    let reloads = reloads(&case.run());
    assert_eq!(reloads.len(), 1, "{reloads:?}");
    assert_eq!(reloads[0].0, at("2024-07-31T22:30:00Z"));
    assert_eq!(reloads[0].1, isc("900"));
}

#[test]
fn c07b_average_without_covered_day() {
    // A domain started at 18:00 with no balance stops at once; its first alert
    // leads to a manual load of 3 months at the current rate.
    let mut case = Case::new("2024-07-31T18:00:00Z", "2024-08-01").rate_from("2024-07-31T18:00:00Z", licenses(10));
    case = case.checks_at("22:00");
    case.domain.manual.load_after_alert_probability = 1.0;
    case.domain.manual.months_weights = vec![0.0, 0.0, 1.0];
    let recorder = case.run();
    let loads: Vec<Milli> = recorder
        .events
        .iter()
        .filter_map(|event| match event {
            Event::ManualLoad { amount, at: when, .. } if *when == at("2024-07-31T22:00:00Z") => Some(*amount),
            _ => None,
        })
        .collect();
    assert_eq!(loads, vec![isc("900")]);
}

#[test]
fn c08a_exact_threshold() {
    // 3 licenses at 3 iSC per license-month: 0.3 iSC per day.
    let case = Case::new("2024-01-01", "2024-03-02")
        .rate_from("2024-01-01", Rate(3 * 3_000))
        .balance_at("2024-01-01", "100")
        .order("2024-01-01", 2, 1)
        .balance_at("2024-03-01T23:00:00Z", "4.200")
        .checks_at("23:00");
    let reloads: Vec<_> = reloads(&case.run()).into_iter().filter(|(when, _, _)| *when >= at("2024-03-01")).collect();
    assert_eq!(reloads.len(), 1, "{reloads:?}");
    assert_eq!(reloads[0].1, isc("9.000"));
    assert_eq!(milli(reloads[0].2), isc("13.200"));
    assert_eq!(reloads[0].2, isc("13.200").to_exact(SECONDS_PER_MONTH), "balance after is exact");
}

#[test]
fn c08b_stop_at_zero_never_negative() {
    // 0.1 iSC per day is 3 iSC per month.
    let case = Case::new("2024-01-01", "2024-01-10").rate_from("2024-01-01", Rate(3_000)).balance_at("2024-01-01", "0.300");
    let recorder = case.run();
    let stops: Vec<_> = recorder.events.iter().filter(|e| matches!(e, Event::Stop { .. })).collect();
    assert_eq!(stops, vec![&Event::Stop { at: at("2024-01-04"), cause: StopCause::NoContract }]);
    assert_eq!(balance_at(&recorder.segments, at("2024-01-04")), Exact::ZERO);
    assert_eq!(balance_at(&recorder.segments, at("2024-01-09")), Exact::ZERO);
    assert_eq!(milli(consumed_between(&recorder.segments, at("2024-01-01"), at("2024-01-10"))), isc("0.300"));
}

#[test]
fn c08c_small_reloads_sum_exactly() {
    // 1 license at 0.1 iSC a month: each reload is A × 1 = 0.100.
    let case = Case::new("2024-01-01", "2026-01-01")
        .rate_from("2024-01-01", Rate(100))
        .balance_at("2024-01-01", "0.100")
        .order("2024-01-01", 2, 1);
    let reloads = reloads(&case.run());
    assert!(reloads.len() >= 10, "{}", reloads.len());
    let total: Milli = reloads.iter().take(10).map(|(_, amount, _)| *amount).sum();
    assert!(reloads.iter().all(|(_, amount, _)| *amount == isc("0.100")));
    assert_eq!(total, isc("1.000"));
}

fn c09_reloads_at(check_night: &str, time: &str, end: Option<&str>, cancelled: Option<&str>) -> bool {
    let mut case = Case::new("2024-06-01", "2024-09-03")
        .rate_from("2024-06-01", licenses(10))
        .balance_at("2024-06-01", "3000")
        .order("2024-06-03", 2, 1)
        .check_of_night(check_night, time);
    if let Some(last_day) = end {
        case = case.last_order_ends(last_day);
    }
    if let Some(when) = cancelled {
        case = case.last_order_cancelled(when);
    }
    let instant = case.simulation.night_instant(&case.domain, day(check_night));
    let case = case.balance_at(&instant.to_string(), "120");
    reloads(&case.run()).iter().any(|(when, amount, _)| *when == instant && *amount == isc("300"))
}

#[test]
fn c09_end_date_and_cancellation() {
    assert!(c09_reloads_at("2024-08-31", "22:30", Some("2024-08-31"), None));
    assert!(!c09_reloads_at("2024-08-31", "00:00", Some("2024-08-31"), None));
    let cancelled = Some("2024-08-20T14:00:00Z");
    assert!(c09_reloads_at("2024-08-20", "23:00", None, cancelled));
    assert!(!c09_reloads_at("2024-08-20", "00:00", None, cancelled));
    assert!(!c09_reloads_at("2024-08-20", "02:00", None, cancelled));
}

#[test]
fn c10_acceptance_next_working_day() {
    let calendar = isc_sim::calendar::WorkingCalendar::baden_wuerttemberg();
    let cases = [
        ("2024-05-03", "2024-05-06"),
        ("2024-05-04", "2024-05-06"),
        ("2024-05-05", "2024-05-06"),
        ("2024-05-06", "2024-05-07"),
        ("2024-05-08", "2024-05-10"),
        ("2024-10-31", "2024-11-04"),
        ("2024-12-24", "2024-12-27"),
        ("2024-12-20", "2024-12-23"),
    ];
    for (order, active) in cases {
        assert_eq!(calendar.working_days_after(day(order), 1), day(active), "order on {order}");
    }

    let run = |time: &str| {
        let case = Case::new("2024-05-01", "2024-05-08")
            .rate_from("2024-05-01", licenses(10))
            .rate_from("2024-05-05", licenses(20))
            .balance_at("2024-05-01", "1000")
            .balance_at("2024-05-04T10:00:00Z", "300")
            .order("2024-05-04T10:00:00Z", 2, 1)
            .check_of_night("2024-05-05", time);
        let recorder = case.run();
        let accepted = recorder.events.iter().find_map(|e| match e {
            Event::ContractAccepted { at, .. } => Some(*at),
            _ => None,
        });
        assert_eq!(accepted, Some(at("2024-05-06")));
        let instant = case.simulation.night_instant(&case.domain, day("2024-05-05"));
        reloads(&recorder).iter().any(|(when, _, _)| *when == instant)
    };
    assert!(!run("23:00"));
    assert!(run("02:00"));
}

fn february_consumption(file: &str, bytes: &[u8], from: &str, to: &str) -> Milli {
    let rows = read_csv(file, bytes).unwrap();
    let counts: Vec<LicenseCount> = rows
        .iter()
        .map(|row| LicenseCount { at: row.at, license_type: row.license_type.clone(), count: row.count })
        .collect();
    let prices = PriceList { prices: [("user".to_string(), isc("30"))].into() };
    let mut case = Case::new("2024-01-01", "2024-04-01").balance_at("2024-01-01", "100000");
    case.domain.rates = rate_changes(&counts, &prices);
    let recorder = case.run();
    milli(consumed_between(&recorder.segments, at(from), at(to)))
}

#[test]
fn c11_dates_in_csv() {
    let bytes = b"domain_id,date,licenses\nd1,2024-01-05,10\nd1,2024-2-1,12\nd1,2024-03-01,15\n";
    let rows = read_csv("licenses.csv", bytes).unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1].at, at("2024-02-01"));
    assert_eq!(february_consumption("licenses.csv", bytes, "2024-02-01", "2024-03-01"), isc("348"));

    let bad = b"domain_id,date,licenses\nd1,2024-01-05,10\nd1,01/02/2024,12\n";
    let problems = read_csv("licenses.csv", bad).unwrap_err();
    assert_eq!(problems.len(), 1);
    let message = problems[0].to_string();
    assert!(message.starts_with("licenses.csv:3: date is '01/02/2024'"), "{message}");
    assert!(message.contains("2024-02-01"), "names the expected format: {message}");
}

#[test]
fn c12_blank_lines_crlf_malformed() {
    let with_newline = b"date,licenses\r\n2024-01-01,5\r\n\r\n2024-01-15,7\r\n\r\n";
    let without_newline = b"date,licenses\r\n2024-01-01,5\r\n\r\n2024-01-15,7";
    for bytes in [&with_newline[..], &without_newline[..]] {
        assert_eq!(read_csv("licenses.csv", bytes).unwrap().len(), 2);
        assert_eq!(february_consumption("licenses.csv", bytes, "2024-01-01", "2024-02-01"), isc("189"));
    }
    for bad_row in ["2024-01-20,,", "2024-01-20,seven", "2024-01-20,", "2024-01-20,-3"] {
        let bytes = format!("date,licenses\r\n2024-01-01,5\r\n\r\n{bad_row}\r\n");
        let problems = read_csv("licenses.csv", bytes.as_bytes()).unwrap_err();
        assert_eq!(problems.len(), 1, "{bad_row}");
        assert_eq!(problems[0].line, Some(4), "{bad_row}: {}", problems[0]);
    }
}

#[test]
fn c13_credit_sums_are_exact() {
    let parts = ["0.1", "0.2", "0.3"].map(isc);
    let left = (parts[0] + parts[1]) + parts[2];
    let right = parts[0] + (parts[1] + parts[2]);
    assert_eq!(left, right);
    assert_eq!(left.to_string(), "0.600");
}

/// The check instants and online flags of three domains over a week.
fn c14_draws(keys: &[u64], threads: usize) -> Vec<(u64, Instant, bool)> {
    let case = Case::new("2024-01-01", "2024-01-09");
    let mut simulation: Simulation = case.simulation.clone();
    simulation.check_clock = isc_sim::simulation::CheckClock::Random;
    let connectivity = Connectivity { outage_start_probability: 0.1, mean_outage_nights: 1.0 };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| {
        use rayon::prelude::*;
        keys.par_iter()
            .flat_map_iter(|&key| {
                let mut domain = Domain::new(key, at("2024-01-01"));
                domain.outages = connectivity.outages(42, key, day("2024-01-01"), day("2024-01-07"));
                (0..7)
                    .map(|index| {
                        let night = day("2024-01-01").plus_days(index);
                        (key, simulation.night_instant(&domain, night), !domain.is_offline(night))
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    })
}

#[test]
fn c14_draws_independent_of_threads_order_neighbours() {
    let (a, b, c) = (0xA, 0xB, 0xC);
    let reference = c14_draws(&[a, b, c], 1);
    assert_eq!(reference.len(), 21);
    for threads in [2, 8] {
        assert_eq!(c14_draws(&[a, b, c], threads), reference, "{threads} threads");
    }
    let mut reversed = c14_draws(&[c, b, a], 2);
    reversed.sort_by_key(|(key, at, _)| (*key, *at));
    assert_eq!(reversed, reference);
    let without_b: Vec<_> = reference.iter().copied().filter(|(key, _, _)| *key != b).collect();
    assert_eq!(c14_draws(&[a, c], 8), without_b);
}

#[test]
fn c15_stopped_domain_recovers_at_next_check() {
    let mut case = Case::new("2024-03-01", "2024-04-05")
        .rate_from("2024-03-01", licenses(10))
        .balance_at("2024-03-01", "1000")
        .order("2024-03-01", 2, 1)
        .balance_at("2024-04-01", "25")
        .check_of_night("2024-04-03", "22:30");
    case.domain.outages = vec![isc_sim::domain::Outage { first: day("2024-04-01"), last: day("2024-04-02") }];
    let recorder = case.run();
    let after_april: Vec<&Event> = recorder.events.iter().filter(|e| e.at() >= at("2024-04-01")).collect();
    let stops: Vec<_> = after_april.iter().filter(|e| matches!(e, Event::Stop { .. })).collect();
    assert_eq!(stops, vec![&&Event::Stop { at: at("2024-04-03T12:00:00Z"), cause: StopCause::OfflineNights }]);
    let reloads: Vec<_> = reloads(&recorder).into_iter().filter(|(when, _, _)| *when >= at("2024-04-01")).collect();
    assert_eq!(reloads[0].0, at("2024-04-03T22:30:00Z"));
    assert_eq!(reloads[0].1, isc("300"));
    let resumes: Vec<_> = after_april.iter().filter_map(|e| match e {
        Event::Resume { at } => Some(*at),
        _ => None,
    }).collect();
    assert_eq!(resumes, vec![at("2024-04-03T22:30:00Z")]);
    assert_eq!(balance_at(&recorder.segments, at("2024-04-03T12:00:00Z")), Exact::ZERO, "balance 0.000 at the stop");
    let stopped_seconds = resumes[0].0 - at("2024-04-03T12:00:00Z").0;
    assert_eq!(stopped_seconds, 10 * 3_600 + 1_800, "one stop episode of 10.5 hours");
    assert_eq!(milli(consumed_between(&recorder.segments, at("2024-04-01"), at("2024-04-03T22:30:00Z"))), isc("25"));
}

/// Consumption of domain d1 over [from, to) when its licenses come from
/// `licenses` through the replay reader, the path `isc-sim run` takes.
fn replayed_consumption(name: &str, licenses: &[u8], from: &str, to: &str) -> Result<Milli, Vec<String>> {
    use isc_sim::input::replay::{load, ReplayConfig};
    let dir = std::env::temp_dir().join(format!("isc-sim-cases-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("domains.csv"), "domain_id,deployment,reseller_id,distributor_id,rental_start,devices_app\nd1,on_premises,r,x,2024-01-01,13r1 SR28\n").unwrap();
    std::fs::write(dir.join("licenses.csv"), licenses).unwrap();
    std::fs::write(dir.join("loads.csv"), "domain_id,at,kind,amount_isc\nd1,2024-01-01,opening,100000\n").unwrap();
    std::fs::write(dir.join("prices.csv"), "license_type,price_isc_per_month\nuser,30\n").unwrap();
    let config = ReplayConfig {
        domains: "domains.csv".into(),
        license_changes: "licenses.csv".into(),
        balance_events: "loads.csv".into(),
        prices: "prices.csv".into(),
        ..ReplayConfig::default()
    };
    let input = load(&config, &dir).map_err(|errors| errors.problems.iter().map(ToString::to_string).collect::<Vec<_>>())?;
    let mut case = Case::new("2024-01-01", "2024-04-01");
    case.domain = input.list.domains[0].clone();
    let recorder = case.run();
    Ok(milli(consumed_between(&recorder.segments, at(from), at(to))))
}

#[test]
fn c11_dates_through_replay_reader() {
    let licenses = b"domain_id,date,license_type,licenses\nd1,2024-01-05,user,10\nd1,2024-2-1,user,12\nd1,2024-03-01,user,15\n";
    assert_eq!(replayed_consumption("c11", licenses, "2024-02-01", "2024-03-01"), Ok(isc("348")));
    let bad = b"domain_id,date,license_type,licenses\nd1,2024-01-05,user,10\nd1,01/02/2024,user,12\n";
    let problems = replayed_consumption("c11-bad", bad, "2024-02-01", "2024-03-01").unwrap_err();
    assert_eq!(problems.len(), 1);
    assert!(problems[0].starts_with("licenses.csv:3: date is '01/02/2024'; expected a date like 2024-02-01"), "{}", problems[0]);
}

#[test]
fn c12_crlf_through_replay_reader() {
    for licenses in [
        &b"domain_id,date,license_type,licenses\r\nd1,2024-01-01,user,5\r\n\r\nd1,2024-01-15,user,7\r\n\r\n"[..],
        &b"domain_id,date,license_type,licenses\r\nd1,2024-01-01,user,5\r\n\r\nd1,2024-01-15,user,7"[..],
    ] {
        assert_eq!(replayed_consumption("c12", licenses, "2024-01-01", "2024-02-01"), Ok(isc("189")));
    }
    for bad_row in ["d1,2024-01-20,user,,", "d1,2024-01-20,user,seven", "d1,2024-01-20,user,"] {
        let licenses = format!("domain_id,date,license_type,licenses\r\nd1,2024-01-01,user,5\r\n\r\n{bad_row}\r\n");
        let problems = replayed_consumption("c12-bad", licenses.as_bytes(), "2024-01-01", "2024-02-01").unwrap_err();
        assert_eq!(problems.len(), 1, "{bad_row}");
        assert!(problems[0].starts_with("licenses.csv:4:"), "{bad_row}: {}", problems[0]);
    }
}
