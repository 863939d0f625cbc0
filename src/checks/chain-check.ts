import type { FindingCode } from '../codes/registry.js';
import type { Finding } from '../report/types.js';
import type { ChainSnapshot } from '../snapshot/types.js';

/**
 * A check over a live chain's snapshot. Pure: no I/O, no clock (use `snap.takenAt`), no
 * randomness. It may only emit the codes it declares. When a part it needs was not fetched,
 * it reports nothing (the hop then shows as unknown through the source's status).
 */
export interface ChainCheck {
  id: string;
  codes: readonly FindingCode[];
  run(snap: ChainSnapshot): Finding[];
}

/** Runs checks, isolating failures: a throwing check is recorded and the rest still run. */
export function runChainChecks(
  snap: ChainSnapshot,
  checks: readonly ChainCheck[],
): { findings: Finding[]; errors: string[] } {
  const findings: Finding[] = [];
  const errors: string[] = [];
  for (const check of checks) {
    try {
      const out = check.run(snap);
      for (const f of out) {
        if (!check.codes.includes(f.code)) {
          errors.push(`[${check.id}] emitted ${f.code}, which it does not declare`);
          continue;
        }
        findings.push(f);
      }
    } catch (err) {
      errors.push(`[${check.id}] ${(err as Error)?.message ?? String(err)}`);
    }
  }
  return { findings, errors };
}
