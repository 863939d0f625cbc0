import type { Finding } from '../../../report/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import type { AkUser } from '../../../snapshot/types.js';
import { masAdminOf, synapsePresence } from '../synapse/presence.js';
import {
  attemptsOf,
  masBase,
  masListsComplete,
  peopleOf,
  perUser,
  unpairedPeople,
  userSubject,
  type Person,
} from './people.js';

function preprovisionSnippet(base: string, p: Person): string {
  const username = p.localpart ?? p.user.username.toLowerCase();
  return [
    '# create the account ahead of the first sign-in (this also creates the Synapse account)',
    'curl -sS -X POST -H "Authorization: Bearer $MAS_ADMIN_TOKEN" -H "Content-Type: application/json" \\',
    `  ${base}/api/admin/v1/users -d '{"username": "${username}"}'`,
    'curl -sS -X POST -H "Authorization: Bearer $MAS_ADMIN_TOKEN" -H "Content-Type: application/json" \\',
    `  ${base}/api/admin/v1/upstream-oauth-links \\`,
    `  -d '{"user_id": "<id from the first answer>", "provider_id": "${p.pair.mas.id}", "subject": "${p.subject}"}'`,
    '# or inside the MAS pod (the Synapse account then comes from the background worker):',
    `mas-cli manage register-user -y ${username} -m ${p.pair.mas.id}:${p.subject}`,
  ].join('\n');
}

/**
 * Without any MAS provider for Authentik, nobody has signed in through MAS: each active person
 * without a MAS user of their name is reported, pointing at the missing provider.
 */
function unpairedWithoutAccount(snap: Parameters<ChainCheck['run']>[0]): Finding[] {
  const admin = masAdminOf(snap);
  if (!admin || admin.truncated) return [];
  const names = new Set(admin.users.map((u) => u.username));
  const users = unpairedPeople(snap).filter((u) => u.is_active && !names.has(u.username.toLowerCase()));
  return perUser(
    users,
    (u: AkUser) =>
      makeFinding('user-never-signed-in', {
        subject: userSubject(u.username),
        detail: `${u.username} exists in Authentik and is active, but has no MAS account. MAS creates accounts just in time, at the first sign-in through MAS, and right now MAS has no upstream provider for Authentik, so nobody can sign in that way yet (see mas-provider-missing).`,
        evidence: [
          { source: 'authentik-api', excerpt: `user ${u.username}: is_active true` },
          {
            source: 'mas-config',
            excerpt: 'no enabled upstream_oauth2 provider with the client_id of an Authentik provider',
          },
          { source: 'mas-admin', excerpt: `no MAS user ${u.username.toLowerCase()}` },
        ],
        fix: {
          summary: `Give MAS an upstream provider for Authentik first (the mas-provider-missing finding shows the YAML); then ${u.username} can sign in, and the account is created on the spot.`,
        },
      }),
    (rest) =>
      makeFinding('user-never-signed-in', {
        subject: 'user/*',
        title: `${rest.length} more Authentik users have no MAS account`,
        detail: `Besides the users listed one by one, ${rest.length} more active Authentik users have no MAS account, because MAS has no upstream provider for Authentik yet: ${rest
          .slice(0, 20)
          .map((u) => u.username)
          .join(', ')}${rest.length > 20 ? ', …' : ''}.`,
        evidence: [{ source: 'mas-config', excerpt: 'no enabled upstream provider for Authentik' }],
        fix: {
          summary:
            'Give MAS an upstream provider for Authentik; the accounts then appear at each first sign-in.',
        },
      }),
  );
}

/**
 * `user-never-signed-in` (info): the person exists in Authentik and is active, MAS has no
 * upstream link for their `sub` (nor a user with their localpart), and Authentik shows no
 * attempt to sign in to Matrix. MAS creates accounts just in time, at the first sign-in
 * through MAS; until then the person is missing from Matrix by design, not by fault.
 */
export const userNeverSignedIn: ChainCheck = {
  id: 'lifecycle/never-signed-in',
  codes: ['user-never-signed-in'],
  run(snap): Finding[] {
    if (!masListsComplete(snap)) return [];
    const base = masBase(snap);
    const unpaired = unpairedWithoutAccount(snap);
    if (unpaired.length) return unpaired;
    // a localpart Synapse already has fails the first sign-in: the mapping check says so
    const people = peopleOf(snap).filter(
      (p) =>
        p.user.is_active &&
        p.subject &&
        !p.link &&
        !p.holder &&
        !(p.localpart && synapsePresence(snap, p.localpart)?.exists) &&
        attemptsOf(snap, p).length === 0,
    );
    return perUser(
      people,
      (p) =>
        makeFinding('user-never-signed-in', {
          subject: userSubject(p.user.username),
          detail: `${p.user.username} exists in Authentik and is active, but has never signed in through MAS: MAS has no upstream link for their Authentik identity (sub ${p.subject}) on provider ${p.pair.mas.human_name ?? p.pair.mas.id}${p.localpart ? ` and no user ${p.localpart}` : ''}, and Authentik records no sign-in to the Matrix application. This is expected: MAS creates the Matrix account just in time, at the first sign-in through MAS, not when the user is created in Authentik.`,
          evidence: [
            {
              source: 'authentik-api',
              excerpt: `user ${p.user.username}: is_active true; no authorize_application event for the Matrix application`,
            },
            {
              source: 'mas-admin',
              excerpt: `no upstream link with provider ${p.pair.mas.id} and subject ${p.subject}${p.localpart ? `; no user ${p.localpart}` : ''}`,
            },
          ],
          fix: {
            summary: `Either let ${p.user.username} sign in once (in Element: "Sign in with ${p.pair.mas.human_name ?? 'your identity provider'}"), which creates the account on the spot, or create the account ahead of time through the MAS admin API and link it to their Authentik identity, so their first sign-in goes straight into it.`,
            snippet: preprovisionSnippet(base, p),
            repair: 'mas-preprovision-user',
          },
        }),
      (rest) =>
        makeFinding('user-never-signed-in', {
          subject: 'user/*',
          title: `${rest.length} more Authentik users have never signed in through MAS`,
          detail: `Besides the users listed one by one, ${rest.length} more active Authentik users have no MAS account yet: ${rest
            .slice(0, 20)
            .map((p) => p.user.username)
            .join(
              ', ',
            )}${rest.length > 20 ? ', …' : ''}. MAS creates accounts at the first sign-in, so this is expected until they sign in.`,
          evidence: [
            { source: 'mas-admin', excerpt: `${rest.length} more subjects without an upstream link` },
          ],
          fix: {
            summary:
              'Nothing is broken. To have accounts before the first sign-in, pre-provision them (`ssochain repair`), or keep them in step continuously with `ssochain sync`.',
            repair: 'mas-preprovision-user',
          },
        }),
    );
  },
};
