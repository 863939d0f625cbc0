import { CHAIN_HOPS, HOPS, SEVERITIES, type Hop, type Severity } from '../codes/registry.js';
import type { ChainLink, Finding, HopStatus, Report, SourceReport } from '../report/types.js';
import { VERSION } from '../version.js';
import { markConsequences } from './consequences.js';

const severityRank: Record<Severity, number> = { error: 0, warn: 1, info: 2 };
const hopRank = Object.fromEntries(HOPS.map((h, i) => [h, i])) as Record<Hop, number>;

export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      hopRank[a.hop] - hopRank[b.hop] ||
      severityRank[a.severity] - severityRank[b.severity] ||
      (a.location?.file ?? '').localeCompare(b.location?.file ?? '') ||
      (a.location?.line ?? 0) - (b.location?.line ?? 0) ||
      (a.location?.column ?? 0) - (b.location?.column ?? 0) ||
      a.code.localeCompare(b.code) ||
      a.subject.localeCompare(b.subject),
  );
}

export interface BuildReportOptions {
  sources?: SourceReport[];
  /** hops that no source could observe: reported as unknown rather than a false ok */
  unknownHops?: readonly Hop[];
  /** hops to leave out of the chain entirely (e.g. lint sees no runtime hops) */
  hops?: readonly Hop[];
  summaryWhenOk?: string;
}

/**
 * A hop is broken by its own errors. Errors that only follow from a cause elsewhere leave it
 * degraded, so the verdict points at the cause (a default public_base breaks the redirect URI
 * Authentik sees, but the link to fix is MAS).
 */
function hopStatus(findings: Finding[], unknown: boolean): HopStatus {
  const primary = findings.filter((f) => !f.consequenceOf);
  if (primary.some((f) => f.severity === 'error')) return 'broken';
  if (findings.some((f) => f.severity === 'error' || f.severity === 'warn')) return 'degraded';
  if (unknown) return 'unknown';
  return 'ok';
}

/** Orders findings along the chain, computes each hop's status and the one-sentence verdict. */
export function buildReport(findings: readonly Finding[], options: BuildReportOptions = {}): Report {
  const sorted = sortFindings(markConsequences(findings));
  const hops = options.hops ?? HOPS;
  const chain: ChainLink[] = hops.map((hop) => {
    const own = sorted.filter((f) => f.hop === hop);
    return {
      hop,
      status: hopStatus(own, options.unknownHops?.includes(hop) ?? false),
      findings: [...new Set(own.map((f) => f.code))],
    };
  });
  const chainProper = chain.filter((l) => (CHAIN_HOPS as readonly Hop[]).includes(l.hop));
  const firstBroken = chainProper.find((l) => l.status === 'broken') ?? null;
  const besideBroken = chain.find(
    (l) => !(CHAIN_HOPS as readonly Hop[]).includes(l.hop) && l.status === 'broken',
  );
  const brokenLink = firstBroken?.hop ?? null;
  let summary: string;
  if (firstBroken) {
    const lead = sorted.find((f) => f.hop === firstBroken.hop && f.severity === 'error' && !f.consequenceOf);
    summary = `The chain breaks at ${firstBroken.hop}: ${lead ? lead.title.replace(/\.$/, '') : 'see the findings'}.`;
  } else if (besideBroken) {
    const lead = sorted.find((f) => f.hop === besideBroken.hop && f.severity === 'error');
    summary = `No chain link is broken, but ${besideBroken.hop} is: ${lead ? lead.title.replace(/\.$/, '') : 'see the findings'}.`;
  } else {
    const unknown = chainProper.filter((l) => l.status === 'unknown').map((l) => l.hop);
    const caveat = unknown.length ? ` (${unknown.join(', ')} could not be checked)` : '';
    if (sorted.some((f) => f.severity === 'warn'))
      summary = `No link is broken${caveat}; some warnings deserve a look.`;
    else
      summary =
        unknown.length && !options.summaryWhenOk
          ? `No broken link found, but ${unknown.join(', ')} could not be checked.`
          : (options.summaryWhenOk ?? 'Every link of the chain looks healthy.');
  }
  return {
    tool: { name: 'ssochain', version: VERSION },
    verdict: { ok: !firstBroken && !besideBroken, brokenLink, summary },
    chain,
    findings: sorted,
    sources: options.sources ?? [],
  };
}

export type FailOn = Severity | 'never';
export const FAIL_ON_VALUES: readonly FailOn[] = [...SEVERITIES, 'never'];

/** Exit code 1 when any finding is at or above the threshold, else 0. */
export function exitCodeFor(report: Report, failOn: FailOn): 0 | 1 {
  if (failOn === 'never') return 0;
  const limit = severityRank[failOn];
  return report.findings.some((f) => severityRank[f.severity] <= limit) ? 1 : 0;
}
