import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import { masOf, masSubject, quote } from '../authentik/facts.js';
import { claimsImportsYaml, lowered, templatePath } from './imports.js';
import { localpartRows, perUserOrSummary, valueOf, type LocalpartRow } from './localparts.js';
import { localpartViolations, type Violation } from './policy.js';

const FIX_SUMMARY =
  'Normalise the localpart in the template (lower case; for email-like usernames the part before @), or change the usernames in Authentik. Check a new template against all users first: normalising can make two people map to one localpart.';

function fixSnippet(row: LocalpartRow, violations: Violation[]): string {
  const email = /@/.test(valueOf(row.localpart) ?? '');
  const template = email ? "{{ user.email | split('@') | first | lower }}" : lowered(row.spec.template);
  const comment = violations.some((v) => v.code === 'username-all-numeric')
    ? 'an all-digit localpart needs a letter, e.g. a prefix in the template'
    : undefined;
  return claimsImportsYaml(
    row.pair.mas,
    'localpart',
    { action: row.spec.action, template: quote(template) },
    comment,
  );
}

/**
 * `mapping-localpart-invalid`: the localpart MAS renders for an Authentik user breaks MAS's
 * username policy (`^[a-z0-9.=_/+-]+$`, not all digits, not too long, the registration lists of
 * `policy.data`). With `force`/`require` MAS refuses the sign-in with a "Policy error"; every
 * listed Authentik user is rendered, so future failures show before people try.
 */
export const mappingLocalpartInvalid: ChainCheck = {
  id: 'mapping/localpart-invalid',
  codes: ['mapping-localpart-invalid'],
  run(snap) {
    const mas = masOf(snap);
    const bad = localpartRows(snap).flatMap((row) => {
      const lp = valueOf(row.localpart);
      if (lp === undefined) return [];
      const violations = localpartViolations(lp, mas);
      return violations.length ? [{ ...row, lp, violations }] : [];
    });
    const byProvider = new Map<string, typeof bad>();
    for (const b of bad) byProvider.set(b.pair.mas.id, [...(byProvider.get(b.pair.mas.id) ?? []), b]);
    return [...byProvider.values()].flatMap((items) =>
      perUserOrSummary(
        items,
        (b) =>
          makeFinding('mapping-localpart-invalid', {
            subject: `user/${b.user.username}`,
            detail: `For the Authentik user ${quote(b.user.username)}, MAS renders the localpart ${quote(b.lp)} (template ${quote(b.spec.template)}, action ${b.spec.action}), which MAS's policy refuses: ${b.violations
              .map((v) => v.msg)
              .join(
                '; ',
              )}. The sign-in ends with "Policy error": Upstream account provider returned ${quote(b.lp)} as username, which does not pass the policy check.`,
            evidence: [
              {
                source: 'mas-config',
                excerpt: `${templatePath(b.pair.index, 'localpart')}: ${b.spec.template}`,
              },
              {
                source: 'authentik-api',
                excerpt: `${b.claims.origin === 'preview' ? 'preview_user' : 'user'} ${b.user.username} -> localpart ${quote(b.lp)} (${b.violations.map((v) => v.code).join(', ')})`,
              },
            ],
            fix: { summary: FIX_SUMMARY, snippet: fixSnippet(b, b.violations) },
          }),
        (all) => {
          const first = all[0]!;
          const codes = [...new Set(all.flatMap((b) => b.violations.map((v) => v.code)))];
          return makeFinding('mapping-localpart-invalid', {
            subject: masSubject(first.pair.mas),
            detail: `For ${all.length} Authentik users, MAS renders a localpart its policy refuses (${codes.join(', ')}), with template ${quote(first.spec.template)} (action ${first.spec.action}); each of them would end with "Policy error". First ones: ${all
              .slice(0, 10)
              .map((b) => `${b.user.username} -> ${quote(b.lp)}`)
              .join(', ')}.`,
            evidence: [
              {
                source: 'mas-config',
                excerpt: `${templatePath(first.pair.index, 'localpart')}: ${first.spec.template}`,
              },
              { source: 'authentik-api', excerpt: `${all.length} users affected` },
            ],
            fix: { summary: FIX_SUMMARY, snippet: fixSnippet(first, first.violations) },
          });
        },
      ),
    );
  },
};
