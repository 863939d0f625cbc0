import { listen, type RunningServer } from '../../../src/sandbox/http/server.js';
import { SandboxLog } from '../../../src/sandbox/log.js';
import {
  authentikEmulator,
  SEED_CLIENT_ID,
  type AuthentikInstance,
} from '../../../src/sandbox/authentik/index.js';

export const MAS_URL = 'http://127.0.0.1:18080';
export const CALLBACK = `${MAS_URL}/upstream/callback/01KQDJTR1ZVTG8JQ220F5BNBFZ`;

export interface Running {
  url: string;
  instance: AuthentikInstance;
  server: RunningServer;
  log: SandboxLog;
  token: string;
  close(): Promise<void>;
}

/** Starts the Authentik emulator alone on loopback with a scenario section (default: the seed). */
export async function startAuthentik(section: unknown = {}): Promise<Running> {
  const log = new SandboxLog();
  const ref: { target?: AuthentikInstance } = {};
  const server = await listen((req, res) => ref.target!.router.listener(req, res));
  // exactly what the stack does: the definition's section schema, then create()
  const resolved = authentikEmulator.section.parse(section);
  const instance = (await authentikEmulator.create(resolved, {
    urls: { authentik: server.url, mas: MAS_URL, synapse: 'http://127.0.0.1:18008' },
    log,
    scenarioDir: process.cwd(),
  })) as AuthentikInstance;
  ref.target = instance;
  return {
    url: server.url,
    instance,
    server,
    log,
    token: resolved.api_token,
    close: () => server.close(),
  };
}

/** A browser-like client: keeps cookies, follows nothing by itself (redirect: manual). */
export class Browser {
  readonly cookies = new Map<string, string>();
  constructor(readonly base: string) {}

  async fetch(
    path: string,
    init: RequestInit & { headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const url = path.startsWith('http') ? path : `${this.base}${path}`;
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, i).trim(), pair!.slice(i + 1).trim());
    }
    return res;
  }

  /** GET following redirects on this origin (as a browser would), returns the last response */
  async follow(path: string, max = 10): Promise<Response> {
    let res = await this.fetch(path);
    for (let i = 0; i < max && res.status >= 300 && res.status < 400; i++) {
      const loc = res.headers.get('location')!;
      if (loc.startsWith('http') && !loc.startsWith(this.base)) return res;
      res = await this.fetch(loc);
    }
    return res;
  }

  /** executor GET: returns the challenge */
  async challenge(slug: string, query: string): Promise<Record<string, unknown>> {
    const res = await this.follow(`/api/v3/flows/executor/${slug}/?query=${encodeURIComponent(query)}`);
    return (await res.json()) as Record<string, unknown>;
  }

  /** executor POST of an answer, then GET after the 302 (stage done), returns the next challenge */
  async answer(slug: string, query: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const path = `/api/v3/flows/executor/${slug}/?query=${encodeURIComponent(query)}`;
    const csrf = this.cookies.get('authentik_csrf');
    const res = await this.fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(csrf ? { 'x-authentik-csrf': csrf } : {}) },
      body: JSON.stringify(body),
    });
    if (res.status === 302) return this.challenge(slug, query);
    return (await res.json()) as Record<string, unknown>;
  }

  /**
   * Starts an authorization as MAS would send the browser (the seed client and MAS callback,
   * `openid profile email` unless `params` says otherwise); returns the authorize path and the
   * executor query the login flow runs with.
   */
  async beginAuthorize(
    params: Record<string, string> = {},
  ): Promise<{ q: URLSearchParams; authorize: string; query: string }> {
    const q = new URLSearchParams({
      client_id: SEED_CLIENT_ID,
      redirect_uri: CALLBACK,
      response_type: 'code',
      scope: 'openid profile email',
      ...params,
    });
    const authorize = `/application/o/authorize/?${q}`;
    await this.follow(authorize);
    return { q, authorize, query: `next=${encodeURIComponent(authorize)}` };
  }

  /** Answers the default authentication flow's identification and password stages. */
  async logIn(query: string, username: string, password: string): Promise<Record<string, unknown>> {
    await this.answer('default-authentication-flow', query, {
      component: 'ak-stage-identification',
      uid_field: username,
    });
    return this.answer('default-authentication-flow', query, { component: 'ak-stage-password', password });
  }
}

export function api(run: Running) {
  return async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${run.url}/api/v3${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${run.token}`,
        'content-type': 'application/json',
        ...(init.headers ?? {}),
      },
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
  };
}
