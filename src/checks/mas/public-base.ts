import type { Finding } from '../../report/types.js';
import { subjectFor, type ConfigView, type PathSeg } from '../../sources/files/config-view.js';
import { makeFinding } from '../finding.js';
import type { LintCheck } from '../lint-check.js';
import { getAt, hasKey, isRecord } from './config-data.js';
import { isMasFragment, type MasCheckOptions } from './document-shape.js';

/**
 * What is wrong with a public base URL (`problem`), or merely worth a note (`warning`: plain
 * http to a real host), or undefined when it is fine.
 */
export function publicBaseProblem(value: string): { problem?: string; warning?: string } | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem: `\`${value}\` is not an absolute URL` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return {
      problem: `its scheme is \`${url.protocol.replace(/:$/, '')}\`; MAS builds every URL from it and only accepts http or https (its URL builder panics otherwise)`,
    };
  }
  if (url.username || url.password)
    return { problem: 'it contains credentials (user:password@), which MAS’s URL builder refuses' };
  if (url.search) return { problem: 'it has a query string, which MAS’s URL builder refuses' };
  if (url.hash) return { problem: 'it has a fragment (#…), which MAS’s URL builder refuses' };
  const host = url.hostname.toLowerCase();
  if (host === '[::]' || host === '0.0.0.0') {
    return {
      problem: `\`${host}\` is a listening address, not a host name; it is MAS’s built-in default, and every client (Element X included) then gets an issuer it cannot reach`,
    };
  }
  if (host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || /^127\./.test(host)) {
    return {
      problem: `\`${host}\` only means “this machine”: browsers and apps elsewhere cannot reach it, and the issuer MAS advertises is unusable`,
    };
  }
  if (url.protocol === 'http:') {
    return {
      warning:
        'It uses http, not https: `mas-cli doctor` warns about that and clients may refuse a non-https issuer; use https for anything but a local test.',
    };
  }
  return undefined;
}

/**
 * `http.public_base` is the URL MAS builds every link and its issuer from. Unset, MAS falls
 * back to `http://[::]:8080/` and advertises that to clients (element-hq/matrix-authentication-
 * service#5379); with an `http` section MAS requires it. Only whole configs are judged: an ESS
 * fragment never has `http`, because the chart sets `http.public_base` itself.
 */
export function runPublicBaseCheck(
  view: ConfigView,
  all: readonly ConfigView[],
  options: MasCheckOptions = {},
): Finding[] {
  const data = view.data;
  if (!isRecord(data) || isMasFragment(view, all, options)) return [];
  const http = data.http;
  const subject = subjectFor(view);
  const snippet =
    'http:\n  public_base: "https://auth.example.com/"   # the URL users and clients reach MAS at';
  if (
    !isRecord(http) ||
    getAt(http, ['public_base']) === undefined ||
    getAt(http, ['public_base']) === null
  ) {
    const hasHttp = hasKey(data, 'http');
    return [
      makeFinding('mas-public-base-default', {
        subject,
        detail: hasHttp
          ? 'MAS refuses to load this config: http: missing field `public_base`. MAS requires `http.public_base` whenever an `http` section is present; it is the public URL every link and the issuer are built from.'
          : 'There is no `http` section, so MAS uses its built-in `public_base: http://[::]:8080/` and advertises that as its issuer: clients (Element X, the Synapse well-known) get an address they cannot reach (element-hq/matrix-authentication-service#5379).',
        evidence: [
          { source: 'mas-config', excerpt: hasHttp ? 'http.public_base: <absent>' : 'http: <absent>' },
        ],
        fix: {
          summary:
            'Set http.public_base to the public https URL of MAS (with its path prefix, if any); http.issuer defaults to it.',
          snippet,
          repair: null,
        },
        location: view.locate(hasHttp ? ['http'] : [], 'key'),
      }),
    ];
  }
  const out: Finding[] = [];
  for (const key of ['public_base', 'issuer'] as const) {
    const value = http[key];
    if (typeof value !== 'string') continue;
    // an issuer that repeats a broken public_base is the same mistake: one finding says both
    if (key === 'issuer' && value === http.public_base && publicBaseProblem(value)?.problem) continue;
    const result = publicBaseProblem(value);
    // plain http to a real host alone is not an error (this code's severity): it is only
    // mentioned, as a note, in the detail of another finding about the same section
    if (!result?.problem) continue;
    const path: PathSeg[] = ['http', key];
    const issuerNote =
      key === 'issuer'
        ? ' (`http.issuer` is what clients compare byte for byte)'
        : http.issuer === value
          ? ' (http.issuer repeats it)'
          : '';
    const other = key === 'public_base' ? http.issuer : http.public_base;
    const otherWarning = typeof other === 'string' ? publicBaseProblem(other)?.warning : undefined;
    const detail = `http.${key} is \`${value}\`: ${result.problem}${issuerNote}.${otherWarning ? ` Note: http.${key === 'public_base' ? 'issuer' : 'public_base'} is \`${other}\`. ${otherWarning}` : ''}`;
    out.push(
      makeFinding('mas-public-base-default', {
        subject,
        detail,
        evidence: [{ source: 'mas-config', excerpt: `http.${key}: ${JSON.stringify(value)}` }],
        fix: {
          summary: `Set http.${key} to the public https URL users and clients reach MAS at.`,
          snippet,
          repair: null,
        },
        location: view.locate(path, 'value'),
      }),
    );
  }
  return out;
}

export function masPublicBase(options: MasCheckOptions = {}): LintCheck {
  return {
    id: 'mas/public-base',
    codes: ['mas-public-base-default'],
    appliesTo: ['mas'],
    run: (view, all) => runPublicBaseCheck(view, all, options),
  };
}
