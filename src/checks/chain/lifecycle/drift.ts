import type { Finding } from '../../../report/types.js';
import type { MasUserFacts } from '../../../snapshot/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import { synapsePresence } from '../synapse/presence.js';
import { masBase, peopleOf, perUser, userSubject, type Person } from './people.js';

type DriftKind =
  'disabled-but-active' | 'active-but-locked' | 'active-but-deactivated' | 'synapse-deactivated';

interface Drift {
  person: Person;
  mas: MasUserFacts;
  kind: DriftKind;
}

const stateOf = (u: MasUserFacts) => (u.deactivated_at ? 'deactivated' : u.locked_at ? 'locked' : 'active');

function describe(d: Drift): string {
  const name = d.person.user.username;
  switch (d.kind) {
    case 'disabled-but-active':
      return `${name} is disabled in Authentik, but the MAS user ${d.mas.username} is still active: sessions they already have keep working, and nothing ends them (MAS does not learn of deactivations in Authentik).`;
    case 'active-but-locked':
      return `${name} is active in Authentik, but the MAS user ${d.mas.username} is locked (since ${d.mas.locked_at}): they cannot sign in to Matrix although Authentik lets them in.`;
    case 'active-but-deactivated':
      return `${name} is active in Authentik, but the MAS user ${d.mas.username} is deactivated (since ${d.mas.deactivated_at}): they cannot sign in to Matrix, and their Matrix account has left its rooms.`;
    case 'synapse-deactivated':
      return `The MAS user ${d.mas.username} is active, but Synapse has @${d.mas.username} deactivated: MAS lets ${name} sign in, and Synapse then refuses them.`;
  }
}

function fixOf(d: Drift, base: string): { summary: string; snippet?: string; repair?: string } {
  const u = d.mas.username;
  switch (d.kind) {
    case 'disabled-but-active':
      return {
        summary: `Lock the MAS user and end their sessions (locking keeps the account and its data; deactivating also leaves their rooms, for real offboarding). To keep the systems in step from now on, run \`ssochain sync --watch\` or set \`on_backchannel_logout: logout_all\` on the MAS provider.`,
        snippet: [
          `kubectl -n ess exec deploy/ess-matrix-authentication-service -- mas-cli manage lock-user ${u}`,
          `kubectl -n ess exec deploy/ess-matrix-authentication-service -- mas-cli manage kill-sessions ${u}`,
          `# or: curl -X POST -H "Authorization: Bearer $MAS_ADMIN_TOKEN" ${base}/api/admin/v1/users/${d.mas.id}/lock`,
        ].join('\n'),
        repair: 'mas-lock-user',
      };
    case 'active-but-locked':
      return {
        summary: 'Check why the MAS user was locked; if it should not be, unlock it.',
        snippet: [
          `kubectl -n ess exec deploy/ess-matrix-authentication-service -- mas-cli manage unlock-user ${u}`,
          `# or: curl -X POST -H "Authorization: Bearer $MAS_ADMIN_TOKEN" ${base}/api/admin/v1/users/${d.mas.id}/unlock`,
        ].join('\n'),
        repair: 'mas-unlock-user',
      };
    case 'active-but-deactivated':
      return {
        summary:
          'If the person should have Matrix again, reactivate the MAS user (their rooms are not rejoined automatically); otherwise disable them in Authentik too.',
        snippet: `curl -X POST -H "Authorization: Bearer $MAS_ADMIN_TOKEN" ${base}/api/admin/v1/users/${d.mas.id}/reactivate`,
      };
    case 'synapse-deactivated':
      return {
        summary:
          'Deactivate the user in MAS too if that was meant (MAS is the source of truth under delegation), or reactivate them through MAS, which reactivates the Synapse account; do not use Synapse’s admin API for this while MAS is in charge.',
        snippet: `curl -X POST -H "Authorization: Bearer $MAS_ADMIN_TOKEN" ${base}/api/admin/v1/users/${d.mas.id}/reactivate`,
      };
  }
}

/**
 * `user-lifecycle-drift`: the account states disagree across the chain for one person:
 * disabled in Authentik but active in MAS (a leaver keeps Matrix), active in Authentik but
 * locked or deactivated in MAS, or active in MAS but deactivated in Synapse. The MAS user is
 * the one linked to their identity, else the one with their localpart.
 */
export const userLifecycleDrift: ChainCheck = {
  id: 'lifecycle/drift',
  codes: ['user-lifecycle-drift'],
  run(snap): Finding[] {
    const drifts: Drift[] = [];
    for (const person of peopleOf(snap)) {
      const mas = person.linkedUser ?? person.holder;
      if (!mas) continue;
      const state = stateOf(mas);
      if (!person.user.is_active && state === 'active')
        drifts.push({ person, mas, kind: 'disabled-but-active' });
      else if (person.user.is_active && state === 'locked')
        drifts.push({ person, mas, kind: 'active-but-locked' });
      else if (person.user.is_active && state === 'deactivated')
        drifts.push({ person, mas, kind: 'active-but-deactivated' });
      else if (state === 'active' && synapsePresence(snap, mas.username)?.deactivated === true)
        drifts.push({ person, mas, kind: 'synapse-deactivated' });
    }
    const base = masBase(snap);
    return perUser(
      drifts,
      (d) =>
        makeFinding('user-lifecycle-drift', {
          subject: userSubject(d.person.user.username),
          detail: describe(d),
          evidence: [
            {
              source: 'authentik-api',
              excerpt: `user ${d.person.user.username}: is_active ${d.person.user.is_active}`,
            },
            {
              source: 'mas-admin',
              excerpt: `MAS user ${d.mas.username} (${d.mas.id}): locked_at ${d.mas.locked_at ?? 'null'}, deactivated_at ${d.mas.deactivated_at ?? 'null'}`,
            },
            ...(d.kind === 'synapse-deactivated'
              ? [{ source: 'synapse' as const, excerpt: `query_user ${d.mas.username}: is_deactivated true` }]
              : []),
          ],
          fix: fixOf(d, base),
        }),
      (rest) =>
        makeFinding('user-lifecycle-drift', {
          subject: 'user/*',
          title: `${rest.length} more users whose account state differs between Authentik and MAS`,
          detail: `Besides the users listed one by one, ${rest.length} more disagree: ${rest
            .slice(0, 20)
            .map((d) => `${d.person.user.username} (${d.kind})`)
            .join(', ')}${rest.length > 20 ? ', …' : ''}.`,
          evidence: [{ source: 'mas-admin', excerpt: `${rest.length} more users in drift` }],
          fix: {
            summary:
              'Run `ssochain sync --once` to bring MAS in step with Authentik, then `--watch` to keep it so.',
          },
        }),
    );
  },
};
