// The JavaScript side of the wasm backend, imported by the Rust crate
// (src/sys/wasm/host.rs). Runs in every agent that instantiates the module: the page (or a
// test runner's worker) and each pooled worker. Nothing here blocks.

// The coordinator worker, in the agent that started the pool.
let coordinator = null;
let ready = null;

export function is_worker() {
  return typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope;
}

export function now_ms() {
  return performance.timeOrigin + performance.now();
}

export function console_error(text) {
  console.error(text);
}

// One more pooled worker, please. From the agent that started the pool this goes straight to
// the coordinator; from a pooled worker it goes to the worker's parent, which is the
// coordinator too. postMessage is delivered even if the sender then parks in Atomics.wait.
export function request_worker() {
  const message = { type: 'grow' };
  if (coordinator) coordinator.postMessage(message);
  else self.postMessage(message);
}

export function start_coordinator(glueUrl, coordinatorUrl, workerUrl, module, memory, count) {
  if (ready) return ready;
  ready = new Promise((resolve, reject) => {
    coordinator = new Worker(coordinatorUrl, { type: 'module', name: 'concurrency-coordinator' });
    coordinator.onmessage = (e) => {
      const m = e.data;
      if (m.type === 'ready') resolve(count);
      else if (m.type === 'crashed') console.error(`a worker died: ${m.message}`);
      else if (m.type === 'error') {
        console.error(`worker pool: ${m.message}`);
        reject(new Error(m.message));
      }
    };
    coordinator.onerror = (e) => reject(new Error(`coordinator failed: ${e.message}`));
    coordinator.postMessage({ type: 'init', glueUrl, workerUrl, module, memory, count });
  });
  return ready;
}
