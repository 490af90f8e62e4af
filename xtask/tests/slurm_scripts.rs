//! The job scripts of `xtask slurm`, run the way Slurm runs them: from the folder of
//! `submit.sh`, with `SLURM_ARRAY_TASK_ID` set, whatever folder the scripts were written from.

mod common;

use std::process::Command;

use common::*;

#[test]
fn array_tasks_run_from_the_submit_folder_with_a_relative_run_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let config = repo_root().join("configs/smoke.toml");
    let log = tmp.path().join("slurm.log");
    let status = xtask(&log)
        .current_dir(tmp.path())
        .args([
            "slurm",
            "--gpus-per-task",
            "0",
            "--run-dir",
            "relative/run",
            "--config",
        ])
        .arg(&config)
        .status()
        .unwrap();
    assert!(
        status.success(),
        "{}",
        std::fs::read_to_string(&log).unwrap()
    );
    let run = tmp.path().join("relative/run");
    let script = std::fs::read_to_string(run.join("stage1.sbatch")).unwrap();
    assert!(script.contains("#SBATCH --signal=B:USR1@90"), "{script}");
    assert!(script.contains("#SBATCH --requeue"), "{script}");
    assert!(!script.contains("--gpus-per-task"), "{script}");
    let submit = std::fs::read_to_string(run.join("submit.sh")).unwrap();
    assert!(submit.contains("--dependency=afterok:"), "{submit}");

    let plan = plan(&run);
    let last_stage1 = plan.iter().rposition(|l| l.stage == 1).unwrap();
    // Both bases of split random0 (the plan's first two cells), then the first stage-2 cell,
    // which copies from one of them.
    for (stage, index) in [("stage1", 0), ("stage1", 1), ("stage2", last_stage1 + 1)] {
        let output = Command::new("bash")
            .arg(format!("{stage}.sbatch"))
            .current_dir(&run)
            .env("SLURM_ARRAY_JOB_ID", "7")
            .env("SLURM_ARRAY_TASK_ID", index.to_string())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{stage} task {index}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let cell = &plan[index].cell;
        assert!(cell_dir(&run, cell).join("result.json").is_file(), "{cell}");
    }
}
