// The browser tests' harness: `npm start` on free loopback ports with a fresh state folder (or a
// server already up, --origin), the calls to its API, the event the register's tests sell in,
// chromium, the page helpers and screenshots, and the tiny runner. Whatever it started is stopped,
// even on failure; the whole run is bounded in time (DEADLINE_MS). The tests are in register.mjs,
// admin.mjs and consignor.mjs beside it; scripts/browser-test.mjs runs them.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { jsonRequest, runScript } from "../local-http.mjs";

const DEADLINE_MS = 3 * 60_000;
const SHOTS = "test-results/browser";
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
/** The event the register's tests (a–g) sell in, seeded before the tests: its session and items. */
export const EVENT = `browser-${Date.now().toString(36)}`;
export const SESSION = "main";
export const ITEMS = [
  ["T001", "Rain boots, size 9", 1200],
  ["T002", "Winter coat 4T", 850],
  ["T003", "Wooden train set", 2500],
  ["T004", "Board book bundle", 300],
  ["T005", "Snow pants 5T", 1450],
  ["T006", "Puzzle, 48 pieces", 475],
  ["T007", "Stroller", 6000],
  ["T008", "Sun hat", 225],
  ["T009", "Bike helmet", 1100],
  ["T010", "Swim vest", 900],
  ["T011", "Toddler bed rail", 1600],
];
export const price = (id) => ITEMS.find(([i]) => i === id)[2];

const DOCS = process.argv.includes("--docs");

const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };
const t0 = Date.now();
export const log = (...args) => console.log(`[browser-test ${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...args);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ the server

const originArg = process.argv.includes("--origin") ? process.argv[process.argv.indexOf("--origin") + 1] : null;
export let origin = originArg;
let server = null;
let state = null;
let browser = null;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const url = () => new URL(origin);
export const call = (method, path, body, key) =>
  jsonRequest({ host: url().hostname, port: Number(url().port), method, path, body, key, timeoutMs: 15_000, brokenAsStatus0: true });

export async function must(method, path, body, expected, key) {
  const res = await call(method, path, body, key);
  if (!expected.includes(res.status)) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

async function startServer() {
  const port = await freePort();
  const inspector = await freePort();
  state = mkdtempSync(join(tmpdir(), "consignment-browser-"));
  origin = `http://127.0.0.1:${port}`;
  log(`starting npm start on ${origin} (state ${state})`);
  // Its own process group (detached = setsid), so one signal reaches npm, wrangler, workerd and the emulator.
  const args = ["start", "--", "--port", String(port), "--inspector-port", String(inspector), "--persist-to", state, "--shopify-port", "0"];
  const child = spawn("npm", args, { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output = (output + d).slice(-20_000)));
  child.stderr.on("data", (d) => (output = (output + d).slice(-20_000)));
  server = child;
  const until = Date.now() + 90_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
    if ((await call("GET", "/health")).status === 200) return;
    await sleep(300);
  }
  throw new Error(`npm start did not answer within 90 s:\n${output}`);
}

async function stopServer() {
  if (!server) return;
  const pgid = server.pid;
  server = null;
  const alive = () => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  try {
    process.kill(-pgid, "SIGTERM");
  } catch {}
  for (let i = 0; i < 50 && alive(); i++) await sleep(100);
  if (alive()) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {}
  }
}

async function stopAll() {
  await browser?.close().catch(() => {});
  browser = null;
  await stopServer();
  if (state) rmSync(state, { recursive: true, force: true });
  state = null;
}

// ------------------------------------------------------------------ the page

export const page = {
  async open(context, { key, register, shot }) {
    const p = await context.newPage();
    p.errors = [];
    p.on("pageerror", (e) => p.errors.push(String(e)));
    p.on("dialog", (d) => d.accept());
    await p.goto(`${origin}/register`);
    await p.fill("#key", key);
    await p.fill("#event-id", EVENT);
    // The page offers the event's sessions and fills in the running one.
    await p.press("#event-id", "Tab");
    await p.waitForFunction((id) => document.getElementById("session-id").value === id, SESSION, { timeout: 5_000 });
    await p.fill("#register-id", register);
    if (shot) await page.shot(p, shot);
    await p.click("#signin-button");
    await p.waitForSelector("#sell:not([hidden])");
    return p;
  },
  /** As a barcode scanner does: the tag's characters typed into the focused field, then Enter. */
  async scan(p, tag) {
    await p.waitForFunction(() => document.activeElement?.id === "scan", null, { timeout: 5_000 });
    await p.keyboard.type(tag);
    await p.keyboard.press("Enter");
    await p.waitForSelector(`#cart li[data-tag="${tag}"]`, { timeout: 5_000 });
  },
  waiting: (p) => p.$eval("#waiting", (el) => (el.hidden ? 0 : Number(el.dataset.count))),
  attention: (p) => p.$eval("#attention", (el) => (el.hidden ? 0 : Number(el.dataset.count))),
  queue: (p) => p.evaluate(() => JSON.parse(localStorage.getItem("register.v1.queue") ?? "[]")),
  shot: (p, name) => p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true }),
  /** With --docs: the README's picture of a page (the viewport, so it stays small). */
  doc: async (p, name) => {
    if (!DOCS) return;
    await p.evaluate(() => window.scrollTo(0, 0));
    await p.screenshot({ path: join("docs", `${name}.png`) });
    log(`saved docs/${name}.png`);
  },
  noErrors: (p) => assert.deepEqual(p.errors, [], "the page threw"),
};

export let adminKey = "";
export const keys = {};

// ------------------------------------------------------------------ the run

async function main(tests) {
  const deadline = setTimeout(async () => {
    console.error(`browser test exceeded ${DEADLINE_MS / 1000} s; stopping`);
    await stopAll();
    process.exit(2);
  }, DEADLINE_MS);
  mkdirSync(SHOTS, { recursive: true });
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  if (!existsSync(".dev.vars")) copyFileSync(".dev.vars.example", ".dev.vars");
  adminKey = /^ADMIN_API_KEY=(.*)$/m.exec(readFileSync(".dev.vars", "utf8"))?.[1]?.trim() ?? "";
  if (!originArg) await startServer();

  log(`seeding event ${EVENT}`);
  await must("POST", "/v1/events", { id: EVENT, name: "Browser test sale" }, [201], adminKey);
  await must("PUT", `/v1/events/${EVENT}/rates`, { base: 6000, volunteerBonus: 1000, superBonus: 1500 }, [200], adminKey);
  await must("PUT", `/v1/events/${EVENT}/consignors/c1`, { name: "Ada", tier: "standard" }, [201], adminKey);
  await must("PUT", `/v1/events/${EVENT}/items`, { items: ITEMS.map(([id, title, cents]) => ({ id, consignorId: "c1", title, category: "kids", size: "-", price: cents })) }, [200], adminKey);
  await must("POST", `/v1/events/${EVENT}/sessions`, { id: SESSION, name: "Main sale", startTime: 0, endTime: 1 }, [201], adminKey);
  await must("POST", `/v1/events/${EVENT}/sessions/${SESSION}/start`, undefined, [200], adminKey);
  for (const r of ["r1", "r2"]) keys[r] = (await must("POST", `/v1/events/${EVENT}/api-keys`, { role: "register", label: `browser ${r}` }, [201], adminKey)).key;

  log(`launching ${CHROMIUM}`);
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: root ? ["--no-sandbox"] : [], timeout: 30_000 });
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  context.setDefaultTimeout(10_000);

  let passed = 0;
  let failed = 0;
  for (const { name, fn } of tests) {
    const started = Date.now();
    try {
      await fn({ browser, context });
      passed++;
      log(`ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } catch (error) {
      failed++;
      log(`FAIL ${name}\n${error?.stack ?? error}`);
      for (const p of context.pages()) await p.screenshot({ path: join(SHOTS, `failure-${name.slice(0, 1)}.png`), fullPage: true }).catch(() => {});
    }
  }
  clearTimeout(deadline);
  await stopAll();
  log(`screenshots in ${SHOTS}/`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

/** Runs the tests in the order given (each `{ name, fn }`), then exits: 0 when all passed. */
export function run(tests) {
  // A stray rejection (a playwright handler, a timer) must not leave the servers running either.
  for (const kind of ["unhandledRejection", "uncaughtException"]) {
    process.on(kind, async (error) => {
      console.error(`${kind}:`, error);
      await stopAll();
      process.exit(1);
    });
  }
  runScript(() => main(tests), stopAll);
}
