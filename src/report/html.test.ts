import { describe, expect, it } from 'vitest';
import { makeFinding } from '../checks/finding.js';
import { buildReport } from '../diagnosis/build-report.js';
import { renderHtml } from './html.js';

describe('html report', () => {
  it('is self-contained, draws every hop, marks the broken one, and escapes what it shows', () => {
    const report = buildReport([
      makeFinding('mas-config-dialect', {
        subject: 'file/<script>alert(1)</script>',
        detail: 'a "quoted" <b>detail</b>',
        evidence: [{ source: 'file', excerpt: 'upstream_oauth2_config: {}' }],
        fix: { summary: 'translate', snippet: 'upstream_oauth2:\n  providers: []' },
      }),
    ]);
    const html = renderHtml(report);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|src="http|href="http[^"]*\.css/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<svg');
    for (const hop of ['authentik', 'oidc', 'mapping', 'mas', 'synapse', 'client', 'lifecycle', 'platform']) {
      expect(html).toContain(`data-hop="${hop}"`);
    }
    expect(html).toMatch(/class="hop hop-broken" data-hop="mas"/);
    expect(html).toContain('The chain breaks at mas');
  });
});
