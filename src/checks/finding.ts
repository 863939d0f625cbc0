import { CODES, docsUrl, type FindingCode } from '../codes/registry.js';
import type { Evidence, Finding, Fix, Location } from '../report/types.js';

export interface FindingInput {
  subject: string;
  detail: string;
  evidence?: Evidence[];
  fix?: Omit<Fix, 'docs' | 'repair'> & { docs?: string; repair?: string | null };
  location?: Location;
  /** overrides the registry title when a check has a sharper one-liner for this case */
  title?: string;
}

/** Builds a finding whose hop, severity and default title come from the code registry. */
export function makeFinding(code: FindingCode, input: FindingInput): Finding {
  const meta = CODES[code];
  const finding: Finding = {
    code,
    severity: meta.severity,
    hop: meta.hop,
    subject: input.subject,
    title: input.title ?? meta.title,
    detail: input.detail,
    evidence: input.evidence ?? [],
  };
  if (input.fix) {
    finding.fix = {
      summary: input.fix.summary,
      ...(input.fix.snippet !== undefined ? { snippet: input.fix.snippet } : {}),
      docs: input.fix.docs ?? docsUrl(code),
      repair: input.fix.repair ?? null,
    };
  }
  if (input.location) finding.location = input.location;
  return finding;
}
