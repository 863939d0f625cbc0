import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../report/types.js';
import type { ConfigView } from '../../sources/files/config-view.js';
import { viewFromYaml } from '../../sources/files/parse-yaml.js';
import { createMasChecks, masChecks } from './index.js';

const REPO_ROOT = resolve(import.meta.dirname, '../../..');
const FIXTURES = resolve(REPO_ROOT, 'test/fixtures/lint/mas');
const REAL_CONFIGS = resolve(REPO_ROOT, '../shared/testdata/real-configs');

function runAll(views: readonly ConfigView[], checks = masChecks): Finding[] {
  const out: Finding[] = [];
  for (const view of views) {
    for (const check of checks) {
      if (!check.appliesTo.includes(view.kind)) continue;
      const findings = check.run(view, views);
      for (const f of findings) expect(check.codes, `${check.id} emitted ${f.code}`).toContain(f.code);
      out.push(...findings);
    }
  }
  return out;
}

const lintText = (text: string, file: string) => runAll([viewFromYaml('mas', text, file)]);
const triples = (findings: readonly Finding[]) =>
  findings.map((f) => [f.code, f.location?.line, f.location?.column]);

describe('masChecks', () => {
  it('have unique ids, declare their codes, and only judge MAS documents', () => {
    const ids = masChecks.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const check of masChecks) {
      expect(check.id).toMatch(/^mas\/[a-z-]+$/);
      expect(check.codes.length).toBeGreaterThan(0);
      expect(check.appliesTo).toEqual(['mas']);
    }
    expect(createMasChecks({ isFragment: () => true }).map((c) => c.id)).toEqual(ids);
  });

  it('declare every code the brief assigns to MAS config linting', () => {
    expect(new Set(masChecks.flatMap((c) => c.codes))).toEqual(
      new Set([
        'mas-config-dialect',
        'mas-config-unknown-key',
        'mas-config-invalid',
        'mas-config-smart-quotes',
        'mas-public-base-default',
        'mas-provider-missing',
        'mapping-template-invalid',
        'mapping-localpart-invalid',
      ]),
    );
  });
});

/** Every fixture under test/fixtures/lint/mas with exactly the findings it must give. */
const EXPECTED: Record<string, [string, number, number][]> = {
  'clean-full-config.mas.yaml': [],
  'dialect-mixed-provider.mas.yaml': [
    ['mas-config-dialect', 10, 7],
    ['mas-config-invalid', 5, 7],
  ],
  'dialect-oidc-providers.mas.yaml': [
    ['mas-config-dialect', 3, 1],
    ['mas-provider-missing', 3, 1],
  ],
  'invalid-provider.mas.yaml': [
    ['mas-config-invalid', 9, 23], // discovery_mode: strict
    ['mas-config-invalid', 15, 14], // scope as a list
    ['mas-config-invalid', 4, 7], // lowercase id
    ['mas-config-invalid', 4, 7], // issuer required
    ['mas-config-invalid', 4, 7], // client_secret with none
    ['mas-config-invalid', 10, 7], // O in the id
    ['mas-config-invalid', 10, 7], // client_secret missing
    ['mas-config-invalid', 18, 9], // skip_confirmation needs require
    ['mas-config-invalid', 21, 9], // email must not be suggest
    ['mas-config-invalid', 18, 9], // on_conflict needs force or require
    ['mas-config-invalid', 14, 7], // HS256
    ['mas-config-invalid', 28, 7], // token_endpoint_auth_signing_alg missing
    ['mas-config-invalid', 23, 7], // duplicate id
    ['mas-config-invalid', 28, 7], // duplicate id
  ],
  'provider-missing.mas.yaml': [['mas-provider-missing', 13, 3]],
  'public-base-default.mas.yaml': [['mas-public-base-default', 13, 16]],
  'section-invalid.mas.yaml': [
    ['mas-config-invalid', 20, 5],
    ['mas-config-invalid', 21, 5],
    ['mas-config-invalid', 5, 7],
    ['mas-config-invalid', 17, 1],
    ['mas-config-invalid', 10, 3],
    ['mas-config-invalid', 12, 7],
    ['mas-config-invalid', 13, 1],
  ],
  'seed-fix-template.mas.yaml': [
    ['mas-config-dialect', 3, 1],
    ['mas-provider-missing', 3, 1],
  ],
  'smart-quotes.mas.yaml': [
    ['mas-config-smart-quotes', 6, 15],
    ['mas-config-smart-quotes', 7, 24],
    ['mas-config-smart-quotes', 8, 34],
  ],
  'template-invalid.mas.yaml': [
    ['mapping-template-invalid', 12, 36],
    ['mapping-template-invalid', 15, 30],
    ['mapping-template-invalid', 18, 25],
    ['mapping-template-invalid', 20, 45],
    ['mapping-localpart-invalid', 29, 21],
  ],
  'unknown-key.mas.yaml': [
    ['mas-config-unknown-key', 3, 1],
    ['mas-config-unknown-key', 13, 7],
    ['mas-config-unknown-key', 16, 7],
    ['mas-config-unknown-key', 24, 11],
  ],
};

describe('the MAS lint fixtures', () => {
  it('are all listed here', () => {
    expect(
      readdirSync(FIXTURES)
        .filter((f) => f.endsWith('.yaml'))
        .sort(),
    ).toEqual(Object.keys(EXPECTED).sort());
  });

  it('cover every code the MAS checks can emit', () => {
    const covered = new Set(Object.values(EXPECTED).flatMap((list) => list.map(([code]) => code)));
    for (const code of masChecks.flatMap((c) => c.codes)) expect(covered, code).toContain(code);
  });

  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`${name} gives exactly its findings, at their line and column`, () => {
      const findings = lintText(readFileSync(resolve(FIXTURES, name), 'utf8'), name);
      expect(triples(findings)).toEqual(expected);
      for (const f of findings) {
        expect(f.location?.file).toBe(name);
        expect(f.evidence.every((e) => e.source === 'mas-config' || e.source === 'file')).toBe(true);
        expect(f.fix?.summary).toBeTruthy();
      }
    });
  }
});

/** What shared/testdata/real-configs/README.md says a correct linter reports for each file. */
const REAL_EXPECTED: Record<string, string[]> = {
  'mas-docs-authentik-head.mas.yaml': [],
  'mas-docs-authentik-pre-af15767.mas.yaml': ['mas-config-unknown-key'],
  'mas-docs-azure-ad-head.mas.yaml': ['mas-config-invalid'],
};

describe('real upstream MAS configs (../shared/testdata/real-configs)', () => {
  const present = existsSync(REAL_CONFIGS);
  it.skipIf(!present)(
    `exist and are all covered${present ? '' : ' (skipped: ../shared/testdata/real-configs is absent)'}`,
    () => {
      expect(
        readdirSync(REAL_CONFIGS)
          .filter((f) => f.endsWith('.mas.yaml'))
          .sort(),
      ).toEqual(Object.keys(REAL_EXPECTED).sort());
    },
  );

  for (const [name, codes] of Object.entries(REAL_EXPECTED)) {
    it.skipIf(!present)(`${name}: ${codes.length ? codes.join(', ') : 'clean'}`, () => {
      const findings = lintText(readFileSync(resolve(REAL_CONFIGS, name), 'utf8'), name);
      expect(findings.map((f) => f.code)).toEqual(codes);
      if (name.includes('azure'))
        expect(findings[0]!.detail).toContain(
          'upstream_oauth2.providers.0: missing field `token_endpoint_auth_method`',
        );
      if (name.includes('pre-af15767')) expect(findings[0]!.detail).toContain('v0.13.0');
    });
  }
});

describe('secrets never reach a finding', () => {
  const CANARIES = [
    'CANARY-client-secret-1b2c',
    'CANARY-matrix-secret-3d4e',
    'CANARY-password-5f6a',
    'CANARY-keypem-7b8c',
    'CANARY-captcha-9d0e',
    'CANARY-dbpass-1f2a',
    'CANARY-dialect-3b4c',
    'CANARY-scheme-5d6e',
  ];
  const text = [
    'client_secret: CANARY-client-secret-1b2c', // top-level: unknown key
    'http:',
    '  public_base: "http://localhost:8080/"',
    'database:',
    '  uri: postgresql://mas:CANARY-dbpass-1f2a@db/mas',
    '  host: db',
    'email: {transport: smtp, username: u, password: CANARY-password-5f6a}',
    'secrets:',
    '  encryption: CANARY-keypem-7b8c',
    '  keys: [{kid: a, key: CANARY-keypem-7b8c, key_file: /k}]',
    'matrix:',
    '  secret: CANARY-matrix-secret-3d4e',
    '  secret_file: /s',
    'captcha: {service: recaptcha_v2, secret_key: 987654321}',
    'passwords: {schemes: [{version: 1, algorithm: argon2id, secret: CANARY-scheme-5d6e, secret_file: /p}]}',
    'upstream_oauth2:',
    '  providers:',
    '    - id: 01hfrqft5qfmjfgf01p7jav2me',
    '      client_id: x',
    '      client_secret: "CANARY-client-secret-1b2c\u00a0"',
    '      token_endpoint_auth_method: none',
    '      claims_imports: {localpart: {action: require, template: "{{ user.x"}}',
    '    - id: 01HFRQFT5QFMJFGF01P7JAV2ME',
    '      client_id: y',
    '      client_secret: [CANARY-captcha-9d0e]',
    '      token_endpoint_auth_method: client_secret_basic',
    'upstream_oauth2_config:',
    '  issuer: https://auth.example.com/application/o/matrix/',
    '  client_id: z',
    '  client_secret: CANARY-dialect-3b4c',
    '  user_mapping_provider: {config: {localpart_template: "{{ user.preferred_username }}"}}',
  ].join('\n');

  it('not in any field of any finding', () => {
    const findings = lintText(text, 'canary.yaml');
    expect(findings.length).toBeGreaterThan(10);
    const serialised = JSON.stringify(findings);
    for (const canary of CANARIES) expect(serialised, canary).not.toContain(canary);
    expect(serialised).not.toContain('987654321');
    expect(serialised).not.toContain('CANARY');
  });
});

describe('the MAS checks under random damage (fast-check)', () => {
  const fixtures = Object.keys(EXPECTED).map((name) => readFileSync(resolve(FIXTURES, name), 'utf8'));
  const parsedFixtures = fixtures.map((text) => viewFromYaml('mas', text).data);

  type Slot = { parent: Record<string, unknown> | unknown[]; key: string | number };
  const slotsOf = (root: unknown): Slot[] => {
    const out: Slot[] = [];
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach((v, i) => (out.push({ parent: node, key: i }), walk(v)));
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          out.push({ parent: node as Record<string, unknown>, key: k });
          walk(v);
        }
      }
    };
    walk(root);
    return out;
  };

  const nasty = fc.constantFrom(
    '\u201c',
    '\u201d',
    '\u2019',
    '\u200b',
    '\u00a0',
    '\ufeff',
    '\u202e',
    '{{',
    '{%',
    '}}',
    '|',
    ':',
    '\n',
    '${X}',
    '01HFRQFT5QFMJFGF01P7JAV2ME',
  );
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 12 }),
    nasty,
    fc.array(nasty, { maxLength: 4 }).map((a) => a.join('')),
  );
  const mutation = fc.record({
    op: fc.constantFrom('rename', 'delete', 'swap', 'insert', 'dialect'),
    pick: fc.nat(),
    at: fc.nat(),
    value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), text),
    text,
  });

  type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

  function mutate(root: unknown, m: Mutation): void {
    const slots = slotsOf(root);
    if (!slots.length) return;
    const { parent, key } = slots[m.pick % slots.length]!;
    const current = (parent as Record<string | number, unknown>)[key];
    switch (m.op) {
      case 'delete':
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key as string];
        return;
      case 'swap':
        (parent as Record<string | number, unknown>)[key] = m.value;
        return;
      case 'insert':
        if (typeof current === 'string')
          (parent as Record<string | number, unknown>)[key] =
            current.slice(0, m.at % (current.length + 1)) +
            m.text +
            current.slice(m.at % (current.length + 1));
        return;
      case 'rename':
      case 'dialect': {
        if (Array.isArray(parent)) return;
        const name =
          m.op === 'dialect'
            ? [
                'scopes',
                'user_mapping_provider',
                'oidc_providers',
                'idp_id',
                'localpart_template',
                'upstream_oauth2_config',
              ][m.at % 6]!
            : m.text;
        delete parent[key as string];
        parent[name] = current;
        return;
      }
    }
  }

  it('never throws, whatever the damage', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: parsedFixtures.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        (index, mutations, withSibling) => {
          const data = structuredClone(parsedFixtures[index]);
          for (const m of mutations) mutate(data, m);
          let yaml: string;
          let view: ConfigView;
          try {
            yaml = stringify(data);
            view = viewFromYaml('mas', yaml, 'fuzz.yaml');
          } catch {
            return; // not valid YAML any more: the loader's business, not the checks'
          }
          const views = withSibling
            ? [view, viewFromYaml('mas', fixtures[(index + 1) % fixtures.length]!, 'sibling.yaml')]
            : [view];
          const findings = runAll(views);
          for (const f of findings) {
            expect(typeof f.detail).toBe('string');
            expect(f.location === undefined || (f.location.line >= 1 && f.location.column >= 1)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws on documents that are not mappings at all', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (value) => {
        let view: ConfigView;
        try {
          view = viewFromYaml('mas', stringify(value) || 'null', 'fuzz.yaml');
        } catch {
          return;
        }
        runAll([view]);
      }),
      { numRuns: 200 },
    );
  });
});
