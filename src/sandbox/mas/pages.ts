import { html, type Reply } from '../http/server.js';
import { escapeHtml as e } from './util.js';

/**
 * The HTML the emulated MAS serves. Page structure is plain and stable (forms with named
 * inputs, `<h1>` titles, `data-error-code` on error pages) so a headless client can walk it;
 * the visible texts that matter for diagnosis are MAS's own.
 */

function layout(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${e(title)} - Matrix Authentication Service</title></head>
<body><main>
${body}
</main></body></html>`;
}

export function page(
  status: number,
  title: string,
  body: string,
  headers: Record<string, string | string[]> = {},
): Reply {
  const reply = html(status, layout(title, body));
  reply.headers = { ...reply.headers, ...headers };
  return reply;
}

/** `templates.render_error`: a code, a description and the error chain as details */
export function errorPage(
  status: number,
  error: { code?: string; description: string; details?: string[] },
  headers: Record<string, string | string[]> = {},
): Reply {
  const description = error.description.replace(/\s*\n\s*/g, ' ');
  return page(
    status,
    error.code ?? 'Error',
    `<section class="error"${error.code ? ` data-error-code="${e(error.code)}"` : ''}>
<h1>${e(error.code ?? 'Something went wrong')}</h1>
<p class="description">${e(description)}</p>
${error.details?.length ? `<pre class="details">${e(error.details.join('\n'))}</pre>` : ''}
</section>`,
    headers,
  );
}

export interface LoginProvider {
  id: string;
  humanName?: string;
  brandName?: string;
  href: string;
}

export function loginPage(opts: {
  action: string;
  csrf: string;
  passwordEnabled: boolean;
  providers: LoginProvider[];
  error?: string;
  username?: string;
}): Reply {
  const providers = opts.providers
    .map(
      (p) =>
        `<li><a class="upstream-provider" data-provider-id="${e(p.id)}"${p.brandName ? ` data-brand="${e(p.brandName)}"` : ''} href="${e(p.href)}">Continue with ${e(p.humanName ?? p.brandName ?? 'an external provider')}</a></li>`,
    )
    .join('\n');
  const password = opts.passwordEnabled
    ? `<form method="post" action="${e(opts.action)}" id="password-login">
<input type="hidden" name="csrf" value="${e(opts.csrf)}">
<label>Username <input name="username" value="${e(opts.username ?? '')}"></label>
<label>Password <input name="password" type="password"></label>
<button type="submit">Continue</button>
</form>`
    : '';
  const none =
    !opts.passwordEnabled && opts.providers.length === 0
      ? '<p class="no-login-methods">No login methods available.</p>'
      : '';
  return page(
    200,
    'Sign in',
    `<h1>Sign in</h1>
${opts.error ? `<p class="form-error">${e(opts.error)}</p>` : ''}
${password}
${providers ? `<ul class="providers">\n${providers}\n</ul>` : ''}
${none}`,
  );
}

export interface RegisterField {
  value: string;
  forced: boolean;
}

export function upstreamRegisterPage(opts: {
  action: string;
  csrf: string;
  providerName: string;
  localpart?: RegisterField;
  displayname?: RegisterField;
  email?: RegisterField;
  tosUri?: string;
  fieldErrors?: Record<string, string>;
  formErrors?: string[];
}): Reply {
  const err = (field: string) =>
    opts.fieldErrors?.[field]
      ? `<span class="field-error" data-field="${field}">${e(opts.fieldErrors[field]!)}</span>`
      : '';
  const lp = opts.localpart;
  const username = lp?.forced
    ? `<p>Username: <strong class="forced-username">${e(lp.value)}</strong></p>`
    : `<label>Username <input name="username" value="${e(lp?.value ?? '')}"></label>`;
  const checkbox = (name: string, label: string, f?: RegisterField) =>
    f
      ? f.forced
        ? `<p>${label}: <strong>${e(f.value)}</strong> (imported)</p>`
        : `<label><input type="checkbox" name="${name}" checked> Use ${label.toLowerCase()} "${e(f.value)}"</label>`
      : '';
  return page(
    200,
    'Create account',
    `<h1>Create a new account</h1>
<p>You are signing in with ${e(opts.providerName)} for the first time.</p>
${(opts.formErrors ?? []).map((m) => `<p class="form-error">${e(m)}</p>`).join('\n')}
<form method="post" action="${e(opts.action)}" id="upstream-register">
<input type="hidden" name="csrf" value="${e(opts.csrf)}">
<input type="hidden" name="action" value="register">
${username}${err('username')}
${checkbox('import_display_name', 'Display name', opts.displayname)}
${checkbox('import_email', 'Email', opts.email)}
${opts.tosUri ? `<label><input type="checkbox" name="accept_terms"> I agree to the <a href="${e(opts.tosUri)}">terms</a></label>${err('accept_terms')}` : ''}
<button type="submit">Create account</button>
</form>`,
  );
}

export function suggestLinkPage(opts: { action: string; csrf: string; username: string }): Reply {
  return page(
    200,
    'Link account',
    `<h1>Link to your existing account</h1>
<p>You are signed in as ${e(opts.username)}.</p>
<form method="post" action="${e(opts.action)}" id="upstream-link">
<input type="hidden" name="csrf" value="${e(opts.csrf)}">
<input type="hidden" name="action" value="link">
<button type="submit">Link</button>
</form>`,
  );
}

export function displayNamePage(opts: { action: string; csrf: string; error?: string }): Reply {
  return page(
    200,
    'Choose a display name',
    `<h1>Choose your display name</h1>
${opts.error ? `<p class="field-error" data-field="display_name">${e(opts.error)}</p>` : ''}
<form method="post" action="${e(opts.action)}" id="display-name">
<input type="hidden" name="csrf" value="${e(opts.csrf)}">
<label>Display name <input name="display_name"></label>
<button type="submit" name="action" value="set">Continue</button>
<button type="submit" name="action" value="skip">Skip</button>
</form>`,
  );
}

export function consentPage(opts: {
  action: string;
  csrf: string;
  clientName: string;
  scope: string[];
  username: string;
}): Reply {
  return page(
    200,
    'Allow access',
    `<h1>Allow access to your account?</h1>
<p>${e(opts.clientName)} wants to access your account (signed in as ${e(opts.username)}).</p>
<ul class="scope">${opts.scope.map((s) => `<li>${e(s)}</li>`).join('')}</ul>
<form method="post" action="${e(opts.action)}" id="consent">
<input type="hidden" name="csrf" value="${e(opts.csrf)}">
<button type="submit" name="action" value="consent">Continue</button>
<button type="submit" name="action" value="cancel">Cancel</button>
</form>`,
  );
}

export function accountInactivePage(username: string, locked: boolean): Reply {
  return page(
    200,
    'Account inactive',
    `<h1>${locked ? 'Account locked' : 'Account deactivated'}</h1>
<p class="description">The account ${e(username)} is ${locked ? 'locked' : 'deactivated'} and cannot sign in.</p>`,
  );
}

/** the self-submitting form MAS renders for `response_mode=form_post` */
export function formPostPage(action: string, params: Record<string, string>): Reply {
  const inputs = Object.entries(params)
    .map(([k, v]) => `<input type="hidden" name="${e(k)}" value="${e(v)}">`)
    .join('\n');
  return page(
    200,
    'Redirecting',
    `<form method="post" action="${e(action)}" id="form-post">
${inputs}
<noscript><button type="submit">Continue</button></noscript>
</form>
<script>document.getElementById('form-post').submit();</script>`,
  );
}
