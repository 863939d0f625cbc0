import type { Finding } from '../../../report/types.js';
import type { ChainSnapshot, MasUserFacts } from '../../../snapshot/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import {
  ageAt,
  describeAge,
  masAdminOf,
  PROVISIONING_GRACE_MS,
  synapsePresence,
  type SynapsePresence,
} from '../synapse/presence.js';
import { peopleOf, perUser, userSubject } from './people.js';

/** The MAS users a run looks at: the focus user's (by link, localpart or name), else all. */
function masUsersInFocus(snap: ChainSnapshot): MasUserFacts[] {
  const admin = masAdminOf(snap);
  if (!admin) return [];
  if (!snap.user) return admin.users;
  const name = snap.user.toLowerCase();
  const mine = new Set<MasUserFacts>();
  for (const p of peopleOf(snap)) {
    if (p.linkedUser) mine.add(p.linkedUser);
    if (p.holder) mine.add(p.holder);
  }
  for (const u of admin.users) if (u.username === name) mine.add(u);
  return [...mine];
}

const PROVISIONING_LOG =
  /Failed to provision user in Synapse|Unexpected HTTP (code|response) while provisioning user in Synapse/;

/**
 * `user-not-provisioned`: a MAS user, active and older than the provisioning grace period, whose
 * Synapse account does not exist (query_user 404, or absent from the complete admin list).
 * MAS creates that account in a background job; until it runs, the person signs in to MAS but
 * Synapse answers "User not found".
 */
export const userNotProvisioned: ChainCheck = {
  id: 'lifecycle/not-provisioned',
  codes: ['user-not-provisioned'],
  run(snap): Finding[] {
    const missing: { user: MasUserFacts; age: number; presence: SynapsePresence }[] = [];
    for (const user of masUsersInFocus(snap)) {
      if (!user.username || user.deactivated_at) continue;
      const presence = synapsePresence(snap, user.username);
      const age = ageAt(snap, user.created_at);
      if (presence && !presence.exists && age !== undefined && age > PROVISIONING_GRACE_MS)
        missing.push({ user, age, presence });
    }
    const logs = snap.logs.filter((l) => PROVISIONING_LOG.test(l.line)).slice(0, 3);
    const fix = {
      summary:
        'Fix the cause first (the shared secret, the connection to Synapse, matrix.homeserver or the worker; their findings say how), then queue provisioning again: MAS has no command for one user, `provision-all-users` re-queues everyone and only creates or updates accounts.',
      snippet:
        'kubectl -n ess exec deploy/ess-matrix-authentication-service -- mas-cli manage provision-all-users',
      repair: 'mas-provision-users',
    };
    return perUser(
      missing,
      ({ user, age, presence }) =>
        makeFinding('user-not-provisioned', {
          subject: userSubject(user.username),
          detail: `MAS has the user ${user.username} (created ${user.created_at}, ${describeAge(age)} ago), but Synapse has no account @${user.username}. MAS creates the Synapse account in a background job right after registration; after ${describeAge(PROVISIONING_GRACE_MS)} it should exist. Until it does, ${user.username} can sign in to MAS but Synapse answers "User not found".`,
          evidence: [
            {
              source: 'mas-admin',
              excerpt: `GET /api/admin/v1/users: ${user.username} (${user.id}), created ${user.created_at}`,
            },
            {
              source: 'synapse',
              excerpt:
                presence.via === 'query_user'
                  ? `GET /_synapse/mas/query_user?localpart=${user.username} — 404 User not found`
                  : `GET /_synapse/admin/v2/users: no @${user.username}`,
            },
            ...logs.map((l) => ({ source: 'log' as const, excerpt: `${l.source}: ${l.line.slice(0, 300)}` })),
          ],
          fix,
        }),
      (rest) =>
        makeFinding('user-not-provisioned', {
          subject: 'user/*',
          title: `${rest.length} more MAS users have no Synapse account`,
          detail: `Besides the users listed one by one, ${rest.length} more MAS users have no Synapse account: ${rest
            .slice(0, 20)
            .map((r) => r.user.username)
            .join(', ')}${rest.length > 20 ? ', …' : ''}.`,
          evidence: [{ source: 'synapse', excerpt: `${rest.length} more MAS users unknown to Synapse` }],
          fix,
        }),
    );
  },
};
