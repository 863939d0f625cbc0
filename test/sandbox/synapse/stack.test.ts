import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MasEmulatorInstance } from '../../../src/sandbox/mas/index.js';
import { startStack, type Stack } from '../../../src/sandbox/stack.js';
import {
  SANDBOX_MAS_SHARED_SECRET,
  type SynapseEmulatorInstance,
} from '../../../src/sandbox/synapse/index.js';

// The Synapse emulator inside the sandbox stack, next to the MAS emulator.
let dir: string;
const stacks: Stack[] = [];

function scenario(name: string, body: string): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}\n${body}\nexpect:\n  brokenLink: null\n`);
  return file;
}

async function start(file: string): Promise<Stack> {
  const stack = await startStack({ scenarioFile: file });
  stacks.push(stack);
  return stack;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ssochain-synapse-stack-'));
});
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.close()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Synapse emulator in the stack', () => {
  it('runs the default homeserver.yaml: MAS delegation, the sandbox server name and shared secret', async () => {
    const stack = await start(scenario('synapse-default', ''));
    const info = stack.services.synapse!.info();
    expect(info).toMatchObject({
      status: 'running',
      server_name: 'sandbox.local',
      public_baseurl: `${stack.urls.synapse}/`,
      mas_shared_secret: SANDBOX_MAS_SHARED_SECRET,
    });
    const versions = await fetch(`${stack.urls.synapse}/_matrix/client/versions`);
    expect(versions.status).toBe(200);
  });

  it('takes the MAS issuer and metadata from the MAS emulator', async () => {
    const stack = await start(scenario('synapse-with-mas', ''));
    const discovery = (await (
      await fetch(`${stack.urls.mas}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    const wk = await (await fetch(`${stack.urls.synapse}/.well-known/matrix/client`)).json();
    expect(wk).toEqual({
      'm.homeserver': { base_url: `${stack.urls.synapse}/` },
      'org.matrix.msc2965.authentication': {
        issuer: discovery.issuer,
        account: discovery.account_management_uri,
      },
    });
    const md = await (await fetch(`${stack.urls.synapse}/_matrix/client/v1/auth_metadata`)).json();
    expect(md).toEqual(discovery);
  });

  it('is provisioned by the MAS emulator when both use the same shared secret', async () => {
    const stack = await start(
      scenario(
        'synapse-provisioned-by-mas',
        [
          'mas:',
          '  defaults:',
          `    matrixSecret: ${SANDBOX_MAS_SHARED_SECRET}`,
          'synapse:',
          '  users:',
          '    - localpart: akadmin',
          '      createdVia: admin-api',
        ].join('\n'),
      ),
    );
    const masInstance = stack.services.mas as MasEmulatorInstance;
    const client = masInstance.adminClient();
    if (!('clientId' in client)) throw new Error(client.reason);
    const tokenRes = await fetch(`${stack.urls.mas}/oauth2/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials&scope=urn:mas:admin',
    });
    const { access_token } = (await tokenRes.json()) as { access_token: string };
    const create = (username: string) =>
      fetch(`${stack.urls.mas}/api/admin/v1/users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ username }),
      });
    expect((await create('boje')).status).toBe(201);
    const synapse = stack.services.synapse as SynapseEmulatorInstance;
    expect(synapse.homeserver!.store.get('@boje:sandbox.local')).toMatchObject({ localpart: 'boje' });
    // a Synapse-only account blocks the localpart for MAS
    const clash = await create('akadmin');
    expect(clash.status).toBe(409);
  });

  it('fault groups apply per endpoint group', async () => {
    const stack = await start(scenario('synapse-faults', ''));
    stack.setFaults('synapse', { 'synapse-mas': { status: 503 } });
    const mas = await fetch(`${stack.urls.synapse}/_synapse/mas/query_user?localpart=x`, {
      headers: { authorization: `Bearer ${SANDBOX_MAS_SHARED_SECRET}` },
    });
    expect(mas.status).toBe(503);
    const client = await fetch(`${stack.urls.synapse}/_matrix/client/versions`);
    expect(client.status).toBe(200);
  });

  it('refuses to start on experimental_features.msc3861: no answers, the error in the log', async () => {
    const stack = await start(
      scenario(
        'synapse-msc3861',
        [
          'synapse:',
          '  config: |',
          '    server_name: sandbox.local',
          '    public_baseurl: ${SYNAPSE_URL}/',
          '    experimental_features:',
          '      msc3861:',
          '        enabled: true',
          '        issuer: ${MAS_URL}/',
        ].join('\n'),
      ),
    );
    expect(stack.services.synapse!.info()).toMatchObject({ status: 'refused to start' });
    await expect(fetch(`${stack.urls.synapse}/_matrix/client/versions`)).rejects.toThrow();
    const lines = stack.log.read('synapse').map((l) => l.text);
    expect(lines).toContain("Error in configuration at 'experimental.msc3861':");
    expect(lines).toContain(
      '  experimental_features.msc3861 was removed. Use the matrix_authentication_service configuration instead.',
    );
  });
});
