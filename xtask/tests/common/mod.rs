//! What the fault tests share: running the xtask binary on a copy of the smoke grid, and
//! checking that a run directory holds only whole files.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// The repository root (the xtask binary resolves `configs/` from there).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ has a parent")
        .to_path_buf()
}

/// The xtask binary, run from the repository root, its output appended to `log`.
pub fn xtask(log: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command.current_dir(repo_root()).env("RUST_LOG", "info");
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .expect("open the log file");
    command
        .stdin(Stdio::null())
        .stdout(out.try_clone().expect("clone the log file"))
        .stderr(out);
    command
}

/// Writes `configs/smoke.toml` with the `[solver]` settings in `solver` replaced (e.g.
/// `("max_iter", "3000")`) to `dir/name`, and returns its path.
pub fn smoke_config(dir: &Path, name: &str, solver: &[(&str, &str)]) -> PathBuf {
    let text = std::fs::read_to_string(repo_root().join("configs/smoke.toml"))
        .expect("read configs/smoke.toml");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for (key, value) in solver {
        let line = lines
            .iter_mut()
            .find(|l| l.split('=').next().map(str::trim) == Some(*key))
            .unwrap_or_else(|| panic!("configs/smoke.toml has no `{key}`"));
        *line = format!("{key} = {value}");
    }
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n") + "\n").expect("write the test configuration");
    path
}

/// A `[solver]` value of `configs/smoke.toml`.
pub fn smoke_solver_value(key: &str) -> u64 {
    let text = std::fs::read_to_string(repo_root().join("configs/smoke.toml"))
        .expect("read configs/smoke.toml");
    text.lines()
        .find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == key).then(|| v.split('#').next().unwrap_or("").trim().parse().ok())?
        })
        .unwrap_or_else(|| panic!("configs/smoke.toml has no integer `{key}`"))
}

/// One line of `plan.jsonl`.
pub struct PlanLine {
    /// The cell's name, e.g. `random0/A3B+`.
    pub cell: String,
    /// 1 or 2.
    pub stage: u64,
}

/// The cells of the run's plan.
pub fn plan(run: &Path) -> Vec<PlanLine> {
    let text = std::fs::read_to_string(run.join("plan.jsonl")).expect("read plan.jsonl");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("a plan line is JSON");
            PlanLine {
                cell: v["cell"]
                    .as_str()
                    .expect("a plan line names its cell")
                    .to_string(),
                stage: v["stage"].as_u64().expect("a plan line has a stage"),
            }
        })
        .collect()
}

/// The folder of a cell.
pub fn cell_dir(run: &Path, cell: &str) -> PathBuf {
    run.join("cells").join(cell)
}

/// The modification time of every `result.json` of the plan that exists.
pub fn result_times(run: &Path) -> BTreeMap<String, SystemTime> {
    plan(run)
        .into_iter()
        .filter_map(|line| {
            let path = cell_dir(run, &line.cell).join("result.json");
            let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok()?;
            Some((line.cell, modified))
        })
        .collect()
}

/// Whether a file name is a temporary one of an atomic write (a dot file other than the
/// cells' `.lock`).
pub fn is_temporary(name: &str) -> bool {
    name.starts_with('.') && !name.ends_with(".lock")
}

/// Checks that every file under `run` is whole: every `.json` and `.jsonl` line parses, every
/// `.safetensors` file loads, `results.csv` reads. Returns the temporary files found.
pub fn check_whole_files(run: &Path) -> Vec<PathBuf> {
    let mut temporaries = Vec::new();
    let mut stack = vec![run.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("list a run folder") {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if is_temporary(&name) {
                temporaries.push(path);
                continue;
            }
            check_whole_file(&path, &name);
        }
    }
    temporaries
}

fn check_whole_file(path: &Path, name: &str) {
    let bytes = std::fs::read(path).expect("read a run file");
    let shown = path.display();
    if name.ends_with(".jsonl") {
        let text = String::from_utf8(bytes).unwrap_or_else(|_| panic!("{shown} is not UTF-8"));
        assert!(
            text.is_empty() || text.ends_with('\n'),
            "{shown} ends mid-line"
        );
        for line in text.lines() {
            serde_json::from_str::<serde_json::Value>(line)
                .unwrap_or_else(|e| panic!("{shown}: a line does not parse ({e}): {line}"));
        }
    } else if name.ends_with(".json") {
        serde_json::from_slice::<serde_json::Value>(&bytes)
            .unwrap_or_else(|e| panic!("{shown} does not parse: {e}"));
    } else if name.ends_with(".safetensors") {
        safetensors::SafeTensors::deserialize(&bytes)
            .unwrap_or_else(|e| panic!("{shown} does not load: {e}"));
    } else if name == "results.csv" {
        transferability::results::read_results(path)
            .unwrap_or_else(|e| panic!("{shown} does not read: {e}"));
    } else if name == "config.toml" {
        transferability::ExperimentConfig::load(path)
            .unwrap_or_else(|e| panic!("{shown} does not load: {e}"));
    }
}

/// Checks a cell that finished: its result ran the whole schedule of `max_iter` iterations,
/// and its evaluation history holds each evaluation once, in order.
pub fn check_finished_cell(run: &Path, cell: &str, max_iter: u64, test_interval: u64) {
    let dir = cell_dir(run, cell);
    let result: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("result.json")).expect("read result.json"))
            .expect("result.json parses");
    assert_eq!(
        result["iterations"].as_u64(),
        Some(max_iter),
        "{cell}: {result}"
    );
    let metrics = std::fs::read_to_string(dir.join("metrics.jsonl")).expect("read metrics.jsonl");
    let iterations: Vec<u64> = metrics
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a metrics line parses");
            v["iteration"]
                .as_u64()
                .expect("a metrics line has its iteration")
        })
        .collect();
    let expected: Vec<u64> = (1..=max_iter)
        .filter(|i| i % test_interval == 0 || *i == max_iter)
        .collect();
    assert_eq!(iterations, expected, "{cell}: evaluations in metrics.jsonl");
}

/// Waits for `child` to end, at most `limit`; kills it and fails past that.
pub fn wait_at_most(child: &mut Child, limit: Duration, what: &str) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("poll a child") {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} ran past {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until `path` exists while `child` runs, at most `limit`.
pub fn wait_for_file(child: &mut Child, path: &Path, limit: Duration) {
    let start = Instant::now();
    while !path.exists() {
        if let Some(status) = child.try_wait().expect("poll a child") {
            panic!(
                "the command ended ({status}) before {} appeared",
                path.display()
            );
        }
        assert!(
            start.elapsed() < limit,
            "{} did not appear within {limit:?}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Sends `signal` (a name such as `INT`) to `child`.
pub fn send_signal(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{signal} {} failed", child.id());
}

/// SplitMix64: a small seeded generator for the moments of the kills.
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A duration drawn uniformly from `low..high`.
    pub fn duration(&mut self, low: Duration, high: Duration) -> Duration {
        let span = (high - low).as_micros() as u64;
        low + Duration::from_micros(self.next_u64() % span.max(1))
    }
}
