import type { Finding } from '../../../report/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import { masAdminOf, masConfigOf, splitUserId, synapseOf, synapseServerName } from './presence.js';

/** More than this many orphans are summed up in one finding instead of one each. */
export const MAX_ORPHAN_FINDINGS = 20;

/**
 * `synapse-orphan-user`: Synapse accounts MAS does not know, typically created through
 * Synapse's admin API (element-hq/synapse#18993) or left from before MAS. Their localparts are
 * taken in Synapse, so the person cannot get them through MAS ("Localpart not available").
 * Needs both complete user lists; deactivated, guest and application-service users are left out.
 */
export const synapseOrphanUsers: ChainCheck = {
  id: 'synapse/orphan-users',
  codes: ['synapse-orphan-user'],
  run(snap): Finding[] {
    const s = synapseOf(snap);
    const admin = masAdminOf(snap);
    if (!s || s.adminUsers?.status !== 'ok' || !admin || admin.truncated) return [];
    const server = synapseServerName(snap) ?? masConfigOf(snap)?.matrix.homeserver;
    const known = new Set(admin.users.map((u) => u.username));
    const orphans = s.adminUsers.data.filter((u) => {
      const id = splitUserId(u.name);
      if (!id || (server && id.domain !== server)) return false;
      if (u.deactivated || u.is_guest || typeof u.appservice_id === 'string') return false;
      return !known.has(id.localpart);
    });
    const fix = {
      summary:
        'Decide per account. To keep it and let its owner sign in through MAS: create the MAS user without asking Synapse (admin API `POST /api/admin/v1/users` with `skip_homeserver_check: true`) and link it to their identity-provider subject; many at once: `mas-cli syn2mas`. If it is junk, deactivate it in Synapse. Stop creating users through Synapse’s admin API while MAS is in charge.',
      snippet: [
        'curl -sS -X POST -H "Authorization: Bearer $MAS_ADMIN_TOKEN" -H "Content-Type: application/json" \\',
        '  https://account.example.org/api/admin/v1/users -d \'{"username": "<localpart>", "skip_homeserver_check": true}\'',
      ].join('\n'),
    };
    const out: Finding[] = orphans.slice(0, MAX_ORPHAN_FINDINGS).map((u) =>
      makeFinding('synapse-orphan-user', {
        subject: `synapse/${u.name}`,
        detail: `${u.name} exists in Synapse${u.creation_ts ? ` (created ${new Date(u.creation_ts * (u.creation_ts < 1e12 ? 1000 : 1)).toISOString()})` : ''} but MAS has no user ${splitUserId(u.name)!.localpart}. MAS does not manage this account: its owner cannot sign in to it through MAS, and anyone whose identity-provider username maps to this localpart gets "Localpart not available".`,
        evidence: [
          {
            source: 'synapse',
            excerpt: `GET /_synapse/admin/v2/users: ${u.name}${u.user_type ? ` (user_type ${u.user_type})` : ''}`,
          },
          {
            source: 'mas-admin',
            excerpt: `GET /api/admin/v1/users: no user ${splitUserId(u.name)!.localpart} among ${admin.users.length}`,
          },
        ],
        fix,
      }),
    );
    if (orphans.length > MAX_ORPHAN_FINDINGS) {
      const rest = orphans.slice(MAX_ORPHAN_FINDINGS);
      out.push(
        makeFinding('synapse-orphan-user', {
          subject: 'synapse/users',
          title: `${rest.length} more Synapse users that MAS does not know`,
          detail: `Besides the accounts listed one by one, ${rest.length} more Synapse users have no MAS counterpart: ${rest
            .slice(0, 20)
            .map((u) => u.name)
            .join(
              ', ',
            )}${rest.length > 20 ? ', …' : ''}. With this many, migrating them with \`mas-cli syn2mas\` is the usual route.`,
          evidence: [
            {
              source: 'synapse',
              excerpt: `GET /_synapse/admin/v2/users: ${orphans.length} users unknown to MAS`,
            },
          ],
          fix,
        }),
      );
    }
    return out;
  },
};
