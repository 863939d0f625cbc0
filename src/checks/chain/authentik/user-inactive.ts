import type { Evidence, Finding } from '../../../report/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import { akCurl, authentikOf, quote, usersOfInterest } from './facts.js';
import { STAGE } from './enrollment-flows.js';

/**
 * `authentik-user-inactive`: the user in focus (or a sampled one) is inactive in Authentik,
 * so Authentik refuses every login. When the user was created by an enrollment flow whose
 * User Write stage creates users inactive, the finding says so: "created inactive, never
 * activated" is a different story from "deactivated by an admin".
 */
export const authentikUserInactive: ChainCheck = {
  id: 'authentik/user-inactive',
  codes: ['authentik-user-inactive'],
  run(snap) {
    const ak = authentikOf(snap);
    if (!ak) return [];
    const out: Finding[] = [];
    for (const u of usersOfInterest(snap)) {
      if (u.is_active) continue;
      const created = ak.events.find(
        (e) => e.action === 'user_write' && e.context.created === true && e.username === u.username,
      );
      const inactiveFlows = ak.flows.filter(
        (f) =>
          f.designation === 'enrollment' &&
          f.stages.some(
            (b) =>
              b.stage.component === STAGE.userWrite && b.stage.settings.create_users_as_inactive === true,
          ),
      );
      const createdPath =
        created && typeof (created.context.http_request as { path?: unknown } | undefined)?.path === 'string'
          ? String((created.context.http_request as { path: string }).path)
          : undefined;
      const byFlow =
        inactiveFlows.find((f) => createdPath?.includes(`/${f.slug}/`)) ??
        (created ? inactiveFlows[0] : undefined);
      const evidence: Evidence[] = [
        {
          source: 'authentik-api',
          excerpt: `GET /api/v3/core/users/?username=${u.username} -> is_active: false`,
        },
      ];
      if (created)
        evidence.push({
          source: 'authentik-api',
          excerpt: `event user_write ${created.created}: created: true${createdPath ? ` via ${createdPath}` : ''}`,
        });
      out.push(
        makeFinding('authentik-user-inactive', {
          subject: `user/${u.username}`,
          detail: `The Authentik user ${quote(u.username)} is inactive, so Authentik refuses every login and MAS never sees them.${
            byFlow
              ? ` The user was created by the enrollment flow ${quote(byFlow.slug)}, whose User Write stage creates users as inactive, and nothing has activated them since (see authentik-enrollment-flow-broken for the flow).`
              : created
                ? ' The user was created active by enrollment, so someone deactivated them later; make sure that was not deliberate.'
                : ' Deactivation is often deliberate (offboarding); make sure before you activate.'
          }`,
          evidence,
          fix: {
            summary: `Activate the user: Directory > Users > ${u.username} > Activate (only if the deactivation was not deliberate).`,
            snippet: akCurl(ak.url, 'PATCH', `/core/users/${u.pk}/`, { is_active: true }),
            repair: 'authentik-activate-user',
          },
        }),
      );
    }
    return out;
  },
};
