import { describe, expect, it } from 'vitest';
import { makeFinding } from '../checks/finding.js';
import { buildReport, exitCodeFor } from './build-report.js';

const f = (code: Parameters<typeof makeFinding>[0], subject = 'x') =>
  makeFinding(code, { subject, detail: 'd' });

describe('buildReport', () => {
  it('names the first broken hop of the chain proper, in chain order', () => {
    const report = buildReport([
      f('synapse-msc3861-removed'),
      f('mas-config-dialect'),
      f('platform-pod-not-ready'),
    ]);
    expect(report.verdict.brokenLink).toBe('mas');
    expect(report.verdict.ok).toBe(false);
    expect(report.findings.map((x) => x.code)).toEqual([
      'mas-config-dialect',
      'synapse-msc3861-removed',
      'platform-pod-not-ready',
    ]);
    expect(report.chain.find((l) => l.hop === 'synapse')?.status).toBe('broken');
    expect(report.chain.find((l) => l.hop === 'oidc')?.status).toBe('ok');
    expect(report.verdict.summary).toMatch(/breaks at mas/);
  });

  it('a broken platform never hides or replaces the chain verdict', () => {
    const report = buildReport([f('platform-pod-not-ready')]);
    expect(report.verdict.brokenLink).toBeNull();
    expect(report.verdict.ok).toBe(false);
    expect(report.chain.find((l) => l.hop === 'platform')?.status).toBe('broken');
  });

  it('warnings degrade a hop without breaking it; unknown hops stay unknown', () => {
    const report = buildReport([f('mas-config-unknown-key')], { unknownHops: ['authentik'] });
    expect(report.chain.find((l) => l.hop === 'mas')?.status).toBe('degraded');
    expect(report.chain.find((l) => l.hop === 'authentik')?.status).toBe('unknown');
    expect(report.verdict.ok).toBe(true);
    expect(report.verdict.brokenLink).toBeNull();
  });

  it('exit codes follow --fail-on', () => {
    const warnOnly = buildReport([f('mas-config-unknown-key')]);
    expect(exitCodeFor(warnOnly, 'error')).toBe(0);
    expect(exitCodeFor(warnOnly, 'warn')).toBe(1);
    expect(exitCodeFor(warnOnly, 'info')).toBe(1);
    expect(exitCodeFor(warnOnly, 'never')).toBe(0);
    const infoOnly = buildReport([f('user-never-signed-in')]);
    expect(exitCodeFor(infoOnly, 'warn')).toBe(0);
    expect(exitCodeFor(infoOnly, 'info')).toBe(1);
  });
});
