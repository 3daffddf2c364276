//! Installs what the commands need, skipping what is already there. Versions are pinned:
//! wasm-bindgen-cli must equal the `wasm-bindgen` version in Cargo.lock exactly, or wasm-pack
//! tries to download its own (which fails offline).

use crate::{root, run, Result};
use std::path::Path;
use std::process::Command;

const WASM_PACK: &str = "0.15.1";
const MDBOOK: &str = "0.5.4";
/// Built by `cargo install` (~4-8 min on 2 cores): left to itself, wasm-pack would download a
/// release from GitHub, which is not reachable from every machine.
const GECKODRIVER: &str = "0.37.1";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const WEBKIT_DRIVER: &str = "/usr/bin/WebKitWebDriver";
const CHROMIUM: &str = "/usr/bin/chromium";
const FIREFOX: &str = "/usr/bin/firefox-esr";

#[derive(PartialEq, Eq)]
pub enum Need {
    /// Building and serving the book.
    Site,
    /// Everything the tests need too (Chromium, chromedriver, Firefox, geckodriver,
    /// playwright-core).
    Everything,
}

pub fn tools(need: Need) -> Result {
    toolchain(need == Need::Everything)?;
    cargo_install("wasm-pack", WASM_PACK, &["--locked"])?;
    // `--locked` fails for wasm-bindgen-cli 0.2.130 (a locked dependency is missing upstream).
    cargo_install("wasm-bindgen-cli", &wasm_bindgen_version()?, &[])?;
    cargo_install("mdbook", MDBOOK, &["--locked"])?;
    if need == Need::Everything {
        chromium()?;
        cargo_install("geckodriver", GECKODRIVER, &["--locked"])?;
        npm_packages()?;
    }
    Ok(())
}

/// The dated nightly `rust-toolchain.toml` names, with the std sources and the wasm target
/// (and Miri, for the tests). rustup does not install a pinned toolchain by itself on these
/// machines (`RUSTUP_AUTO_INSTALL=0`), so the xtask does; the README runs it as
/// `cargo +stable xtask ...` so that it can start before the pinned toolchain exists.
/// Never the floating `nightly`: every machine builds with the same compiler.
fn toolchain(with_miri: bool) -> Result {
    let channel = pinned_channel()?;
    let installed = Command::new("rustup")
        .args(["run", &channel, "rustc", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        run(Command::new("rustup").args([
            "toolchain",
            "install",
            &channel,
            "--profile",
            "minimal",
        ]))?;
    }
    let mut components = vec!["rust-src"];
    if with_miri {
        components.push("miri");
    }
    // No-ops when present.
    run(Command::new("rustup")
        .args(["component", "add", "--toolchain", &channel])
        .args(&components))?;
    run(Command::new("rustup").args([
        "target",
        "add",
        "wasm32-unknown-unknown",
        "--toolchain",
        &channel,
    ]))
}

/// `channel` from rust-toolchain.toml.
fn pinned_channel() -> Result<String> {
    let file = std::fs::read_to_string(root().join("rust-toolchain.toml"))
        .map_err(|e| format!("rust-toolchain.toml: {e}"))?;
    file.lines()
        .filter_map(|l| l.trim().strip_prefix("channel"))
        .filter_map(|rest| rest.trim().strip_prefix('='))
        .map(|v| v.trim().trim_matches('"').to_owned())
        .next()
        .ok_or_else(|| "rust-toolchain.toml names no channel".to_owned())
}

/// The `wasm-bindgen` version Cargo.lock pins.
fn wasm_bindgen_version() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_owned());
            }
        }
    }
    Err("wasm-bindgen is not in Cargo.lock".into())
}

/// `cargo install NAME --version V` unless `BIN --version` already prints V.
fn cargo_install(name: &str, version: &str, extra: &[&str]) -> Result {
    let bin = match name {
        "wasm-bindgen-cli" => "wasm-bindgen",
        other => other,
    };
    let installed = Command::new(bin)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if installed
        .split_whitespace()
        .any(|w| w.trim_start_matches('v') == version)
    {
        return Ok(());
    }
    let mut cmd = crate::cargo();
    cmd.args(["install", name, "--version", version])
        .args(extra);
    run(&mut cmd)
}

/// Debian's Chromium and its WebDriver, Debian's Firefox ESR, WebKitGTK's WebDriver with Xvfb
/// (never a browser download),
/// and Node.js for the end-to-end test, from the system's packages.
fn chromium() -> Result {
    let mut missing = Vec::new();
    if !(Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists()) {
        missing.extend(["chromium", "chromium-driver"]);
    }
    if !Path::new(FIREFOX).exists() {
        missing.push("firefox-esr");
    }
    // WebKitGTK's MiniBrowser and its WebDriver; it needs a display, so Xvfb too.
    if !(Path::new(WEBKIT_DRIVER).exists() && Path::new("/usr/bin/xvfb-run").exists()) {
        missing.extend(["webkit2gtk-driver", "xvfb"]);
    }
    if !on_path("node") || !on_path("npm") {
        missing.extend(["nodejs", "npm"]);
    }
    if missing.is_empty() {
        return Ok(());
    }
    let root_user = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"));
    let apt = |args: &[&str]| {
        let mut c = if root_user {
            Command::new("apt-get")
        } else {
            Command::new("sudo")
        };
        if !root_user {
            c.arg("apt-get");
        }
        c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut c)
    };
    apt(&["update"])?;
    apt(&[&["install", "-y"][..], &missing].concat())
}

/// geckodriver as `cargo install` put it (on PATH): wasm-pack and the wasm-bindgen test runner
/// are each told where it is (`--geckodriver`, `GECKODRIVER`).
pub fn geckodriver() -> Result<std::path::PathBuf> {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("geckodriver"))
        .find(|path| path.is_file())
        .ok_or_else(|| "geckodriver is not on PATH (cargo install geckodriver)".to_owned())
}

fn on_path(bin: &str) -> bool {
    Command::new(bin)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// playwright-core (Chromium) and selenium-webdriver (Firefox, WebKit) for the end-to-end
/// tests, from tests/e2e/package-lock.json.
fn npm_packages() -> Result {
    let dir = root().join("tests/e2e");
    if ["playwright-core", "selenium-webdriver"].iter().all(|p| {
        dir.join("node_modules")
            .join(p)
            .join("package.json")
            .exists()
    }) {
        return Ok(());
    }
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir))
}
