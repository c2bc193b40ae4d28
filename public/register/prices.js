// The session's price list, kept on this device so that a tag scanned while the network is down
// still shows its title and price, and the cart its total. Kept in IndexedDB (tens of thousands
// of items do not fit in localStorage). Only a help to the cashier: the checkout's answer decides
// what is sold and for how much; the list says nothing of what is still for sale.
import * as api from "/register/api.js";
import { settings as settingsStore } from "/register/store.js";
import { view } from "/register/view.js";
import { renderBar } from "/register/render.js";

const DB_NAME = "register-prices";
const ITEMS = "items";
const META = "meta";
const PAGE = 5_000;

let opening = null;
function database() {
  opening ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      req.result.createObjectStore(ITEMS, { keyPath: "id" });
      req.result.createObjectStore(META);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  }).catch((e) => {
    opening = null;
    throw e;
  });
  return opening;
}

/** Runs `work(stores)` in one transaction over both stores; resolves with its result once committed. */
async function inTransaction(mode, work) {
  const db = await database();
  return new Promise((resolve, reject) => {
    const tx = db.transaction([ITEMS, META], mode);
    let result;
    const request = (r) => new Promise((ok) => (r.onsuccess = () => ok(r.result)));
    Promise.resolve(work({ items: tx.objectStore(ITEMS), meta: tx.objectStore(META), request })).then((r) => (result = r), reject);
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error("aborted"));
  });
}

/** What the device holds: `{ eventId, sessionId, count, takenAt }` of a whole list, or null. */
export async function held() {
  try {
    return (await inTransaction("readonly", ({ meta, request }) => request(meta.get("list")))) ?? null;
  } catch {
    return null;
  }
}

/** The item as the kept list prices it in this session, or null (not in the list, or no list of this session). */
export async function priceOf(eventId, sessionId, itemId) {
  try {
    return await inTransaction("readonly", async ({ items, meta, request }) => {
      const list = await request(meta.get("list"));
      if (list?.eventId !== eventId || list?.sessionId !== sessionId) return null;
      return (await request(items.get(itemId))) ?? null;
    });
  } catch {
    return null;
  }
}

let taking = null;
/**
 * Takes the session's price list, page by page, unless the device holds this session's already (a
 * session's items and their prices are fixed when it starts; before that the server refuses, and
 * the page asks again later). A list of another session is dropped first; the list counts as held
 * only once its last page is stored. Answers what is held afterwards.
 */
export function refresh(key, eventId, sessionId) {
  taking ??= (async () => {
    try {
      const now = await held();
      const same = now?.eventId === eventId && now?.sessionId === sessionId;
      if (same) return now;
      await inTransaction("readwrite", ({ items, meta }) => {
        items.clear();
        meta.delete("list");
      });
      let after = "";
      let count = 0;
      const takenAt = Date.now();
      for (;;) {
        const page = await api.priceList(key, eventId, sessionId, after, PAGE);
        if (page.outcome !== "ok") return null;
        await inTransaction("readwrite", ({ items }) => {
          for (const item of page.body.items) items.put(item);
        });
        count += page.body.items.length;
        if (page.body.next === null) break;
        after = page.body.next;
      }
      const list = { eventId, sessionId, count, takenAt };
      await inTransaction("readwrite", ({ meta }) => meta.put(list, "list"));
      return list;
    } catch {
      return null;
    } finally {
      taking = null;
    }
  })();
  return taking;
}

/** Takes the signed-in session's price list when this device does not hold it yet; shows what is kept. */
export async function keepPrices() {
  const s = settingsStore.get();
  if (s.key && navigator.onLine !== false) view.priceList = (await refresh(s.key, s.eventId, s.sessionId)) ?? (await held());
  else view.priceList = await held();
  renderBar();
}
