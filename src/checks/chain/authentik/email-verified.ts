import type { Finding } from '../../../report/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import { importOf } from '../mapping/imports.js';
import { authentikOf, providerPairs, quote, usersOfInterest } from './facts.js';

const BLUEPRINT = `version: 1
metadata: {name: ssochain-email-verified}
entries:
  - model: authentik_providers_oauth2.scopemapping
    identifiers: {name: "matrix email (verified)"}
    attrs:
      scope_name: email
      expression: |
        return {"email": request.user.email, "email_verified": True}`;

/**
 * `authentik-email-unverified` (info): the claims Authentik would issue to the user say
 * `email_verified: false`, which is the default email mapping's answer since Authentik
 * 2025.10. MAS today treats imported addresses as confirmed, so this breaks nothing on its own;
 * it matters for other clients of the same provider, and it is why an address may look
 * unconfirmed in tools that read the claim. Reported only for the user in focus (trace,
 * `doctor --user`) and only when MAS imports the email: for a sample it would be noise.
 */
export const authentikEmailVerified: ChainCheck = {
  id: 'authentik/email-verified',
  codes: ['authentik-email-unverified'],
  run(snap) {
    const ak = authentikOf(snap);
    if (!ak || !snap.user) return [];
    const pairs = providerPairs(snap).filter((p) => importOf(p.mas, 'email'));
    const out: Finding[] = [];
    for (const u of usersOfInterest(snap)) {
      for (const pair of pairs) {
        const preview = ak.claimsPreview.find((c) => c.provider === pair.ak.pk && c.username === u.username);
        if (!preview || preview.claims.email_verified !== false || !preview.claims.email) continue;
        out.push(
          makeFinding('authentik-email-unverified', {
            subject: `user/${u.username}`,
            detail: `The claims Authentik issues to ${quote(u.username)} through ${quote(pair.ak.name)} say email_verified: false (the default email mapping returns false since Authentik 2025.10). MAS imports the address anyway and treats it as confirmed, so sign-in is not affected; tools that trust the claim will see an unconfirmed address.`,
            evidence: [
              {
                source: 'authentik-api',
                excerpt: `preview_user for ${u.username}: email_verified: false${ak.version ? ` (Authentik ${ak.version})` : ''}`,
              },
            ],
            fix: {
              summary: `If Authentik verifies addresses (an email stage in enrollment), select a custom email scope mapping that returns email_verified: True on ${quote(pair.ak.name)} instead of the default one (Customization > Property Mappings, then Applications > Providers > ${pair.ak.name} > Edit > Scopes).`,
              snippet: BLUEPRINT,
            },
          }),
        );
      }
    }
    return out;
  },
};
