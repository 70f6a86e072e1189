//! `Verifier::verify` against a bare `Hmac<Sha256>` over the same body (the floor) and against
//! the way many receivers check by hand: hex-encode the MAC into a `String` and compare with
//! `==` (which is also not constant-time). Run: `cargo bench --bench verify`.

mod support;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput};
use hmac::{Hmac, KeyInit, Mac};
use sauce_webhooks::signature::{Secret, Verifier, sign};
use sha2::Sha256;

const TOKEN: &[u8] = b"3c1a7e0e-4f6b-4bd4-9d68-5b7c2e1f0a9d";
const PATTERN: &[u8] = br#"{"id":"a1","status":"FAILED"} "#;
const SIZES: [(&str, usize); 4] = [("256 B", 256), ("1.5 KB", 1536), ("16 KB", 16 * 1024), ("1 MB", 1 << 20)];

fn bare_hmac(body: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(TOKEN).unwrap();
    mac.update(body);
    mac.finalize().into_bytes().into()
}

fn by_hand(body: &[u8], header: &str) -> bool {
    hex::encode(bare_hmac(body)) == header
}

fn main() {
    let verifier = Verifier::new(Secret::new(TOKEN).unwrap());
    let bodies: Vec<(&str, Vec<u8>, String)> = SIZES
        .iter()
        .map(|&(label, len)| {
            let body: Vec<u8> = PATTERN.iter().copied().cycle().take(len).collect();
            let header = sign(&Secret::new(TOKEN).unwrap(), &body).to_string();
            assert!(verifier.verify(&body, Some(&header)).is_ok() && by_hand(&body, &header));
            (label, body, header)
        })
        .collect();

    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("verify");
    for (label, body, header) in &bodies {
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(BenchmarkId::new("bare_hmac", label), body, |b, body| {
            b.iter(|| bare_hmac(black_box(body)));
        });
        group.bench_with_input(BenchmarkId::new("verify", label), body, |b, body| {
            b.iter(|| verifier.verify(black_box(body), Some(black_box(header))).is_ok());
        });
        group.bench_with_input(BenchmarkId::new("hex_string_eq", label), body, |b, body| {
            b.iter(|| by_hand(black_box(body), black_box(header)));
        });
    }
    group.finish();
    c.final_summary();

    if std::env::args().any(|arg| arg == "--bench") {
        for (label, body, header) in &bodies {
            let rounds = if body.len() > 100_000 { 40 } else { 200 };
            support::interleaved(
                &format!("verify a {label} body"),
                &mut [
                    ("bare Hmac<Sha256>", &mut || {
                        black_box(bare_hmac(black_box(body)));
                    }),
                    ("Verifier::verify", &mut || {
                        drop(black_box(verifier.verify(black_box(body), Some(black_box(header)))));
                    }),
                    ("hex String ==", &mut || {
                        black_box(by_hand(black_box(body), black_box(header)));
                    }),
                ],
                rounds,
                std::time::Duration::from_millis(2),
            );
        }
    }
}
