// Loads the library into the page once: instantiates the wasm module, switches tracing on and
// starts the worker pool. The page itself never blocks; it only awaits this promise.
import init, * as wasm from '../pkg/concurrency_book.js';

let starting = null;

// Every error the page reports, kept for the end-to-end tests: WebKitGTK's WebDriver cannot
// read the console (no BiDi), so the page keeps its own list (`window.concurrencyErrors`).
if (!self.concurrencyErrors) {
  self.concurrencyErrors = [];
  const keep = (text) => self.concurrencyErrors.push(String(text));
  addEventListener('error', (e) => keep(e.message));
  addEventListener('unhandledrejection', (e) => keep(e.reason?.message ?? e.reason));
  const consoleError = console.error.bind(console);
  console.error = (...args) => { keep(args.join(' ')); consoleError(...args); };
}

/**
 * Resolves to `{ wasm, workers, readyAt }` once the pooled workers are ready; rejects with a
 * message for the reader if they cannot start.
 */
export function startRuntime() {
  if (!starting) {
    starting = (async () => {
      if (!self.crossOriginIsolated) {
        throw new Error(
          'This page is not cross-origin isolated, so it cannot share memory with workers. ' +
          'Serve the book with `cargo xtask serve` (it sends the COOP/COEP headers).');
      }
      await init();
      wasm.trace_enable(1 << 20);
      // Record who holds each plain Lock, so the drawing can be checked against
      // `inspect_snapshot()` and the wait-for graph knows every holder.
      wasm.inspect_enable();
      const workers = Math.min(8, Math.max(4, navigator.hardwareConcurrency || 4));
      // Rejects within seconds, saying how many workers came up, if the pool cannot start
      // (www/bridge/host.js); each demo then shows this message instead of waiting for ever.
      try {
        await wasm.start_workers(workers);
      } catch (e) {
        throw new Error(`The demos could not start their worker threads: ${e.message || e}. ` +
          'Reloading the page starts them again.');
      }
      return { wasm, workers, readyAt: performance.now() };
    })();
  }
  return starting;
}
