import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../config/schema.js';
import { listen, type RunningServer } from '../sandbox/http/server.js';
import { startStack, type Stack } from '../sandbox/stack.js';
import type { MasRuntimeFacts } from '../snapshot/types.js';
import { masRuntimeSource } from './mas-runtime.js';
import type { SourceContext } from './source.js';

let dir: string;
const stacks: Stack[] = [];
const servers: RunningServer[] = [];
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ssochain-mas-runtime-'));
});
afterEach(async () => {
  await Promise.all([...stacks.splice(0).map((s) => s.close()), ...servers.splice(0).map((s) => s.close())]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function context(mas: string | undefined, synapse?: string): SourceContext {
  return {
    config: ConfigSchema.parse({
      ...(mas ? { mas: { url: mas } } : {}),
      ...(synapse ? { synapse: { url: synapse } } : {}),
    }),
    secret: async () => {
      throw new Error('not used');
    },
    fetch,
    timeoutMs: 2000,
  };
}

async function stack(body: string): Promise<Stack> {
  const file = path.join(dir, `s${Date.now()}-${stacks.length}.yaml`);
  writeFileSync(file, `name: mas-runtime-source\n${body}\nexpect:\n  brokenLink: null\n`);
  const s = await startStack({ scenarioFile: file });
  stacks.push(s);
  return s;
}

async function run(ctx: SourceContext): Promise<MasRuntimeFacts> {
  const part = await masRuntimeSource.collect(ctx, {});
  if (part.masRuntime?.status !== 'ok') throw new Error(JSON.stringify(part.masRuntime));
  return part.masRuntime.data;
}

async function fake(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<string> {
  const server = await listen(handler);
  servers.push(server);
  return server.url;
}

describe('masRuntimeSource', () => {
  it('reads the issuer MAS advertises and sees the login API served by MAS through the proxy', async () => {
    const s = await stack('');
    expect(masRuntimeSource).toMatchObject({ name: 'mas-runtime', wave: 2 });
    const data = await run(context(s.urls.mas, s.clientUrl));
    expect(data.discovery).toMatchObject({ status: 'ok', data: { issuer: `${s.urls.mas}/` } });
    expect(data.compatLogin).toMatchObject({
      status: 'ok',
      data: {
        url: `${s.clientUrl}/_matrix/client/v3/login`,
        status: 200,
        body: {
          flows: expect.arrayContaining([
            expect.objectContaining({ type: 'm.login.sso', oauth_aware_preferred: true }),
          ]),
        },
      },
    });
  });

  it('records what Synapse answers when the proxy does not route the login API to MAS', async () => {
    const s = await stack('ingress:\n  routeLoginToMas: false');
    const data = await run(context(s.urls.mas, s.clientUrl));
    expect(data.compatLogin).toMatchObject({ status: 'ok', data: { status: 404 } });
  });

  it('MAS down: the source is unreachable, with a plain sentence', async () => {
    const url = await fake(() => undefined);
    await servers.pop()!.close();
    const part = await masRuntimeSource.collect(context(url), {});
    expect(part.masRuntime).toMatchObject({ status: 'unreachable', error: { code: 'ERR_SOURCE_CONNECT' } });
    expect((part.masRuntime as { error: { message: string } }).error.message).toMatch(/connection refused/);
  });

  it('a 500, garbage, or a non-object: the source is an error that says so; never a throw', async () => {
    const part = async (url: string) => (await masRuntimeSource.collect(context(url), {})).masRuntime;
    const e500 = await fake((_q, r) => r.writeHead(500, { 'content-type': 'text/plain' }).end('oops'));
    expect(await part(e500)).toMatchObject({
      status: 'error',
      error: { code: 'ERR_SOURCE_HTTP_STATUS', status: 500 },
    });
    const garbage = await fake((_q, r) => r.writeHead(200, { 'content-type': 'text/html' }).end('<html>'));
    expect(await part(garbage)).toMatchObject({ status: 'error', error: { code: 'ERR_SOURCE_NOT_JSON' } });
    const list = await fake((_q, r) => r.writeHead(200, { 'content-type': 'application/json' }).end('[1]'));
    expect(await part(list)).toMatchObject({ status: 'error', error: { code: 'ERR_SOURCE_INVALID' } });
    // no Synapse configured: no login probe
    const ok = await fake((_q, r) =>
      r.writeHead(200, { 'content-type': 'application/json' }).end('{"issuer":"x"}'),
    );
    expect((await run(context(ok))).compatLogin).toBeUndefined();
  });

  it('is skipped without mas in ssochain.yaml', async () => {
    expect((await masRuntimeSource.collect(context(undefined), {})).masRuntime).toMatchObject({
      status: 'skipped',
    });
  });
});
