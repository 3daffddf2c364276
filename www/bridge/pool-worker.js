// A pooled worker: joins the page's module and shared memory, says it is ready, then lives
// inside wasm (worker_main) running library threads one after another until it retires.

self.onmessage = async (e) => {
  const { glueUrl, module, memory } = e.data;
  const glue = await import(glueUrl);
  // Instantiates the same module over the same memory; gives this worker its own stack and TLS.
  const wasm = glue.initSync({ module, memory });
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
