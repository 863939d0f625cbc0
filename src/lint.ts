import type { Hop } from './codes/registry.js';
import { LINT_CHECKS } from './checks/lint-checks.js';
import type { LintCheck } from './checks/lint-check.js';
import { collectSecretValues } from './checks/util.js';
import { buildReport } from './diagnosis/build-report.js';
import { redactFindings } from './report/redact.js';
import type { Finding, Report } from './report/types.js';
import { Redactor } from './snapshot/secret.js';
import type { ConfigView } from './sources/files/config-view.js';
import { loadConfigFile, loadConfigText, type LoadedInput, type SopsAdapter } from './sources/files/load.js';

export interface LintOptions {
  sops?: SopsAdapter;
  checks?: readonly LintCheck[];
  maxBytes?: number;
}

export interface LintResult {
  report: Report;
  notes: string[];
  /** checks that threw: recorded, never fatal */
  errors: string[];
}

/** Runs every check on the views of all inputs together (so cross-file checks can pair them). */
export function runLintChecks(
  views: readonly ConfigView[],
  checks: readonly LintCheck[] = LINT_CHECKS,
): { findings: Finding[]; errors: string[] } {
  const findings: Finding[] = [];
  const errors: string[] = [];
  for (const view of views) {
    for (const check of checks) {
      if (!check.appliesTo.includes(view.kind)) continue;
      try {
        findings.push(...check.run(view, views));
      } catch (err) {
        errors.push(`[${check.id}] ${(err as Error)?.message ?? String(err)}`);
      }
    }
  }
  return { findings, errors };
}

/** The report for what lint could see: hops no file speaks about stay unknown, never a false ok. */
export function lintReport(inputs: readonly LoadedInput[], checks?: readonly LintCheck[]): LintResult {
  const views = inputs.flatMap((i) => i.views);
  const { findings, errors } = runLintChecks(views, checks);
  const all = [...inputs.flatMap((i) => i.findings), ...findings];
  const redactor = new Redactor();
  for (const view of views) for (const value of collectSecretValues(view.data)) redactor.add(value);
  const observed = new Set<Hop>(['platform']);
  if (views.some((v) => v.kind === 'mas')) ['mas', 'mapping'].forEach((h) => observed.add(h as Hop));
  if (views.some((v) => v.kind === 'synapse')) observed.add('synapse');
  if (views.some((v) => v.kind === 'ess-values')) observed.add('mas');
  const unknownHops = (
    ['authentik', 'oidc', 'mapping', 'mas', 'synapse', 'client', 'lifecycle'] as Hop[]
  ).filter((h) => !observed.has(h));
  const report = buildReport(redactFindings(all, redactor), {
    unknownHops,
    summaryWhenOk: `No problems found in ${inputs.length} file(s).`,
  });
  return { report, notes: inputs.flatMap((i) => i.notes), errors };
}

/** Lints files on disk: the library face of `ssochain lint`. */
export async function lintFiles(paths: readonly string[], options: LintOptions = {}): Promise<LintResult> {
  const inputs: LoadedInput[] = [];
  for (const path of paths)
    inputs.push(await loadConfigFile(path, { sops: options.sops, maxBytes: options.maxBytes }));
  return lintReport(inputs, options.checks);
}

/** Lints text already in memory (stdin, an editor buffer, a decrypted GitOps file). */
export async function lintText(text: string, name: string, options: LintOptions = {}): Promise<LintResult> {
  return lintReport([await loadConfigText(text, name, { sops: options.sops })], options.checks);
}
