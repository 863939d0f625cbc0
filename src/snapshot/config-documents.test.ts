import { describe, expect, it } from 'vitest';
import { LINT_CHECKS } from '../checks/lint-checks.js';
import { runLintChecks } from '../lint.js';
import { loadConfigFile } from '../sources/files/load.js';
import { maskConfigData, maskKeepingShape, storeConfigView, StoredConfigView } from './config-documents.js';

describe('stored config documents', () => {
  it('masks credentials, keeping their shape, and URL passwords whatever the key', () => {
    const masked = maskConfigData({
      matrix: { secret: 'Hunter2-secret', homeserver: 'example.org' },
      secrets: {
        encryption: 'a'.repeat(64),
        keys: [
          {
            kid: 'k1',
            key: ['-----BEGIN', 'PRIVATE KEY-----\nMIIB'].join(' ') /* a truncated header, not a key */,
          },
        ],
      },
      database: { uri: 'postgresql://mas:s3cr3tpw@db:5432/mas' },
      upstream_oauth2: { providers: [{ client_id: 'matrix', client_secret: 'zzz-client' }] },
    }) as Record<string, Record<string, unknown>>;
    const text = JSON.stringify(masked);
    for (const secret of ['Hunter2', 's3cr3tpw', 'zzz-client', 'MIIB', 'aaaa'])
      expect(text).not.toContain(secret);
    expect(masked.matrix!.homeserver).toBe('example.org');
    expect(masked.secrets!.encryption as string).toMatch(/^[0-9a-f]{64}$/);
    expect(masked.database!.uri).toMatch(/^postgresql:\/\/mas:[0x]+@db:5432\/mas$/);
    expect(maskKeepingShape('ab-XY_12')).toBe('00-xx_00');
  });

  it('config checks give the same findings, at the same places, on a stored view as on the live one', async () => {
    const loaded = await loadConfigFile('examples/seed/ess-mas-values-secret.yaml');
    const live = runLintChecks(loaded.views, LINT_CHECKS).findings;
    const stored = runLintChecks(
      loaded.views.map((v) => new StoredConfigView(JSON.parse(JSON.stringify(storeConfigView(v))))),
      LINT_CHECKS,
    ).findings;
    expect(live.length).toBeGreaterThan(0);
    const shape = (fs: typeof live) =>
      fs.map((f) => ({ code: f.code, location: f.location, subject: f.subject }));
    expect(shape(stored)).toEqual(shape(live));
  });
});
