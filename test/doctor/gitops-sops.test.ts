import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.js';
import { analyzeSnapshot, runDoctor } from '../../src/doctor.js';
import { CHAIN_CHECKS } from '../../src/checks/chain/index.js';
import { fixture, SHARED } from '../helpers/cli.js';

function configFor(sopsFile: string, ageKeyFile: string) {
  return ConfigSchema.parse({
    mas: { url: 'http://127.0.0.1:9', config: { sopsFile, ageKeyFile } },
    timeouts: { default: 300 },
  });
}

describe('doctor on a SOPS-encrypted MAS config in a GitOps checkout', () => {
  it('a file edited without sops is reported as sops-mac-mismatch, also when the bundle is analysed', async () => {
    const { snapshot, report } = await runDoctor({
      config: configFor(
        fixture('sops/seed-values-secret.tampered.sops.yaml'),
        fixture('sops/test-age-key.txt'),
      ),
      env: {},
    });
    expect(report.findings.map((f) => f.code)).toContain('sops-mac-mismatch');
    const again = analyzeSnapshot(JSON.parse(JSON.stringify(snapshot)), CHAIN_CHECKS).report;
    expect(again.findings.map((f) => f.code)).toContain('sops-mac-mismatch');
  });

  it('a key that does not open the file is sops-decrypt-failed (a finding, not a crash)', async () => {
    const { report } = await runDoctor({
      config: configFor(fixture('sops/seed-values-secret.sops.yaml'), `${SHARED}/testdata/sops/keys-age.txt`),
      env: {},
    });
    expect(report.findings.map((f) => f.code)).toContain('sops-decrypt-failed');
    expect(report.chain.find((l) => l.hop === 'platform')!.status).toBe('broken');
  });

  it('with the right key the seed decrypts in memory and its dialect mistake is found', async () => {
    const { report } = await runDoctor({
      config: configFor(fixture('sops/seed-values-secret.sops.yaml'), fixture('sops/test-age-key.txt')),
      env: {},
    });
    expect(report.findings.map((f) => f.code)).toEqual(
      expect.arrayContaining(['mas-config-dialect', 'mas-provider-missing']),
    );
  });
});
