import type { Finding } from '../../../report/types.js';
import type { AkFlow } from '../../../snapshot/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import { importOf } from '../mapping/imports.js';
import { authentikOf, providerPairs, quote } from './facts.js';
import { describeStages, enrollmentViews, STAGE } from './enrollment-flows.js';

interface Problem {
  text: string;
  /** what to do about it, in the Authentik UI */
  fix: string;
  /** a blueprint entry that fixes it, when the fix is additive */
  blueprint?: string;
}

const find = (flow: AkFlow, component: string) => flow.stages.filter((b) => b.stage.component === component);

/** `fields` of the prompt stages bound before `order` (field keys). */
function promptedBefore(flow: AkFlow, order: number): Set<string> {
  return new Set(
    find(flow, STAGE.prompt)
      .filter((b) => b.order < order)
      .flatMap((b) => (Array.isArray(b.stage.settings.fields) ? (b.stage.settings.fields as string[]) : [])),
  );
}

function problemsOf(
  flow: AkFlow,
  opts: { people: boolean; invitationsKnown: boolean; invitations: number; emailRequired: boolean },
): Problem[] {
  const out: Problem[] = [];
  const slug = flow.slug;
  if (flow.authentication === 'require_authenticated' || flow.authentication === 'require_superuser')
    out.push({
      text: `its authentication setting is ${flow.authentication}, so someone signing up (not logged in) is refused`,
      fix: 'set Authentication to "Require unauthenticated" (Edit > Behavior settings)',
    });
  const writes = find(flow, STAGE.userWrite);
  const write = writes[0];
  if (!write) {
    out.push({
      text: 'it has no User Write stage, so it ends without creating a user',
      fix: 'bind a User Write stage (user creation mode "Create users when required") after the prompts',
      blueprint: `  - model: authentik_stages_user_write.userwritestage
    identifiers: {name: ${slug}-user-write}
    attrs: {user_creation_mode: create_when_required}
  - model: authentik_flows.flowstagebinding
    identifiers:
      target: !Find [authentik_flows.flow, [slug, ${slug}]]
      stage: !Find [authentik_stages_user_write.userwritestage, [name, ${slug}-user-write]]
      order: 90`,
    });
  } else {
    const mode = write.stage.settings.user_creation_mode;
    if (mode === 'never_create' || write.stage.settings.can_create_users === false)
      out.push({
        text: `its User Write stage ${quote(write.stage.name)} has user_creation_mode ${mode ?? 'can_create_users: false'}, so it never creates a user`,
        fix: `set the user creation mode of ${quote(write.stage.name)} to "Create users when required"`,
        blueprint: `  - model: authentik_stages_user_write.userwritestage
    identifiers: {name: ${write.stage.name}}
    attrs: {user_creation_mode: create_when_required}`,
      });
    if (write.stage.settings.create_users_as_inactive === true) {
      const activator = find(flow, STAGE.email).find(
        (b) => b.order > write.order && b.stage.settings.activate_user_on_success === true,
      );
      if (!activator)
        out.push({
          text: `its User Write stage ${quote(write.stage.name)} creates users as inactive, and no Email stage with "Activate pending user on success" follows it, so new users stay inactive and cannot sign in`,
          fix: `bind an Email stage with "Activate pending user on success" after ${quote(write.stage.name)}, or switch off "Create users as inactive"`,
        });
    }
    if (opts.people) {
      const prompted = promptedBefore(flow, write.order);
      if (!prompted.has('username'))
        out.push({
          text: 'no prompt before the User Write stage asks for the username (field key "username")',
          fix: 'add a prompt with field key "username" (type Username) to a Prompt stage before the User Write stage',
        });
      if (opts.emailRequired && !prompted.has('email'))
        out.push({
          text: 'no prompt before the User Write stage asks for the email (field key "email"), while MAS requires an email from Authentik',
          fix: 'add a prompt with field key "email" (type Email) to a Prompt stage before the User Write stage',
        });
    }
  }
  const logins = find(flow, STAGE.userLogin);
  if (logins.length === 0)
    out.push({
      text: 'it has no User Login stage, so the new user is created but not logged in and never returns to the Matrix sign-in',
      fix: 'bind a User Login stage at the end (order 100)',
      blueprint: `  - model: authentik_stages_user_login.userloginstage
    identifiers: {name: ${slug}-user-login}
  - model: authentik_flows.flowstagebinding
    identifiers:
      target: !Find [authentik_flows.flow, [slug, ${slug}]]
      stage: !Find [authentik_stages_user_login.userloginstage, [name, ${slug}-user-login]]
      order: 100`,
    });
  else if (write && logins.every((b) => b.order < write.order))
    out.push({
      text: 'its User Login stage runs before the User Write stage, when there is no user to log in yet',
      fix: 'give the User Login stage a higher order than the User Write stage',
    });
  const blocking = find(flow, STAGE.invitation).find(
    (b) => b.stage.settings.continue_flow_without_invitation === false,
  );
  if (blocking && opts.people && opts.invitationsKnown && opts.invitations === 0)
    out.push({
      text: `its Invitation stage ${quote(blocking.stage.name)} cancels the flow without an invitation and there is no valid invitation for it, so the Sign up link always fails`,
      fix: `switch on "Continue flow without invitation" in ${quote(blocking.stage.name)}, or create invitations for this flow (Directory > Invitations) and remove the Sign up link`,
    });
  return out;
}

/**
 * `authentik-enrollment-flow-broken`: an enrollment flow people can reach (Sign up link,
 * invitation, or the only one there is) cannot produce a usable, logged-in user: no User Write
 * stage or `never_create`, inactive users with nothing activating them, no User Login stage,
 * no username (or, when MAS requires it, email) prompt, an invitation stage that blocks a
 * public sign-up, or an authentication setting that refuses newcomers. Source enrollment
 * flows are judged without the prompt rules (the source supplies the data).
 */
export const authentikEnrollmentFlow: ChainCheck = {
  id: 'authentik/enrollment-flow',
  codes: ['authentik-enrollment-flow-broken'],
  run(snap) {
    const ak = authentikOf(snap);
    if (!ak) return [];
    if (ak.gaps?.some((g) => ['flows', 'bindings', 'userWrite', 'promptStages', 'prompts'].includes(g.part)))
      return [];
    const views = enrollmentViews(snap, ak);
    const emailRequired = providerPairs(snap).some((p) => importOf(p.mas, 'email')?.action === 'require');
    const out: Finding[] = [];
    for (const v of views) {
      const people = v.links.length > 0 || (v.invitations?.length ?? 0) > 0;
      const only = views.length === 1 && v.sources.length === 0;
      if (!people && !only && v.sources.length === 0) continue; // an unused flow: nothing depends on it
      const problems = problemsOf(v.flow, {
        people: people || only,
        invitationsKnown: v.invitations !== undefined,
        invitations: v.invitations?.length ?? 0,
        emailRequired,
      });
      if (problems.length === 0) continue;
      const blueprints = problems.flatMap((p) => (p.blueprint ? [p.blueprint] : []));
      const created = ak.events.filter((e) => e.action === 'user_write' && e.context.created === true).length;
      out.push(
        makeFinding('authentik-enrollment-flow-broken', {
          subject: `flow/${v.flow.slug}`,
          detail: `The enrollment flow ${quote(v.flow.slug)}${
            v.links.length ? ` (the Sign up link of ${v.links.map((l) => quote(l.stage)).join(', ')})` : ''
          } cannot produce a usable user: ${problems.map((p) => p.text).join('; ')}.`,
          evidence: [
            { source: 'authentik-api', excerpt: `flow ${v.flow.slug} stages: ${describeStages(v.flow)}` },
            ...(ak.events.length
              ? [
                  {
                    source: 'authentik-api' as const,
                    excerpt: `recent events: ${created} user_write event(s) with "created": true`,
                  },
                ]
              : []),
          ],
          fix: {
            summary: `In Flows and Stages > Flows > ${v.flow.slug}: ${problems.map((p) => p.fix).join('; ')}.`,
            ...(blueprints.length
              ? {
                  snippet: [
                    'version: 1',
                    'metadata: {name: ssochain-enrollment-fix}',
                    'entries:',
                    ...blueprints,
                  ].join('\n'),
                }
              : {}),
            repair: 'authentik-fix-enrollment-flow',
          },
        }),
      );
    }
    return out;
  },
};
