import type { Finding } from '../../report/types.js';
import type { ConfigView, PathSeg } from '../../sources/files/config-view.js';
import type { LintCheck } from '../lint-check.js';
import { getAt, isRecord, isSet } from './config-data.js';
import { isMasFragment, type MasCheckOptions } from './document-shape.js';
import { invalidFinding, type InvalidInput } from './invalid-finding.js';
import { ulidProblem } from './provider-id.js';

type Rule = (data: Record<string, unknown>, whole: boolean) => InvalidInput[];

/**
 * `a` and `a_file` are alternatives MAS reads as one setting. `mapPath` is where the pair sits;
 * `reportPath` is the path MAS annotates its error with (a section, not always the map itself).
 */
function exclusivePair(
  mapPath: PathSeg[],
  map: unknown,
  key: string,
  message: string,
  options: { reportPath?: PathSeg[]; explanation?: string } = {},
): InvalidInput[] {
  if (!isRecord(map) || !isSet(map[key]) || !isSet(map[`${key}_file`])) return [];
  return [
    {
      path: options.reportPath ?? mapPath,
      at: mapPath,
      message,
      explanation: options.explanation,
      evidence: [
        [...mapPath, key],
        [...mapPath, `${key}_file`],
      ],
      fix: { summary: `Keep either \`${key}\` or \`${key}_file\`.` },
    },
  ];
}

/** `matrix` (crates/config/src/sections/matrix.rs): the secret shared with Synapse. */
const matrixRules: Rule = (data, whole) => {
  const matrix = data.matrix;
  if (!isRecord(matrix)) return [];
  const out = exclusivePair(['matrix'], matrix, 'secret', 'Cannot specify both `secret` and `secret_file`', {
    explanation:
      'With ESS the chart already sets `matrix.secret_file`, so a `matrix.secret` in an `additional` fragment produces exactly this conflict.',
  });
  if (whole && !isSet(matrix.secret) && !isSet(matrix.secret_file)) {
    out.push({
      path: ['matrix'],
      message: 'Missing `secret` or `secret_file`',
      explanation:
        'MAS authenticates to Synapse’s `/_synapse/mas/*` API with this secret; it must equal Synapse’s `matrix_authentication_service.secret`.',
      fix: { summary: 'Add `matrix.secret_file` (or `matrix.secret`) with the secret Synapse also has.' },
    });
  }
  return out;
};

/** `passwords` (passwords.rs): only checked while password login is enabled, as MAS does. */
const passwordRules: Rule = (data) => {
  const passwords = data.passwords;
  if (!isRecord(passwords) || passwords.enabled === false || !Array.isArray(passwords.schemes)) return [];
  const out: InvalidInput[] = [];
  if (passwords.schemes.length === 0) {
    out.push({
      path: ['passwords'],
      message: 'Requires at least one password scheme in the config',
      fix: {
        summary:
          'Add a scheme (`- version: 1` with `algorithm: argon2id`), or set passwords.enabled: false to sign in through the identity provider only.',
      },
    });
  }
  const versions = new Set<unknown>();
  passwords.schemes.forEach((scheme, i) => {
    out.push(
      ...exclusivePair(
        ['passwords', 'schemes', i],
        scheme,
        'secret',
        'Cannot specify both `secret` and `secret_file`',
        {
          reportPath: ['passwords'],
        },
      ),
    );
    if (isRecord(scheme) && scheme.version !== undefined) {
      if (versions.has(scheme.version)) {
        out.push({
          path: ['passwords'],
          message: 'Multiple password schemes have the same versions',
          at: ['passwords', 'schemes', i, 'version'],
          fix: { summary: 'Give every password scheme its own version number.' },
        });
      }
      versions.add(scheme.version);
    }
  });
  return out;
};

/** `secrets` (secrets.rs): the encryption key and the signing keys. */
const secretsRules: Rule = (data, whole) => {
  const secrets = data.secrets;
  if (!isRecord(secrets)) return [];
  const out = exclusivePair(
    ['secrets'],
    secrets,
    'encryption',
    'Cannot specify both `encryption` and `encryption_file`',
  );
  if (whole && !isSet(secrets.encryption) && !isSet(secrets.encryption_file)) {
    out.push({
      path: ['secrets'],
      message: 'Missing `encryption` or `encryption_file`',
      fix: { summary: 'Add `secrets.encryption` (64 hex characters; `openssl rand -hex 32`).' },
    });
  }
  if (typeof secrets.encryption === 'string' && !/^[0-9a-fA-F]{64}$/.test(secrets.encryption)) {
    out.push({
      path: ['secrets', 'encryption'],
      message: 'the encryption key must be 64 hexadecimal characters (32 bytes)',
      fix: {
        summary:
          'Generate one with `openssl rand -hex 32` (and keep it: changing it makes stored secrets unreadable).',
      },
    });
  }
  if (Array.isArray(secrets.keys)) {
    secrets.keys.forEach((key, i) => {
      const path: PathSeg[] = ['secrets', 'keys', i];
      if (!isRecord(key)) return;
      out.push(...exclusivePair(path, key, 'key', 'Cannot specify both `key` and `key_file`'));
      out.push(...exclusivePair(path, key, 'password', 'Cannot specify both `password` and `password_file`'));
      if (!isSet(key.key) && !isSet(key.key_file))
        out.push({
          path,
          message: 'Missing `key` or `key_file`',
          fix: { summary: 'Give every entry of secrets.keys a `key` (PEM) or a `key_file`.' },
        });
    });
  }
  return out;
};

/** `http.listeners[]` (http.rs `validate()`). */
const listenerRules: Rule = (data) => {
  const listeners = getAt(data, ['http', 'listeners']);
  if (!Array.isArray(listeners)) return [];
  const out: InvalidInput[] = [];
  listeners.forEach((listener, i) => {
    if (!isRecord(listener)) return;
    const path: PathSeg[] = ['http', 'listeners', i];
    if (Array.isArray(listener.resources) && listener.resources.length === 0) {
      out.push({
        path,
        message: 'listener has no resources',
        fix: {
          summary:
            'List the resources this listener serves (e.g. discovery, human, oauth, compat, assets), or remove the listener.',
        },
      });
    }
    if (Array.isArray(listener.binds) && listener.binds.length === 0) {
      out.push({
        path,
        message: 'listener does not bind to any address',
        fix: { summary: 'Add a bind, e.g. `- address: "[::]:8080"`.' },
      });
    }
    const tls = listener.tls;
    if (isRecord(tls)) {
      const only = (a: string) => `Only one of \`${a}\` or \`${a}_file\` can be set at a time`;
      for (const k of ['certificate', 'key', 'password'])
        out.push(...exclusivePair([...path, 'tls'], tls, k, only(k), { reportPath: path }));
      if (!isSet(tls.certificate) && !isSet(tls.certificate_file))
        out.push({
          path,
          at: [...path, 'tls'],
          message: 'TLS configuration is missing a certificate',
          fix: { summary: 'Add tls.certificate_file (or tls.certificate).' },
        });
      if (!isSet(tls.key) && !isSet(tls.key_file))
        out.push({
          path,
          at: [...path, 'tls'],
          message: 'TLS configuration is missing a private key',
          fix: { summary: 'Add tls.key_file (or tls.key).' },
        });
    }
  });
  return out;
};

const CLIENT_SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post', 'client_secret_jwt']);

/** `clients[]` (clients.rs `validate()`): OAuth clients of MAS itself (Synapse, admin tools). */
const clientRules: Rule = (data) => {
  const clients = data.clients;
  if (!Array.isArray(clients)) return [];
  const out: InvalidInput[] = [];
  clients.forEach((client, i) => {
    if (!isRecord(client)) return;
    const path: PathSeg[] = ['clients', i];
    if (typeof client.client_id === 'string') {
      const problem = ulidProblem(client.client_id);
      if (problem) {
        out.push({
          path: [...path, 'client_id'],
          message: problem.message,
          mas: problem.accepted ? 'schema-only' : 'refuses',
          explanation: `A MAS client_id is a ULID. ${problem.explanation}`,
          fix: problem.suggestion
            ? {
                summary: `Use \`client_id: ${problem.suggestion}\`.`,
                snippet: `client_id: ${problem.suggestion}`,
              }
            : { summary: 'Use a 26-character uppercase ULID.' },
        });
      }
    }
    out.push(
      ...exclusivePair(
        path,
        client,
        'client_secret',
        'Cannot specify both `client_secret` and `client_secret_file`',
      ),
    );
    const method = client.client_auth_method;
    if (typeof method !== 'string') return;
    const secret = isSet(client.client_secret) || isSet(client.client_secret_file);
    const jwks = isSet(client.jwks);
    const jwksUri = isSet(client.jwks_uri);
    const add = (message: string, key: string) =>
      out.push({
        path: [...path, key],
        message,
        evidence: [
          [...path, 'client_auth_method'],
          [...path, key],
        ],
        fix: { summary: message.replace(/^(\w)/, (c) => c.toUpperCase()) + '.' },
      });
    if (method === 'private_key_jwt') {
      if (!jwks && !jwksUri) add('jwks or jwks_uri is required for private_key_jwt', 'client_auth_method');
      if (jwks && jwksUri) add('jwks and jwks_uri are mutually exclusive', 'jwks');
      if (secret) add('client_secret is not allowed with private_key_jwt', 'client_secret');
    } else if (CLIENT_SECRET_METHODS.has(method)) {
      if (!secret) add(`client_secret is required for ${method}`, 'client_auth_method');
      if (jwks) add(`jwks is not allowed with ${method}`, 'jwks');
      if (jwksUri) add(`jwks_uri is not allowed with ${method}`, 'jwks_uri');
    } else if (method === 'none') {
      if (secret) add('client_secret is not allowed with none authentication method', 'client_secret');
      if (jwks) add('jwks is not allowed with none authentication method', 'jwks');
      if (jwksUri) add('jwks_uri is not allowed with none authentication method', 'jwks_uri');
    }
  });
  return out;
};

/** `database` (database.rs `validate()`). */
const databaseRules: Rule = (data) => {
  const db = data.database;
  if (!isRecord(db)) return [];
  const out: InvalidInput[] = [];
  const split = ['host', 'port', 'socket', 'username', 'password', 'password_file', 'database'].filter((k) =>
    isSet(db[k]),
  );
  if (isSet(db.uri) && split.length) {
    out.push({
      path: ['database'],
      message:
        'uri must not be specified if host, port, socket, username, password, password_file, or database are specified',
      evidence: [['database', 'uri'], ...split.map((k) => ['database', k])],
      fix: { summary: 'Use either `uri` or the separate connection keys.' },
    });
  }
  for (const k of ['password', 'ssl_ca', 'ssl_certificate', 'ssl_key']) {
    if (isSet(db[k]) && isSet(db[`${k}_file`])) {
      out.push({
        path: ['database'],
        message: `${k} must not be specified if ${k}_file is specified`,
        evidence: [
          ['database', k],
          ['database', `${k}_file`],
        ],
        fix: { summary: `Keep either \`${k}\` or \`${k}_file\`.` },
      });
    }
  }
  const key = isSet(db.ssl_key) || isSet(db.ssl_key_file);
  const cert = isSet(db.ssl_certificate) || isSet(db.ssl_certificate_file);
  if (key !== cert) {
    out.push({
      path: ['database'],
      message: 'both a ssl_certificate and a ssl_key must be set at the same time or none of them',
      fix: { summary: 'Set both the client certificate and its key, or neither.' },
    });
  }
  return out;
};

/** `email` (email.rs `validate()`): the fields each transport needs (whole configs only: they may be merged in). */
const emailRules: Rule = (data, whole) => {
  const email = data.email;
  if (!isRecord(email) || !whole) return [];
  const missing = (field: string, why: string): InvalidInput => ({
    path: ['email', field],
    at: ['email'],
    message: `missing field \`${field}\``,
    fix: { summary: why },
  });
  const out: InvalidInput[] = [];
  if (email.transport === 'smtp') {
    if (isSet(email.username) && !isSet(email.password) && !isSet(email.password_file))
      out.push(missing('password', 'Add email.password_file (or email.password) for the SMTP username.'));
    if (!isSet(email.username) && (isSet(email.password) || isSet(email.password_file)))
      out.push(missing('username', 'Add email.username for the SMTP password.'));
    if (!isSet(email.mode)) out.push(missing('mode', 'Add email.mode: plain, starttls or tls.'));
    if (!isSet(email.hostname)) out.push(missing('hostname', 'Add email.hostname (the SMTP server).'));
  } else if (email.transport === 'sendmail' && !isSet(email.command)) {
    out.push(missing('command', 'Add email.command (e.g. sendmail).'));
  }
  return out;
};

/** `captcha` (captcha.rs `validate()`). */
const captchaRules: Rule = (data, whole) => {
  const captcha = data.captcha;
  if (!isRecord(captcha) || captcha.service !== 'recaptcha_v2' || !whole) return [];
  return ['site_key', 'secret_key']
    .filter((k) => !isSet(captcha[k]))
    .map((k) => ({
      path: ['captcha', k],
      at: ['captcha'],
      message: `missing field \`${k}\``,
      fix: { summary: `Add captcha.${k} from the reCAPTCHA console.` },
    }));
};

const RULES: readonly Rule[] = [
  clientRules,
  listenerRules,
  databaseRules,
  emailRules,
  passwordRules,
  secretsRules,
  matrixRules,
  captchaRules,
];

/**
 * MAS's own validation of the other config sections, in the order MAS validates them
 * (clients, http, database, email, passwords, secrets, matrix, captcha), with MAS's sentences.
 * Rules about something *missing* from a section only apply to a whole config: in a fragment,
 * another piece (the ESS chart's own config) may supply it.
 */
export function runSectionRulesCheck(
  view: ConfigView,
  all: readonly ConfigView[],
  options: MasCheckOptions = {},
): Finding[] {
  const data = view.data;
  if (!isRecord(data)) return [];
  const whole = !isMasFragment(view, all, options);
  return RULES.flatMap((rule) => rule(data, whole)).map((input) => invalidFinding(view, input));
}

export function masSectionRules(options: MasCheckOptions = {}): LintCheck {
  return {
    id: 'mas/section-rules',
    codes: ['mas-config-invalid'],
    appliesTo: ['mas'],
    run: (view, all) => runSectionRulesCheck(view, all, options),
  };
}
