//! Slurm job arrays for a run: `stage1.sbatch` (bases), `stage2.sbatch` (what copies from
//! them) and `submit.sh`, which submits stage 2 with `--dependency=afterok` on stage 1.
//!
//! Each array task runs `run-cell --index $SLURM_ARRAY_TASK_ID` on the shared run directory.
//! Slurm sends SIGUSR1 90 s before the time limit (`--signal=B:USR1@90`); the script passes it
//! on, `run-cell` checkpoints and exits with status 75, and the script requeues the task,
//! which resumes from the checkpoint.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use transferability::{Experiment, RunDir};

use crate::signals::INTERRUPTED_EXIT;

/// The `#SBATCH` settings of both stages.
pub struct SlurmOptions {
    /// `--partition`, if any.
    pub partition: Option<String>,
    /// `--gpus-per-task`; 0 for CPU-only tasks.
    pub gpus_per_task: u32,
    /// `--time` of each task.
    pub time: String,
    /// At most this many tasks of an array at once (`%P`).
    pub max_parallel: u32,
    /// The configuration every task reads.
    pub config: PathBuf,
}

/// Writes `stage1.sbatch`, `stage2.sbatch` (when the plan has stage-2 cells) and `submit.sh`
/// into the run directory; returns their paths.
pub fn write_scripts(experiment: &Experiment, options: &SlurmOptions) -> Result<Vec<PathBuf>> {
    let run = RunDir::new(std::path::absolute(experiment.run_dir().root())?);
    let exe = std::env::current_exe().context("locating this program for the job scripts")?;
    // The tasks run in the folder `submit.sh` is in: every path they get is absolute.
    let config = std::path::absolute(&options.config)?;
    let plan = experiment.plan();
    let stage1 = plan.stage(1).count();
    let total = plan.cells().len();
    let name = &experiment.config().name;
    std::fs::create_dir_all(run.slurm_logs())?;
    let mut written = Vec::new();
    let mut stages = vec![("stage1", 0, stage1)];
    if total > stage1 {
        stages.push(("stage2", stage1, total));
    }
    for (stage, first, end) in &stages {
        let script = array_script(
            &exe,
            &run,
            &config,
            options,
            &format!("{name}-{stage}"),
            *first,
            *end,
        );
        let path = run.slurm_script(&format!("{stage}.sbatch"));
        write_executable(&path, &script)?;
        written.push(path);
    }
    let path = run.slurm_script("submit.sh");
    write_executable(&path, &submit_script(stages.len() == 2))?;
    written.push(path);
    Ok(written)
}

fn array_script(
    exe: &Path,
    run: &RunDir,
    config: &Path,
    options: &SlurmOptions,
    job_name: &str,
    first: usize,
    end: usize,
) -> String {
    let mut s = String::from("#!/bin/bash\n");
    let mut directive = |line: String| writeln!(s, "#SBATCH {line}").expect("write to a String");
    directive(format!("--job-name={job_name}"));
    directive(format!(
        "--array={first}-{}%{}",
        end - 1,
        options.max_parallel.max(1)
    ));
    directive(format!("--time={}", options.time));
    directive("--ntasks=1".to_string());
    if options.gpus_per_task > 0 {
        directive(format!("--gpus-per-task={}", options.gpus_per_task));
    }
    if let Some(partition) = &options.partition {
        directive(format!("--partition={partition}"));
    }
    directive("--signal=B:USR1@90".to_string());
    directive("--requeue".to_string());
    directive("--open-mode=append".to_string());
    directive(format!(
        "--output={}/%x-%A_%a.out",
        run.slurm_logs().display()
    ));
    let device = if options.gpus_per_task > 0 {
        "cuda"
    } else {
        "cpu"
    };
    write!(
        s,
        r#"
# One cell of the grid per array task; a finished cell is skipped, an interrupted one resumes.
set -u
"{exe}" run-cell --run-dir "{run}" --config "{config}" --device {device} --index "$SLURM_ARRAY_TASK_ID" &
child=$!
# Slurm signals the batch shell before the time limit (USR1) or on preemption (TERM):
# pass it on, so that the cell checkpoints and exits with status {code}.
trap 'kill -USR1 "$child" 2>/dev/null' USR1 TERM
status=0
while true; do
    wait "$child"; status=$?
    kill -0 "$child" 2>/dev/null || break
done
if [ "$status" -eq {code} ]; then
    scontrol requeue "${{SLURM_ARRAY_JOB_ID}}_${{SLURM_ARRAY_TASK_ID}}"
fi
exit "$status"
"#,
        exe = exe.display(),
        run = run.root().display(),
        config = config.display(),
        code = INTERRUPTED_EXIT,
    )
    .expect("write to a String");
    s
}

fn submit_script(two_stages: bool) -> String {
    let mut s = String::from(
        "#!/bin/bash\n# Submits the grid: stage 2 starts when every stage-1 task has succeeded.\nset -euo pipefail\ncd \"$(dirname \"$0\")\"\nstage1=$(sbatch --parsable stage1.sbatch)\nstage1=${stage1%%;*}\necho \"stage 1: job $stage1\"\n",
    );
    if two_stages {
        s.push_str("stage2=$(sbatch --parsable --dependency=afterok:\"$stage1\" stage2.sbatch)\nstage2=${stage2%%;*}\necho \"stage 2: job $stage2 (after $stage1)\"\n");
    }
    s
}

fn write_executable(path: &Path, text: &str) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    transferability::files::write_atomic(path, text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
    Ok(())
}
