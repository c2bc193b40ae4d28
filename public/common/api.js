// Calls to the API (same origin, /v1) with the page's key, for the organizer's and consignors'
// pages. Every call answers { ok, status, body } or { ok: false, status, error } where `error` is
// the API's error envelope, or { code: "NETWORK" } when nothing came back.

export async function call(key, method, path, body, timeoutMs = 15_000) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const headers = { Authorization: `Bearer ${key}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(`/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: controller.signal, cache: "no-store" });
    let json = null;
    try {
      json = await response.json();
    } catch {}
    if (response.ok) return { ok: true, status: response.status, body: json };
    return { ok: false, status: response.status, error: json?.error ?? { code: `HTTP_${response.status}`, message: `the server answered ${response.status}` } };
  } catch {
    return { ok: false, status: 0, error: { code: "NETWORK", message: "no answer from the server" } };
  } finally {
    clearTimeout(timer);
  }
}

/** A file the API makes (CSV, PDF): fetched with the key (a plain link cannot send it), as a Blob. */
export async function fetchFile(key, path) {
  try {
    const response = await fetch(`/v1${path}`, { headers: { Authorization: `Bearer ${key}` }, cache: "no-store" });
    if (!response.ok) {
      let error = null;
      try {
        error = (await response.json()).error;
      } catch {}
      return { ok: false, status: response.status, error: error ?? { code: `HTTP_${response.status}`, message: `the server answered ${response.status}` } };
    }
    const disposition = response.headers.get("Content-Disposition") ?? "";
    const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? null;
    return { ok: true, status: response.status, blob: await response.blob(), filename };
  } catch {
    return { ok: false, status: 0, error: { code: "NETWORK", message: "no answer from the server" } };
  }
}

/** Saves a fetched file (a CSV) as a download. */
export async function download(key, path, fallbackName) {
  const file = await fetchFile(key, path);
  if (!file.ok) return file;
  const url = URL.createObjectURL(file.blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = file.filename ?? fallbackName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return file;
}

/**
 * Opens a fetched PDF in a new tab. The tab is opened at the click (so no pop-up blocker stops it)
 * and pointed at the file's blob URL once it has arrived; closed again when the fetch fails.
 */
export async function openFile(key, path) {
  const tab = window.open("", "_blank");
  const file = await fetchFile(key, path);
  if (!file.ok) {
    tab?.close();
    return file;
  }
  const url = URL.createObjectURL(file.blob);
  if (tab) tab.location.href = url;
  else window.location.assign(url);
  setTimeout(() => URL.revokeObjectURL(url), 5 * 60_000);
  return { ...file, url };
}
