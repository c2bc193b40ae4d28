// Staged upload targets on the emulator itself, shaped like Shopify's (a Google Cloud Storage form POST:
// the client sends every returned parameter as a form field, then the file; or a signed PUT).
// shopify.dev/docs/api/usage/bulk-operations/imports
import { createHmac, randomBytes, randomUUID } from "node:crypto";

interface Target {
  key: string;
  mimeType: string;
  method: "POST" | "PUT";
}

export interface UploadAnswer {
  status: number;
  contentType: string;
  body: string;
}

const BUCKET = "shopify-staged-uploads";
const xml = (inner: string) => `<?xml version='1.0' encoding='UTF-8'?>${inner}`;
const denied = (message: string): UploadAnswer => ({
  status: 403,
  contentType: "application/xml",
  body: xml(`<Error><Code>AccessDenied</Code><Message>${message}</Message></Error>`),
});

export class StagedUploads {
  private readonly secret = randomBytes(16);
  private readonly targets = new Map<string, Target>();
  private readonly files = new Map<string, Buffer>();
  private readonly shopId: number;

  constructor(shopId: number) {
    this.shopId = shopId;
  }

  reset(): void {
    this.targets.clear();
    this.files.clear();
  }

  private sign(key: string): string {
    return createHmac("sha256", this.secret).update(key).digest("hex");
  }

  /** One `StagedMediaUploadTarget` for a BULK_MUTATION_VARIABLES file. */
  create(origin: string, input: { filename: string; mimeType: string; httpMethod?: string | null }): object {
    const key = `tmp/${this.shopId}/bulk/${randomUUID()}/${input.filename}`;
    const method = input.httpMethod === "PUT" ? "PUT" : "POST";
    this.targets.set(key, { key, mimeType: input.mimeType, method });
    const signature = this.sign(key);
    const date = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "");
    if (method === "PUT") {
      return {
        url: `${origin}/_emulator/staged-uploads/${key}?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Date=${date}&X-Goog-Signature=${signature}`,
        resourceUrl: null,
        parameters: [
          { name: "content_type", value: input.mimeType },
          { name: "acl", value: "private" },
        ],
      };
    }
    const policy = Buffer.from(JSON.stringify({ conditions: [{ key }, { bucket: BUCKET }], expiration: new Date(Date.now() + 86_400_000).toISOString() })).toString("base64");
    return {
      url: `${origin}/_emulator/staged-uploads`,
      resourceUrl: null,
      parameters: [
        { name: "Content-Type", value: input.mimeType },
        { name: "success_action_status", value: "201" },
        { name: "acl", value: "private" },
        { name: "key", value: key },
        { name: "x-goog-date", value: date },
        { name: "x-goog-credential", value: `emulator@${BUCKET}.iam.gserviceaccount.com/${date.slice(0, 8)}/auto/storage/goog4_request` },
        { name: "x-goog-algorithm", value: "GOOG4-RSA-SHA256" },
        { name: "x-goog-signature", value: signature },
        { name: "policy", value: policy },
      ],
    };
  }

  /** The form POST: every parameter, then `file`. */
  async receiveForm(form: FormData, origin: string): Promise<UploadAnswer> {
    const key = form.get("key");
    const file = form.get("file");
    if (typeof key !== "string" || !this.targets.has(key)) return denied("Unknown or missing key.");
    if (form.get("x-goog-signature") !== this.sign(key) || typeof form.get("policy") !== "string") {
      return denied("The request signature or policy is missing or does not match: send every parameter of the staged target.");
    }
    if (!file || typeof file === "string") return { status: 400, contentType: "application/xml", body: xml(`<Error><Code>InvalidArgument</Code><Message>No file field.</Message></Error>`) };
    const bytes = Buffer.from(await file.arrayBuffer());
    this.files.set(key, bytes);
    const status = form.get("success_action_status") === "201" ? 201 : 204;
    return {
      status,
      contentType: "application/xml",
      body: status === 204 ? "" : xml(`<PostResponse><Location>${origin}/_emulator/staged-uploads/${key}</Location><Bucket>${BUCKET}</Bucket><Key>${key}</Key><ETag>"${bytes.length}"</ETag></PostResponse>`),
    };
  }

  /** The signed PUT of the raw file. */
  receivePut(key: string, signature: string | null, body: Buffer): UploadAnswer {
    const target = this.targets.get(key);
    if (!target || target.method !== "PUT" || signature !== this.sign(key)) return denied("Unknown key or bad signature.");
    this.files.set(key, body);
    return { status: 200, contentType: "text/plain", body: "" };
  }

  /** The uploaded file named by `stagedUploadPath` (the `key` parameter). */
  read(key: string): Buffer | undefined {
    return this.files.get(key);
  }
}
