import { DurableObject } from "cloudflare:workers";

interface BareEnv {
  BARE: DurableObjectNamespace<BareCounter>;
}

/** One SQLite insert per call: the cheapest durable write a Durable Object can make. */
export class BareCounter extends DurableObject<BareEnv> {
  constructor(ctx: DurableObjectState, env: BareEnv) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS hits (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL, at INTEGER NOT NULL)");
  }

  insert(body: string): { id: number } {
    const row = this.ctx.storage.sql.exec<{ id: number }>("INSERT INTO hits (body, at) VALUES (?, ?) RETURNING id", body, Date.now()).one();
    return { id: row.id };
  }
}

export default {
  async fetch(request, env) {
    if (request.method !== "POST") return new Response("POST a body", { status: 405 });
    const result = await env.BARE.getByName("bench").insert(await request.text());
    return Response.json(result, { status: 201 });
  },
} satisfies ExportedHandler<BareEnv>;
