import { stringify } from 'yaml';
import { makeFinding } from '../finding.js';
import type { LintCheck } from '../lint-check.js';
import type { Finding } from '../../report/types.js';
import { formatPath, subjectFor, type ConfigView, type PathSeg } from '../../sources/files/config-view.js';
import { ESS_VALUES_KEYS, MAS_DIALECT_ROOT_KEYS, MAS_ROOT_KEYS } from '../../sources/files/detect.js';
import { isRecord, maskSecrets } from '../util.js';

const MAS = 'matrixAuthenticationService';
/** keys people put under matrixAuthenticationService expecting the chart to pass them to MAS */
const GUESSED_CONFIG_KEYS = new Set(['config', 'extraConfig', 'configOverrides', 'mas_config', 'masConfig']);

function isMasConfigKey(key: string): boolean {
  return MAS_ROOT_KEYS.has(key) || MAS_DIALECT_ROOT_KEYS.has(key) || key === 'oidc_providers';
}

function wrapSnippet(name: string, config: Record<string, unknown>): string {
  const inner = stringify(maskSecrets(config));
  return stringify({ [MAS]: { additional: { [name]: { config: inner } } } }, { blockQuote: 'literal' });
}

function misplaced(view: ConfigView, path: PathSeg[], detail: string, snippet?: string): Finding {
  return makeFinding('mas-config-misplaced', {
    subject: subjectFor(view),
    detail,
    evidence: [{ source: 'file', excerpt: formatPath(path) }],
    fix: {
      summary: `Move it under ${MAS}.additional.<name>.config as a YAML string (or into a Secret referenced by configSecret + configSecretKey); the chart ignores it where it is now.`,
      ...(snippet ? { snippet } : {}),
      repair: 'ess-move-mas-config',
    },
    location: view.locate(path),
  });
}

/**
 * The ESS chart only hands MAS what sits in `matrixAuthenticationService.additional.<name>`
 * (`config` as a string, or `configSecret` + `configSecretKey`). MAS keys anywhere else in the
 * values are dropped without a word, which is how a provider "configured in Git" never reaches MAS.
 */
export const essMasPlacement: LintCheck = {
  id: 'ess/mas-placement',
  codes: ['mas-config-misplaced'],
  appliesTo: ['ess-values'],
  run(view, all) {
    const out: Finding[] = [];
    const values = view.data;
    if (!isRecord(values)) return out;
    const rootStray = Object.keys(values).filter((k) => isMasConfigKey(k) && !ESS_VALUES_KEYS.has(k));
    for (const key of rootStray) {
      out.push(
        misplaced(
          view,
          [key],
          `"${key}" is MAS configuration at the top level of the ESS values; the chart does not read it there, so MAS never sees it.`,
          wrapSnippet('custom', { [key]: values[key] }),
        ),
      );
    }
    const mas = values[MAS];
    if (isRecord(mas)) {
      const stray = Object.keys(mas).filter((k) => isMasConfigKey(k) || GUESSED_CONFIG_KEYS.has(k));
      for (const key of stray) {
        const content =
          GUESSED_CONFIG_KEYS.has(key) && isRecord(mas[key])
            ? (mas[key] as Record<string, unknown>)
            : { [key]: mas[key] };
        out.push(
          misplaced(
            view,
            [MAS, key],
            `${MAS}.${key} is not a chart setting: the chart only passes ${MAS}.additional.<name>.config (or configSecret) to MAS, so this is ignored.`,
            typeof mas[key] === 'string' ? undefined : wrapSnippet('custom', content),
          ),
        );
      }
      const additional = mas.additional;
      if (additional !== undefined && !isRecord(additional)) {
        out.push(
          misplaced(
            view,
            [MAS, 'additional'],
            `${MAS}.additional must be a mapping of names to { config } or { configSecret, configSecretKey }.`,
          ),
        );
      } else if (isRecord(additional)) {
        for (const [name, entry] of Object.entries(additional)) {
          const base: PathSeg[] = [MAS, 'additional', name];
          if (!isRecord(entry)) {
            out.push(
              misplaced(
                view,
                base,
                `${formatPath(base)} must be a mapping with config (a string) or configSecret + configSecretKey.`,
              ),
            );
            continue;
          }
          if (isRecord(entry.config)) {
            out.push(
              misplaced(
                view,
                [...base, 'config'],
                `${formatPath([...base, 'config'])} is a YAML mapping, but the chart expects a string holding the MAS config file (use "config: |").`,
                wrapSnippet(name, entry.config),
              ),
            );
          }
          const strayInEntry = Object.keys(entry).filter(isMasConfigKey);
          if (strayInEntry.length) {
            const content = Object.fromEntries(strayInEntry.map((k) => [k, entry[k]]));
            out.push(
              misplaced(
                view,
                [...base, strayInEntry[0]!],
                `${strayInEntry.join(', ')} sit directly in ${formatPath(base)}; the chart only reads its config string or configSecret.`,
                wrapSnippet(name, content),
              ),
            );
          }
          if (entry.configSecret !== undefined && entry.configSecretKey === undefined) {
            out.push(
              misplaced(
                view,
                [...base, 'configSecret'],
                `${formatPath(base)} names configSecret but no configSecretKey, so the chart cannot tell which key of the Secret holds the config.`,
              ),
            );
          }
          if (entry.config === undefined && entry.configSecret === undefined && strayInEntry.length === 0) {
            out.push(
              misplaced(
                view,
                base,
                `${formatPath(base)} has neither config nor configSecret, so it adds nothing to the MAS config.`,
              ),
            );
          }
        }
      }
    }
    // a MAS config handed to Synapse (or the reverse) through `additional`
    for (const other of all) {
      if (other.file !== view.file || other.via.length <= view.via.length) continue;
      if (!view.via.every((v, i) => other.via[i] === v)) continue;
      const last = other.via[other.via.length - 1] ?? '';
      if (other.kind === 'mas' && last.startsWith('synapse.additional.')) {
        const name = last.split('.')[2] ?? 'custom';
        out.push(
          misplaced(
            view,
            ['synapse', 'additional', name, 'config'],
            `synapse.additional.${name}.config holds MAS configuration; it is merged into homeserver.yaml, where Synapse ignores or rejects it.`,
            isRecord(other.data) ? wrapSnippet(name, other.data) : undefined,
          ),
        );
      }
    }
    return out;
  },
};
