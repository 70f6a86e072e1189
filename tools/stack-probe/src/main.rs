//! Verifies a signature, then reads the stack the verification just used, looking for the HMAC
//! key's inner- and outer-pad midstates (what a copy of the keyed state holds). Reading stack
//! memory no frame owns is beyond what Rust defines, so this is a probe run on its own, not a
//! test inside the crate: it tells what the compiled code leaves behind, on this machine.

use std::hint::black_box;
use std::mem::MaybeUninit;

use sauce_webhooks::signature::{Secret, Verifier, sign};

const KEY: &[u8] = b"stack-probe-webhook-token-3c1a7e0e";
const WINDOW: usize = 64 * 1024;

/// SHA-256's state after one block of `KEY` XOR `pad` (HMAC's keyed midstate), as bytes in
/// memory order.
fn midstate(pad: u8) -> [u8; 32] {
    let mut block = [0u8; 64];
    block[..KEY.len()].copy_from_slice(KEY);
    for byte in &mut block {
        *byte ^= pad;
    }
    let mut state: [u32; 8] =
        [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    sha2::block_api::compress256(&mut state, &[block]);
    let mut bytes = [0u8; 32];
    for (chunk, word) in bytes.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_ne_bytes());
    }
    bytes
}

#[inline(never)]
fn verify(verifier: &Verifier, body: &[u8], header: &str) -> bool {
    black_box(verifier).verify(black_box(body), Some(black_box(header))).is_ok()
}

#[inline(never)]
fn key() -> Verifier {
    Verifier::new(Secret::new(black_box(KEY)).unwrap())
}

#[inline(never)]
fn copy(verifier: &Verifier) -> Verifier {
    black_box(verifier).clone()
}

/// Whether the stack below this frame holds `pattern` (the frames just returned from).
#[inline(never)]
#[allow(unsafe_code)]
fn stack_holds(pattern: &[u8; 32]) -> bool {
    let window = MaybeUninit::<[u8; WINDOW]>::uninit();
    let base = window.as_ptr().cast::<u8>();
    // SAFETY: none, strictly: the bytes are uninitialized. They are read as plain bytes with
    // volatile reads, to see what earlier frames left there.
    let bytes: Vec<u8> = (0..WINDOW).map(|i| unsafe { std::ptr::read_volatile(base.add(i)) }).collect();
    bytes.windows(32).any(|window| window == pattern)
}

fn main() {
    let (inner, outer) = (midstate(0x36), midstate(0x5c));
    let verifier = key();
    let keying = (stack_holds(&inner), stack_holds(&outer));
    let copied = copy(&verifier);
    let cloning = (stack_holds(&inner), stack_holds(&outer));
    let body = br#"{"id":"a1","status":"FAILED","creation_time":0}"#;
    let header = sign(&Secret::new(KEY).unwrap(), body).to_string();
    let mut left = (false, false);
    for verifier in [&verifier, &copied].into_iter().cycle().take(100) {
        assert!(verify(verifier, body, &header));
        left.0 |= stack_holds(&inner);
        left.1 |= stack_holds(&outer);
    }
    let found = [("keying", keying), ("cloning", cloning), ("verifying", left)];
    for (step, (inner, outer)) in found {
        println!("after {step}: inner-pad state on the stack: {inner}, outer-pad state: {outer}");
    }
    if found.iter().any(|(_, (inner, outer))| *inner || *outer) {
        eprintln!("key-derived HMAC state was left on the stack");
        std::process::exit(1);
    }
}
