import { MAS_KNOWN_MISTAKES, MAS_REMOVED_KEYS } from '../../knowledge/mas-config-history.js';
import {
  keysFor,
  masKeyPlaces,
  masRootType,
  resolveMasType,
  type MasType,
} from '../../knowledge/mas-schema.js';
import type { Finding } from '../../report/types.js';
import { subjectFor, type ConfigView, type PathSeg } from '../../sources/files/config-view.js';
import { makeFinding } from '../finding.js';
import type { LintCheck } from '../lint-check.js';
import { isRecord, masPath } from './config-data.js';
import { dialectKeyPaths, findDialectBlocks, isCoveredBy } from './dialect-blocks.js';
import { closestWord } from './did-you-mean.js';
import { describeValue } from './secret-values.js';

/** The schema place of a path: list indexes become `[]` (`upstream_oauth2.providers[].claims_imports`). */
export function schemaPlace(path: readonly PathSeg[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? '[]' : out ? `.${seg}` : seg;
  return out;
}

function placeLabel(place: string): string {
  return place === '' ? 'the top level' : `\`${place}\``;
}

interface UnknownKey {
  path: PathSeg[];
  key: string;
  place: string;
  allowed: string[];
  value: unknown;
}

function explain(u: UnknownKey): { detail: string; summary: string; repair: string } {
  const where = placeLabel(u.place);
  const removed = MAS_REMOVED_KEYS.find((r) => r.key === u.key && r.place === u.place);
  if (removed) {
    return {
      detail: `\`${u.key}\` in ${where} was removed from MAS in ${removed.removedIn}. ${removed.note} MAS ignores unknown keys without a warning, so the setting has had no effect since.`,
      summary: `Delete \`${masPath(u.path)}\`.`,
      repair: 'mas-remove-key',
    };
  }
  const mistake = MAS_KNOWN_MISTAKES.find((m) => m.key === u.key && (m.place === '*' || m.place === u.place));
  if (mistake) {
    return {
      detail: `MAS does not know \`${u.key}\` in ${where}. ${mistake.note}`,
      summary: `Use \`${mistake.meant}\` instead of \`${masPath(u.path)}\`.`,
      repair: 'mas-rename-key',
    };
  }
  const suggestion = closestWord(u.key, u.allowed);
  const elsewhere = (masKeyPlaces().get(u.key) ?? []).filter((p) => p !== u.place);
  const silently = 'MAS ignores unknown keys without a warning, so this setting has no effect.';
  if (suggestion) {
    return {
      detail: `MAS does not know \`${u.key}\` in ${where}; did you mean \`${suggestion}\`? ${silently}`,
      summary: `Rename \`${masPath(u.path)}\` to \`${suggestion}\`.`,
      repair: 'mas-rename-key',
    };
  }
  if (elsewhere.length) {
    const places = elsewhere.slice(0, 3).map(placeLabel).join(', ');
    return {
      detail: `MAS does not read \`${u.key}\` in ${where}; it is a key of ${places}${elsewhere.length > 3 ? ' (and more)' : ''}. ${silently}`,
      summary: `Move \`${u.key}\` to where MAS reads it (${places}), or delete it.`,
      repair: 'mas-move-key',
    };
  }
  const known = u.allowed.length
    ? ` Keys MAS reads here: ${u.allowed.map((k) => `\`${k}\``).join(', ')}.`
    : '';
  return {
    detail: `MAS does not know \`${u.key}\` in ${where}. ${silently}${known}`,
    summary: `Delete \`${masPath(u.path)}\`, or check the MAS configuration reference for the intended key.`,
    repair: 'mas-remove-key',
  };
}

/** Every key of the document MAS would not read, walking the tree along MAS's schema. */
export function findUnknownKeys(data: unknown): UnknownKey[] {
  const covered = dialectKeyPaths(findDialectBlocks(data));
  const out: UnknownKey[] = [];
  const walk = (value: unknown, type: MasType, path: PathSeg[]): void => {
    if (isCoveredBy(path, covered)) return;
    const resolved = resolveMasType(type);
    if (resolved.t === 'any') return;
    if (Array.isArray(value)) {
      if (resolved.t === 'array') value.forEach((item, i) => walk(item, resolved.items, [...path, i]));
      return;
    }
    if (!isRecord(value)) return;
    if (resolved.t === 'map') {
      for (const [key, child] of Object.entries(value)) walk(child, resolved.values, [...path, key]);
      return;
    }
    // a mapping where MAS expects something else is a type error, reported by the schema check
    const keys = keysFor(resolved, value);
    if (!keys) return;
    for (const [key, child] of Object.entries(value)) {
      const childPath = [...path, key];
      if (isCoveredBy(childPath, covered)) continue;
      const childType = keys[key];
      if (childType) walk(child, childType, childPath);
      else
        out.push({
          path: childPath,
          key,
          place: schemaPlace(path),
          allowed: Object.keys(keys),
          value: child,
        });
    }
  };
  walk(data, masRootType(), []);
  return out;
}

/**
 * Keys MAS does not know, checked against MAS's own schema everywhere in the tree. MAS has no
 * `deny_unknown_fields`, so a typo (`claim_imports`) or a key removed years ago
 * (`set_email_verification`) is dropped without a word; this check is the only place it shows.
 * Synapse-dialect keys are left to `mas/dialect`, which explains them better.
 */
export function runUnknownKeysCheck(view: ConfigView): Finding[] {
  return findUnknownKeys(view.data).map((u) => {
    const { detail, summary, repair } = explain(u);
    return makeFinding('mas-config-unknown-key', {
      subject: subjectFor(view),
      detail,
      evidence: [{ source: 'mas-config', excerpt: `${masPath(u.path)}: ${describeValue(u.path, u.value)}` }],
      fix: { summary, repair },
      location: view.locate(u.path, 'key'),
    });
  });
}

export const masUnknownKeys: LintCheck = {
  id: 'mas/unknown-keys',
  codes: ['mas-config-unknown-key'],
  appliesTo: ['mas'],
  run: (view) => runUnknownKeysCheck(view),
};
