// A pooled worker: joins the page's module and shared memory, says it is ready, then lives
// inside wasm (worker_main) running library threads one after another until it retires.

self.onmessage = async (e) => {
  self.onmessage = null; // one init per worker; wasm owns this worker from here on
  const { glueUrl, module, memory } = e.data;
  let glue;
  let wasm;
  try {
    glue = await import(glueUrl);
    // Instantiates the same module over the same memory; gives this worker its own stack and TLS.
    wasm = glue.initSync({ module, memory });
  } catch (err) {
    // This handler is async, so a failed import or instantiation is a rejected promise, which
    // fires no `error` event at the coordinator: without this message the pool would wait for
    // a 'ready' that never comes.
    self.postMessage({
      type: 'error',
      message: `a pooled worker could not join the module: ${err?.message ?? err}`,
    });
    self.close();
    return;
  }
  self.postMessage({ type: 'ready' });
  try {
    glue.worker_main();
  } catch (err) {
    // A panic in a thread (panic=abort traps). The panic hook already reported it.
    self.postMessage({ type: 'crashed', message: String(err) });
    self.close();
    return;
  }
  // Retired after idling: free this worker's stack and TLS, then go.
  wasm.__wbindgen_thread_destroy?.();
  self.postMessage({ type: 'exit' });
  self.close();
};
