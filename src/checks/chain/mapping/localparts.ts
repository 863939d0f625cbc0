import type { Finding } from '../../../report/types.js';
import type { AkUser, ChainSnapshot } from '../../../snapshot/types.js';
import { authentikOf, providerPairs, type ProviderPair } from '../authentik/facts.js';
import { claimsFor, isPerson, renderFor, type UserClaims } from './claims.js';
import type { Rendered } from './engine.js';
import { importOf, type ImportSpec } from './imports.js';

/**
 * The localpart (and subject) MAS would derive for each Authentik user, per MAS provider whose
 * localpart is imported with `force` or `require` (only then does MAS hold the user to it: a
 * `suggest`ed localpart that fails is dropped and the user picks another). The user in focus,
 * or else every active person Authentik listed. Rendered once per snapshot and shared by the
 * localpart checks.
 */
export interface LocalpartRow {
  pair: ProviderPair;
  spec: ImportSpec;
  user: AkUser;
  claims: UserClaims;
  /** undefined when the outcome cannot be known */
  localpart: Rendered | undefined;
  subject: Rendered | undefined;
}

const memo = {
  focus: new WeakMap<ChainSnapshot, LocalpartRow[]>(),
  all: new WeakMap<ChainSnapshot, LocalpartRow[]>(),
};

/** The user in focus (when there is one and `everyone` is not asked for), else every active person. */
export function localpartRows(snap: ChainSnapshot, everyone = false): LocalpartRow[] {
  const which = everyone || !snap.user ? 'all' : 'focus';
  const cached = memo[which].get(snap);
  if (cached) return cached;
  const ak = authentikOf(snap);
  const rows: LocalpartRow[] = [];
  if (ak) {
    const users =
      which === 'focus'
        ? ak.users
            .filter((u) => u.username === snap.user || u.username.toLowerCase() === snap.user!.toLowerCase())
            .slice(0, 1)
        : ak.users.filter((u) => u.is_active && isPerson(u));
    for (const pair of providerPairs(snap)) {
      const spec = importOf(pair.mas, 'localpart');
      if (!spec || (spec.action !== 'force' && spec.action !== 'require')) continue;
      const subjectSpec = importOf(pair.mas, 'subject')!;
      for (const user of users) {
        const claims = claimsFor(snap, pair, user);
        if (!claims) continue;
        rows.push({
          pair,
          spec,
          user,
          claims,
          localpart: renderFor(spec.template, claims),
          subject: renderFor(subjectSpec.template, claims),
        });
      }
    }
  }
  memo[which].set(snap, rows);
  return rows;
}

/** The rendered localpart when it is known and not empty. */
export function valueOf(r: Rendered | undefined): string | undefined {
  return r?.ok && r.value !== '' ? r.value : undefined;
}

export const PER_USER_LIMIT = 10;

/**
 * One finding per user up to {@link PER_USER_LIMIT}; beyond that one summary finding, so a
 * template that fails for thousands of people is one line, not thousands.
 */
export function perUserOrSummary<T extends { user: AkUser }>(
  items: T[],
  one: (item: T) => Finding,
  summary: (items: T[]) => Finding,
): Finding[] {
  if (items.length <= PER_USER_LIMIT) return items.map(one);
  return [summary(items)];
}
