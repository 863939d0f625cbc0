import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import { fetchJson, httpRequest } from '../../sources/http.js';
import { parseCommandArgs, type Command } from '../io.js';

const USAGE = `Usage: ssochain init --homeserver URL|SERVER_NAME [--write FILE] [--force]

Discovers the chain from what a Matrix client can see, and writes an ssochain.yaml:
  /.well-known/matrix/client       → the homeserver URL
  /_matrix/client/v1/auth_metadata → MAS (its issuer)
  MAS's login page and /upstream/authorize/<id> → the identity provider and client_id
Credentials are left as references to environment variables: fill them in, never on the
command line. For the sandbox, \`ssochain sandbox up --write-config FILE\` writes a complete one.
`;

export interface Discovered {
  homeserver: string;
  serverName?: string;
  masIssuer?: string;
  providers: { id: string; idpBase?: string; clientId?: string; authorizeUrl?: string }[];
  notes: string[];
}

function baseOf(input: string): { url: string; serverName?: string } {
  if (/^https?:\/\//.test(input)) return { url: input.replace(/\/+$/, '') };
  return { url: `https://${input}`, serverName: input };
}

/** Follows what a client does; every step that fails becomes a note, never an exception. */
export async function discoverChain(
  input: string,
  fetchImpl: typeof fetch = fetch,
  timeoutMs = 5000,
): Promise<Discovered> {
  const { url, serverName } = baseOf(input);
  const notes: string[] = [];
  let homeserver = url;
  const wk = await fetchJson<Record<string, { base_url?: string }>>({
    url: `${url}/.well-known/matrix/client`,
    timeoutMs,
    fetch: fetchImpl,
  });
  if (wk.status === 'ok' && typeof wk.data['m.homeserver']?.base_url === 'string')
    homeserver = wk.data['m.homeserver'].base_url.replace(/\/+$/, '');
  else
    notes.push(
      `no usable /.well-known/matrix/client at ${url}: ${wk.status === 'ok' ? 'no m.homeserver.base_url' : wk.status === 'skipped' ? wk.reason : wk.error.message}`,
    );
  const out: Discovered = { homeserver, ...(serverName ? { serverName } : {}), providers: [], notes };
  let meta = await fetchJson<{ issuer?: string }>({
    url: `${homeserver}/_matrix/client/v1/auth_metadata`,
    timeoutMs,
    fetch: fetchImpl,
  });
  if (meta.status !== 'ok')
    meta = await fetchJson({
      url: `${homeserver}/_matrix/client/unstable/org.matrix.msc2965/auth_metadata`,
      timeoutMs,
      fetch: fetchImpl,
    });
  if (meta.status !== 'ok' || typeof meta.data.issuer !== 'string') {
    notes.push(
      `the homeserver does not name a MAS (auth_metadata: ${meta.status === 'ok' ? 'no issuer' : meta.status === 'skipped' ? meta.reason : meta.error.message})`,
    );
    return out;
  }
  out.masIssuer = meta.data.issuer;
  const mas = meta.data.issuer.replace(/\/+$/, '');
  const login = await httpRequest({ url: `${mas}/login`, timeoutMs, fetch: fetchImpl });
  // with passwords off and one provider, MAS answers /login with a redirect to that provider
  const page = login.status === 'ok' ? `${login.data.headers.get('location') ?? ''} ${login.data.text}` : '';
  const ids = [
    ...new Set([...page.matchAll(/\/upstream\/authorize\/([0-9A-HJKMNP-TV-Z]{26})/g)].map((m) => m[1]!)),
  ];
  if (ids.length === 0) notes.push("MAS's login page offers no upstream provider (no “Sign in with …”)");
  for (const id of ids) {
    const start = await httpRequest({
      url: `${mas}/upstream/authorize/${id}`,
      timeoutMs,
      fetch: fetchImpl,
      redirect: 'manual',
    });
    const location = start.status === 'ok' ? start.data.headers.get('location') : null;
    if (!location) {
      out.providers.push({ id });
      notes.push(`MAS did not redirect /upstream/authorize/${id} to the identity provider`);
      continue;
    }
    const target = new URL(location, mas);
    const idpBase = target.pathname.startsWith('/application/o/')
      ? target.origin
      : `${target.origin}${target.pathname.replace(/\/[^/]*\/?$/, '')}`;
    out.providers.push({
      id,
      idpBase,
      authorizeUrl: `${target.origin}${target.pathname}`,
      ...(target.searchParams.get('client_id') ? { clientId: target.searchParams.get('client_id')! } : {}),
    });
  }
  return out;
}

export function configText(d: Discovered): string {
  const lines = [
    '# ssochain.yaml, written by `ssochain init`; check every value',
    '# yaml-language-server: $schema=./ssochain.schema.json  (ssochain config schema > ssochain.schema.json)',
    '',
  ];
  const idp = d.providers.find((p) => p.idpBase);
  lines.push('authentik:');
  lines.push(
    `  url: ${idp?.idpBase ?? 'https://auth.example.org  # not found: MAS offers no upstream provider'}`,
  );
  lines.push(
    '  token: { env: SSOCHAIN_AUTHENTIK_TOKEN }   # an API token that can read providers, flows, users, events',
  );
  if (idp?.clientId) lines.push(`  # MAS signs in with client_id ${idp.clientId} (provider ${idp.id})`);
  lines.push('mas:');
  lines.push(`  url: ${d.masIssuer?.replace(/\/+$/, '') ?? 'https://account.example.org  # not found'}`);
  lines.push(
    '  # where the MAS config can be read: the file, the SOPS file in your GitOps repo, or a Secret',
  );
  lines.push('  # config: { sopsFile: apps/matrix/ess-values.sops.yaml }');
  lines.push(
    '  # admin: { clientId: <ULID in MAS clients + policy.data.admin_clients>, clientSecret: { env: SSOCHAIN_MAS_ADMIN_CLIENT_SECRET } }',
  );
  lines.push('synapse:');
  lines.push(`  url: ${d.homeserver}`);
  if (d.serverName) lines.push(`  serverName: ${d.serverName}`);
  lines.push(
    '  # sharedSecret: { env: SSOCHAIN_SYNAPSE_SHARED_SECRET }   # only if MAS reads it from a file',
  );
  return lines.join('\n') + '\n';
}

const command: Command = {
  name: 'init',
  summary: 'discover the chain and write ssochain.yaml',
  usage: USAGE,
  async run(argv, io) {
    const { values } = parseCommandArgs(
      'init',
      argv,
      { homeserver: { type: 'string' }, write: { type: 'string' }, force: { type: 'boolean' } },
      false,
    );
    if (!values.homeserver)
      throw new UsageError('init: give --homeserver (a URL or the server name), see `ssochain init --help`');
    const discovered = await discoverChain(values.homeserver);
    const text = configText(discovered);
    for (const note of discovered.notes) io.stderr(`note: ${note}\n`);
    if (!values.write) {
      io.stdout(text);
      return 0;
    }
    const file = path.resolve(io.cwd, values.write);
    if (existsSync(file) && !values.force)
      throw new UsageError(`init: ${values.write} exists; use --force to overwrite it`);
    writeFileSync(file, text);
    io.stderr(`wrote ${values.write}\n`);
    return 0;
  },
};
export default command;
