import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { viewFromYaml } from '../../sources/files/parse-yaml.js';
import { cleanValue, runSmartQuotesCheck } from './smart-quotes.js';

const check = (text: string) => {
  const view = viewFromYaml('mas', text, 'mas.yaml');
  return runSmartQuotesCheck(view);
};

describe('mas/smart-quotes', () => {
  const findings = check(
    readFileSync(
      resolve(import.meta.dirname, '../../../test/fixtures/lint/mas/smart-quotes.mas.yaml'),
      'utf8',
    ),
  );

  it('points at the exact column of the first suspect character', () => {
    expect(findings.map((f) => [f.location?.line, f.location?.column])).toEqual([
      [6, 15],
      [7, 24],
      [8, 34],
    ]);
  });

  it('shows the cleaned value, and makes invisible characters visible in the evidence', () => {
    expect(findings[0]!.fix?.snippet).toBe('issuer: "https://auth.example.com/application/o/matrix/"');
    expect(findings[1]!.evidence[0]!.excerpt).toContain('matrix\\u200B-client');
    expect(findings[1]!.fix?.snippet).toBe('client_id: "matrix-client"');
  });

  it('never shows a credential, only where the character is', () => {
    expect(findings[2]!.detail).toContain('no-break space (U+00A0) (at character 13)');
    expect(findings[2]!.fix?.snippet).toBeUndefined();
    expect(JSON.stringify(findings)).not.toContain('canary-smart');
  });

  it('allows typographic apostrophes and quotes in prose such as a button label', () => {
    expect(
      check(
        'upstream_oauth2: {providers: [{human_name: "Bob’s „Login“"}]}\nbranding: {service_name: "«Chat»"}',
      ),
    ).toEqual([]);
    expect(check('branding: {service_name: "Chat\u200b"}')).toHaveLength(1);
  });

  it('checks keys too', () => {
    const [f] = check('upstream_oauth2:\n  prov\u200biders: []');
    expect(f!.detail).toContain('The key `upstream_oauth2.prov');
    expect(f!.location).toMatchObject({ line: 2, column: 7 });
  });

  it('keeps the scalar start when the position inside it is uncertain (escapes, several lines)', () => {
    const findings = check('a: "say \\"x\u201c\\""\nb: |\n  multi\n  line\u00a0\n');
    expect(findings.map((f) => f.location)).toMatchObject([
      { line: 1, column: 4 },
      { line: 2, column: 4 },
    ]);
  });
});

describe('cleanValue', () => {
  it('drops quotes around the whole value and straightens the rest', () => {
    expect(cleanValue('\u201chttps://x/\u201d')).toBe('https://x/');
    expect(cleanValue('it\u2019s \u201cok\u201d')).toBe('it\'s "ok"');
    expect(cleanValue('a\u00a0b\u200bc\ufeff')).toBe('a bc');
  });
});
