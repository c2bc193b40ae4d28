import { Hono } from "hono";
import { z } from "zod";
import { AppError, notFound } from "../../lib/errors";
import { Id } from "../../schemas/common";
import { manifestKey } from "../../workflows/archive-store";
import { startArchive } from "../archive";
import { authorize } from "./auth";
import { parse, type AppEnv } from "./context";

export const archive = new Hono<AppEnv>();

/** Runs the archive now: tonight's run if it has not run yet, or a new one with `force`. */
archive.post("/", async (c) => {
  authorize(c, ["admin"]);
  const text = await c.req.text();
  let raw: unknown = {};
  if (text.trim() !== "") {
    try {
      raw = JSON.parse(text);
    } catch {
      throw new AppError("VALIDATION_FAILED", "the body must be JSON");
    }
  }
  const { force } = parse(z.strictObject({ force: z.boolean().optional() }), raw, "body");
  const { instanceId, started } = await startArchive(c.env, Date.now(), force ?? false);
  if (!started) c.header("Idempotent-Replayed", "true");
  return c.json({ instanceId }, started ? 201 : 200);
});

archive.get("/:instanceId", async (c) => {
  authorize(c, ["admin"]);
  const instanceId = parse(z.string().regex(/^archive-[0-9A-Za-z-]{1,80}$/), c.req.param("instanceId"), "instanceId");
  const instance = await c.env.ARCHIVE_WORKFLOW.get(instanceId).catch(() => null);
  if (!instance) throw notFound(`archive run ${instanceId}`);
  const { status, output, error } = await instance.status();
  return c.json({ instanceId, status, ...(output !== undefined ? { output } : {}), ...(error ? { error } : {}) });
});

/** The manifest of a session's archive in R2 (counts and SHA-256 of every part), as the last run wrote it. */
archive.get("/manifests/:eventId/:sessionId", async (c) => {
  authorize(c, ["admin"]);
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const sessionId = parse(Id, c.req.param("sessionId"), "sessionId");
  const object = await c.env.ARCHIVE.get(manifestKey({ eventId, sessionId }));
  if (!object) throw notFound(`the archive of session ${eventId}/${sessionId}`);
  return c.json(JSON.parse(await object.text()) as unknown);
});
