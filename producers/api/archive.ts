import { Hono } from "hono";
import { z } from "zod";
import { AppError, notFound } from "../../lib/errors";
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
