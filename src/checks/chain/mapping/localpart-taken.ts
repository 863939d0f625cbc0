import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import { masOf, quote, usersOfInterest } from '../authentik/facts.js';
import { claimsImportsYaml } from './imports.js';
import { localpartRows, perUserOrSummary, valueOf } from './localparts.js';
import { localpartViolations } from './policy.js';

/**
 * `mapping-localpart-taken`: the localpart an Authentik user renders to already belongs to a MAS
 * user that has no upstream link for this user's subject, and `on_conflict` does not let MAS link
 * them (`fail`, the default; or `set` while that user already has a link to the provider). MAS
 * shows "User exists" and refuses the sign-in. Judged for the user in focus or the sampled users
 * (people who tried or just enrolled). Needs the MAS admin API's users and links, read completely
 * (a cut list proves nothing).
 */
export const mappingLocalpartTaken: ChainCheck = {
  id: 'mapping/localpart-taken',
  codes: ['mapping-localpart-taken'],
  run(snap) {
    if (snap.masAdmin.status !== 'ok' || snap.masAdmin.data.truncated) return [];
    const admin = snap.masAdmin.data;
    const mas = masOf(snap);
    // without a user in focus, only the sampled users: an admin account kept for password
    // logins would otherwise be reported for an Authentik sign-in nobody intends
    const interest = new Set(usersOfInterest(snap).map((u) => u.username));
    const hits = localpartRows(snap).flatMap((row) => {
      if (!interest.has(row.user.username)) return [];
      const lp = valueOf(row.localpart);
      const sub = valueOf(row.subject);
      if (lp === undefined || sub === undefined || localpartViolations(lp, mas).length) return [];
      const provider = row.pair.mas.id;
      // already linked: the next sign-in logs straight in
      if (admin.links.some((l) => l.provider_id === provider && l.subject === sub && l.user_id)) return [];
      const holder = admin.users.find((u) => u.username === lp);
      if (!holder) return [];
      const links = admin.links.filter((l) => l.user_id === holder.id);
      const policy = row.spec.onConflict;
      if (policy === 'add' || policy === 'replace') return [];
      if (policy === 'set' && !links.some((l) => l.provider_id === provider)) return [];
      return [{ ...row, lp, sub, holder, links }];
    });
    return perUserOrSummary(
      hits,
      (h) =>
        makeFinding('mapping-localpart-taken', {
          subject: `user/${h.user.username}`,
          detail: `The Authentik user ${quote(h.user.username)} renders to the localpart ${quote(h.lp)}, which the MAS user ${h.holder.id} already holds without a link for this Authentik identity (sub ${quote(h.sub)}). With on_conflict ${h.spec.onConflict} MAS refuses the sign-in: "User exists" — Upstream account provider returned ${quote(h.lp)} as username, which is not linked to that upstream account.${
            h.links.length
              ? ` The MAS user's links: ${h.links.map((l) => `provider ${l.provider_id}, subject ${quote(l.subject)}`).join('; ')}${
                  h.links.some((l) => l.provider_id !== h.pair.mas.id)
                    ? ' (a link on another provider suggests the provider id was changed)'
                    : ' (a different subject suggests the subject mode was changed)'
                }.`
              : ' The MAS user has no upstream link at all (created with a password or by an admin).'
          }`,
          evidence: [
            { source: 'mas-admin', excerpt: `GET /api/admin/v1/users/by-username/${h.lp} -> ${h.holder.id}` },
            {
              source: 'mas-admin',
              excerpt: `upstream links of ${h.holder.id}: ${h.links.map((l) => `${l.provider_id}/${l.subject}`).join(', ') || 'none'}`,
            },
            {
              source: 'authentik-api',
              excerpt: `${h.user.username}: sub ${h.sub} -> localpart ${h.lp}`,
            },
          ],
          fix: {
            summary: `If the MAS account belongs to the same person, link it to their Authentik identity with the MAS admin API; or let MAS link by localpart for everyone (on_conflict: add), only if Authentik usernames cannot be chosen by users.`,
            snippet: [
              'curl -sS -X POST -H "Authorization: Bearer $MAS_ADMIN_TOKEN" -H "Content-Type: application/json" \\',
              `  ${(mas?.publicBase ?? 'https://<mas>/').replace(/\/*$/, '/')}api/admin/v1/upstream-oauth-links \\`,
              `  -d '${JSON.stringify({ user_id: h.holder.id, provider_id: h.pair.mas.id, subject: h.sub })}'`,
              '',
              '# or, for everyone:',
              claimsImportsYaml(h.pair.mas, 'localpart', { action: 'require', on_conflict: 'add' }),
            ].join('\n'),
            repair: 'mas-add-upstream-link',
          },
        }),
      (all) =>
        makeFinding('mapping-localpart-taken', {
          subject: `provider/${all[0]!.pair.mas.id}`,
          detail: `${all.length} Authentik users render to localparts that MAS users already hold without a link for them; each would see "User exists". First ones: ${all
            .slice(0, 10)
            .map((h) => `${h.user.username} -> ${quote(h.lp)}`)
            .join(
              ', ',
            )}. Many at once usually means the provider id or the subject mode changed, which orphaned the existing links.`,
          evidence: [
            {
              source: 'mas-admin',
              excerpt: `${all.length} MAS users hold a localpart without a matching link`,
            },
          ],
          fix: {
            summary:
              'If the provider id changed, restore the old id in the MAS config (and its callback URL in Authentik); if the subject mode changed in Authentik, change it back; otherwise link the accounts with the MAS admin API.',
          },
        }),
    );
  },
};
