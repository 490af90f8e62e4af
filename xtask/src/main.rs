//! `cargo xtask`: the command line of convnet-transfer.
//!
//! Flags in, crate calls out: every command parses its flags, opens the experiment and calls
//! the library.

mod cuda_build;
mod pack;
mod progress;
mod signals;
mod slurm;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use transferability::train::{DeviceChoice, Outcome, Precision};
use transferability::transfer::Cell;
use transferability::{
    run_cells, write_comparison, Experiment, ExperimentConfig, ProfileRun, Run, Study,
};

/// How transferable are features in deep neural networks? Yosinski et al. (2014), reproduced.
#[derive(Parser)]
#[command(name = "cargo xtask", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Flags shared by the commands that open an experiment.
#[derive(clap::Args, Clone)]
struct ExperimentArgs {
    /// Configuration file; default: the run directory's saved `config.toml` if there is one,
    /// else `configs/embedded.toml`.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Dataset location (overrides `[dataset] path`).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Run directory (default: `[output] run_dir`, or `runs/<name>`).
    #[arg(long)]
    run_dir: Option<PathBuf>,
    /// Device: auto, cpu, cuda or cuda:INDEX (overrides `device`).
    #[arg(long)]
    device: Option<DeviceChoice>,
    /// Arithmetic: fp32, tf32 (CUDA's tensor cores on f32) or bf16 (mixed: bf16 layers, f32
    /// weights and loss) (overrides `precision`); another precision goes to its own run
    /// directory, `runs/<name>-<precision>`.
    #[arg(long)]
    precision: Option<Precision>,
    /// Run seed (overrides `seed`: every net's initialisation and data order, and the random
    /// split where `[splits] random_seeds` is not given); another seed goes to its own run
    /// directory, `runs/<name>-seed<seed>`.
    #[arg(long)]
    seed: Option<u64>,
}

/// The base net of a transfer profile (over the configuration's `[profile]`).
#[derive(clap::Args, Clone)]
struct ProfileArgs {
    /// The base net: a base net's checkpoint.safetensors from any run, or a PyTorch AlexNet
    /// state dict (.pth or .safetensors, with --layout torchvision); default: the
    /// configuration's `[profile] base`.
    #[arg(long)]
    base: Option<PathBuf>,
    /// How the base's tensors are named: convnet (this project) or torchvision.
    #[arg(long)]
    layout: Option<transferability::transfer::Layout>,
    /// Only the target's classes of these coarse groups (comma-separated, e.g. symbols).
    #[arg(long, value_delimiter = ',')]
    target_groups: Vec<String>,
}

impl ProfileArgs {
    /// Whether any of the flags was given.
    fn given(&self) -> bool {
        self.base.is_some() || self.layout.is_some() || !self.target_groups.is_empty()
    }

    /// Makes `config` a profile of the flags' base, in `runs/<name>-profile` when it was a
    /// grid; or applies the flags given over its own `[profile]`, keeping the rest of it.
    fn apply(&self, config: &mut ExperimentConfig) -> Result<()> {
        if config.study.profile().is_none() {
            config.name = format!("{}-profile", config.name);
        }
        let study = std::mem::replace(&mut config.study, Study::Grid(Default::default()));
        let profile = study.profiling(self.base.clone(), self.layout, &self.target_groups)?;
        config.study = Study::Profile(profile);
        Ok(())
    }
}

/// Flags of the commands that train a plan.
#[derive(clap::Args, Clone)]
struct RunArgs {
    /// Print the plan and stop.
    #[arg(long)]
    dry_run: bool,
    /// Only cells whose names match this pattern (`*` is a wildcard), and their bases.
    #[arg(long)]
    only: Option<String>,
    /// Cells trained at once (default: 2 on the CPU, where one cell's ops leave cores
    /// idle, 1 on a GPU). Every cell trains the same way however many run at once.
    #[arg(long)]
    jobs: Option<usize>,
}

#[derive(Subcommand)]
enum Command {
    /// Plan the grid, train every unfinished cell (bases first), then write results.csv,
    /// the figures and the report.
    Reproduce {
        #[command(flatten)]
        experiment: ExperimentArgs,
        /// Overlay the paper's published values on the figures.
        #[arg(long)]
        paper: bool,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Profile a trained base net on a target dataset: the target's own base net, then layers
    /// 1..n of the base copied, frozen (AnB) and fine-tuned (AnB+), for every n; writes
    /// profile.csv, figures/profile.png, the report and a verdict (see docs/profile.md).
    Profile {
        #[command(flatten)]
        experiment: ExperimentArgs,
        #[command(flatten)]
        profile: ProfileArgs,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Estimate transfer profiles in seconds, without training: per base net, target and
    /// layer n, LogME and the H-scores of the base's frozen features of layers 1..n on the
    /// target's training images (LEEP and NCE of its classifier at n = 7), beside the measured
    /// frozen transfers where they have finished, with their rank agreement; writes
    /// estimate.csv and figures/estimate.png. A profile (its configuration's [profile] or
    /// --base) estimates its base on its target, a grid (e.g. --run-dir runs/embedded) every
    /// finished base on the halves its frozen transfers and selffers train on.
    Estimate {
        #[command(flatten)]
        experiment: ExperimentArgs,
        #[command(flatten)]
        profile: ProfileArgs,
        /// How a layer's maps become one vector per image: `fit` (flattened where the images
        /// support it, at most 4096 dimensions and half the images, else the finest grid that
        /// is), `flatten`, or each channel averaged over a grid (`2x2`; `1x1` is global average
        /// pooling). Fully connected layers are kept.
        #[arg(long, default_value = "fit")]
        reduction: transferability::estimates::Reduction,
    },
    /// Compare transfer profiles of one base net against two or three targets: one figure
    /// (profiles.png, each target against its own net) and one table (profiles.txt).
    CompareProfiles {
        /// The profile runs' directories, e.g. runs/natural-to-man-made runs/natural-to-glyphs.
        #[arg(required = true, num_args = 2..)]
        run_dirs: Vec<PathBuf>,
        /// The targets' names on the figure, in the same order (comma-separated); default:
        /// each target's groups, else its dataset.
        #[arg(long, value_delimiter = ',')]
        labels: Vec<String>,
        /// Where the figure and the table go.
        #[arg(long, default_value = "runs/profiles")]
        out_dir: PathBuf,
    },
    /// Draw the figures and the report from a run's results.csv alone.
    Plot {
        /// Run directory (default: runs/embedded).
        #[arg(long, default_value = "runs/embedded")]
        run_dir: PathBuf,
        /// Overlay the paper's published values.
        #[arg(long)]
        paper: bool,
    },
    /// Write the grid manifest (plan.jsonl: one JSON line per cell, stable indices) and print it.
    Plan {
        #[command(flatten)]
        experiment: ExperimentArgs,
    },
    /// Train one cell of the plan, idempotently (finished: nothing; interrupted: resume).
    RunCell {
        #[command(flatten)]
        experiment: ExperimentArgs,
        /// The cell's index in plan.jsonl (e.g. $SLURM_ARRAY_TASK_ID).
        #[arg(long, conflicts_with = "cell", required_unless_present = "cell")]
        index: Option<usize>,
        /// The cell's name, e.g. random0/A3B+.
        #[arg(long)]
        cell: Option<String>,
    },
    /// Write Slurm job-array scripts for the run (stage1.sbatch, stage2.sbatch, submit.sh).
    Slurm {
        #[command(flatten)]
        experiment: ExperimentArgs,
        /// Partition to submit to.
        #[arg(long)]
        partition: Option<String>,
        /// GPUs per array task.
        #[arg(long, default_value_t = 1)]
        gpus_per_task: u32,
        /// Time limit per task (Slurm format, e.g. 2-00:00:00).
        #[arg(long, default_value = "1-00:00:00")]
        time: String,
        /// At most this many array tasks at once.
        #[arg(long, default_value_t = 8)]
        max_parallel: u32,
    },
    /// Check the paper's findings on a run: each criterion (fixed in advance, see
    /// docs/results.md), the numbers it reads, whether it holds and, where it does not, the
    /// power the run had to see the paper's effect. Several run directories (seeds, splits)
    /// are pooled, the run a random effect, and their verdicts printed beside the pool's.
    Findings {
        /// Run directories (default: runs/embedded); two or more are pooled.
        #[arg(long = "run-dir", num_args = 1.., default_value = "runs/embedded")]
        run_dirs: Vec<PathBuf>,
        /// Check the paper's own published numbers instead of a run.
        #[arg(long, conflicts_with = "run_dirs")]
        paper: bool,
        /// Print Markdown tables instead: the findings, then the per-layer numbers beside
        /// the paper's (several runs: the verdicts side by side).
        #[arg(long)]
        markdown: bool,
    },
    /// Write the HTML report (figures inline, every cell, the configuration) from results.csv.
    Report {
        /// Run directory (default: runs/embedded).
        #[arg(long, default_value = "runs/embedded")]
        run_dir: PathBuf,
    },
    /// Decode and resize a configuration's dataset once into one file that training reads by
    /// memory map (`[dataset] kind = "packed"`); see docs/reproducing.md.
    Pack(pack::PackArgs),
    /// Build the CUDA binaries here, with a CUDA toolkit from NVIDIA's PyPI wheels (a build
    /// step; see docs/reproducing.md).
    CudaBuild(cuda_build::CudaBuildArgs),
}

fn main() -> ExitCode {
    signals::quiet_broken_pipe();
    transferability::ops::prepare_cpu_process();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .init();
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", error_chain(&e));
            ExitCode::FAILURE
        }
    }
}

/// An error and its causes, joined by `: ` (each error's message leaves its cause out, so the
/// chain says each thing once).
fn error_chain(error: &anyhow::Error) -> String {
    error
        .chain()
        .map(|cause| cause.to_string())
        .collect::<Vec<_>>()
        .join(": ")
}

/// The workspace root: the folder above this package.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lies inside the workspace")
        .to_path_buf()
}

/// The default configuration: `configs/embedded.toml` under the working directory, or in this
/// checkout when `cargo xtask` runs from one of its subdirectories.
fn default_config() -> PathBuf {
    let local = PathBuf::from("configs/embedded.toml");
    let checkout = workspace_root().join("configs/embedded.toml");
    if local.is_file() || !checkout.is_file() {
        local
    } else {
        checkout
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Reproduce {
            experiment,
            paper,
            run,
        } => train_plan(&open(&experiment, None)?, &run, paper),
        Command::Profile {
            experiment,
            profile,
            run,
        } => train_plan(&open(&experiment, Some(&profile))?, &run, false),
        Command::Estimate {
            experiment,
            profile,
            reduction,
        } => {
            let profile = profile.given().then_some(&profile);
            estimate(&open(&experiment, profile)?, reduction)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::CompareProfiles {
            run_dirs,
            labels,
            out_dir,
        } => {
            compare_profiles(&run_dirs, &labels, &out_dir)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Plot { run_dir, paper } => {
            plot(&run_dir, paper)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Plan { experiment } => {
            let experiment = open(&experiment, None)?;
            print!("{}", experiment.plan().manifest());
            Ok(ExitCode::SUCCESS)
        }
        Command::RunCell {
            experiment,
            index,
            cell,
        } => run_cell(&experiment, index, cell.as_deref()),
        Command::Slurm {
            experiment,
            partition,
            gpus_per_task,
            time,
            max_parallel,
        } => {
            let exp = open(&experiment, None)?;
            exp.write_manifest()?;
            let options = slurm::SlurmOptions {
                partition,
                gpus_per_task,
                time,
                max_parallel,
                config: exp.run_dir().config(),
            };
            for path in slurm::write_scripts(&exp, &options)? {
                println!("wrote {}", path.display());
            }
            println!(
                "submit with: bash {}",
                exp.run_dir().slurm_script("submit.sh").display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Findings {
            run_dirs,
            paper,
            markdown,
        } => {
            findings(&run_dirs, paper, markdown)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Report { run_dir } => {
            plot(&run_dir, false)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Pack(args) => {
            pack::run(&args)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::CudaBuild(args) => {
            cuda_build::run(&args)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Loads the configuration (flag, saved run config, or the default), applies the overrides
/// and opens the experiment; with `profile`, a transfer profile (see [`ProfileArgs::apply`]).
fn open(args: &ExperimentArgs, profile: Option<&ProfileArgs>) -> Result<Experiment> {
    let path = ExperimentConfig::choose(
        args.config.as_deref(),
        args.run_dir.as_deref(),
        &default_config(),
    );
    let mut config = ExperimentConfig::load(&path)?;
    if let Some(seed) = args.seed {
        config = config.with_seed(seed);
    }
    if let Some(precision) = args.precision {
        config = config.with_precision(precision);
    }
    if let Some(data) = &args.data {
        config.dataset.path = Some(data.clone());
    }
    if let Some(device) = args.device {
        config.device = device;
    }
    if let Some(profile) = profile {
        profile
            .apply(&mut config)
            .with_context(|| path.display().to_string())?;
    }
    let run_dir = args.run_dir.clone().unwrap_or_else(|| config.run_dir());
    Experiment::open(config, run_dir)
        .with_context(|| format!("opening the experiment of {}", path.display()))
}

/// Trains the plan of `experiment` (or the cells `--only` picks), then writes results.csv,
/// the figures and the report, and prints what they say.
fn train_plan(experiment: &Experiment, args: &RunArgs, paper: bool) -> Result<ExitCode> {
    let plan = experiment.plan();
    let cells = match &args.only {
        Some(pattern) => plan.only(pattern),
        None => plan.cells().iter().collect(),
    };
    if cells.is_empty() {
        bail!(
            "no cell of the plan matches `{}`",
            args.only.as_deref().unwrap_or("*")
        );
    }
    println!(
        "run directory {}: {} cells ({} in stage 1, {} in stage 2)",
        experiment.run_dir().root().display(),
        cells.len(),
        cells.iter().filter(|c| c.stage == 1).count(),
        cells.iter().filter(|c| c.stage == 2).count()
    );
    for planned in &cells {
        let state = if experiment.is_finished(&planned.cell) {
            "done"
        } else {
            "to train"
        };
        println!(
            "  [{:>3}] stage {}  {:<20} {state}",
            planned.index, planned.stage, planned.cell
        );
    }
    if args.dry_run {
        return Ok(ExitCode::SUCCESS);
    }
    let stop = signals::stop_flag()?;
    let check = experiment.prepare()?;
    print_image_check(&check);
    let jobs = args.jobs.unwrap_or_else(|| experiment.default_jobs());
    let bars = progress::GridBars::new(cells.len());
    let summary = run_cells(experiment, &cells, stop, jobs, &bars);
    let run = experiment.run();
    let rows = run.write_results()?;
    let analysis = run.analyse(&rows)?;
    let written = run.draw(&rows, &analysis, paper)?;
    print!("{}", analysis.summary());
    println!(
        "{} cells trained, {} already done, {} trained by another runner, {} skipped, {} failed; results in {}",
        summary.trained.len(),
        summary.already_done.len(),
        summary.finished_elsewhere.len(),
        summary.skipped.len(),
        summary.failed.len(),
        experiment.run_dir().results().display()
    );
    for path in written {
        println!("wrote {}", path.display());
    }
    let root = experiment.run_dir().root();
    println!(
        "run directory {}: {:.1} MB",
        root.display(),
        transferability::size_on_disk(root) as f64 / 1e6
    );
    for (cell, error) in &summary.failed {
        eprintln!("FAILED {cell}: {error}");
    }
    for (cell, base) in &summary.skipped {
        eprintln!("SKIPPED {cell}: its base {base} failed");
    }
    if let Some(cell) = &summary.interrupted {
        eprintln!("stopped during {cell}; run the same command again to carry on");
        return Ok(ExitCode::from(130));
    }
    Ok(if summary.complete() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// One line on the image check: how many images, how long, what was left out.
fn print_image_check(check: &transferability::ImageCheck) {
    let took = if check.seconds > 0.0 {
        format!(" in {:.1} s", check.seconds)
    } else {
        " (checked before)".to_string()
    };
    match check.unreadable.len() {
        0 => println!("images: all {} readable{took}", check.checked),
        n => println!(
            "images: {n} of {} unreadable{took}, left out (skip_bad_images = true); the first: {}: {}",
            check.checked, check.unreadable[0].name, check.unreadable[0].reason
        ),
    }
}

fn run_cell(args: &ExperimentArgs, index: Option<usize>, name: Option<&str>) -> Result<ExitCode> {
    let experiment = open(args, None)?;
    let plan = experiment.plan();
    let cell: Cell = match (index, name) {
        (Some(i), _) => plan.at(i)?.cell.clone(),
        (None, Some(name)) => name.parse()?,
        (None, None) => bail!("give --index or --cell"),
    };
    let stop = signals::stop_flag()?;
    let mut progress = progress::CellBar::new(&cell.to_string(), None);
    match experiment.run_cell(&cell, stop, &mut progress)? {
        Outcome::Finished(r) | Outcome::AlreadyDone(r) => {
            experiment.run().write_results()?;
            println!("{}: top-1 {:.2}%", r.cell, r.top1 * 100.0);
            Ok(ExitCode::SUCCESS)
        }
        Outcome::Interrupted { iteration } => {
            eprintln!(
                "{cell}: checkpointed at iteration {iteration}; exiting so that it can be requeued"
            );
            Ok(ExitCode::from(signals::INTERRUPTED_EXIT))
        }
    }
}

fn findings(run_dirs: &[PathBuf], paper: bool, markdown: bool) -> Result<()> {
    use transferability::findings::{
        check_findings, comparison_markdown, findings_markdown, paper as published, pool,
        pooled_markdown, pooled_verdicts, Evidence,
    };
    if paper {
        let rows = published::networks()?;
        let assessment = check_findings(&Evidence {
            rows: &rows,
            curves: None,
            chances: &published::chances(),
        });
        if markdown {
            print!("{}", findings_markdown(&assessment));
        } else {
            let source = format!("the paper's published numbers ({} networks)", rows.len());
            print!("{}", assessment.to_text(&source));
        }
        return Ok(());
    }
    let mut runs = Vec::new();
    for run_dir in run_dirs {
        let (rows, analysis) = Run::open(run_dir)?.finished()?;
        match analysis.findings() {
            Some(assessment) => {
                runs.push((run_dir.display().to_string(), rows, assessment.clone()))
            }
            // A transfer profile has no findings, only its verdict.
            None => print!("{}:\n{}", run_dir.display(), analysis.summary()),
        }
    }
    for (name, rows, assessment) in &runs {
        if markdown {
            println!("## {name}\n");
            print!("{}", findings_markdown(assessment));
            print!(
                "\n{}\n",
                comparison_markdown(rows, &published::networks()?, "paper")
            );
        } else {
            println!(
                "{}",
                assessment.to_text(&format!("{name} ({} networks)", rows.len()))
            );
        }
    }
    if runs.len() >= 2 {
        let named: Vec<_> = runs
            .into_iter()
            .map(|(name, _, assessment)| (name, assessment))
            .collect();
        let pooled = pool(&named);
        if markdown {
            println!("## pooled\n");
            print!("{}", pooled_markdown(&named, &pooled));
        } else {
            print!(
                "{}",
                pooled.to_text(&format!("{} runs pooled", named.len()))
            );
            print!(
                "\nverdicts side by side:\n{}",
                pooled_verdicts(&named, &pooled)
            );
        }
    }
    Ok(())
}

/// Estimates the experiment's profiles, a line as each starts and ends, then their summary and
/// the files written.
fn estimate(
    experiment: &Experiment,
    reduction: transferability::estimates::Reduction,
) -> Result<()> {
    use transferability::EstimateProgress;
    let started = std::time::Instant::now();
    let estimated = transferability::estimate(experiment, reduction, &mut |event| match event {
        EstimateProgress::Started { base, target } => {
            eprintln!("estimating {base} on half {target} of its split ...")
        }
        EstimateProgress::Finished(done) => eprintln!(
            "  done in {:.1} s ({} layers)",
            done.seconds,
            done.estimate.layers.len()
        ),
    })?;
    print!("{}", estimated.summary());
    for path in &estimated.written {
        println!("wrote {}", path.display());
    }
    let profiles = estimated.profiles.len();
    println!(
        "{profiles} profile{} estimated in {:.1} s",
        if profiles == 1 { "" } else { "s" },
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn compare_profiles(run_dirs: &[PathBuf], labels: &[String], out_dir: &Path) -> Result<()> {
    if !labels.is_empty() && labels.len() != run_dirs.len() {
        bail!(
            "--labels names {} targets for {} run directories",
            labels.len(),
            run_dirs.len()
        );
    }
    let runs: Vec<ProfileRun> = run_dirs
        .iter()
        .enumerate()
        .map(|(i, run_dir)| ProfileRun {
            run_dir: run_dir.clone(),
            label: labels.get(i).cloned(),
        })
        .collect();
    let (comparison, written) = write_comparison(&runs, out_dir)?;
    print!("{}", comparison.to_text());
    for path in written {
        println!("wrote {}", path.display());
    }
    Ok(())
}

fn plot(run_dir: &Path, paper: bool) -> Result<()> {
    for path in Run::open(run_dir)?.redraw(paper)?.written {
        println!("wrote {}", path.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use transferability::transfer::Layout;

    /// A configuration of the repository's `configs/` folder.
    fn config(name: &str) -> ExperimentConfig {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../configs")
            .join(name);
        ExperimentConfig::load(&path).unwrap()
    }

    /// The `profile` command's flags as clap parses them.
    fn profile_args(flags: &[&str]) -> ProfileArgs {
        let argv = ["xtask", "profile"].iter().chain(flags);
        match Cli::try_parse_from(argv).unwrap().command {
            Command::Profile { profile, .. } => profile,
            _ => unreachable!("parsed as the profile command"),
        }
    }

    #[test]
    fn a_base_flag_makes_a_plain_configuration_a_profile_in_its_own_run_directory() {
        let mut embedded = config("embedded.toml");
        profile_args(&[
            "--base",
            "net.pth",
            "--layout",
            "torchvision",
            "--target-groups",
            "letters,symbols",
        ])
        .apply(&mut embedded)
        .unwrap();
        assert_eq!(embedded.name, "embedded-profile");
        let profile = embedded.study.profile().unwrap();
        assert_eq!(profile.base, PathBuf::from("net.pth"));
        assert_eq!(profile.layout, Layout::Torchvision);
        assert_eq!(profile.target_groups, ["letters", "symbols"]);
    }

    #[test]
    fn flags_replace_only_what_they_give_of_a_configured_profile() {
        let mut configured = config("profile-tiny-to-glyphs.toml");
        let Study::Profile(profile) = &mut configured.study else {
            panic!("profile-tiny-to-glyphs.toml is a profile");
        };
        profile.layout = Layout::Torchvision;
        profile.target_groups = vec!["symbols".into()];
        let name = configured.name.clone();

        let mut other_base = configured.clone();
        profile_args(&["--base", "other.safetensors"])
            .apply(&mut other_base)
            .unwrap();
        assert_eq!(other_base.name, name);
        let profile = other_base.study.profile().unwrap();
        assert_eq!(profile.base, PathBuf::from("other.safetensors"));
        assert_eq!(profile.layout, Layout::Torchvision);
        assert_eq!(profile.target_groups, ["symbols"]);

        let base = configured.study.profile().unwrap().base.clone();
        profile_args(&["--layout", "convnet", "--target-groups", "letters"])
            .apply(&mut configured)
            .unwrap();
        let profile = configured.study.profile().unwrap();
        assert_eq!(profile.base, base);
        assert_eq!(profile.layout, Layout::Convnet);
        assert_eq!(profile.target_groups, ["letters"]);
    }

    #[test]
    fn a_profile_needs_a_base() {
        let error = profile_args(&[])
            .apply(&mut config("embedded.toml"))
            .unwrap_err();
        assert!(error.to_string().contains("--base"), "{error}");
    }

    #[test]
    fn labels_name_every_compared_run() {
        let cli = Cli::try_parse_from([
            "xtask",
            "compare-profiles",
            "runs/a",
            "runs/b",
            "--labels",
            "near",
        ])
        .unwrap();
        let Command::CompareProfiles {
            run_dirs,
            labels,
            out_dir,
        } = cli.command
        else {
            panic!("not compare-profiles");
        };
        let error = compare_profiles(&run_dirs, &labels, &out_dir).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("--labels names 1 targets for 2 run directories"),
            "{error}"
        );
        assert!(Cli::try_parse_from(["xtask", "compare-profiles", "runs/a"]).is_err());
    }
}
