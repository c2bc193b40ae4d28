// The pages (public/) are their own assets-only Worker (pages/wrangler.toml); the API Worker hands
// it every GET outside /v1 over its service binding PAGES, so pages and API share one origin and
// the API's own requests never pass an assets router.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN, BASE } from "./helpers";

const get = (path: string, init: RequestInit = {}) => exports.default.fetch(new Request(`${BASE}${path}`, init));

describe("pages beside the API", () => {
  it("answers a page from the pages Worker, on the API's origin, with a request id", async () => {
    for (const [path, title] of [["/register", "Register"], ["/admin", "Organizer"], ["/consignor", "My consignment"]] as const) {
      const page = await get(path);
      expect({ path, status: page.status, type: page.headers.get("Content-Type") }).toEqual({ path, status: 200, type: "text/html; charset=utf-8" });
      const html = await page.text();
      expect(html.startsWith("<!doctype html>")).toBe(true);
      expect(html).toContain(`<title>${title}</title>`);
      expect(page.headers.get("X-Request-Id")).toMatch(/^[0-9a-f-]{36}$/);
    }
    const script = await get("/register/sw.js");
    expect(script.status).toBe(200);
    expect(script.headers.get("Content-Type")).toContain("javascript");
    // The pages' own rules: a trailing slash is dropped, and a missing file is a plain 404.
    const slash = await get("/register/", { redirect: "manual" });
    expect(slash.status).toBe(307);
    expect(slash.headers.get("Location")).toMatch(/\/register$/);
    expect((await get("/no-such-page")).status).toBe(404);
  });

  it("keeps the API's paths and other methods the API's: its envelope, never a page", async () => {
    const unknown = await get("/v1/no-such-route", { headers: { Authorization: `Bearer ${ADMIN}` } });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
    // A page path is not the API's, but only GET and HEAD reach the pages.
    const posted = await get("/register", { method: "POST", body: "{}" });
    expect(posted.status).toBe(404);
    expect(((await posted.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
    const health = await get("/health");
    expect(await health.json()).toEqual({ ok: true });
  });
});
