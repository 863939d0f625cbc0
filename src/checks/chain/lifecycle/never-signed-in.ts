import type { Finding } from '../../../report/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import {
  attemptsOf,
  masBase,
  masListsComplete,
  peopleOf,
  perUser,
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
    const people = peopleOf(snap).filter(
      (p) => p.user.is_active && p.subject && !p.link && !p.holder && attemptsOf(snap, p).length === 0,
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
