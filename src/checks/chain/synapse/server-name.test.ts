import { describe, expect, it } from 'vitest';
import {
  changed,
  expectCleanIsQuiet,
  mas,
  pairsOf,
  runCheck,
  synapse,
} from '../../../../test/fixtures/snapshots/authentik/tester.js';
import { synapseServerName } from './server-name.js';

describe('synapse/server-name', () => {
  it('is quiet for a healthy chain, and when Synapse reveals the same name', () => {
    expectCleanIsQuiet(synapseServerName);
    const same = changed((s) => {
      synapse(s).serverKey = { status: 'ok', ms: 5, data: { server_name: 'example.org' } };
      synapse(s).users = [{ localpart: 'boje', exists: true, userId: '@boje:example.org' }];
    });
    expect(runCheck(synapseServerName, same)).toEqual([]);
  });

  it('matrix.homeserver set to the client host: the name Synapse uses, from its key and user ids', () => {
    const snap = changed((s) => {
      mas(s).matrix.homeserver = 'matrix.example.org';
      synapse(s).serverKey = { status: 'ok', ms: 5, data: { server_name: 'example.org' } };
      synapse(s).users = [{ localpart: 'boje', exists: true, userId: '@boje:example.org' }];
    });
    const findings = runCheck(synapseServerName, snap);
    expect(pairsOf(findings)).toEqual([['synapse-server-name-mismatch', 'synapse/server_name']]);
    expect(findings[0]!.detail).toContain("Synapse's server name is `example.org`");
    expect(findings[0]!.evidence.map((e) => e.source)).toEqual(['mas-config', 'synapse', 'synapse']);
    expect(findings[0]!.fix!.snippet).toBe('matrix:\n  homeserver: example.org   # = Synapse server_name');
  });

  it('the admin user list reveals it too', () => {
    const snap = changed((s) => {
      mas(s).matrix.homeserver = 'localhost:8008';
      synapse(s).adminUsers = {
        status: 'ok',
        ms: 5,
        data: [{ name: '@boje:example.org', deactivated: false }],
      };
    });
    expect(pairsOf(runCheck(synapseServerName, snap))).toEqual([
      ['synapse-server-name-mismatch', 'synapse/server_name'],
    ]);
  });
});
