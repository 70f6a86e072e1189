//! Replays every input a fuzz target once failed on, through the same checks (see `fuzz/`).

mod fuzz_checks;

use std::path::Path;

#[test]
fn inputs_the_fuzzers_found_stay_fixed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let mut replayed = 0;
    for (target, check) in fuzz_checks::TARGETS {
        let Ok(entries) = std::fs::read_dir(root.join(target)) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            let input = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| check(&input));
            assert!(outcome.is_ok(), "{target} fails again on {}", path.display());
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no inputs found under {}", root.display());
}
