import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { startStack } from '../../src/sandbox/stack.js';
import { runCli } from '../helpers/cli.js';

describe('ssochain init', () => {
  it('finds MAS, the identity provider and its client_id from the homeserver alone, and writes a valid config', async () => {
    const stack = await startStack({ scenario: 'healthy' });
    try {
      const run = await runCli(['init', '--homeserver', stack.clientUrl]);
      expect(run.code).toBe(0);
      const data = parse(run.stdout);
      expect(data.authentik.url).toBe(stack.urls.authentik);
      expect(data.mas.url).toBe(stack.urls.mas);
      expect(data.authentik.token).toEqual({ env: 'SSOCHAIN_AUTHENTIK_TOKEN' });
      expect(run.stdout).toContain('client_id ssochain-sandbox-matrix');
      // credentials are references, so the file is valid as soon as the variable exists
      expect(() =>
        parseConfigText(run.stdout, 'ssochain.yaml', { SSOCHAIN_AUTHENTIK_TOKEN: 'x' }),
      ).not.toThrow();
    } finally {
      await stack.close();
    }
  });

  it('says what it could not find instead of failing (the seed: MAS offers no provider)', async () => {
    const stack = await startStack({ scenario: 'seed' });
    try {
      const run = await runCli(['init', '--homeserver', stack.clientUrl]);
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/offers no upstream provider/);
      expect(parse(run.stdout).mas.url).toBe(stack.urls.mas);
    } finally {
      await stack.close();
    }
  });

  it('needs --homeserver', async () => {
    const run = await runCli(['init']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--homeserver/);
  });
});
