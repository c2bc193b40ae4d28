// `npm run crash-test`: the whole local stack killed mid-sale, and nothing accepted is lost or doubled.
//
// Starts `npm start` on a fresh state folder, drives several registers (each with its own key)
// selling and voiding, kills the whole process group with SIGKILL while requests are in flight,
// starts it again on the same state, lets every register retry what it never heard back about
// (same transaction id, same cart), then checks that the session, the ledger, every consignor's
// balance, D1 after an archive and R2's manifest all agree with exactly what was accepted.
// Loopback only; bounded in time (DEADLINE_MS); stops what it started.
import { spawn, spawnSync } from "node:child_process";
import { randomInt, randomUUID } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jsonRequest, runScript } from "./local-http.mjs";

const HOST = "127.0.0.1";
const PORT = Number(process.env.CRASH_PORT ?? 8791);
const DEADLINE_MS = 6 * 60_000;
const REGISTERS = 4;
const ITEMS = 1_200;
const LOAD_BEFORE_KILL_MS = Number(process.env.CRASH_AFTER_MS ?? 3_000);
const EVENT = `crash-${Date.now().toString(36)}`;
const SESSION = "main";
const RATES = { base: 6000, volunteerBonus: 1000, superBonus: 1500 };
const CONSIGNORS = [
  ["c1", "standard"],
  ["c2", "volunteer"],
  ["c3", "super"],
  ["c4", "standard"],
  ["c5", "volunteer"],
];

const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };
const t0 = Date.now();
const log = (...args) => console.log(`[crash-test ${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...args);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const failures = [];
function check(ok, what, detail) {
  if (ok) log(`ok   ${what}`);
  else {
    failures.push(what);
    log(`FAIL ${what}${detail === undefined ? "" : `: ${JSON.stringify(detail)}`}`);
  }
}

// ------------------------------------------------------------------ the stack

let server = null;

function portAnswers() {
  return new Promise((resolve) => {
    const req = http.get({ host: HOST, port: PORT, path: "/health", timeout: 1_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => {
      req.destroy();
      resolve(false);
    });
  });
}

async function startStack(state) {
  if (await portAnswers()) throw new Error(`port ${PORT} already answers: a leftover server would take this test's requests`);
  // Its own process group (setsid), so one signal reaches npm, wrangler and workerd alike.
  const child = spawn("npm", ["start", "--", "--port", String(PORT), "--persist-to", state], { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output = (output + d).slice(-20_000)));
  child.stderr.on("data", (d) => (output = (output + d).slice(-20_000)));
  server = child;
  const until = Date.now() + 120_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
    if (await portAnswers()) return;
    await sleep(300);
  }
  throw new Error(`npm start did not answer within 2 minutes:\n${output}`);
}

async function stopStack(signal) {
  if (!server) return;
  const pgid = server.pid;
  server = null;
  try {
    process.kill(-pgid, signal);
  } catch {}
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(-pgid, 0);
    } catch {
      break;
    }
    await sleep(100);
  }
  for (let i = 0; i < 50 && (await portAnswers()); i++) await sleep(200);
}

// ------------------------------------------------------------------ http

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
let adminKey = "";

/** One call; a connection that breaks (the stack died) resolves with status 0: the caller does not know. */
const call = (method, path, body, key = adminKey) => jsonRequest({ host: HOST, port: PORT, method, path, body, key, agent, timeoutMs: 15_000, brokenAsStatus0: true });

async function must(method, path, body, expected, key) {
  const res = await call(method, path, body, key);
  if (!expected.includes(res.status)) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

// ------------------------------------------------------------------ money, computed independently

/** round(price × rate / 10000), halves away from zero, in BigInt: not the project's own function. */
function commission(price, rate) {
  const n = BigInt(price) * BigInt(rate);
  const q = n / 10000n;
  const r = n % 10000n;
  return Number(r * 2n >= 10000n ? q + 1n : q);
}
const rateOf = (tier) => RATES.base + (tier === "volunteer" ? RATES.volunteerBonus : tier === "super" ? RATES.superBonus : 0);

// ------------------------------------------------------------------ registers

const items = Array.from({ length: ITEMS }, (_, i) => {
  const [consignorId, tier] = CONSIGNORS[i % CONSIGNORS.length];
  return { id: `T${String(i).padStart(5, "0")}`, consignorId, tier, price: 95 + ((i * 37) % 4_900) };
});
const byId = new Map(items.map((i) => [i.id, i]));

/**
 * What each register knows of its own sales: accepted (2xx), refused (4xx, nothing changed), or
 * unknown (the connection broke: it may or may not have been committed).
 */
class Register {
  constructor(index, key) {
    this.index = index;
    this.key = key;
    this.id = `reg-${index + 1}`;
    // Each register sells from its own shelf, so an honest retry can always be told apart from a clash.
    this.shelf = items.filter((_, i) => i % REGISTERS === index).map((i) => i.id);
    this.sales = new Map();
    this.voids = new Map();
  }

  async sellOne() {
    const size = Math.min(this.shelf.length, 1 + randomInt(3));
    if (size === 0) return;
    const cart = this.shelf.splice(0, size);
    const sale = { id: randomUUID(), items: cart, state: "unknown" };
    this.sales.set(sale.id, sale);
    await this.post(sale);
  }

  async post(sale) {
    const res = await call("POST", `/v1/events/${EVENT}/sessions/${SESSION}/transactions`, { id: sale.id, registerId: this.id, shopperCode: `S-${this.index}`, items: sale.items }, this.key);
    if (res.status === 201 || res.status === 200) sale.state = "accepted";
    else if (res.status >= 400 && res.status < 500) {
      sale.state = "refused";
      sale.refusal = res.body?.error?.code;
    } else sale.state = "unknown";
    return res.status;
  }

  async voidOne() {
    const accepted = [...this.sales.values()].filter((s) => s.state === "accepted" && !this.voids.has(s.id));
    if (accepted.length === 0) return;
    const sale = accepted[randomInt(accepted.length)];
    const v = { state: "unknown" };
    this.voids.set(sale.id, v);
    await this.postVoid(sale.id, v);
  }

  async postVoid(txId, v) {
    const res = await call("POST", `/v1/events/${EVENT}/sessions/${SESSION}/transactions/${txId}/void`, { reason: "customer changed their mind" }, this.key);
    v.state = res.status === 200 ? "accepted" : res.status >= 400 && res.status < 500 ? "refused" : "unknown";
  }

  /** Sells (and now and then voids) until told to stop or its shelf is empty. */
  async run(stopped) {
    while (!stopped() && this.shelf.length > 0) {
      if (randomInt(10) === 0) await this.voidOne();
      else await this.sellOne();
    }
  }

  /** After the restart: every sale and void it never heard back about, again with the same id and cart. */
  async retryUnknown() {
    for (const sale of this.sales.values()) {
      for (let tries = 0; sale.state === "unknown" && tries < 20; tries++) {
        if ((await this.post(sale)) === 0) await sleep(500);
      }
    }
    for (const [txId, v] of this.voids) {
      for (let tries = 0; v.state === "unknown" && tries < 20; tries++) await this.postVoid(txId, v);
    }
  }
}

// ------------------------------------------------------------------ the run

async function main() {
  const deadline = setTimeout(async () => {
    console.error(`crash test exceeded ${DEADLINE_MS / 60_000} minutes; stopping`);
    await stopStack("SIGKILL");
    process.exit(2);
  }, DEADLINE_MS);
  if (!existsSync(".dev.vars")) copyFileSync(".dev.vars.example", ".dev.vars");
  adminKey = /^ADMIN_API_KEY=(.*)$/m.exec(readFileSync(".dev.vars", "utf8"))?.[1]?.trim() ?? "";
  const state = mkdtempSync(join(tmpdir(), "consignment-crash-"));
  try {
    log(`starting npm start on ${HOST}:${PORT} with state in ${state}`);
    await startStack(state);

    await must("POST", "/v1/events", { id: EVENT, name: "Crash test sale" }, [201]);
    await must("PUT", `/v1/events/${EVENT}/rates`, RATES, [200]);
    for (const [id, tier] of CONSIGNORS) await must("PUT", `/v1/events/${EVENT}/consignors/${id}`, { name: `Consignor ${id}`, tier }, [201]);
    await must("PUT", `/v1/events/${EVENT}/items`, { items: items.map((i) => ({ id: i.id, consignorId: i.consignorId, title: `Item ${i.id}`, category: "toys", size: "-", price: i.price })) }, [200]);
    await must("POST", `/v1/events/${EVENT}/sessions`, { id: SESSION, name: "Main sale", startTime: 0, endTime: 1 }, [201]);
    await must("POST", `/v1/events/${EVENT}/sessions/${SESSION}/start`, undefined, [200]);
    const registers = [];
    for (let r = 0; r < REGISTERS; r++) {
      const { key } = await must("POST", `/v1/events/${EVENT}/api-keys`, { role: "register", label: `register ${r + 1}` }, [201]);
      registers.push(new Register(r, key));
    }

    log(`${REGISTERS} registers selling; SIGKILL of the whole stack in ${LOAD_BEFORE_KILL_MS} ms`);
    let killed = false;
    const selling = Promise.all(registers.map((r) => r.run(() => killed)));
    await sleep(LOAD_BEFORE_KILL_MS);
    killed = true;
    await stopStack("SIGKILL");
    await selling;
    const all = () => registers.flatMap((r) => [...r.sales.values()]);
    const unknownAtKill = all().filter((s) => s.state === "unknown").length;
    log(`killed with ${all().length} sales tried: ${all().filter((s) => s.state === "accepted").length} accepted, ${unknownAtKill} never heard back`);
    check(all().filter((s) => s.state === "accepted").length > 20, "the registers had sold before the kill");

    log("restarting on the same state");
    await startStack(state);
    await Promise.all(registers.map((r) => r.retryUnknown()));
    // A little more selling after the restart, so the stack is shown to go on, not just to recover.
    let enough = false;
    const after = Promise.all(registers.map((r) => r.run(() => enough)));
    await sleep(1_000);
    enough = true;
    await after;
    await Promise.all(registers.map((r) => r.retryUnknown()));

    const sales = all();
    const accepted = sales.filter((s) => s.state === "accepted");
    const voided = new Set(registers.flatMap((r) => [...r.voids].filter(([, v]) => v.state === "accepted").map(([id]) => id)));
    check(sales.every((s) => s.state !== "unknown"), "every sale has an answer after the retries", sales.filter((s) => s.state === "unknown").length);
    check(sales.filter((s) => s.state === "refused").length === 0, "no honest retry was refused", sales.filter((s) => s.state === "refused").map((s) => s.refusal));

    // What exactly was accepted, and what it must add up to.
    const standing = accepted.filter((s) => !voided.has(s.id));
    const standingItems = standing.flatMap((s) => s.items.map((id) => byId.get(id)));
    const expected = {
      transactionCount: accepted.length,
      voidCount: voided.size,
      soldCount: standingItems.length,
      totalSales: standingItems.reduce((n, i) => n + i.price, 0),
    };
    const balances = Object.fromEntries(CONSIGNORS.map(([id]) => [id, 0]));
    for (const i of standingItems) balances[i.consignorId] += commission(i.price, rateOf(i.tier));
    log(`accepted ${accepted.length} sales (${voided.size} voided since), ${expected.soldCount} items, ${expected.totalSales} cents`);

    // The session.
    const summary = await must("GET", `/v1/events/${EVENT}/sessions/${SESSION}`, undefined, [200]);
    const m = summary.metadata;
    check(
      m.transactionCount === expected.transactionCount && m.voidCount === expected.voidCount && m.soldCount === expected.soldCount && m.totalSales === expected.totalSales,
      "the session holds exactly the accepted sales and voids",
      { session: m, expected },
    );

    // The ledger: queue messages waiting for their batch were lost with the stack; the outbox and
    // the reconciler (run here as the nightly cron would) bring them back.
    let ledger = null;
    for (let i = 0; i < 60; i++) {
      ledger = await must("GET", `/v1/events/${EVENT}/commissions`, undefined, [200]);
      const got = Object.fromEntries(ledger.consignors.map((c) => [c.consignorId, c.balance]));
      const done = ledger.calculations.completed === expected.transactionCount && CONSIGNORS.every(([id]) => (got[id] ?? 0) === balances[id]);
      if (done) break;
      if (i % 10 === 5) await must("POST", `/v1/events/${EVENT}/commissions/reconcile?settleSeconds=0`, undefined, [200]);
      await sleep(500);
    }
    const got = Object.fromEntries(ledger.consignors.map((c) => [c.consignorId, c.balance]));
    check(ledger.calculations.completed === expected.transactionCount && ledger.calculations.pending === 0 && ledger.calculations.error === 0, "one completed calculation per accepted sale", ledger.calculations);
    check(CONSIGNORS.every(([id]) => (got[id] ?? 0) === balances[id]), "every consignor's balance equals what the accepted sales earned", { got, expected: balances });
    check(ledger.totalSales === expected.totalSales && ledger.consignorTotal + ledger.houseShare === expected.totalSales, "balances and the house share add up to the sales", ledger);
    for (const [id] of CONSIGNORS.slice(0, 2)) {
      const statement = await must("GET", `/v1/events/${EVENT}/consignors/${id}/statement`, undefined, [200]);
      check(statement.totals.balance === balances[id] && statement.uncalculated.length === 0, `consignor ${id}'s statement shows ${balances[id]} cents and nothing uncalculated`, statement.totals);
    }

    // The archive.
    await must("POST", `/v1/events/${EVENT}/sessions/${SESSION}/complete`, undefined, [200]);
    const { instanceId } = await must("POST", "/v1/archive", { force: true }, [201]);
    let run;
    for (let i = 0; i < 240; i++) {
      run = await must("GET", `/v1/archive/${instanceId}`, undefined, [200]);
      if (run.status !== "running" && run.status !== "queued") break;
      await sleep(500);
    }
    check(run.status === "complete", `archive run ${instanceId} completed`, run);
    const mine = run.output?.sessions?.find((s) => s.eventId === EVENT && s.sessionId === SESSION);
    check(mine?.pruned === true, "the archive pruned the session once the ledger was complete", mine);
    const manifest = await must("GET", `/v1/archive/manifests/${EVENT}/${SESSION}`, undefined, [200]);
    const lines = accepted.reduce((n, s) => n + s.items.length, 0);
    check(
      manifest.kinds.transactions.count === accepted.length && manifest.kinds.transaction_items.count === lines && manifest.kinds.calculations.count === accepted.length,
      "R2's manifest counts every accepted sale, line and calculation once",
      { transactions: manifest.kinds.transactions.count, lines: manifest.kinds.transaction_items.count, calculations: manifest.kinds.calculations.count, expected: { accepted: accepted.length, lines } },
    );
    // A replay after the archive still answers 200 (a register may hear back late).
    const late = registers.find((r) => r.sales.size > 0);
    const lateSale = [...late.sales.values()].find((s) => s.state === "accepted");
    const replay = await call("POST", `/v1/events/${EVENT}/sessions/${SESSION}/transactions`, { id: lateSale.id, registerId: late.id, shopperCode: `S-${late.index}`, items: lateSale.items }, late.key);
    check(replay.status === 200, "a replay after the archive pruned the session answers 200", replay);

    await stopStack("SIGTERM");

    // D1, read directly (not through the Worker).
    const d1 = (sql) => {
      const out = spawnSync("npx", ["wrangler", "d1", "execute", "DB", "--local", "--persist-to", state, "--json", "--command", sql], { env, encoding: "utf8" });
      if (out.status !== 0) throw new Error(`wrangler d1 execute failed: ${out.stderr || out.stdout}`);
      return JSON.parse(out.stdout)[0].results;
    };
    const [tx] = d1(`SELECT COUNT(*) AS n, SUM(CASE WHEN status = 'completed' THEN total ELSE 0 END) AS sales, SUM(status = 'voided') AS voids FROM transactions WHERE event_id = '${EVENT}' AND session_id = '${SESSION}'`);
    check(tx.n === accepted.length && tx.sales === expected.totalSales && tx.voids === voided.size, "D1 holds every accepted sale once, with the standing total", { d1: tx, expected });
    const entries = d1(`SELECT consignor_id, SUM(amount) AS balance FROM ledger_entries WHERE event_id = '${EVENT}' GROUP BY consignor_id`);
    const d1Balances = Object.fromEntries(entries.map((e) => [e.consignor_id, e.balance]));
    check(CONSIGNORS.every(([id]) => (d1Balances[id] ?? 0) === balances[id]), "D1's ledger entries add up to every consignor's balance", { d1: d1Balances, expected: balances });
    const [dupes] = d1(`SELECT COUNT(*) AS n FROM (SELECT tx_id FROM calculations WHERE event_id = '${EVENT}' GROUP BY tx_id HAVING COUNT(*) > 1)`);
    check(dupes.n === 0, "no transaction has two calculations in D1", dupes);
  } finally {
    clearTimeout(deadline);
    await stopStack("SIGTERM");
    agent.destroy();
    rmSync(state, { recursive: true, force: true });
  }
  log(failures.length === 0 ? "passed" : `${failures.length} check(s) failed: ${failures.join("; ")}`);
  return failures.length === 0 ? 0 : 1;
}

runScript(main, () => stopStack("SIGKILL"));
