import { buildContext, renderTemplate as render } from '../../../knowledge/mas-templates.js';

/**
 * Renders claims_imports templates the way MAS does, with the same engine the MAS emulator
 * signs users in with (src/knowledge/mas-templates.ts): the real MiniJinja, lenient undefined
 * values (a missing claim renders as ""), pycompat methods and MAS's own filters. The context
 * is MAS's: `user` (userinfo claims under the id_token's), `id_token_claims`, `userinfo_claims`.
 */

export type Rendered = { ok: true; value: string } | { ok: false; error: string };

/**
 * Whether ssochain renders a template as MAS would. Not for `tlvdecode`: MAS keys its result by
 * integer tags, which a JavaScript filter cannot hand to MiniJinja, so `(… | tlvdecode)[1]`
 * would render empty here while it works in MAS.
 */
export function faithfullyRenderable(template: string): boolean {
  return !/\btlvdecode\b/.test(template);
}

/** The context MAS builds from the id_token claims and (when fetched) the userinfo claims. */
export function templateContext(
  idToken: Record<string, unknown> | undefined,
  userinfo: Record<string, unknown> | undefined,
): Record<string, unknown> {
  return buildContext({
    ...(idToken ? { idTokenClaims: idToken } : {}),
    ...(userinfo ? { userinfoClaims: userinfo } : {}),
  });
}

/** Renders one template; a compile or render error comes back as MiniJinja's first line. */
export function renderTemplate(template: string, context: Record<string, unknown>): Rendered {
  const result = render(template, context);
  return result.ok ? result : { ok: false, error: result.error.split('\n')[0]!.trim() };
}
