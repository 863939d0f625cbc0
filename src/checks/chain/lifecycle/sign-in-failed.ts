import { CHAIN_HOPS, type Hop } from '../../../codes/registry.js';
import type { Evidence, Finding } from '../../../report/types.js';
import type { AkEvent, ChainSnapshot } from '../../../snapshot/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import { authentikOf } from '../authentik/facts.js';
import { synapsePresence } from '../synapse/presence.js';
import {
  attemptsOf,
  hasLinkedAccount,
  masListsComplete,
  peopleOf,
  perUser,
  userSubject,
  type Person,
} from './people.js';
import { classify, type FailureSignature } from './signatures.js';

interface Verdict {
  hop: Hop | undefined;
  reason: string;
  evidence: Evidence[];
  /** true when log lines or events back it; false when it is inferred from the state alone */
  proven: boolean;
}

function eventText(e: AkEvent): string {
  const message = e.context.message;
  return typeof message === 'string' ? message : JSON.stringify(e.context).slice(0, 400);
}

const order = (hop: Hop) => CHAIN_HOPS.indexOf(hop as (typeof CHAIN_HOPS)[number]);

/** The earliest hop with evidence: log lines and events first, then what the snapshot shows. */
function verdictFor(snap: ChainSnapshot, person: Person, attempts: AkEvent[]): Verdict {
  const hits: { sig: FailureSignature; evidence: Evidence }[] = [];
  for (const line of snap.logs)
    for (const sig of classify(line.line))
      hits.push({ sig, evidence: { source: 'log', excerpt: `${line.source}: ${line.line.slice(0, 300)}` } });
  for (const e of attempts)
    if (e.action === 'configuration_error' || e.action === 'login_failed')
      for (const sig of classify(eventText(e)))
        hits.push({
          sig,
          evidence: {
            source: 'authentik-api',
            excerpt: `${e.created} ${e.action}: ${eventText(e).slice(0, 300)}`,
          },
        });
  if (hits.length) {
    hits.sort((a, b) => order(a.sig.hop) - order(b.sig.hop));
    const first = hits[0]!;
    const same = hits.filter((h) => h.sig.hop === first.sig.hop).slice(0, 4);
    return {
      hop: first.sig.hop,
      reason: `${first.sig.reason}${first.sig.code ? ` (${first.sig.code})` : ''}`,
      evidence: same.map((h) => h.evidence),
      proven: true,
    };
  }
  const ak = authentikOf(snap);
  const access = ak?.access.find(
    (a) =>
      a.username === person.user.username && (!person.pair.app || a.application === person.pair.app.slug),
  );
  if (access && !access.passing)
    return {
      hop: 'authentik',
      reason: `Authentik denies ${person.user.username} access to the application (authentik-access-denied)`,
      evidence: [
        { source: 'authentik-api', excerpt: `check_access: ${access.messages.join('; ') || 'denied'}` },
      ],
      proven: false,
    };
  const discovery = snap.discovery[person.pair.mas.id];
  if (discovery && discovery.status !== 'ok' && discovery.status !== 'skipped')
    return {
      hop: 'oidc',
      reason: `MAS's provider cannot be discovered (${discovery.error.message})`,
      evidence: [{ source: 'discovery', excerpt: discovery.error.message }],
      proven: false,
    };
  if (person.holder && !hasLinkedAccount(person))
    return {
      hop: 'mapping',
      reason: `the localpart ${person.localpart} belongs to an existing MAS user without a link to this identity (mapping-localpart-taken)`,
      evidence: [
        {
          source: 'mas-admin',
          excerpt: `MAS user ${person.holder.username} (${person.holder.id}) has no link for subject ${person.subject}`,
        },
      ],
      proven: false,
    };
  const onSynapse = person.localpart ? synapsePresence(snap, person.localpart) : undefined;
  if (onSynapse?.exists && !person.holder)
    return {
      hop: 'mapping',
      reason: `the localpart ${person.localpart} exists in Synapse but not in MAS (mapping-localpart-synapse-only)`,
      evidence: [{ source: 'synapse', excerpt: `query_user ${person.localpart}: exists` }],
      proven: false,
    };
  if (person.link && !person.link.user_id)
    return {
      hop: 'mapping',
      reason:
        "MAS received the identity (an upstream link exists) but no account was created: the person stopped at, or failed on, MAS's registration page (localpart, claims or policy)",
      evidence: [
        {
          source: 'mas-admin',
          excerpt: `upstream link ${person.link.id} (subject ${person.link.subject}) has no user`,
        },
      ],
      proven: false,
    };
  if (snap.masRuntime.status === 'unreachable')
    return { hop: 'mas', reason: 'MAS is not reachable (mas-unreachable)', evidence: [], proven: false };
  return { hop: undefined, reason: 'nothing in the snapshot points at one hop', evidence: [], proven: false };
}

/**
 * `user-sign-in-failed`: Authentik shows the person signing in to the Matrix application (or
 * MAS holds an upstream link for them without an account), yet MAS has no account linked to
 * their identity. The finding names the hop where it broke: from MAS's and Synapse's log lines
 * and Authentik's events when there are any, else from what the snapshot shows, saying so.
 */
export const userSignInFailed: ChainCheck = {
  id: 'lifecycle/sign-in-failed',
  codes: ['user-sign-in-failed'],
  run(snap): Finding[] {
    const failed = peopleOf(snap)
      .map((p) => ({ p, attempts: attemptsOf(snap, p) }))
      .filter(({ p, attempts }) => {
        if (hasLinkedAccount(p)) return false;
        const abandoned = !!p.link && !p.link.user_id;
        if (attempts.length === 0 && !abandoned) return false;
        // without the complete MAS lists, "no account" is only certain for an abandoned link
        return abandoned || masListsComplete(snap);
      });
    return perUser(
      failed,
      ({ p, attempts }) => {
        const v = verdictFor(snap, p, attempts);
        const last = attempts.at(-1);
        const tried = last
          ? `Authentik shows ${p.user.username} signing in to Matrix (${attempts.length} event${attempts.length === 1 ? '' : 's'}, the last ${last.action} at ${last.created})`
          : `MAS holds an upstream link for ${p.user.username}'s identity`;
        const where = v.hop
          ? `The ${v.proven ? 'evidence' : 'snapshot'} points at the ${v.hop} hop: ${v.reason}.${v.proven ? '' : " MAS's log from the time of the attempt would confirm it."}`
          : `ssochain cannot tell which hop failed (${v.reason}); MAS's log from the time of the attempt would (\`ssochain logs\`).`;
        return makeFinding('user-sign-in-failed', {
          subject: userSubject(p.user.username),
          ...(v.hop ? { title: `Sign-in failed at the ${v.hop} hop` } : {}),
          detail: `${tried}, but no MAS account resulted: MAS has no user linked to their Authentik identity${p.subject ? ` (sub ${p.subject})` : ''}. ${where}`,
          evidence: [
            ...attempts.slice(-3).map((e) => ({
              source: 'authentik-api' as const,
              excerpt: `${e.created} ${e.action}${e.action === 'configuration_error' ? `: ${eventText(e).slice(0, 200)}` : ''}`,
            })),
            ...v.evidence,
          ],
          fix: {
            summary: v.hop
              ? `Fix the ${v.hop} hop first (see the finding named above), then ask ${p.user.username} to sign in again and run \`ssochain trace ${p.user.username}\`.`
              : `Watch MAS's log while ${p.user.username} tries again (\`kubectl -n <ns> logs -f deploy/<release>-matrix-authentication-service | ssochain logs -\`), or run \`ssochain probe\` for a synthetic sign-in through the same chain.`,
          },
        });
      },
      (rest) =>
        makeFinding('user-sign-in-failed', {
          subject: 'user/*',
          title: `${rest.length} more users tried to sign in without getting a MAS account`,
          detail: `Besides the users listed one by one, ${rest.length} more tried to sign in to Matrix without a MAS account resulting: ${rest
            .slice(0, 20)
            .map(({ p }) => p.user.username)
            .join(', ')}${rest.length > 20 ? ', …' : ''}.`,
          evidence: [
            {
              source: 'authentik-api',
              excerpt: `${rest.length} more users with sign-in events and no linked MAS user`,
            },
          ],
          fix: { summary: 'Fix the hop the listed findings name; it is most likely the same for everyone.' },
        }),
    );
  },
};
