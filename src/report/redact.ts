import type { Redactor } from '../snapshot/secret.js';
import type { Finding } from './types.js';

/** Passes every text of every finding through the redactor: the last guard before output. */
export function redactFindings(findings: readonly Finding[], redactor: Redactor): Finding[] {
  const r = (s: string) => redactor.redact(s);
  return findings.map((f) => ({
    ...f,
    subject: r(f.subject),
    title: r(f.title),
    detail: r(f.detail),
    evidence: f.evidence.map((e) => ({ ...e, excerpt: r(e.excerpt) })),
    ...(f.fix
      ? {
          fix: {
            ...f.fix,
            summary: r(f.fix.summary),
            ...(f.fix.snippet !== undefined ? { snippet: r(f.fix.snippet) } : {}),
          },
        }
      : {}),
  }));
}
