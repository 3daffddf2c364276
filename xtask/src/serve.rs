//! Serves a folder over HTTP (tiny_http does the protocol) with the headers a page needs for
//! `SharedArrayBuffer`: `Cross-Origin-Opener-Policy: same-origin` and
//! `Cross-Origin-Embedder-Policy: require-corp`, plus the right `Content-Type` for `.wasm`.
//! Loopback only; files only from the served folder.

use crate::Result;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use tiny_http::{Header, Request, Response};

pub struct Server {
    http: Arc<tiny_http::Server>,
    port: u16,
    acceptor: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Starts serving `dir` on 127.0.0.1:`port` (0: any free port). One thread takes requests
    /// off tiny_http's queue and hands each to a short-lived thread of its own, so a slow
    /// response never holds up the next request.
    pub fn start(dir: &Path, port: u16) -> Result<Server> {
        let http = tiny_http::Server::http(("127.0.0.1", port))
            .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
        let port = http.server_addr().to_ip().map_or(port, |a| a.port());
        let http = Arc::new(http);
        let (h, dir) = (http.clone(), dir.to_path_buf());
        let acceptor = std::thread::spawn(move || {
            for request in h.incoming_requests() {
                let dir = dir.clone();
                std::thread::spawn(move || respond(&dir, request));
            }
        });
        Ok(Server {
            http,
            port,
            acceptor: Some(acceptor),
        })
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// Serves until the process is stopped.
    pub fn wait(mut self) {
        if let Some(a) = self.acceptor.take() {
            let _ = a.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.http.unblock();
    }
}

fn respond(dir: &Path, request: Request) {
    let path = request
        .url()
        .split(['?', '#'])
        .next()
        .unwrap_or("/")
        .to_owned();
    let response = match resolve(dir, &path) {
        Some(file) => match std::fs::read(&file) {
            Ok(body) => Response::from_data(body)
                .with_header(header("Content-Type", content_type(&file)))
                .with_header(header("Cache-Control", "no-cache")),
            Err(_) => not_found(),
        },
        None => not_found(),
    };
    let response = response
        .with_header(header("Cross-Origin-Opener-Policy", "same-origin"))
        .with_header(header("Cross-Origin-Embedder-Policy", "require-corp"))
        .with_header(header("Cross-Origin-Resource-Policy", "same-origin"));
    let _ = request.respond(response);
}

fn not_found() -> Response<std::io::Cursor<Vec<u8>>> {
    Response::from_string("not found")
        .with_status_code(404)
        .with_header(header("Content-Type", "text/plain; charset=utf-8"))
}

/// Maps a URL path to a file under `dir`: percent-decoded, no `..`, `index.html` for folders.
fn resolve(dir: &Path, url_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(url_path)?;
    let relative = Path::new(decoded.trim_start_matches('/'));
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let mut file = dir.join(relative);
    if file.is_dir() {
        file.push("index.html");
    }
    file.is_file().then_some(file)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("static header is valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_stays_inside_the_served_folder() {
        let dir = std::env::temp_dir().join("xtask-serve-test");
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("sub/index.html"), "x").unwrap();
        std::fs::write(dir.join("a b.js"), "x").unwrap();
        assert_eq!(resolve(&dir, "/sub/"), Some(dir.join("sub/index.html")));
        assert_eq!(resolve(&dir, "/a%20b.js"), Some(dir.join("a b.js")));
        assert_eq!(resolve(&dir, "/../etc/passwd"), None);
        assert_eq!(resolve(&dir, "/sub/%2e%2e/%2e%2e/etc/passwd"), None);
        assert_eq!(resolve(&dir, "/missing.js"), None);
    }

    #[test]
    fn wasm_is_served_as_wasm() {
        assert_eq!(content_type(Path::new("x/m_bg.wasm")), "application/wasm");
    }
}
