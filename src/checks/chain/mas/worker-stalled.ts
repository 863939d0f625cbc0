import type { Evidence, Finding } from '../../../report/types.js';
import type { ChainSnapshot, MasUserFacts } from '../../../snapshot/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import {
  ageAt,
  describeAge,
  masAdminOf,
  PROVISIONING_GRACE_MS,
  synapsePresence,
} from '../synapse/presence.js';

/** MAS log lines about provisioning (crates/matrix-synapse/src/modern.rs, crates/tasks). */
const PROVISIONING_LOG =
  /Failed to provision user in Synapse|Unexpected HTTP (code|response) while provisioning user in Synapse|ProvisionUserJob|provision[-_ ]user/i;

export interface Unprovisioned {
  user: MasUserFacts;
  /** ms since the MAS user was created; undefined when created_at is unreadable */
  age: number | undefined;
}

/** Active MAS users Synapse says it does not have (only definite answers count). */
export function unprovisionedUsers(snap: ChainSnapshot): Unprovisioned[] {
  const admin = masAdminOf(snap);
  if (!admin) return [];
  const out: Unprovisioned[] = [];
  for (const user of admin.users) {
    if (!user.username || user.deactivated_at) continue;
    const presence = synapsePresence(snap, user.username);
    if (presence && !presence.exists) out.push({ user, age: ageAt(snap, user.created_at) });
  }
  return out;
}

/**
 * `mas-worker-stalled`: MAS creates the Synapse account in a background job after registration.
 * MAS users whose Synapse account never appeared, more than one of them or one for longer
 * than a grace period, mean the jobs are not running (a worker that is not started or stuck),
 * or keep failing (then the secret, the connection or the server name has its own finding).
 */
export const masWorkerStalled: ChainCheck = {
  id: 'mas/worker-stalled',
  codes: ['mas-worker-stalled'],
  run(snap): Finding[] {
    const missing = unprovisionedUsers(snap);
    const stale = missing.filter((m) => m.age !== undefined && m.age > PROVISIONING_GRACE_MS);
    if (missing.length < 2 && stale.length === 0) return [];
    const names = missing.map(
      (m) =>
        `${m.user.username} (created ${m.user.created_at}${m.age !== undefined ? `, ${describeAge(m.age)} ago` : ''})`,
    );
    const evidence: Evidence[] = missing.slice(0, 10).map((m) => ({
      source: 'synapse' as const,
      excerpt: `MAS user ${m.user.username} (${m.user.id}, created ${m.user.created_at}): Synapse has no @${m.user.username}`,
    }));
    for (const l of snap.logs.filter((l) => PROVISIONING_LOG.test(l.line)).slice(0, 5))
      evidence.push({ source: 'log', excerpt: `${l.source}: ${l.line.slice(0, 300)}` });
    return [
      makeFinding('mas-worker-stalled', {
        subject: 'mas/worker',
        detail: `${missing.length} MAS user${missing.length === 1 ? '' : 's'} ha${missing.length === 1 ? 's' : 've'} no Synapse account: ${names.slice(0, 10).join(', ')}${names.length > 10 ? `, and ${names.length - 10} more` : ''}. MAS creates the Synapse account in a background job right after registration; accounts missing ${stale.length ? `for more than ${describeAge(PROVISIONING_GRACE_MS)}` : 'for several users at once'} mean those jobs do not run or keep failing. Until they run, these users get "M_NOT_FOUND: Unknown user" or "User not found" from Synapse after signing in.`,
        evidence,
        fix: {
          summary:
            'Make sure a MAS worker runs: `mas-cli server` runs one unless started with `--no-worker` (then run `mas-cli worker` beside it). If it runs, its log names the failing call to Synapse; fix that (shared secret, matrix.endpoint, matrix.homeserver), then queue the jobs again.',
          snippet: [
            '# is the worker running, and what does it say?',
            'kubectl -n ess logs deploy/ess-matrix-authentication-service | grep -i -E "provision|worker|synapse"',
            '# queue provisioning again for every MAS user (creates or updates the Synapse accounts)',
            'kubectl -n ess exec deploy/ess-matrix-authentication-service -- mas-cli manage provision-all-users',
          ].join('\n'),
        },
      }),
    ];
  },
};
