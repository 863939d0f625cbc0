import { describe, expect, it } from 'vitest';
import { viewFromYaml } from '../../sources/files/parse-yaml.js';
import { publicBaseProblem, runPublicBaseCheck } from './public-base.js';

const WHOLE = 'secrets: {encryption_file: /e}\nmatrix: {secret_file: /s}\n';
const check = (text: string) => {
  const view = viewFromYaml('mas', text, 'mas.yaml');
  return runPublicBaseCheck(view, [view]);
};

describe('mas/public-base', () => {
  it('reports a whole config without http: MAS advertises http://[::]:8080/', () => {
    const [f] = check(WHOLE);
    expect(f!.code).toBe('mas-public-base-default');
    expect(f!.detail).toContain('http://[::]:8080/');
    expect(f!.detail).toContain('#5379');
  });

  it('reports an http section without public_base with MAS’s error', () => {
    const [f] = check(`${WHOLE}http:\n  listeners: []\n`);
    expect(f!.detail).toContain('http: missing field `public_base`');
    expect(f!.location).toMatchObject({ line: 3, column: 1 });
  });

  it('points at the value of an unusable public_base, once when the issuer repeats it', () => {
    const findings = check(`${WHOLE}http:\n  public_base: http://[::]:8080/\n  issuer: http://[::]:8080/\n`);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.location).toMatchObject({ line: 4, column: 16 });
    expect(findings[0]!.detail).toContain('http.issuer repeats it');
  });

  it('judges the issuer separately when it differs', () => {
    const findings = check(
      `${WHOLE}http:\n  public_base: https://auth.example.com/\n  issuer: http://localhost:8080/\n`,
    );
    expect(findings.map((f) => f.location?.line)).toEqual([5]);
  });

  it('stays quiet on fragments and on a good public https URL', () => {
    expect(check('upstream_oauth2: {providers: []}')).toEqual([]);
    expect(check(`${WHOLE}http: {public_base: "https://auth.example.com/"}`)).toEqual([]);
    expect(check(`${WHOLE}http: {public_base: "http://auth.example.com/"}`)).toEqual([]);
  });
});

describe('publicBaseProblem', () => {
  it.each([
    ['http://0.0.0.0:8080/', /listening address/],
    ['http://127.0.0.2/', /this machine/],
    ['https://mas.localhost/', /this machine/],
    ['ftp://auth.example.com/', /scheme is `ftp`/],
    ['https://u:p@auth.example.com/', /credentials/],
    ['https://auth.example.com/?a=b', /query/],
    ['https://auth.example.com/#x', /fragment/],
    ['auth.example.com', /not an absolute URL/],
  ])('%s', (value, expected) => {
    expect(publicBaseProblem(value)?.problem).toMatch(expected);
  });

  it('only notes plain http to a real host', () => {
    expect(publicBaseProblem('http://auth.example.com/')).toEqual({
      warning: expect.stringContaining('https'),
    });
    expect(publicBaseProblem('https://auth.example.com/mas/')).toBeUndefined();
  });
});
