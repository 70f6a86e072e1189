//! Ratios to a baseline, measured so that they hold on a noisy shared machine.
//!
//! Criterion runs one benchmark after another, so load from neighbours that comes and goes
//! lands on some of them and not others. [`interleaved`] instead times every variant in
//! alternating short rounds and keeps each one's fastest round: a quiet moment counts for all
//! variants alike, and the ratios of those minima are steady from run to run.

use std::time::{Duration, Instant};

/// One variant to time: a name and a closure doing one unit of work.
pub type Case<'a> = (&'a str, &'a mut dyn FnMut());

/// Times each case in `rounds` alternating rounds of about `round` each, then prints the
/// fastest per-call time of each and its ratio to the first case, the baseline. Returns those
/// fastest times, in nanoseconds.
pub fn interleaved(title: &str, cases: &mut [Case<'_>], rounds: usize, round: Duration) -> Vec<f64> {
    let iterations: Vec<u32> = cases.iter_mut().map(|(_, work)| calibrate(work, round)).collect();
    let mut best = vec![f64::INFINITY; cases.len()];
    for _ in 0..rounds {
        for ((_, work), (n, best)) in cases.iter_mut().zip(iterations.iter().zip(best.iter_mut())) {
            let start = Instant::now();
            for _ in 0..*n {
                work();
            }
            *best = best.min(start.elapsed().as_secs_f64() * 1e9 / f64::from(*n));
        }
    }
    println!("\n{title}: fastest of {rounds} interleaved rounds, ratio to {}", cases[0].0);
    for ((name, _), ns) in cases.iter().zip(&best) {
        println!("  {name:<30} {ns:>12.1} ns  {:>6.2} x", ns / best[0]);
    }
    best
}

/// How many calls of `work` take about `round`.
fn calibrate(work: &mut dyn FnMut(), round: Duration) -> u32 {
    let mut n = 1u32;
    loop {
        let start = Instant::now();
        for _ in 0..n {
            work();
        }
        if start.elapsed() >= round / 4 || n >= 1 << 24 {
            return (n * 4).max(1);
        }
        n *= 2;
    }
}
