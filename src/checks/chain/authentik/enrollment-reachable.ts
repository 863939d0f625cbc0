import type { Finding } from '../../../report/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import { authentikOf, quote } from './facts.js';
import { enrollmentViews, loginFlowPks, reachableByPeople, STAGE } from './enrollment-flows.js';

/**
 * `authentik-enrollment-unreachable`: enrollment flows exist for people (not only for social
 * sources), but none can be reached: no identification stage in the login flow Matrix users
 * see links one ("Sign up"), and no valid invitation points at one. People then cannot create
 * the Authentik account that the Matrix account would follow from. One finding per such flow;
 * nothing when some enrollment flow is reachable (the others are simply unused).
 */
export const authentikEnrollmentReachable: ChainCheck = {
  id: 'authentik/enrollment-reachable',
  codes: ['authentik-enrollment-unreachable'],
  run(snap) {
    const ak = authentikOf(snap);
    if (!ak) return [];
    if (ak.gaps?.some((g) => ['flows', 'bindings', 'identification', 'invitations'].includes(g.part)))
      return [];
    const views = enrollmentViews(snap, ak).filter((v) => v.sources.length === 0);
    if (views.length === 0 || views.some(reachableByPeople)) return [];
    const login = loginFlowPks(snap, ak);
    const loginFlows = ak.flows.filter((f) => login?.has(f.pk));
    const loginFlow = loginFlows[0];
    const identification = loginFlow?.stages.find((b) => b.stage.component === STAGE.identification)?.stage;
    const out: Finding[] = [];
    for (const v of views) {
      const elsewhere = v.links.filter((l) => l.inLoginFlow === false).map((l) => quote(l.stage));
      out.push(
        makeFinding('authentik-enrollment-unreachable', {
          subject: `flow/${v.flow.slug}`,
          detail: `Nobody can reach the enrollment flow ${quote(v.flow.slug)}: ${
            elsewhere.length
              ? `it is linked only by ${elsewhere.join(', ')}, which is not part of the login flow${loginFlow ? ` ${quote(loginFlow.slug)}` : ''} Matrix users see`
              : `no identification stage links it as its enrollment flow${loginFlow ? ` (the login flow is ${quote(loginFlow.slug)})` : ''}`
          }, and there is no valid invitation for it. New people get no "Sign up" link, so they never get an Authentik account, and never a Matrix one.`,
          evidence: [
            {
              source: 'authentik-api',
              excerpt: `identification stages -> enrollment_flow: ${
                ak.enrollmentLinks
                  .filter((l) => l.via !== 'source')
                  .map(
                    (l) =>
                      `${l.stage} -> ${l.enrollmentFlow ? (ak.flows.find((f) => f.pk === l.enrollmentFlow)?.slug ?? l.enrollmentFlow) : 'none'}`,
                  )
                  .join(', ') || '(none)'
              }`,
            },
            {
              source: 'authentik-api',
              excerpt: `invitations for ${v.flow.slug}: ${v.invitations?.length ?? 0}`,
            },
          ],
          fix: {
            summary: identification
              ? `Set the Enrollment flow of the identification stage ${quote(identification.name)} to ${quote(v.flow.slug)}: Flows and Stages > Stages > ${identification.name} > Edit > Flow settings; or hand out invitation links (Directory > Invitations) if sign-up should be invite-only.`
              : `Link ${quote(v.flow.slug)} as the Enrollment flow of the identification stage in your login flow (Flows and Stages > Stages > <identification stage> > Edit > Flow settings), or hand out invitation links (Directory > Invitations).`,
            snippet: [
              'version: 1',
              'metadata: {name: ssochain-enrollment-link}',
              'entries:',
              '  - model: authentik_stages_identification.identificationstage',
              `    identifiers: {name: ${identification?.name ?? 'default-authentication-identification'}}`,
              '    attrs:',
              `      enrollment_flow: !Find [authentik_flows.flow, [slug, ${v.flow.slug}]]`,
            ].join('\n'),
          },
        }),
      );
    }
    return out;
  },
};
