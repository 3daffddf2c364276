//! Builds the served site into `target/site`: the book (mdBook), the wasm package of the
//! book's programs (`pkg/`, release, from `book/programs`, which links the library) and the
//! page scripts (`live/`, from `www/live`).

use crate::{root, run, wasm_env, Result};
use std::path::Path;
use std::process::Command;

pub fn build() -> Result {
    let root = root();
    let site = root.join("target/site");
    let mut pack = Command::new("wasm-pack");
    let out_dir = root.join("target/pkg");
    pack.arg("build")
        .arg(root.join("book/programs"))
        .args([
            "--target",
            "web",
            "--release",
            "--no-pack",
            "--no-typescript",
            "--out-dir",
        ])
        .arg(&out_dir);
    wasm_env(&mut pack);
    run(&mut pack)?;
    if site.exists() {
        std::fs::remove_dir_all(&site).map_err(|e| format!("clearing {}: {e}", site.display()))?;
    }
    run(Command::new("mdbook")
        .arg("build")
        .arg(root.join("book"))
        .arg("-d")
        .arg(&site))?;
    copy_dir(&root.join("target/pkg"), &site.join("pkg"))?;
    copy_dir(&root.join("www/live"), &site.join("live"))?;
    let wasm = site.join("pkg/concurrency_book_bg.wasm");
    let size = std::fs::metadata(&wasm).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "site built in {} (wasm module {} KiB)",
        site.display(),
        size / 1024
    );
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> Result {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    let entries = std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if src.is_dir() {
            copy_dir(&src, &dst)?;
        } else {
            std::fs::copy(&src, &dst).map_err(|e| format!("{}: {e}", src.display()))?;
        }
    }
    Ok(())
}
