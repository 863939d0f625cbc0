import type { Finding } from '../../../report/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import { akCurl, authentikOf, quote } from './facts.js';

/**
 * `authentik-access-denied`: Authentik's own answer to "may this user use the Matrix
 * application?" (`check_access`, asked for the user in focus or the sampled users) is no. The
 * policy messages say which binding denied; the user sees "Permission denied" at Authentik and
 * never reaches MAS.
 */
export const authentikAccess: ChainCheck = {
  id: 'authentik/access',
  codes: ['authentik-access-denied'],
  run(snap) {
    const ak = authentikOf(snap);
    if (!ak) return [];
    const out: Finding[] = [];
    for (const a of ak.access) {
      if (a.passing) continue;
      const app = ak.applications.find((x) => x.slug === a.application);
      const user = ak.users.find((u) => u.username === a.username);
      out.push(
        makeFinding('authentik-access-denied', {
          subject: `user/${a.username}`,
          detail: `Authentik denies ${quote(a.username)} access to the application ${quote(a.application)}${
            a.messages.length
              ? `: ${a.messages.map((m) => quote(m)).join(', ')}`
              : ' (the policies gave no message)'
          }. At sign-in the user sees "Permission denied" at Authentik and never returns to MAS.${
            user && !user.is_active ? ' The user is also inactive.' : ''
          }`,
          evidence: [
            {
              source: 'authentik-api',
              excerpt: `GET /api/v3/core/applications/${a.application}/check_access/?for_user=${user?.pk ?? '<pk>'} -> passing: false${
                a.messages.length ? `, messages: ${JSON.stringify(a.messages)}` : ''
              }`,
            },
          ],
          fix: {
            summary: `Review the policy bindings of ${quote(a.application)} (Applications > Applications > ${app?.name ?? a.application} > Policy / Group / User Bindings): bind a group the user belongs to, or add the user to the bound group (Directory > Groups). With policy engine mode "${app?.policy_engine_mode ?? 'any'}", ${
              (app?.policy_engine_mode ?? 'any') === 'any'
                ? 'one passing binding is enough'
                : 'every binding must pass'
            }.`,
            ...(app ? { snippet: akCurl(ak.url, 'GET', `/policies/bindings/?target=${app.pk}`) } : {}),
          },
        }),
      );
    }
    return out;
  },
};
