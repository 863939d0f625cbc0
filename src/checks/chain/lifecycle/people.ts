import type { Finding } from '../../../report/types.js';
import type { AkEvent, AkUser, ChainSnapshot, MasLinkFacts, MasUserFacts } from '../../../snapshot/types.js';
import { authentikOf, providerPairs, type ProviderPair } from '../authentik/facts.js';
import { claimsFor, isPerson, renderFor } from '../mapping/claims.js';
import { importOf, type ImportSpec } from '../mapping/imports.js';
import { masAdminOf, masConfigOf } from '../synapse/presence.js';

/**
 * One person across the chain, as the lifecycle checks see them: the Authentik user, the MAS
 * provider that signs them in, the `sub` and localpart MAS would derive from their claims
 * (rendered with MAS's templates by the mapping helpers; undefined when that cannot be known),
 * and what MAS holds for them: the upstream link for that subject, the user it points to, and
 * the MAS user that already has the localpart. Built once per snapshot.
 */
export interface Person {
  user: AkUser;
  pair: ProviderPair;
  subject?: string;
  /** the localpart MAS would hold the person to (`force`/`require` only) */
  localpart?: string;
  localpartSpec?: ImportSpec;
  /** the upstream link for (provider, subject), if MAS has one */
  link?: MasLinkFacts;
  /** the MAS user that link points to */
  linkedUser?: MasUserFacts;
  /** the MAS user whose username is the localpart */
  holder?: MasUserFacts;
}

const memo = new WeakMap<ChainSnapshot, Person[]>();

/** The focus user (by Authentik username, any case), or every person Authentik listed. */
export function peopleOf(snap: ChainSnapshot): Person[] {
  const cached = memo.get(snap);
  if (cached) return cached;
  const ak = authentikOf(snap);
  const admin = masAdminOf(snap);
  const out: Person[] = [];
  if (ak) {
    const users = snap.user
      ? ak.users
          .filter((u) => u.username === snap.user || u.username.toLowerCase() === snap.user!.toLowerCase())
          .slice(0, 1)
      : ak.users.filter(isPerson);
    for (const pair of providerPairs(snap)) {
      const subjectSpec = importOf(pair.mas, 'subject');
      const localpartSpec = importOf(pair.mas, 'localpart');
      const holds = localpartSpec && (localpartSpec.action === 'force' || localpartSpec.action === 'require');
      for (const user of users) {
        const claims = claimsFor(snap, pair, user);
        const subject = claims && subjectSpec ? renderFor(subjectSpec.template, claims) : undefined;
        const localpart = claims && holds ? renderFor(localpartSpec.template, claims) : undefined;
        const person: Person = { user, pair };
        if (subject?.ok && subject.value) person.subject = subject.value;
        if (localpart?.ok && localpart.value) {
          person.localpart = localpart.value;
          person.localpartSpec = localpartSpec;
        }
        if (admin && person.subject) {
          const link = admin.links.find((l) => l.provider_id === pair.mas.id && l.subject === person.subject);
          if (link) {
            person.link = link;
            const linked = admin.users.find((u) => u.id === link.user_id);
            if (linked) person.linkedUser = linked;
          }
        }
        if (admin && person.localpart) {
          const holder = admin.users.find((u) => u.username === person.localpart);
          if (holder) person.holder = holder;
        }
        out.push(person);
      }
    }
  }
  memo.set(snap, out);
  return out;
}

/**
 * Authentik's people (the focus user, or every person) when MAS has no provider paired with
 * Authentik at all: nobody can sign in through MAS then, and no link can exist.
 */
export function unpairedPeople(snap: ChainSnapshot): AkUser[] {
  const ak = authentikOf(snap);
  if (!ak || !masConfigOf(snap) || providerPairs(snap).length > 0) return [];
  return snap.user
    ? ak.users
        .filter((u) => u.username === snap.user || u.username.toLowerCase() === snap.user!.toLowerCase())
        .slice(0, 1)
    : ak.users.filter(isPerson);
}

/** True when MAS's lists are complete, so a user or link missing from them does not exist. */
export function masListsComplete(snap: ChainSnapshot): boolean {
  const admin = masAdminOf(snap);
  return !!admin && !admin.truncated;
}

/** True when the MAS user with this username was looked up directly (the focus user). */
export function lookedUpDirectly(snap: ChainSnapshot, username: string | undefined): boolean {
  return !!username && !!snap.user && [snap.user, snap.user.toLowerCase()].includes(username);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether an Authentik event belongs to a sign-in into this provider pair's application. */
function aboutMatrix(e: AkEvent, pair: ProviderPair, snap: ChainSnapshot): boolean {
  if (e.action === 'authorize_application') {
    const app = e.context.authorized_application;
    if (!pair.app || !isRecord(app)) return true;
    const pk = typeof app.pk === 'string' ? app.pk.replace(/-/g, '') : undefined;
    return app.name === pair.app.name || (pk !== undefined && pk === pair.app.pk.replace(/-/g, ''));
  }
  // a login or failure counts when it happened on the way to MAS (its client id, its callback)
  const text = JSON.stringify(e.context);
  const base = masConfigOf(snap)?.publicBase;
  let masHost: string | undefined;
  try {
    masHost = base ? new URL(base).host : undefined;
  } catch {
    masHost = undefined;
  }
  return (
    text.includes(pair.ak.client_id) ||
    text.includes('/upstream/callback/') ||
    (masHost !== undefined && text.includes(masHost))
  );
}

const ATTEMPT_ACTIONS = new Set(['authorize_application', 'login', 'login_failed', 'configuration_error']);

/** The person's Authentik events that show an attempt to sign in to Matrix, oldest first. */
export function attemptsOf(snap: ChainSnapshot, person: Person): AkEvent[] {
  const ak = authentikOf(snap);
  if (!ak) return [];
  const name = person.user.username.toLowerCase();
  return ak.events
    .filter((e) => ATTEMPT_ACTIONS.has(e.action) && (e.username ?? '').toLowerCase() === name)
    .filter((e) => aboutMatrix(e, person.pair, snap))
    .sort((a, b) => (a.created < b.created ? -1 : 1));
}

/** True when the person has a MAS account reached through their identity-provider link. */
export function hasLinkedAccount(person: Person): boolean {
  return !!person.link?.user_id && !!person.linkedUser;
}

/** More than this many per-user findings of one code are summed up in one. */
export const PER_USER_FINDINGS = 20;

/** One finding per item up to the limit, then one summary finding for the rest. */
export function perUser<T>(items: T[], one: (item: T) => Finding, rest: (items: T[]) => Finding): Finding[] {
  const out = items.slice(0, PER_USER_FINDINGS).map(one);
  if (items.length > PER_USER_FINDINGS) out.push(rest(items.slice(PER_USER_FINDINGS)));
  return out;
}

/** The MAS public base for snippets, without its trailing slash. */
export function masBase(snap: ChainSnapshot): string {
  return (masConfigOf(snap)?.publicBase ?? 'https://account.example.org/').replace(/\/+$/, '');
}

export const userSubject = (username: string): string => `user/${username}`;
