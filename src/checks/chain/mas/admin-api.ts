import type { Finding } from '../../../report/types.js';
import type { FetchError, MasConfigFacts } from '../../../snapshot/types.js';
import type { ChainCheck } from '../../chain-check.js';
import { makeFinding } from '../../finding.js';
import { masConfigOf } from '../synapse/presence.js';
import { clause, excerptOf } from './reachable.js';

/**
 * `mas-admin-api-unavailable`: ssochain could not use MAS's admin API. MAS needs three things
 * for a tool to use it: the `adminapi` resource on an http listener, the client in `clients`
 * (with the secret ssochain has), and the client in `policy.data.admin_clients` (which grants
 * `urn:mas:admin`). The step that failed names the missing one; the MAS config, when at hand,
 * confirms it.
 */

type Missing = 'adminapi' | 'client' | 'admin_clients' | 'scope' | 'ssochain-secret';

function missingOf(e: FetchError): Missing | undefined {
  if (e.code === 'ERR_SOURCE_CONFIG') return 'ssochain-secret';
  const token = /\/oauth2\/token$/.test(e.url ?? '');
  const api = /\/api\/admin\/v1(\/|$)/.test(e.url ?? '');
  if (token && e.code === 'ERR_SOURCE_AUTH') return 'client';
  if (token && e.code === 'ERR_SOURCE_FORBIDDEN') return 'admin_clients';
  if (api && e.status === 404) return 'adminapi';
  if (api && (e.code === 'ERR_SOURCE_AUTH' || e.code === 'ERR_SOURCE_FORBIDDEN')) return 'scope';
  return undefined;
}

const SNIPPET = `# MAS config: what a tool needs for the admin API
http:
  listeners:
    - name: web
      resources:
        # ... the resources you have, plus:
        - name: adminapi
clients:
  - client_id: 01JADM1N0000000000000000SS   # a ULID; the same as mas.admin.clientId in ssochain.yaml
    client_auth_method: client_secret_basic
    client_secret: "<a long random value; also in mas.admin.clientSecret>"
policy:
  data:
    admin_clients:
      - 01JADM1N0000000000000000SS`;

function confirmation(missing: Missing, mas: MasConfigFacts | undefined): string {
  if (!mas) return '';
  switch (missing) {
    case 'adminapi':
      return mas.adminApiEnabled
        ? ' The MAS config ssochain read does list `adminapi`, so MAS may run an older config, or mas.url reaches a listener without it.'
        : ' The MAS config ssochain read confirms it: no http listener has the `adminapi` resource.';
    case 'admin_clients':
      return mas.adminClients?.length
        ? ` \`policy.data.admin_clients\` lists ${mas.adminClients.map((c) => `\`${c}\``).join(', ')}, not the client ssochain uses.`
        : ' The MAS config ssochain read has no `policy.data.admin_clients` at all.';
    case 'client':
      return mas.clientIds?.length
        ? ` MAS's \`clients\` are ${mas.clientIds.map((c) => `\`${c}\``).join(', ')}; if mas.admin.clientId is among them, the secret differs.`
        : ' The MAS config ssochain read has no `clients` section, so MAS knows no client to accept.';
    default:
      return '';
  }
}

const SUMMARY: Record<Missing, string> = {
  adminapi:
    'Add `- name: adminapi` to the resources of the http listener ssochain reaches (ESS adds it to the `web` listener itself), then restart MAS.',
  client:
    'Register the client in MAS `clients` with client_auth_method client_secret_basic (or client_secret_post) and the same secret as mas.admin.clientSecret, then restart MAS.',
  admin_clients:
    "Add the client's id to `policy.data.admin_clients` in the MAS config, then restart MAS: only those clients may ask for urn:mas:admin with client_credentials.",
  scope:
    'Make sure the client is listed in `policy.data.admin_clients` so its token carries urn:mas:admin, then run ssochain doctor again.',
  'ssochain-secret': 'Make the credential in mas.admin.clientSecret readable by ssochain (env or file).',
};

/**
 * Without admin credentials for ssochain, the MAS config alone shows an admin API that cannot
 * work for any tool: no `adminapi` resource, no client, or no client in `admin_clients`.
 */
function fromConfig(mas: MasConfigFacts | undefined): Finding[] {
  if (!mas) return [];
  const gaps: { missing: Missing; text: string }[] = [];
  if (!mas.adminApiEnabled)
    gaps.push({
      missing: 'adminapi',
      text: 'no http listener has the `adminapi` resource, so the admin API is off',
    });
  if (mas.clientIds !== undefined && mas.clientIds.length === 0)
    gaps.push({ missing: 'client', text: 'there are no `clients`, so no tool can get a token' });
  else if (mas.adminClients !== undefined && !mas.adminClients.some((c) => mas.clientIds?.includes(c)))
    gaps.push({
      missing: 'admin_clients',
      text: 'no client in `clients` is listed in `policy.data.admin_clients`, so none may ask for urn:mas:admin',
    });
  if (gaps.length === 0) return [];
  return [
    makeFinding('mas-admin-api-unavailable', {
      subject: 'mas/admin-api',
      detail: `In the MAS config (${mas.origin}), ${gaps.map((g) => g.text).join('; ')}. ssochain (and its repair and sync commands) therefore cannot see or create MAS users and upstream links; the per-user checks were not run.`,
      evidence: [
        {
          source: 'mas-config',
          excerpt: `adminapi resource: ${mas.adminApiEnabled ? 'yes' : 'no'}; clients: ${mas.clientIds?.join(', ') || 'none'}; policy.data.admin_clients: ${mas.adminClients?.join(', ') || 'none'}`,
        },
      ],
      fix: {
        summary: `${gaps.map((g) => SUMMARY[g.missing]).join(' ')} Then give ssochain the client in mas.admin (clientId, clientSecret).`,
        snippet: SNIPPET,
      },
    }),
  ];
}

export const masAdminApi: ChainCheck = {
  id: 'mas/admin-api',
  codes: ['mas-admin-api-unavailable'],
  run(snap): Finding[] {
    const a = snap.masAdmin;
    if (a.status === 'skipped') return fromConfig(masConfigOf(snap));
    if (a.status !== 'error') return [];
    const missing = missingOf(a.error);
    if (!missing) return [];
    const mas = masConfigOf(snap);
    return [
      makeFinding('mas-admin-api-unavailable', {
        subject: 'mas/admin-api',
        detail: `${clause(a.error.message)}.${confirmation(missing, mas)} Without the admin API ssochain cannot see MAS's users and upstream links, so the per-user checks (never signed in, not provisioned, drift, taken localparts) were not run.`,
        evidence: [
          { source: 'mas-admin', excerpt: excerptOf(a.error) },
          ...(mas
            ? [
                {
                  source: 'mas-config' as const,
                  excerpt: `adminapi resource: ${mas.adminApiEnabled ? 'yes' : 'no'}; clients: ${mas.clientIds?.join(', ') || 'none'}; policy.data.admin_clients: ${mas.adminClients?.join(', ') || 'none'}`,
                },
              ]
            : []),
        ],
        fix: { summary: SUMMARY[missing], ...(missing === 'ssochain-secret' ? {} : { snippet: SNIPPET }) },
      }),
    ];
  },
};
