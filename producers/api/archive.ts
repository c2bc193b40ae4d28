import { Hono } from "hono";
import { z } from "zod";
import { AppError, notFound } from "../../lib/errors";
import { Id } from "../../schemas/common";
import { ArchiveManifest, ArchiveRun, ArchiveStarted, type ArchiveOutput } from "../../schemas/responses";
import { manifestKey } from "../../workflows/archive-store";
import { startArchive } from "../archive";
import { authorize } from "./auth";
import { parse, type AppEnv } from "./context";
import { documented, json, replayedHeader } from "./route-docs";

export const archive = new Hono<AppEnv>();

const ArchiveBody = z.strictObject({ force: z.boolean().optional().describe("Start a new run even if tonight's ran.") });
const ArchiveInstanceId = z.string().regex(/^archive-[0-9A-Za-z-]{1,80}$/).describe("An archive run's workflow instance id (`archive-…`).");

/** Runs the archive now: tonight's run if it has not run yet, or a new one with `force`. */
archive.post("/", documented({
  operationId: "startArchive",
  tag: "Archive",
  summary: "Run the archive now",
  description:
    "Tonight's run if it has not run yet (then 200 with `Idempotent-Replayed: true` for the same run), or a new one with `{\"force\": true}`. Every ended session goes to R2 (gzipped NDJSON and a manifest) and D1, is verified, and is pruned once its ledger is complete.",
  access: ["admin"],
  body: ArchiveBody,
  bodyOptional: true,
  responses: {
    201: json(ArchiveStarted, "The run, started."),
    200: { description: "Tonight's run, already started.", json: ArchiveStarted, headers: replayedHeader },
  },
}, async (c) => {
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
  const { force } = parse(ArchiveBody, raw, "body");
  const { instanceId, started } = await startArchive(c.env, Date.now(), force ?? false);
  if (!started) c.header("Idempotent-Replayed", "true");
  return c.json({ instanceId } satisfies z.infer<typeof ArchiveStarted>, started ? 201 : 200);
}));

archive.get("/:instanceId", documented({
  operationId: "getArchiveRun",
  tag: "Archive",
  summary: "An archive run",
  description: "Its workflow status and, once done, per session the rows and bytes copied and whether it was pruned (and why not), and the sessions that failed.",
  access: ["admin"],
  params: { instanceId: ArchiveInstanceId },
  responses: { 200: json(ArchiveRun, "The run.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  authorize(c, ["admin"]);
  const instanceId = parse(ArchiveInstanceId, c.req.param("instanceId"), "instanceId");
  const instance = await c.env.ARCHIVE_WORKFLOW.get(instanceId).catch(() => null);
  if (!instance) throw notFound(`archive run ${instanceId}`);
  const { status, output, error } = await instance.status();
  return c.json({
    instanceId,
    status,
    ...(output !== undefined ? { output: output as z.infer<typeof ArchiveOutput> } : {}),
    ...(error ? { error } : {}),
  } satisfies z.infer<typeof ArchiveRun>);
}));

/** The manifest of a session's archive in R2 (counts and SHA-256 of every part), as the last run wrote it. */
archive.get("/manifests/:eventId/:sessionId", documented({
  operationId: "getArchiveManifest",
  tag: "Archive",
  summary: "A session's archive manifest",
  description: "As the last run wrote it to R2: per kind, the row count and every part with its bytes and SHA-256.",
  access: ["admin"],
  responses: { 200: json(ArchiveManifest, "The manifest.") },
  errors: ["NOT_FOUND"],
}, async (c) => {
  authorize(c, ["admin"]);
  const eventId = parse(Id, c.req.param("eventId"), "eventId");
  const sessionId = parse(Id, c.req.param("sessionId"), "sessionId");
  const object = await c.env.ARCHIVE.get(manifestKey({ eventId, sessionId }));
  if (!object) throw notFound(`the archive of session ${eventId}/${sessionId}`);
  return c.json(JSON.parse(await object.text()) as z.infer<typeof ArchiveManifest>);
}));
