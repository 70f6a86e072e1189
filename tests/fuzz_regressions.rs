//! Replays every input a fuzz target once failed on (and a few seeds), through the same checks
//! the fuzzers run (see `fuzz/` and `tests/fuzz_checks/`).

mod fuzz_checks;

use std::path::Path;

#[test]
fn inputs_the_fuzzers_found_stay_fixed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let mut replayed = 0;
    for folder in std::fs::read_dir(&root).unwrap() {
        let folder = folder.unwrap().path();
        let name = folder.file_name().unwrap().to_string_lossy().into_owned();
        let Some((_, check)) = fuzz_checks::TARGETS.iter().find(|(target, _)| *target == name) else {
            panic!("{} names no fuzz target", folder.display())
        };
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let input = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| check(&input));
            assert!(outcome.is_ok(), "{name} fails again on {}", path.display());
            replayed += 1;
        }
    }
    assert!(replayed >= 9, "only {replayed} inputs found under {}", root.display());
}
