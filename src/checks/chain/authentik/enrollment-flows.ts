import type { AkFlow, AuthentikFacts, ChainSnapshot } from '../../../snapshot/types.js';
import { providerPairs } from './facts.js';

/**
 * How enrollment flows are reached, shared by the enrollment checks. People reach an enrollment
 * flow through the "Sign up" link of an identification stage (its `enrollment_flow`) in the
 * login flow they see, or through an invitation link; sources (social logins) run their own
 * enrollment flows, which are not a sign-up for people.
 */

export const STAGE = {
  identification: 'ak-stage-identification-form',
  prompt: 'ak-stage-prompt-form',
  userWrite: 'ak-stage-user-write-form',
  userLogin: 'ak-stage-user-login-form',
  email: 'ak-stage-email-form',
  invitation: 'ak-stage-invitation-form',
} as const;

/**
 * The login flows Matrix users see: the Matrix providers' own authentication flow, else the
 * brand's (a brand whose domain matches the host users reach Authentik at, else the default
 * brand). Undefined when that cannot be known from the facts.
 */
export function loginFlowPks(snap: ChainSnapshot, ak: AuthentikFacts): Set<string> | undefined {
  const pairs = providerPairs(snap);
  const out = new Set<string>();
  let needBrand = pairs.length === 0;
  const hosts = new Set<string>();
  for (const p of pairs) {
    if (p.ak.authentication_flow) out.add(p.ak.authentication_flow);
    else needBrand = true;
    try {
      if (p.mas.issuer) hosts.add(new URL(p.mas.issuer).hostname.toLowerCase());
    } catch {
      // no host to match brands with
    }
  }
  if (needBrand) {
    if (!ak.brands) return undefined;
    try {
      hosts.add(new URL(ak.url).hostname.toLowerCase());
    } catch {
      // keep the issuer hosts
    }
    const matched = [...hosts].flatMap(
      (h) => ak.brands!.find((b) => !b.default && b.domain && h.endsWith(b.domain.toLowerCase())) ?? [],
    );
    const brands = matched.length ? matched : ak.brands.filter((b) => b.default);
    for (const b of brands) if (b.flowAuthentication) out.add(b.flowAuthentication);
  }
  return out.size ? out : undefined;
}

export interface EnrollmentView {
  flow: AkFlow;
  /** identification stages whose Sign up link points here, and whether they sit in a login flow users see */
  links: { stage: string; inLoginFlow: boolean | undefined }[];
  /** sources that enroll through this flow */
  sources: string[];
  /** invitations for this flow that have not expired; undefined when invitations could not be read */
  invitations: string[] | undefined;
}

export function enrollmentViews(snap: ChainSnapshot, ak: AuthentikFacts): EnrollmentView[] {
  const login = loginFlowPks(snap, ak);
  const loginFlows = login ? ak.flows.filter((f) => login.has(f.pk)) : [];
  // when the login flow is not among the facts, a link anywhere counts
  const knowLogin = login !== undefined && loginFlows.length === login.size;
  const now = Date.parse(snap.takenAt);
  return ak.flows
    .filter((f) => f.designation === 'enrollment')
    .map((flow) => {
      const links = ak.enrollmentLinks
        .filter((l) => l.via !== 'source' && l.enrollmentFlow === flow.pk)
        .map((l) => ({
          stage: l.stage,
          inLoginFlow: knowLogin
            ? loginFlows.some((lf) => lf.stages.some((b) => b.stage.name === l.stage))
            : undefined,
        }));
      const sources = ak.enrollmentLinks
        .filter((l) => l.via === 'source' && l.enrollmentFlow === flow.pk)
        .map((l) => l.stage.replace(/^source:/, ''));
      const invitations = ak.invitations
        ?.filter((i) => i.flow === flow.pk && (!i.expires || Date.parse(i.expires) > now))
        .map((i) => i.name);
      return { flow, links, sources, invitations };
    });
}

/** Reached by people: a Sign up link in a login flow they see (or anywhere, if that is unknown), or an invitation. */
export function reachableByPeople(v: EnrollmentView): boolean {
  return v.links.some((l) => l.inLoginFlow !== false) || (v.invitations?.length ?? 0) > 0;
}

export function describeStages(flow: AkFlow): string {
  return (
    flow.stages
      .map((b) => {
        const kind = b.stage.component.replace(/^ak-stage-/, '').replace(/-form$/, '');
        const fields = Array.isArray(b.stage.settings.fields)
          ? ` (${(b.stage.settings.fields as string[]).join(', ')})`
          : '';
        return `${b.order} ${kind} ${b.stage.name}${fields}`;
      })
      .join('; ') || '(no stages bound)'
  );
}
