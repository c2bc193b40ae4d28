// What the repository's Node scripts (the crash test, the benchmarks) share: one JSON call to a
// local server, and running a script so that whatever it started is stopped however it ends.
import http from "node:http";
import { performance } from "node:perf_hooks";

/**
 * One call to `host:port`, JSON in (an object, or a string sent as it is) and JSON out:
 * `{ status, body, ms }`. A connection that breaks rejects, or, with `brokenAsStatus0`, resolves
 * with status 0: the caller did not hear back (a crash test's register on a dying server).
 */
export function jsonRequest({ host = "127.0.0.1", port, method, path, body, key, agent, timeoutMs = 60_000, brokenAsStatus0 = false }) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const headers = { "Content-Type": "application/json" };
    if (key) headers.Authorization = `Bearer ${key}`;
    if (payload !== undefined) headers["Content-Length"] = Buffer.byteLength(payload);
    const broken = (error) => (brokenAsStatus0 ? resolve({ status: 0, body: null, ms: performance.now() - t0 }) : reject(error));
    const t0 = performance.now();
    const req = http.request({ host, port, path, method, headers, agent, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("error", broken);
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json = null;
        try {
          json = text ? JSON.parse(text) : null;
        } catch {}
        resolve({ status: res.statusCode ?? 0, body: json, ms: performance.now() - t0 });
      });
    });
    req.on("error", broken);
    req.on("timeout", () => req.destroy(new Error(`timeout: ${method} ${path}`)));
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/**
 * Runs `main` as the script: exits with the code it returns; on a failure, SIGINT or SIGTERM,
 * `stop()` runs first (stopping the servers the script started), then the process exits.
 */
export function runScript(main, stop) {
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, async () => {
      await stop();
      process.exit(130);
    });
  }
  main().then(
    (code) => process.exit(code),
    async (error) => {
      console.error(error);
      await stop();
      process.exit(1);
    },
  );
}
