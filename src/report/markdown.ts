import type { Report } from './types.js';

const MARK = { ok: '✅', broken: '❌', degraded: '⚠️', unknown: '❔' } as const;

function fence(text: string, lang = ''): string {
  // a fence longer than any backtick run inside keeps pasted evidence intact
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const f = '`'.repeat(longest + 1);
  return `${f}${lang}\n${text.replace(/\n$/, '')}\n${f}`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Paste-ready for a forum or issue: already redacted, nothing in it depends on the terminal. */
export function renderMarkdown(report: Report): string {
  const out: string[] = [];
  out.push(`### ssochain ${report.tool.version}: ${report.verdict.summary}`);
  out.push('');
  out.push(report.chain.map((l) => `${MARK[l.status]} ${l.hop}`).join(' → '));
  out.push('');
  if (report.findings.length) {
    out.push('| severity | code | where | finding |');
    out.push('|---|---|---|---|');
    for (const f of report.findings) {
      const where = f.location ? `${f.location.file}:${f.location.line}:${f.location.column}` : f.subject;
      out.push(`| ${f.severity} | \`${f.code}\` | ${cell(where)} | ${cell(f.title)} |`);
    }
    out.push('');
    for (const f of report.findings) {
      out.push(`<details><summary><code>${f.code}</code> — ${cell(f.title)}</summary>`);
      out.push('');
      out.push(f.detail);
      for (const e of f.evidence) {
        out.push('');
        out.push(`Evidence (${e.source}):`);
        out.push(fence(e.excerpt));
      }
      if (f.fix) {
        out.push('');
        out.push(`**Fix:** ${f.fix.summary}${f.fix.docs ? ` ([docs](${f.fix.docs}))` : ''}`);
        if (f.fix.snippet) out.push(fence(f.fix.snippet, 'yaml'));
      }
      out.push('');
      out.push('</details>');
      out.push('');
    }
  }
  if (report.sources.length) {
    out.push('| source | status | ms |');
    out.push('|---|---|---|');
    for (const s of report.sources) out.push(`| ${s.name} | ${s.status} | ${s.ms} |`);
    out.push('');
  }
  return out.join('\n');
}
