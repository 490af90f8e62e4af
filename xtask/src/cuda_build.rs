//! `cargo xtask cuda-build`: builds the CUDA binaries on a machine without a CUDA toolkit.
//!
//! The toolkit comes from NVIDIA's PyPI wheels (nvcc and ptxas, cicc, the runtime, the CRT
//! headers, CCCL), pinned to the CUDA 13.0 series so that the PTX it writes loads on a driver
//! that reports CUDA 13.0, and so do the libraries the binaries link (cuBLAS, cuBLASLt,
//! cuRAND, NVRTC, at the versions of CUDA 13.0.2). They are downloaded once into a cache
//! folder with `python3 -m pip download`, unpacked there, and the build runs with
//! `CUDA_ROOT`, `PATH`, `CUDA_COMPUTE_CAP`, `CUDARC_CUDA_VERSION` and `LIBRARY_PATH` pointing
//! at them. This is a build step only: nothing downloads when the binaries run.
//!
//! No wheel holds the driver (`libcuda.so`), which cudarc links, so the toolkit gets a driver
//! stub compiled from the entry points that `cuda.h` declares: each answers
//! `CUDA_ERROR_STUB_LIBRARY`. It is what the binaries link against and, on a machine without
//! a driver, what lets them start and report that there is no CUDA device.
//!
//! The build goes to its own target folder (default `target/cuda`) so that it never replaces
//! the CPU binaries of `target/release`, and ends with a bundle folder (`<target>/bundle`)
//! holding everything `scripts/gpu-check.sh` runs on a GPU machine: the `xtask` binary, the
//! CUDA test binary of convnet-train, the `train_step` benchmark, the CUDA libraries in
//! `lib/`, the driver stub in `stubs/`, and the launcher `run` (from
//! `scripts/cuda-bundle-run.sh`) that runs a program with them.

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

/// The libraries the CUDA binaries link and load at run time, at the versions of CUDA
/// 13.0.2 (the `cuda-toolkit==13.0.2` metapackage): cuBLAS and cuBLASLt, cuRAND, NVRTC; and
/// cuDNN 9 for CUDA 13 at the version PyTorch 2.11 ships with. Their own version numbers
/// differ from the toolkit's.
pub const LIBRARY_WHEELS: [(&str, &str); 4] = [
    ("nvidia-cublas", "13.1.0.3"),
    ("nvidia-curand", "10.4.0.35"),
    ("nvidia-cuda-nvrtc", "13.0.88"),
    ("nvidia-cudnn-cu13", "9.19.0.56"),
];

/// The shared libraries of the toolkit's `lib/` that the binaries are linked against (by
/// `-l<name>`, so each gets its unversioned `lib<name>.so` link).
const LINKED_LIBRARIES: [&str; 6] = [
    "libcudart.so.13",
    "libcublas.so.13",
    "libcublasLt.so.13",
    "libcurand.so.10",
    "libnvrtc.so.13",
    "libcudnn.so.9",
];

/// Libraries whose wheel unpacks beside the toolkit rather than into it, linked into its
/// `lib/` (name, link target relative to `lib/`): cuDNN's front library. The engines it
/// loads at run time stay in its own folder.
const ADJACENT_LIBRARIES: [(&str, &str); 1] = [("libcudnn.so.9", "../../cudnn/lib/libcudnn.so.9")];

/// The libraries the bundle carries: those the binaries need at run time (cuBLAS needs
/// cuBLASLt), and cuDNN's front library (0.1 MiB; the launcher puts the machine's own cuDNN,
/// engines and all, before it where there is one). NVRTC is not among them: candle's kernels
/// are PTX compiled at build time, no NVRTC function is called, and the linker drops the
/// library (`--as-needed`); `check_bundle` fails the build should that change.
const BUNDLED_LIBRARIES: [&str; 5] = [
    "libcudart.so.13",
    "libcublas.so.13",
    "libcublasLt.so.13",
    "libcurand.so.10",
    "libcudnn.so.9",
];

/// The driver's name as the binaries ask for it (the stub's soname).
const DRIVER: &str = "libcuda.so.1";

/// `CUDA_ERROR_STUB_LIBRARY`, what every entry point of the driver stub answers.
const CUDA_ERROR_STUB_LIBRARY: u32 = 34;

/// The launcher the bundle carries as `run`, relative to the workspace root.
const LAUNCHER: &str = "scripts/cuda-bundle-run.sh";

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
    // One cargo call for the three binaries, so that their dependencies are built once, with
    // one set of features.
    let test_binary = build_test_binary(
        &env,
        &common(&[
            "build",
            "-p",
            "xtask",
            "-p",
            "convnet-train",
            "--bin",
            "xtask",
            "--example",
            "train_step",
            "--test",
            "cuda",
        ]),
    )?;

    let release = target_dir.join("release");
    let bundle = target_dir.join("bundle");
    let binaries = [
        (release.join("xtask"), "xtask"),
        (release.join("examples/train_step"), "train_step"),
        (test_binary, TEST_BINARY),
    ];
    write_bundle(&bundle, &toolkit, &binaries)?;
    check_bundle(&bundle, &binaries)?;
    let info = bundle.join("BUILD-INFO.txt");
    let wheels: Vec<String> = TOOLKIT_WHEELS
        .iter()
        .chain(&LIBRARY_WHEELS)
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
    println!(
        "bundle for scripts/gpu-check.sh: {} (run its programs as {}/run xtask ...)",
        bundle.display(),
        bundle.display()
    );
    let mut total = 0;
    for file in bundle_files(&bundle)? {
        let size = fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        total += size;
        println!("  {} ({:.1} MiB)", file.display(), size as f64 / 1048576.0);
    }
    println!("  in all {:.1} MiB", total as f64 / 1048576.0);
    Ok(())
}

/// Writes the bundle afresh: the `binaries` (path, name in the bundle), the toolkit's
/// libraries in `lib/`, the driver stub in `stubs/` and the launcher `run`.
fn write_bundle(bundle: &Path, toolkit: &Toolkit, binaries: &[(PathBuf, &str)]) -> Result<()> {
    if bundle.exists() {
        fs::remove_dir_all(bundle).with_context(|| format!("removing {}", bundle.display()))?;
    }
    for dir in [bundle.join("lib"), bundle.join("stubs")] {
        fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    for (from, name) in binaries {
        copy_file(from, &bundle.join(name))?;
    }
    let lib = toolkit.root.join("lib");
    for name in BUNDLED_LIBRARIES {
        link_or_copy(&lib.join(name), &bundle.join("lib").join(name))?;
    }
    link_or_copy(
        &lib.join("stubs").join(DRIVER),
        &bundle.join("stubs").join(DRIVER),
    )?;
    let run = bundle.join("run");
    copy_file(&crate::workspace_root().join(LAUNCHER), &run)?;
    fs::set_permissions(&run, fs::Permissions::from_mode(0o755))
        .with_context(|| format!("making {} executable", run.display()))
}

/// Checks that every shared library the bundle's `binaries` need is found when they run
/// through its launcher (`ldd`): the bundle's, or the machine's driver, or else its stub.
fn check_bundle(bundle: &Path, binaries: &[(PathBuf, &str)]) -> Result<()> {
    for (_, name) in binaries {
        let binary = bundle.join(name);
        let output = Command::new(bundle.join("run"))
            .arg("ldd")
            .arg(&binary)
            .output()
            .with_context(|| format!("running {}/run ldd", bundle.display()))?;
        let text = String::from_utf8_lossy(&output.stdout);
        let missing: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("not found"))
            .map(str::trim)
            .collect();
        ensure!(
            output.status.success() && missing.is_empty(),
            "{} through the bundle's launcher lacks libraries: {}{}",
            binary.display(),
            missing.join("; "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// The files of the bundle, its top level first, each folder in name order.
fn bundle_files(bundle: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    let mut entries: Vec<PathBuf> = fs::read_dir(bundle)
        .with_context(|| format!("reading {}", bundle.display()))?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            dirs.push(path);
        } else {
            files.push(path);
        }
    }
    for dir in dirs {
        files.extend(bundle_files(&dir)?);
    }
    Ok(files)
}

impl Toolkit {
    /// Downloads the wheels that `cache/wheels` lacks, unpacks them once into
    /// `cache/cuda-<release>`, and checks that its nvcc runs and is the expected release.
    pub fn prepare(cache: &Path) -> Result<Toolkit> {
        let wheels = cache.join("wheels");
        fs::create_dir_all(&wheels).with_context(|| format!("creating {}", wheels.display()))?;
        let missing: Vec<String> = TOOLKIT_WHEELS
            .iter()
            .chain(&LIBRARY_WHEELS)
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
        let layout = unpacked_layout();
        if fs::read_to_string(&done).ok().as_deref() != Some(layout.as_str()) {
            if unpacked.exists() {
                fs::remove_dir_all(&unpacked).with_context(|| {
                    format!("removing the partly unpacked {}", unpacked.display())
                })?;
            }
            fs::create_dir_all(&unpacked)
                .with_context(|| format!("creating {}", unpacked.display()))?;
            for (name, version) in TOOLKIT_WHEELS.iter().chain(&LIBRARY_WHEELS) {
                let wheel = find_wheel(&wheels, name, version).with_context(|| {
                    format!("no {name}=={version} wheel in {}", wheels.display())
                })?;
                unpack(&wheel, &unpacked)?;
            }
            let root = unpacked.join("nvidia/cu13");
            finish_layout(&root)?;
            build_driver_stub(&root)?;
            fs::write(&done, &layout).with_context(|| format!("writing {}", done.display()))?;
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

/// What a finished unpacked toolkit holds, as written to its `.unpacked` marker: the wheels
/// and the driver stub. A toolkit unpacked from other wheels is unpacked again.
fn unpacked_layout() -> String {
    let wheels: String = TOOLKIT_WHEELS
        .iter()
        .chain(&LIBRARY_WHEELS)
        .map(|(n, v)| format!("{n}=={v}\n"))
        .collect();
    format!("{wheels}lib/stubs/{DRIVER}\n")
}

/// Restores what a wheel loses or lacks: the exec bits of the compiler binaries, the links of
/// the adjacent libraries, the unversioned `lib<name>.so` links the linker looks for, and
/// `lib64` beside `lib`.
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
    let mut links = vec![(root.join("lib64"), PathBuf::from("lib"))];
    for (name, target) in ADJACENT_LIBRARIES {
        links.push((root.join("lib").join(name), PathBuf::from(target)));
    }
    for name in LINKED_LIBRARIES {
        links.push((
            root.join("lib").join(unversioned(name)),
            PathBuf::from(name),
        ));
    }
    for (link, target) in links {
        if fs::symlink_metadata(&link).is_err() {
            symlink(&target, &link).with_context(|| format!("linking {}", link.display()))?;
        }
    }
    Ok(())
}

/// `libcudart.so.13` -> `libcudart.so`: the name `-lcudart` looks for.
fn unversioned(name: &str) -> String {
    let end = name.find(".so").unwrap_or(name.len());
    format!("{}.so", &name[..end])
}

/// Compiles the driver stub into `root/lib/stubs`: `libcuda.so.1` (soname `libcuda.so.1`)
/// and the link `libcuda.so` that `-lcuda` finds there (cudarc searches `lib/stubs` under
/// `CUDA_ROOT`). Its entry points are the driver functions of the toolkit's `cuda.h`.
fn build_driver_stub(root: &Path) -> Result<()> {
    let header = root.join("include/cuda.h");
    let cuda_h =
        fs::read_to_string(&header).with_context(|| format!("reading {}", header.display()))?;
    let stubs = root.join("lib/stubs");
    fs::create_dir_all(&stubs).with_context(|| format!("creating {}", stubs.display()))?;
    let source = stubs.join("libcuda-stub.c");
    fs::write(&source, driver_stub_source(&cuda_h))
        .with_context(|| format!("writing {}", source.display()))?;
    let compiler = std::env::var_os("CC").unwrap_or_else(|| "cc".into());
    let mut cc = Command::new(&compiler);
    cc.args(["-shared", "-fPIC", "-O1"])
        .arg(format!("-Wl,-soname,{DRIVER}"))
        .arg("-o")
        .arg(stubs.join(DRIVER))
        .arg(&source);
    run_checked(&mut cc, "compiling the driver stub")?;
    let link = stubs.join(unversioned(DRIVER));
    if fs::symlink_metadata(&link).is_err() {
        symlink(DRIVER, &link).with_context(|| format!("linking {}", link.display()))?;
    }
    Ok(())
}

/// The C source of the driver stub: one function for every driver entry point named in
/// `cuda_h` (every `cu` + capital identifier, which takes in the `_v2`-style names its macros
/// map to), each answering `CUDA_ERROR_STUB_LIBRARY`; `cuGetErrorName` and
/// `cuGetErrorString` name that error, so that messages say what happened.
fn driver_stub_source(cuda_h: &str) -> String {
    let described = ["cuGetErrorName", "cuGetErrorString"];
    let mut names: Vec<&str> = Vec::new();
    let bytes = cuda_h.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    while i < bytes.len() {
        if !is_ident(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_ident(bytes[i]) {
            i += 1;
        }
        let word = &cuda_h[start..i];
        if word.len() > 2
            && word.starts_with("cu")
            && word.as_bytes()[2].is_ascii_uppercase()
            && !described.contains(&word)
        {
            names.push(word);
        }
    }
    names.sort_unstable();
    names.dedup();
    let code = CUDA_ERROR_STUB_LIBRARY;
    let mut c = format!(
        "/* A stand-in for the CUDA driver, libcuda.so.1: every entry point answers\n   \
         CUDA_ERROR_STUB_LIBRARY ({code}). Written by `cargo xtask cuda-build` from cuda.h. */\n\
         int cuGetErrorName(int error, const char **name) {{\n  \
         if (error != {code} || !name) return {code};\n  \
         *name = \"CUDA_ERROR_STUB_LIBRARY\";\n  return 0;\n}}\n\
         int cuGetErrorString(int error, const char **text) {{\n  \
         if (error != {code} || !text) return {code};\n  \
         *text = \"CUDA driver is a stub library (no CUDA driver on this machine)\";\n  \
         return 0;\n}}\n"
    );
    for name in names {
        c.push_str(&format!("int {name}(void) {{ return {code}; }}\n"));
    }
    c
}

/// Hard-links `from` to `to`, or copies it where a link cannot be made (another file system).
fn link_or_copy(from: &Path, to: &Path) -> Result<()> {
    // The file itself, not a symbolic link to it (a relative one would dangle at `to`).
    let from = &fs::canonicalize(from).with_context(|| format!("resolving {}", from.display()))?;
    if fs::hard_link(from, to).is_ok() {
        return Ok(());
    }
    copy_file(from, to)
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

/// Runs a cargo build that includes a test target and returns the test executable's path,
/// read from cargo's JSON messages.
fn build_test_binary(env: &[(String, OsString)], args: &[OsString]) -> Result<PathBuf> {
    let started = Instant::now();
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
        if let Some(path) = test_executable(&line) {
            executable = Some(path);
        }
    }
    let status = child
        .wait()
        .with_context(|| format!("waiting for cargo {shown}"))?;
    ensure!(status.success(), "cargo {shown} failed ({status})");
    println!("  done in {:.0} s", started.elapsed().as_secs_f64());
    executable.with_context(|| format!("cargo {shown} named no test executable"))
}

/// The executable of a test target, from one of cargo's JSON messages; `None` for other
/// messages (a binary's target says `"test":true` too, so the target's kind decides).
fn test_executable(line: &str) -> Option<PathBuf> {
    if line.contains("\"compiler-artifact\"") && line.contains("\"kind\":[\"test\"]") {
        json_string_field(line, "executable").map(PathBuf::from)
    } else {
        None
    }
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
    fn takes_the_test_executable_not_a_binary() {
        let test = r#"{"reason":"compiler-artifact","target":{"kind":["test"],"crate_types":["bin"],"name":"cuda","doctest":false,"test":true},"profile":{"opt_level":"3","test":true},"executable":"/w/target/cuda/release/deps/cuda-3416","fresh":true}"#;
        let bin = r#"{"reason":"compiler-artifact","target":{"kind":["bin"],"crate_types":["bin"],"name":"xtask","doctest":false,"test":true},"profile":{"opt_level":"3","test":false},"executable":"/w/target/cuda/release/xtask","fresh":true}"#;
        assert_eq!(
            test_executable(test),
            Some(PathBuf::from("/w/target/cuda/release/deps/cuda-3416"))
        );
        assert_eq!(test_executable(bin), None);
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
        for name in LINKED_LIBRARIES {
            let link = fs::read_link(root.join("lib").join(unversioned(name))).unwrap();
            assert_eq!(link, Path::new(name));
        }
        for (name, target) in ADJACENT_LIBRARIES {
            let link = fs::read_link(root.join("lib").join(name)).unwrap();
            assert_eq!(link, Path::new(target));
        }
    }

    #[test]
    fn library_names_lose_their_version() {
        assert_eq!(unversioned("libcublasLt.so.13"), "libcublasLt.so");
        assert_eq!(unversioned("libcurand.so.10"), "libcurand.so");
        assert_eq!(unversioned(DRIVER), "libcuda.so");
    }

    #[test]
    fn library_wheels_go_with_the_toolkit() {
        let all: Vec<_> = TOOLKIT_WHEELS.iter().chain(&LIBRARY_WHEELS).collect();
        let version_of = |name: &str| all.iter().find(|(n, _)| *n == name).unwrap().1;
        // NVRTC comes out with nvcc, under the same version.
        assert_eq!(
            version_of("nvidia-cuda-nvrtc"),
            version_of("nvidia-cuda-nvcc")
        );
        for (i, (name, _)) in all.iter().enumerate() {
            assert!(all[i + 1..].iter().all(|(n, _)| n != name), "{name} twice");
        }
        let layout = unpacked_layout();
        assert_eq!(layout.lines().count(), all.len() + 1);
        assert!(layout.contains("nvidia-cublas==13.1.0.3\n"));
    }

    #[test]
    fn driver_stub_answers_stub_library_everywhere() {
        let cuda_h = "#define cuCtxCreate cuCtxCreate_v4\n\
            CUresult CUDAAPI cuInit(unsigned int Flags);\n\
            CUresult CUDAAPI cuCtxCreate(CUcontext *pctx, CUctxCreateParams *p);\n\
            CUresult CUDAAPI cuGetErrorString(CUresult error, const char **pStr);\n\
            typedef struct CUctx_st *CUcontext; cuuint32_t x; /* see cuInit */\n";
        let c = driver_stub_source(cuda_h);
        for name in ["cuInit", "cuCtxCreate", "cuCtxCreate_v4"] {
            assert_eq!(
                c.matches(&format!("int {name}(void) {{ return 34; }}\n"))
                    .count(),
                1,
                "{name} in\n{c}"
            );
        }
        assert_eq!(c.matches("cuGetErrorString(").count(), 1, "{c}");
        assert!(c.contains("*name = \"CUDA_ERROR_STUB_LIBRARY\""));
        assert!(!c.contains("CUctx_st") && !c.contains("cuuint32_t"));
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
