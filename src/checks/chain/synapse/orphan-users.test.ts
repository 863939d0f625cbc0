import { describe, expect, it } from 'vitest';
import {
  changed,
  expectCleanIsQuiet,
  masAdmin,
  pairsOf,
  runCheck,
  synapse,
} from '../../../../test/fixtures/snapshots/authentik/tester.js';
import type { ChainSnapshot, SynapseFacts } from '../../../snapshot/types.js';
import { MAX_ORPHAN_FINDINGS, synapseOrphanUsers } from './orphan-users.js';

type AdminUser = Extract<NonNullable<SynapseFacts['adminUsers']>, { status: 'ok' }>['data'][number];

function listed(s: ChainSnapshot, extra: AdminUser[]) {
  synapse(s).adminUsers = {
    status: 'ok',
    ms: 5,
    data: [
      { name: '@boje:example.org', deactivated: false },
      { name: '@akadmin:example.org', deactivated: false },
      ...extra,
    ],
  };
}

describe('synapse/orphan-users', () => {
  it('is quiet for a healthy chain and when every Synapse user is known to MAS', () => {
    expectCleanIsQuiet(synapseOrphanUsers);
    expect(
      runCheck(
        synapseOrphanUsers,
        changed((s) => listed(s, [])),
      ),
    ).toEqual([]);
  });

  it('a user created through Synapse’s admin API is an orphan; bridges, guests and deactivated users are not', () => {
    const snap = changed((s) =>
      listed(s, [
        { name: '@dt:example.org', deactivated: false, creation_ts: 1764000000000, appservice_id: null },
        { name: '@telegram_42:example.org', deactivated: false, appservice_id: 'telegram' },
        { name: '@old:example.org', deactivated: true },
        { name: '@guest1:example.org', deactivated: false, is_guest: true },
      ]),
    );
    const findings = runCheck(synapseOrphanUsers, snap);
    expect(pairsOf(findings)).toEqual([['synapse-orphan-user', 'synapse/@dt:example.org']]);
    expect(findings[0]!.detail).toContain('created 2025-11-24');
    expect(findings[0]!.fix!.snippet).toContain('skip_homeserver_check');
  });

  it('stays quiet when MAS’s list was cut short (absence is not proof)', () => {
    const snap = changed((s) => {
      listed(s, [{ name: '@dt:example.org', deactivated: false }]);
      masAdmin(s).truncated = true;
    });
    expect(runCheck(synapseOrphanUsers, snap)).toEqual([]);
  });

  it('many orphans: one finding each up to the limit, then one for the rest', () => {
    const many = Array.from({ length: MAX_ORPHAN_FINDINGS + 3 }, (_, i) => ({
      name: `@u${i}:example.org`,
      deactivated: false,
    }));
    const findings = runCheck(
      synapseOrphanUsers,
      changed((s) => listed(s, many)),
    );
    expect(findings).toHaveLength(MAX_ORPHAN_FINDINGS + 1);
    expect(findings.at(-1)!.subject).toBe('synapse/users');
    expect(findings.at(-1)!.title).toBe('3 more Synapse users that MAS does not know');
  });
});
