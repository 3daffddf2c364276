// The coordinator: a worker that never runs wasm, so its event loop is always free. It creates
// every pooled worker (as its own nested workers), on request, so a thread that asks for a
// worker may block right away without waiting on its own event loop (the nested-worker
// deadlock in TOOLCHAIN.md). It holds a reference to every worker it made, so none is
// collected while it shares the memory.
//
// Messages to the agent that started the pool (host.js):
//   { type: 'progress', created, ready }  after every worker created and every worker ready
//   { type: 'ready' }                      once `count` workers are ready
//   { type: 'error', message }             a pooled worker could not start or join the module
//   { type: 'crashed', message }           a pooled worker trapped (a panic) and was replaced

let config = null;
let awaitingReady = 0;
let created = 0;
let readyCount = 0;
const workers = new Set();

const progress = () => self.postMessage({ type: 'progress', created, ready: readyCount });

self.onmessage = (e) => {
  const m = e.data;
  if (m.type === 'init') {
    config = m;
    awaitingReady = m.count;
    for (let i = 0; i < m.count; i++) spawn();
  } else if (m.type === 'grow') {
    spawn();
  }
};

function spawn() {
  const worker = new Worker(config.workerUrl, { type: 'module', name: 'concurrency-worker' });
  workers.add(worker);
  created += 1;
  progress();
  worker.onmessage = (e) => {
    const m = e.data;
    if (m.type === 'ready') {
      readyCount += 1;
      progress();
      if (awaitingReady > 0 && --awaitingReady === 0) self.postMessage({ type: 'ready' });
    } else if (m.type === 'grow') {
      spawn();
    } else if (m.type === 'exit') {
      workers.delete(worker);
    } else if (m.type === 'crashed') {
      // A panic trapped the worker (panic=abort). The thread was already reported and
      // finished by the panic hook; keep the pool at strength.
      workers.delete(worker);
      self.postMessage(m);
      spawn();
    } else if (m.type === 'error') {
      // It could not import the glue or instantiate the module (pool-worker.js).
      workers.delete(worker);
      self.postMessage(m);
    }
  };
  worker.onerror = (e) => {
    e.preventDefault();
    workers.delete(worker);
    self.postMessage({ type: 'error', message: e.message || 'a pooled worker failed to start' });
  };
  worker.postMessage({
    type: 'init', glueUrl: config.glueUrl, module: config.module, memory: config.memory,
  });
}
