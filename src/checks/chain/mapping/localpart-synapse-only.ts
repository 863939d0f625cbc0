import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import { masOf, quote } from '../authentik/facts.js';
import { localpartRows, perUserOrSummary, valueOf } from './localparts.js';
import { localpartViolations } from './policy.js';

/**
 * `mapping-localpart-synapse-only`: the localpart an Authentik user renders to exists in Synapse
 * (query_user, or the admin user list) but MAS has no user of that name: MAS asks Synapse
 * whether the localpart is available, Synapse answers M_USER_IN_USE, and the sign-in ends with
 * "Localpart not available" whatever on_conflict says. Needs MAS's users read completely.
 */
export const mappingLocalpartSynapseOnly: ChainCheck = {
  id: 'mapping/localpart-synapse-only',
  codes: ['mapping-localpart-synapse-only'],
  run(snap) {
    if (snap.masAdmin.status !== 'ok' || snap.masAdmin.data.truncated || snap.synapse.status !== 'ok')
      return [];
    const admin = snap.masAdmin.data;
    const synapse = snap.synapse.data;
    const mas = masOf(snap);
    const server = mas?.matrix.homeserver;
    const admins = synapse.adminUsers?.status === 'ok' ? synapse.adminUsers.data : [];
    const hits = localpartRows(snap).flatMap((row) => {
      const lp = valueOf(row.localpart);
      const sub = valueOf(row.subject);
      if (lp === undefined || localpartViolations(lp, mas).length) return [];
      if (admin.users.some((u) => u.username === lp)) return [];
      if (sub && admin.links.some((l) => l.provider_id === row.pair.mas.id && l.subject === sub && l.user_id))
        return [];
      const queried = synapse.users.find((u) => u.localpart === lp && u.exists);
      const listed = server ? admins.find((u) => u.name === `@${lp}:${server}`) : undefined;
      if (!queried && !listed) return [];
      const userId = queried?.userId ?? listed?.name ?? `@${lp}${server ? `:${server}` : ''}`;
      const deactivated = queried?.deactivated ?? listed?.deactivated ?? false;
      return [{ ...row, lp, sub, userId, deactivated }];
    });
    return perUserOrSummary(
      hits,
      (h) =>
        makeFinding('mapping-localpart-synapse-only', {
          subject: `user/${h.user.username}`,
          detail: `The Authentik user ${quote(h.user.username)} renders to the localpart ${quote(h.lp)}, which exists in Synapse as ${h.userId}${
            h.deactivated ? ' (deactivated)' : ''
          } but not in MAS. MAS asks Synapse whether the localpart is free, Synapse says M_USER_IN_USE, and the sign-in ends with "Localpart not available" — on_conflict cannot help, it only matches MAS users.`,
          evidence: [
            { source: 'mas-admin', excerpt: `GET /api/admin/v1/users/by-username/${h.lp} -> 404` },
            {
              source: 'synapse',
              excerpt: `${h.userId} exists in Synapse${h.deactivated ? ' (deactivated)' : ''}`,
            },
          ],
          fix: {
            summary: h.deactivated
              ? 'The Synapse account is deactivated, so the name stays reserved: give this person another localpart (create their MAS account ahead with another username and link their Authentik sub).'
              : 'Adopt the Synapse account into MAS: create the MAS user without the homeserver check, then link it to the Authentik identity (or migrate all such users with syn2mas).',
            snippet: [
              'curl -sS -X POST -H "Authorization: Bearer $MAS_ADMIN_TOKEN" -H "Content-Type: application/json" \\',
              `  ${(mas?.publicBase ?? 'https://<mas>/').replace(/\/*$/, '/')}api/admin/v1/users -d '${JSON.stringify({ username: h.lp, skip_homeserver_check: true })}'`,
              'curl -sS -X POST -H "Authorization: Bearer $MAS_ADMIN_TOKEN" -H "Content-Type: application/json" \\',
              `  ${(mas?.publicBase ?? 'https://<mas>/').replace(/\/*$/, '/')}api/admin/v1/upstream-oauth-links \\`,
              `  -d '${JSON.stringify({ user_id: '<id from the first answer>', provider_id: h.pair.mas.id, subject: h.sub ?? '<Authentik sub>' })}'`,
            ].join('\n'),
            repair: h.deactivated ? null : 'mas-adopt-synapse-user',
          },
        }),
      (all) =>
        makeFinding('mapping-localpart-synapse-only', {
          subject: `provider/${all[0]!.pair.mas.id}`,
          detail: `${all.length} Authentik users render to localparts that exist only in Synapse, not in MAS; each would end with "Localpart not available". First ones: ${all
            .slice(0, 10)
            .map((h) => `${h.user.username} -> ${h.userId}`)
            .join(', ')}. These accounts predate MAS or were created through Synapse's admin API.`,
          evidence: [
            { source: 'synapse', excerpt: `${all.length} localparts exist in Synapse but not in MAS` },
          ],
          fix: {
            summary:
              'Migrate the Synapse users into MAS with syn2mas (mas-cli syn2mas check, then migrate), and stop creating users through the Synapse admin API while MAS is in charge.',
          },
        }),
    );
  },
};
