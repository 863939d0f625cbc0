import type { Finding } from '../../../report/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import { masOf, quote } from '../authentik/facts.js';
import { templatePath } from './imports.js';
import { localpartRows, PER_USER_LIMIT, valueOf, type LocalpartRow } from './localparts.js';
import { localpartViolations } from './policy.js';

/**
 * `mapping-localpart-collision`: two Authentik users render to the same localpart. Whoever signs
 * in first gets the Matrix account; the other is refused ("User exists") or, with
 * `on_conflict: add|replace|set`, linked to the first person's account. Only people Authentik
 * listed and only valid localparts count (invalid ones are mapping-localpart-invalid). A
 * collision is a property of the whole user base, so it is reported with or without a user in
 * focus; the group the focus user belongs to comes first.
 */
export const mappingLocalpartCollision: ChainCheck = {
  id: 'mapping/localpart-collision',
  codes: ['mapping-localpart-collision'],
  run(snap) {
    const mas = masOf(snap);
    const admin = snap.masAdmin.status === 'ok' ? snap.masAdmin.data : undefined;
    const groups = new Map<string, LocalpartRow[]>();
    for (const row of localpartRows(snap, true)) {
      const lp = valueOf(row.localpart);
      if (lp === undefined || localpartViolations(lp, mas).length) continue;
      const key = `${row.pair.mas.id}\u0000${lp}`;
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    const out: Finding[] = [];
    const focus = snap.user?.toLowerCase();
    const hasFocus = (rows: LocalpartRow[]) =>
      Number(rows.some((r) => r.user.username.toLowerCase() === focus));
    const ordered = [...groups].sort(([, a], [, b]) => hasFocus(b) - hasFocus(a));
    for (const [key, rows] of ordered) {
      if (rows.length < 2) continue;
      if (out.length >= PER_USER_LIMIT) break;
      const lp = key.split('\u0000')[1]!;
      const first = rows[0]!;
      const owner = admin?.users.find((u) => u.username === lp);
      const linkedTo = owner
        ? admin!.links
            .filter((l) => l.user_id === owner.id && l.provider_id === first.pair.mas.id)
            .map((l) => l.subject)
        : [];
      const ownerRow = rows.find((r) => r.subject?.ok && linkedTo.includes(r.subject.value));
      const risky = ['add', 'replace', 'set'].includes(first.spec.onConflict);
      out.push(
        makeFinding('mapping-localpart-collision', {
          subject: `localpart/${lp}`,
          detail: `${rows.length} Authentik users render to the same localpart ${quote(lp)} (template ${quote(first.spec.template)}): ${rows
            .map((r) => quote(r.user.username))
            .join(', ')}. ${
            ownerRow
              ? `The Matrix account @${lp} already belongs to ${quote(ownerRow.user.username)}.`
              : owner
                ? `A MAS user ${quote(lp)} already exists.`
                : 'Whoever signs in first gets the account.'
          } ${
            risky
              ? `With on_conflict: ${first.spec.onConflict}, MAS links the others to that same account: they would share one Matrix identity.`
              : 'The others are refused ("User exists").'
          }`,
          evidence: [
            {
              source: 'mas-config',
              excerpt: `${templatePath(first.pair.index, 'localpart')}: ${first.spec.template}`,
            },
            {
              source: 'authentik-api',
              excerpt: rows.map((r) => `${r.user.username} -> ${quote(lp)}`).join(', '),
            },
            ...(owner
              ? [
                  {
                    source: 'mas-admin' as const,
                    excerpt: `MAS user ${owner.username} (${owner.id}), links for this provider: ${linkedTo.length}`,
                  },
                ]
              : []),
          ],
          fix: {
            summary:
              'Make the template unique per person (preferred_username is unique in Authentik; names and email local parts are not), or rename the users in Authentik; for someone whose account must differ, create it ahead with the MAS admin API and link their Authentik sub.',
          },
        }),
      );
    }
    return out;
  },
};
