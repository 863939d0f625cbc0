import pc from 'picocolors';
import type { ChainLink, Finding, HopStatus, Report } from './types.js';
import type { RenderContext } from './render.js';

type Colors = ReturnType<typeof pc.createColors>;

const STATUS_MARK: Record<HopStatus, string> = { ok: '✔', broken: '✘', degraded: '!', unknown: '?' };

function statusColor(c: Colors, status: HopStatus): (s: string) => string {
  return status === 'ok' ? c.green : status === 'broken' ? c.red : status === 'degraded' ? c.yellow : c.dim;
}

function severityLabel(c: Colors, f: Finding): string {
  const label = f.severity.padEnd(5);
  return f.severity === 'error'
    ? c.red(c.bold(label))
    : f.severity === 'warn'
      ? c.yellow(label)
      : c.cyan(label);
}

export function drawChain(c: Colors, chain: ChainLink[]): string {
  return chain
    .map((link) => statusColor(c, link.status)(`${STATUS_MARK[link.status]} ${link.hop}`))
    .join(c.dim(' ── '));
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => (l.length ? prefix + l : l))
    .join('\n');
}

export function renderText(report: Report, ctx: RenderContext): string {
  const c = pc.createColors(ctx.color);
  const out: string[] = [];
  out.push(drawChain(c, report.chain));
  out.push('');
  // read top-down: the causes first, then warnings, then what follows from a cause, then notes
  const rank = (f: Finding) =>
    f.consequenceOf ? 2 : f.severity === 'error' ? 0 : f.severity === 'warn' ? 1 : 3;
  const ordered = report.findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i);
  for (const { f } of ordered) {
    const where = f.location ? `${f.location.file}:${f.location.line}:${f.location.column}` : f.subject;
    out.push(`${severityLabel(c, f)} ${c.bold(f.code)}  ${c.dim(where)}`);
    out.push(
      indent(f.title + (f.consequenceOf ? c.dim(` (follows from ${f.consequenceOf})`) : ''), '      '),
    );
    if (f.detail) out.push(indent(c.dim(f.detail), '      '));
    for (const e of f.evidence.slice(0, 5))
      out.push(indent(`${c.dim(`[${e.source}]`)} ${e.excerpt}`, '      '));
    if (f.fix) {
      out.push(indent(`${c.green('fix:')} ${f.fix.summary}`, '      '));
      // a consequence's fix is its cause's fix: shown once, with the cause
      if (f.fix.snippet && !f.consequenceOf)
        out.push(indent(c.green(f.fix.snippet.replace(/\n$/, '')), '        '));
    }
    out.push('');
  }
  const counts = { error: 0, warn: 0, info: 0 };
  for (const f of report.findings) counts[f.severity]++;
  const verdictColor = report.verdict.ok ? c.green : c.red;
  out.push(verdictColor(c.bold(report.verdict.summary)));
  out.push(c.dim(`${counts.error} error(s), ${counts.warn} warning(s), ${counts.info} note(s)`));
  for (const s of report.sources.filter((s) => s.status !== 'ok')) {
    out.push(c.dim(`source ${s.name}: ${s.status}${s.reason ? ` (${s.reason})` : ''}`));
  }
  return out.join('\n') + '\n';
}
