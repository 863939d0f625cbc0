import type { MasSettings } from './config.js';

/** MAS's discovery document as Synapse keeps it (`ServerMetadata`: two required fields, extras kept). */
export type ServerMetadata = { issuer: string; account_management_uri: string } & Record<string, unknown>;

/** `IntrospectionResponse` */
export interface IntrospectionResult {
  retrievedAtMs: number;
  active: boolean;
  scope: string | null;
  username: string | null;
  sub: string | null;
  deviceId: string | null;
  expiresIn: number | null;
}

/** Thrown for every way introspection can fail; Synapse turns all of them into one 503. */
export class IntrospectionFailed extends Error {
  constructor(readonly exception: string) {
    super(exception);
    this.name = 'IntrospectionFailed';
  }
}

const INTROSPECTION_CACHE_MS = 2 * 60 * 1000;
const RESPONSE_LIMIT = 1024 * 1024;
const TIMEOUT_MS = 10_000;

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/**
 * Synapse's side of the MAS link (`synapse/api/auth/mas.py`): MAS's metadata, fetched on first
 * use and kept once fetched (a failure is retried on the next use), and token introspection
 * with the shared secret, cached for two minutes once MAS gave a well-formed answer.
 */
export class MasClient {
  private metadata: Promise<ServerMetadata> | undefined;
  private readonly cache = new Map<string, { at: number; result: Promise<IntrospectionResult> }>();

  constructor(
    private readonly settings: MasSettings,
    private readonly now: () => number = Date.now,
  ) {}

  get metadataUrl(): string {
    return `${stripSlash(this.settings.endpoint)}/.well-known/openid-configuration`;
  }

  get introspectionUrl(): string {
    return `${stripSlash(this.settings.endpoint)}/oauth2/introspect`;
  }

  /** `RetryOnExceptionCachedCall(_load_metadata)` */
  serverMetadata(): Promise<ServerMetadata> {
    if (!this.metadata) {
      const pending = this.loadMetadata();
      this.metadata = pending;
      pending.catch(() => {
        if (this.metadata === pending) this.metadata = undefined;
      });
    }
    return this.metadata;
  }

  private async loadMetadata(): Promise<ServerMetadata> {
    let res: Response;
    try {
      res = await fetch(this.metadataUrl, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      throw new Error(`twisted.internet.error.ConnectionRefusedError: ${describe(err)}`);
    }
    const text = await res.text();
    if (res.status < 200 || res.status >= 300)
      throw new Error(`synapse.api.errors.HttpResponseException: ${res.status}: ${res.statusText}`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error('json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new Error('TypeError: argument after ** must be a mapping');
    const doc = body as Record<string, unknown>;
    const missing = ['issuer', 'account_management_uri'].filter((k) => typeof doc[k] !== 'string');
    if (missing.length)
      throw new Error(
        `pydantic_core._pydantic_core.ValidationError: ${missing.length} validation error${
          missing.length === 1 ? '' : 's'
        } for ServerMetadata`,
      );
    // pydantic's .dict(): declared fields first, then the extras in their order
    const { issuer, account_management_uri, ...extra } = doc;
    return { issuer, account_management_uri, ...extra } as ServerMetadata;
  }

  /** `_introspection_cache.wrap(token, _introspect_token)` */
  introspect(token: string): Promise<IntrospectionResult> {
    const now = this.now();
    for (const [key, entry] of this.cache)
      if (now - entry.at > INTROSPECTION_CACHE_MS) this.cache.delete(key);
    const hit = this.cache.get(token);
    if (hit) return hit.result;
    const result = this.introspectUncached(token);
    const entry = { at: now, result };
    this.cache.set(token, entry);
    // only well-formed answers stay cached
    result.catch(() => {
      if (this.cache.get(token) === entry) this.cache.delete(token);
    });
    return result;
  }

  /** Forget a token (Synapse does this when the token's device is gone). */
  forget(token: string): void {
    this.cache.delete(token);
  }

  private async introspectUncached(token: string): Promise<IntrospectionResult> {
    let res: Response;
    try {
      res = await fetch(this.introspectionUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          authorization: `Bearer ${this.settings.secret ?? ''}`,
          'x-mas-supports-device-id': '1',
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      throw new IntrospectionFailed(`builtins.RuntimeError: ${describe(err)}`);
    }
    const buf = Buffer.from(await res.arrayBuffer());
    if (res.status < 200 || res.status >= 300)
      throw new IntrospectionFailed(
        `synapse.api.errors.HttpResponseException: ${res.status}: ${res.statusText}`,
      );
    if (buf.length > RESPONSE_LIMIT) throw new IntrospectionFailed('Response body exceeded limit');
    let raw: unknown;
    try {
      raw = JSON.parse(buf.toString('utf8'));
    } catch {
      throw new IntrospectionFailed(
        'json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)',
      );
    }
    const invalid = () =>
      new IntrospectionFailed('ValueError: The introspection endpoint returned an invalid JSON response');
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid();
    const r = raw as Record<string, unknown>;
    const optStr = (v: unknown) => v === undefined || v === null || typeof v === 'string';
    if (typeof r.active !== 'boolean') throw invalid();
    if (!optStr(r.scope) || !optStr(r.username) || !optStr(r.sub) || !optStr(r.device_id)) throw invalid();
    if (!(r.expires_in === undefined || r.expires_in === null || Number.isInteger(r.expires_in)))
      throw invalid();
    return {
      retrievedAtMs: this.now(),
      active: r.active,
      scope: (r.scope as string | null | undefined) ?? null,
      username: (r.username as string | null | undefined) ?? null,
      sub: (r.sub as string | null | undefined) ?? null,
      deviceId: (r.device_id as string | null | undefined) ?? null,
      expiresIn: (r.expires_in as number | null | undefined) ?? null,
    };
  }
}

export function isActive(result: IntrospectionResult, nowMs: number): boolean {
  if (!result.active) return false;
  if (result.expiresIn === null) return true;
  return nowMs < result.expiresIn * 1000 + result.retrievedAtMs;
}

function describe(err: unknown): string {
  const e = err as { cause?: { code?: string; message?: string }; message?: string };
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}
