import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMasConfig } from '../../../src/sandbox/mas/config/load.js';
import { defaultConfigText, MasSectionSchema } from '../../../src/sandbox/mas/scenario.js';

/**
 * The emulator's config handling against MAS's published JSON Schema
 * (`shared/specs/mas-config.schema.json`, MAS @682b8d26): what the schema rejects (types,
 * enums, ULID patterns, required keys) the emulator refuses too, and what it accepts and MAS's
 * `validate()` rules allow, the emulator accepts. Unknown keys pass both, as in MAS.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const schemaPath = path.resolve(repoRoot, '../shared/specs/mas-config.schema.json');
const haveSchema = existsSync(schemaPath);
if (!haveSchema) console.log(`MAS config schema test skipped: ${schemaPath} not found`);

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const BASE = `
secrets:
  encryption: 0000111122223333444455556666777788889999aaaabbbbccccddddeeeeffff
matrix:
  homeserver: example.com
  secret: s3cret
`;
const provider = (fields: string) => `upstream_oauth2:
  providers:
    - id: 01HFRQFT5QFMJFGF01P7JAV2ME
      issuer: https://auth.example.com/application/o/matrix/
      client_id: cid
${fields}`;
const SECRET = '      client_secret: s\n      token_endpoint_auth_method: client_secret_basic\n';

const ACCEPTED: [string, string][] = [
  ['the minimal config', BASE],
  ['a provider', BASE + provider(SECRET)],
  ['Synapse-style keys (ignored)', BASE + 'oidc_providers:\n  - idp_id: x\nupstream_oauth2_config: {}\n'],
  ['an unknown key in a provider', BASE + provider(SECRET + '      claim_imports: {}\n')],
  [
    'listeners',
    BASE +
      'http:\n  public_base: https://mas.example.com/\n  listeners:\n    - resources: [{name: human}, {name: adminapi}]\n      binds: [{address: "[::]:8080"}]\n',
  ],
  [
    'clients and admin_clients',
    BASE +
      'clients:\n  - client_id: 01HFRQFT5QFMJFGF01P7JAV2ME\n    client_auth_method: client_secret_basic\n    client_secret: x\npolicy:\n  data:\n    admin_clients: [01HFRQFT5QFMJFGF01P7JAV2ME]\n',
  ],
];

const REJECTED: [string, string][] = [
  ['no matrix', 'secrets:\n  encryption: 0000111122223333444455556666777788889999aaaabbbbccccddddeeeeffff\n'],
  [
    'a provider id that is not a ULID',
    BASE + provider(SECRET).replace('01HFRQFT5QFMJFGF01P7JAV2ME', 'authentik'),
  ],
  ['no token_endpoint_auth_method', BASE + provider('      client_secret: s\n')],
  [
    'an unknown auth method',
    BASE + provider('      client_secret: s\n      token_endpoint_auth_method: basic\n'),
  ],
  ['scope as a list', BASE + provider(SECRET + '      scope: [openid, profile]\n')],
  [
    'an unknown import action',
    BASE + provider(SECRET + '      claims_imports:\n        localpart: {action: mandatory}\n'),
  ],
  ['an unknown discovery mode', BASE + provider(SECRET + '      discovery_mode: strict\n')],
  ['a boolean as a string', BASE + provider(SECRET + '      fetch_userinfo: "yes"\n')],
  [
    'an unknown listener resource',
    BASE +
      'http:\n  public_base: https://x/\n  listeners:\n    - resources: [{name: admin}]\n      binds: [{address: "[::]:8080"}]\n',
  ],
  [
    'a client id that is not a ULID',
    BASE + 'clients:\n  - client_id: synapse\n    client_auth_method: none\n',
  ],
];

describe.runIf(haveSchema)('MAS config handling vs. MAS’s JSON Schema', () => {
  let validate: ValidateFunction;
  beforeAll(() => {
    const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
    validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);
  });
  const emulator = (text: string) => loadMasConfig([text], { readFile: () => '' });

  it.each(ACCEPTED)('accepts %s, like the schema', (_name, text) => {
    expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
    const result = emulator(text);
    expect(result.ok, result.ok ? '' : result.error).toBe(true);
  });

  it.each(REJECTED)('refuses %s, like the schema', (_name, text) => {
    expect(validate(parse(text))).toBe(false);
    expect(emulator(text).ok).toBe(false);
  });

  it('the default sandbox configuration is schema-valid', () => {
    const text = defaultConfigText(
      { authentik: 'http://127.0.0.1:1', mas: 'http://127.0.0.1:2', synapse: 'http://127.0.0.1:3' },
      MasSectionSchema.parse({}).defaults,
    );
    expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
    expect(emulator(text).ok).toBe(true);
  });
});
