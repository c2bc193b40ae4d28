// The register page's files (its own, and /common/dom.js that it shares), kept on the device so
// that the page opens again (a reload, a tab the tablet discarded) while the network is down. Network first, so a device always runs the newest
// page the server answers with; the kept copy only when the server does not answer in time. The API
// (/v1) is never touched here: sales, the queue and its uploads are checkout.js's business.
const CACHE = "register-v3";
const FILES = [
  "/register",
  "/register/app.js",
  "/register/signin.js",
  "/register/cart.js",
  "/register/checkout.js",
  "/register/receipts.js",
  "/register/render.js",
  "/register/refusals.js",
  "/register/view.js",
  "/register/dom.js",
  "/common/dom.js",
  "/register/api.js",
  "/register/store.js",
  "/register/prices.js",
  "/register/register.css",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(FILES))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin || !FILES.includes(url.pathname)) return;
  event.respondWith(fromNetwork(event.request, url.pathname).catch(() => fromCache(url.pathname)));
});

async function fromNetwork(request, path) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 4000);
  try {
    const response = await fetch(request, { signal: controller.signal });
    if (response.ok) {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(path, copy)).catch(() => {});
    }
    return response;
  } finally {
    clearTimeout(timer);
  }
}

async function fromCache(path) {
  const kept = await caches.match(path);
  if (kept) return kept;
  return new Response("The register page is not on this device yet: connect to the network once.", { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}
