// The register page: sign in, scan tags into a cart, check out, receipts, refusals in plain words,
// voids of this register's recent sales, and the offline queue. No framework: the state lives in
// localStorage (store.js) and every change re-renders the few parts of the page it touches.
//
// The parts: signin.js, cart.js (scanning), checkout.js (checkout and the offline queue, with the
// rules that keep a sale from being lost or counted twice), receipts.js (receipts, recent sales,
// voids), prices.js (the session's price list kept for scanning offline), render.js, refusals.js
// (refusals in words), view.js (what is on screen), dom.js; this
// file starts the page and wires its controls. The modules call one another (an action draws the
// page again, the page's buttons run actions): only functions cross between them, called after all
// have loaded.
import { cart as cartStore, settings as settingsStore } from "/register/store.js";
import { $ } from "/register/dom.js";
import { view } from "/register/view.js";
import { offerSessions, openSignIn, signIn, signOut } from "/register/signin.js";
import { addTag, clearCart, focusScan } from "/register/cart.js";
import { checkout, flush, recoverUnanswered } from "/register/checkout.js";
import { render, renderBar } from "/register/render.js";
import { keepPrices } from "/register/prices.js";

const RETRY_MS = 15_000;

function start() {
  recoverUnanswered();
  $("signin-form").addEventListener("submit", signIn);
  for (const id of ["key", "event-id"]) $(id).addEventListener("change", offerSessions);
  $("scan-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const scan = $("scan");
    addTag(scan.value);
    scan.value = "";
    focusScan();
  });
  $("checkout").addEventListener("click", checkout);
  $("clear-cart").addEventListener("click", clearCart);
  $("shopper").addEventListener("change", (e) => {
    const c = cartStore.get();
    if (c.sending) return;
    cartStore.set({ ...c, shopperCode: e.target.value.trim(), txId: null });
  });
  $("upload-now").addEventListener("click", flush);
  $("waiting").addEventListener("click", flush);
  $("sign-out").addEventListener("click", signOut);
  $("change-session").addEventListener("click", () => openSignIn(""));
  // The scanner types wherever the focus is: after a tap anywhere but a text field (a button, the
  // page), the focus goes back to the scan field; a character typed while no text field has the
  // focus (a button that was just hidden, the page) goes into the scan field, and so does the rest.
  document.addEventListener("click", (e) => {
    if (!e.target.closest("input, label, select, textarea")) setTimeout(focusScan, 0);
  });
  document.addEventListener("keydown", (e) => {
    const typing = document.activeElement?.matches?.("input, select, textarea");
    if (!typing && !e.ctrlKey && !e.metaKey && !e.altKey && e.key.length === 1 && e.key !== " " && !$("sell").hidden) focusScan();
  });
  window.addEventListener("online", () => {
    view.contact = "unknown";
    render();
    flush();
    void keepPrices();
  });
  window.addEventListener("offline", renderBar);
  window.addEventListener("storage", render); // another tab of this register changed something
  setInterval(flush, RETRY_MS);
  setInterval(keepPrices, RETRY_MS);
  // Keeps the page's own files on the device so it opens again without a network (sw.js).
  navigator.serviceWorker?.register("/register/sw.js", { scope: "/register" }).catch(() => {});

  if (settingsStore.get().key) {
    $("sell").hidden = false;
    render();
    focusScan();
    flush();
    void keepPrices();
  } else openSignIn();
}

start();
