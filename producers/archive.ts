import type { ArchiveParams } from "../schemas/archive";

/** Tonight's run is `archive-<date>`; a forced run gets its own id so it starts even so. */
export async function startArchive(env: Env, now: number, force: boolean): Promise<{ instanceId: string; started: boolean }> {
  const date = new Date(now).toISOString().slice(0, 10);
  const params: ArchiveParams = force ? { date, forcedAt: now } : { date };
  const instanceId = force ? `archive-${date}-forced-${now}` : `archive-${date}`;
  try {
    await env.ARCHIVE_WORKFLOW.create({ id: instanceId, params });
    return { instanceId, started: true };
  } catch (error) {
    // Tonight's run exists already: starting it again does nothing.
    const existing = await env.ARCHIVE_WORKFLOW.get(instanceId).catch(() => null);
    if (!existing) throw error;
    return { instanceId, started: false };
  }
}
