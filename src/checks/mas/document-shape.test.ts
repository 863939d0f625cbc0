import { describe, expect, it } from 'vitest';
import { viewFromYaml } from '../../sources/files/parse-yaml.js';
import { defaultIsFragment, isMasFragment } from './document-shape.js';

describe('fragment detection', () => {
  const whole = 'secrets: {encryption_file: /e}\nmatrix: {secret_file: /s}';

  it('judges a document with secrets and matrix as whole, anything less as a fragment', () => {
    const a = viewFromYaml('mas', whole);
    const b = viewFromYaml('mas', 'upstream_oauth2: {providers: []}');
    const c = viewFromYaml('mas', 'http: {public_base: "https://x/"}\nmatrix: {secret: x}');
    expect([a, b, c].map((v) => defaultIsFragment(v, [v]))).toEqual([false, true, true]);
  });

  it('believes the loader and ESS placement over the content', () => {
    const flagged = viewFromYaml('mas', whole);
    Object.assign(flagged, { fragment: true });
    const ess = viewFromYaml('mas', whole);
    Object.assign(ess, { via: ['matrixAuthenticationService.additional.0-custom.config'] });
    expect(defaultIsFragment(flagged, [flagged])).toBe(true);
    expect(defaultIsFragment(ess, [ess])).toBe(true);
  });

  it('lets the caller decide', () => {
    const v = viewFromYaml('mas', whole);
    expect(isMasFragment(v, [v], { isFragment: () => true })).toBe(true);
  });
});
