//! `cargo xtask cuda-build`: builds the CUDA binaries on a machine without a CUDA toolkit.
//!
//! The toolkit comes from NVIDIA's PyPI wheels (nvcc and ptxas, cicc, the runtime, the CRT
//! headers, CCCL), pinned to the CUDA 13.0 series so that the PTX it writes loads on a driver
//! that reports CUDA 13.0. They are downloaded once into a cache folder with
//! `python3 -m pip download`, unpacked there, and the build runs with `CUDA_ROOT`, `PATH`,
//! `CUDA_COMPUTE_CAP`, `CUDARC_CUDA_VERSION` and `LIBRARY_PATH` pointing at them. This is a
//! build step only: nothing downloads when the binaries run.
//!
//! The build goes to its own target folder (default `target/cuda`) so that it never replaces
//! the CPU binaries of `target/release`, and ends with a bundle folder (`<target>/bundle`)
//! holding everything `scripts/gpu-check.sh` runs on a GPU machine: the `xtask` binary, the
//! CUDA test binary of convnet-train, the `train_step` benchmark and `libcudart.so.13`.

use std::ffi::OsString;
use std::fs;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, ensure, Context, Result};

/// The toolkit wheels and their versions: the CUDA 13.0 series throughout.
pub const TOOLKIT_WHEELS: [(&str, &str); 5] = [
    ("nvidia-cuda-nvcc", "13.0.88"),
    ("nvidia-nvvm", "13.0.88"),
    ("nvidia-cuda-crt", "13.0.88"),
    ("nvidia-cuda-runtime", "13.0.96"),
    ("nvidia-cuda-cccl", "13.0.85"),
];

/// The CUDA release the wheels make up, as `nvcc --version` prints it.
pub const CUDA_RELEASE: &str = "13.0";

/// `CUDARC_CUDA_VERSION` for that release (cudarc's `major 0 minor 0` spelling).
const CUDARC_CUDA_VERSION: &str = "13000";

/// The bundle's name for the CUDA test binary of convnet-train.
const TEST_BINARY: &str = "convnet-train-cuda-tests";

/// Flags of `cargo xtask cuda-build`.
#[derive(clap::Args, Debug, Clone)]
pub struct CudaBuildArgs {
    /// Folder for the downloaded wheels and the unpacked toolkit.
    #[arg(long, default_value = ".cuda-toolkit")]
    pub cache: PathBuf,
    /// Compute capability the kernels are compiled for (90: H100, H200).
    #[arg(long, default_value_t = 90)]
    pub compute_cap: u32,
    /// Only `cargo check` the CUDA build (no binaries, no bundle).
    #[arg(long)]
    pub check_only: bool,
    /// Cargo target folder of the CUDA build.
    #[arg(long, default_value = "target/cuda")]
    pub target_dir: PathBuf,
}

/// An unpacked toolkit: `root` holds `bin/nvcc`, `nvvm/bin/cicc`, `include/` and `lib/`.
#[derive(Debug, Clone)]
pub struct Toolkit {
    /// The folder to give as `CUDA_ROOT`.
    pub root: PathBuf,
}

/// Runs `cargo xtask cuda-build`.
pub fn run(args: &CudaBuildArgs) -> Result<()> {
    let started = Instant::now();
    let cache = absolute(&args.cache)?;
    let target_dir = absolute(&args.target_dir)?;
    let toolkit = Toolkit::prepare(&cache)?;
    println!(
        "CUDA {CUDA_RELEASE} toolkit at {} ({:.0} s)",
        toolkit.root.display(),
        started.elapsed().as_secs_f64()
    );
    let env = toolkit.build_env(args.compute_cap)?;
    let strip = ["--config", "profile.release.strip=\"symbols\""];
    let common = |cargo_args: &[&str]| -> Vec<OsString> {
        let mut all: Vec<OsString> = cargo_args.iter().map(OsString::from).collect();
        all.extend(["--release", "--features", "cuda", "--target-dir"].map(OsString::from));
        all.push(target_dir.clone().into_os_string());
        all.extend(strip.map(OsString::from));
        all
    };
    if args.check_only {
        cargo(&env, &common(&["check", "-p", "xtask"]))?;
        cargo(
            &env,
            &common(&["check", "-p", "convnet-train", "--tests", "--examples"]),
        )?;
        println!(
            "cargo check --features cuda passed in {:.0} s",
            started.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    cargo(&env, &common(&["build", "-p", "xtask"]))?;
    cargo(
        &env,
        &common(&["build", "-p", "convnet-train", "--example", "train_step"]),
    )?;
    let test_binary = build_test_binary(
        &env,
        &common(&["test", "-p", "convnet-train", "--test", "cuda", "--no-run"]),
    )?;

    let release = target_dir.join("release");
    let bundle = target_dir.join("bundle");
    fs::create_dir_all(&bundle).with_context(|| format!("creating {}", bundle.display()))?;
    let copies = [
        (release.join("xtask"), bundle.join("xtask")),
        (
            release.join("examples/train_step"),
            bundle.join("train_step"),
        ),
        (test_binary, bundle.join(TEST_BINARY)),
        (
            toolkit.root.join("lib/libcudart.so.13"),
            bundle.join("libcudart.so.13"),
        ),
    ];
    for (from, to) in &copies {
        copy_file(from, to)?;
    }
    let info = bundle.join("BUILD-INFO.txt");
    let wheels: Vec<String> = TOOLKIT_WHEELS
        .iter()
        .map(|(n, v)| format!("{n}=={v}"))
        .collect();
    fs::write(
        &info,
        format!(
            "cuda_release={CUDA_RELEASE}\ncompute_cap={}\nwheels={}\nbuild_seconds={:.0}\n",
            args.compute_cap,
            wheels.join(" "),
            started.elapsed().as_secs_f64()
        ),
    )
    .with_context(|| format!("writing {}", info.display()))?;
    println!(
        "built in {:.0} s; CUDA binary: {}",
        started.elapsed().as_secs_f64(),
        release.join("xtask").display()
    );
    println!("bundle for scripts/gpu-check.sh: {}", bundle.display());
    for (_, to) in &copies {
        let size = fs::metadata(to).map(|m| m.len()).unwrap_or(0);
        println!("  {} ({:.1} MiB)", to.display(), size as f64 / 1048576.0);
    }
    Ok(())
}

impl Toolkit {
    /// Downloads the wheels that `cache/wheels` lacks, unpacks them once into
    /// `cache/cuda-<release>`, and checks that its nvcc runs and is the expected release.
    pub fn prepare(cache: &Path) -> Result<Toolkit> {
        let wheels = cache.join("wheels");
        fs::create_dir_all(&wheels).with_context(|| format!("creating {}", wheels.display()))?;
        let missing: Vec<String> = TOOLKIT_WHEELS
            .iter()
            .filter(|(name, version)| find_wheel(&wheels, name, version).is_none())
            .map(|(name, version)| format!("{name}=={version}"))
            .collect();
        if !missing.is_empty() {
            println!("downloading {}", missing.join(" "));
            let mut pip = Command::new("python3");
            pip.args([
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary=:all:",
                "--dest",
            ])
            .arg(&wheels)
            .args(&missing);
            run_checked(&mut pip, "python3 -m pip download")?;
        }
        let unpacked = cache.join(format!("cuda-{CUDA_RELEASE}"));
        let done = unpacked.join(".unpacked");
        if !done.is_file() {
            if unpacked.exists() {
                fs::remove_dir_all(&unpacked).with_context(|| {
                    format!("removing the partly unpacked {}", unpacked.display())
                })?;
            }
            fs::create_dir_all(&unpacked)
                .with_context(|| format!("creating {}", unpacked.display()))?;
            for (name, version) in TOOLKIT_WHEELS {
                let wheel = find_wheel(&wheels, name, version).with_context(|| {
                    format!("no {name}=={version} wheel in {}", wheels.display())
                })?;
                unpack(&wheel, &unpacked)?;
            }
            finish_layout(&unpacked.join("nvidia/cu13"))?;
            fs::write(
                &done,
                TOOLKIT_WHEELS.map(|(n, v)| format!("{n}=={v}\n")).concat(),
            )
            .with_context(|| format!("writing {}", done.display()))?;
        }
        let toolkit = Toolkit {
            root: unpacked.join("nvidia/cu13"),
        };
        toolkit.check_nvcc()?;
        Ok(toolkit)
    }

    /// Runs `nvcc --version` and checks the release it reports.
    fn check_nvcc(&self) -> Result<()> {
        let nvcc = self.root.join("bin/nvcc");
        let output = Command::new(&nvcc)
            .arg("--version")
            .output()
            .with_context(|| format!("running {}", nvcc.display()))?;
        let text = String::from_utf8_lossy(&output.stdout);
        ensure!(
            output.status.success() && text.contains(&format!("release {CUDA_RELEASE},")),
            "{} --version did not report release {CUDA_RELEASE}: {}{}",
            nvcc.display(),
            text.trim(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
        Ok(())
    }

    /// The environment of a build against this toolkit for compute capability `compute_cap`.
    pub fn build_env(&self, compute_cap: u32) -> Result<Vec<(String, OsString)>> {
        let root = self.root.clone().into_os_string();
        let prepend = |var: &str, dir: PathBuf| -> Result<OsString> {
            let mut dirs = vec![dir];
            if let Some(old) = std::env::var_os(var) {
                dirs.extend(std::env::split_paths(&old));
            }
            std::env::join_paths(dirs).with_context(|| format!("building {var}"))
        };
        Ok(vec![
            ("CUDA_ROOT".into(), root.clone()),
            ("CUDA_HOME".into(), root.clone()),
            ("CUDA_PATH".into(), root),
            ("NVCC".into(), self.root.join("bin/nvcc").into_os_string()),
            ("PATH".into(), prepend("PATH", self.root.join("bin"))?),
            (
                "LIBRARY_PATH".into(),
                prepend("LIBRARY_PATH", self.root.join("lib"))?,
            ),
            ("CUDA_COMPUTE_CAP".into(), compute_cap.to_string().into()),
            ("CUDARC_CUDA_VERSION".into(), CUDARC_CUDA_VERSION.into()),
        ])
    }
}

/// The wheel file of `name==version` in `dir`, if downloaded (`name_with_underscores-version-*.whl`).
fn find_wheel(dir: &Path, name: &str, version: &str) -> Option<PathBuf> {
    let prefix = format!("{}-{version}-", name.replace('-', "_"));
    fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".whl"))
        })
}

/// Unpacks a wheel (a zip file) into `into`, with `unzip` or else Python's zipfile.
fn unpack(wheel: &Path, into: &Path) -> Result<()> {
    let with_unzip = Command::new("unzip")
        .arg("-qo")
        .arg(wheel)
        .arg("-d")
        .arg(into)
        .status();
    match with_unzip {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => bail!("unzip {} failed ({status})", wheel.display()),
        Err(_) => run_checked(
            Command::new("python3")
                .args(["-m", "zipfile", "-e"])
                .arg(wheel)
                .arg(into),
            &format!("python3 -m zipfile -e {}", wheel.display()),
        ),
    }
}

/// Restores what a wheel loses or lacks: the exec bits of the compiler binaries, the
/// unversioned `libcudart.so` the linker looks for, and `lib64` beside `lib`.
fn finish_layout(root: &Path) -> Result<()> {
    for dir in ["bin", "nvvm/bin"] {
        let dir = root.join(dir);
        let entries = fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?;
        for path in entries.flatten().map(|e| e.path()).filter(|p| p.is_file()) {
            let mut permissions = fs::metadata(&path)
                .with_context(|| format!("reading {}", path.display()))?
                .permissions();
            permissions.set_mode(permissions.mode() | 0o755);
            fs::set_permissions(&path, permissions)
                .with_context(|| format!("making {} executable", path.display()))?;
        }
    }
    let links = [
        (
            root.join("lib/libcudart.so"),
            PathBuf::from("libcudart.so.13"),
        ),
        (root.join("lib64"), PathBuf::from("lib")),
    ];
    for (link, target) in links {
        if fs::symlink_metadata(&link).is_err() {
            symlink(&target, &link).with_context(|| format!("linking {}", link.display()))?;
        }
    }
    Ok(())
}

/// Runs `cargo` with `args` in the workspace root, with `env` added; fails on a non-zero exit.
fn cargo(env: &[(String, OsString)], args: &[OsString]) -> Result<()> {
    let started = Instant::now();
    let shown = command_line(args);
    println!("cargo {shown}");
    let mut command = cargo_command(env);
    command.args(args);
    run_checked(&mut command, &format!("cargo {shown}"))?;
    println!("  done in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// `args` as one line, for messages.
fn command_line(args: &[OsString]) -> String {
    args.iter()
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}

fn cargo_command(env: &[(String, OsString)]) -> Command {
    let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(program);
    command.current_dir(crate::workspace_root());
    command.envs(env.iter().map(|(k, v)| (k, v)));
    command
}

/// Builds a test binary without running it and returns its path, read from cargo's JSON
/// messages.
fn build_test_binary(env: &[(String, OsString)], args: &[OsString]) -> Result<PathBuf> {
    let shown = command_line(args);
    println!("cargo {shown}");
    let mut command = cargo_command(env);
    command
        .args(args)
        .arg("--message-format=json-render-diagnostics")
        .stdout(Stdio::piped());
    let mut child = command
        .spawn()
        .with_context(|| format!("starting cargo {shown}"))?;
    let stdout = child.stdout.take().context("cargo's standard output")?;
    let mut executable = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.context("reading cargo's messages")?;
        if line.contains("\"compiler-artifact\"") && line.contains("\"test\":true") {
            if let Some(path) = json_string_field(&line, "executable") {
                executable = Some(PathBuf::from(path));
            }
        }
    }
    let status = child
        .wait()
        .with_context(|| format!("waiting for cargo {shown}"))?;
    ensure!(status.success(), "cargo {shown} failed ({status})");
    executable.with_context(|| format!("cargo {shown} named no test executable"))
}

/// The string value of `"field":"..."` in one line of JSON (no escaped quotes in the value).
fn json_string_field(line: &str, field: &str) -> Option<String> {
    let key = format!("\"{field}\":\"");
    let start = line.find(&key)? + key.len();
    let end = line[start..].find('"')?;
    Some(line[start..start + end].replace("\\\\", "\\"))
}

fn run_checked(command: &mut Command, what: &str) -> Result<()> {
    let status = command
        .status()
        .with_context(|| format!("starting {what}"))?;
    ensure!(status.success(), "{what} failed ({status})");
    Ok(())
}

fn copy_file(from: &Path, to: &Path) -> Result<()> {
    fs::copy(from, to)
        .map(|_| ())
        .with_context(|| format!("copying {} to {}", from.display(), to.display()))
}

fn absolute(path: &Path) -> Result<PathBuf> {
    if path.is_absolute() {
        Ok(path.to_path_buf())
    } else {
        Ok(std::env::current_dir()
            .context("reading the current folder")?
            .join(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wheels_are_one_cuda_release() {
        for (name, version) in TOOLKIT_WHEELS {
            assert!(
                version.starts_with(&format!("{CUDA_RELEASE}.")),
                "{name}=={version} is not CUDA {CUDA_RELEASE}"
            );
        }
        let (major, minor) = CUDA_RELEASE.split_once('.').unwrap();
        assert_eq!(CUDARC_CUDA_VERSION, format!("{major}0{minor}0"));
    }

    #[test]
    fn finds_wheels_by_name_and_version() {
        let dir = tempfile::tempdir().unwrap();
        let file = "nvidia_cuda_nvcc-13.0.88-py3-none-manylinux2014_x86_64.whl";
        fs::write(dir.path().join(file), b"").unwrap();
        fs::write(
            dir.path().join("nvidia_cuda_nvcc-13.0.48-py3-none-any.whl"),
            b"",
        )
        .unwrap();
        let found = find_wheel(dir.path(), "nvidia-cuda-nvcc", "13.0.88").unwrap();
        assert_eq!(found.file_name().unwrap(), file);
        assert!(find_wheel(dir.path(), "nvidia-cuda-nvcc", "13.0.8").is_none());
        assert!(find_wheel(dir.path(), "nvidia-nvvm", "13.0.88").is_none());
    }

    #[test]
    fn reads_the_executable_of_a_cargo_message() {
        let line = r#"{"reason":"compiler-artifact","target":{"name":"cuda"},"profile":{"test":true},"executable":"/w/target/cuda/release/deps/cuda-0a1b","fresh":true}"#;
        assert_eq!(
            json_string_field(line, "executable").as_deref(),
            Some("/w/target/cuda/release/deps/cuda-0a1b")
        );
        assert_eq!(
            json_string_field(r#"{"executable":null}"#, "executable"),
            None
        );
    }

    #[test]
    fn layout_gets_exec_bits_and_links() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for sub in ["bin", "nvvm/bin", "lib"] {
            fs::create_dir_all(root.join(sub)).unwrap();
        }
        for file in ["bin/nvcc", "nvvm/bin/cicc", "lib/libcudart.so.13"] {
            fs::write(root.join(file), b"").unwrap();
            fs::set_permissions(root.join(file), fs::Permissions::from_mode(0o644)).unwrap();
        }
        finish_layout(root).unwrap();
        finish_layout(root).unwrap(); // a second time changes nothing and does not fail
        for file in ["bin/nvcc", "nvvm/bin/cicc"] {
            let mode = fs::metadata(root.join(file)).unwrap().permissions().mode();
            assert_eq!(mode & 0o111, 0o111, "{file} mode {mode:o}");
        }
        assert!(root.join("lib/libcudart.so").is_file());
        assert!(root.join("lib64/libcudart.so.13").is_file());
    }

    #[test]
    fn build_env_points_at_the_toolkit() {
        let toolkit = Toolkit {
            root: PathBuf::from("/opt/cu13"),
        };
        let env = toolkit.build_env(90).unwrap();
        let get = |k: &str| {
            env.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        assert_eq!(get("CUDA_ROOT"), "/opt/cu13");
        assert_eq!(get("CUDA_COMPUTE_CAP"), "90");
        assert_eq!(get("CUDARC_CUDA_VERSION"), "13000");
        assert!(get("PATH").to_string_lossy().starts_with("/opt/cu13/bin"));
        assert!(get("LIBRARY_PATH")
            .to_string_lossy()
            .starts_with("/opt/cu13/lib"));
    }
}
