import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { fixture, runCli } from '../helpers/cli.js';

function listFixtures(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? listFixtures(p) : /\.ya?ml$/.test(name) ? [p] : [];
  });
}

const FIXTURES = listFixtures(fixture('lint')).map((p) => ({
  name: path.basename(p),
  text: readFileSync(p, 'utf8'),
}));
const workDir = mkdtempSync(path.join(tmpdir(), 'ssochain-fuzz-'));

/** Text-level damage of the kinds real files suffer: lost lines, bad indentation, pasted junk. */
const textMutation = fc.oneof(
  fc.record({ kind: fc.constant('delete-line' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate-line' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('indent' as const), at: fc.nat(), by: fc.integer({ min: -4, max: 4 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.constantFrom(
      '“',
      '”',
      '\u200b',
      '\u00a0',
      ': [',
      '{{',
      '- ',
      '&a',
      '*a',
      '!!binary',
      '\t',
      '#',
      '"',
      "'",
      '%',
      '\ufeff',
      '---\n',
    ),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

interface TextMutation {
  kind: string;
  at: number;
  by?: number;
  text?: string;
}

function applyText(text: string, m: TextMutation): string {
  const lines = text.split('\n');
  const i = m.at % Math.max(1, lines.length);
  switch (m.kind) {
    case 'delete-line':
      lines.splice(i, 1);
      return lines.join('\n');
    case 'duplicate-line':
      lines.splice(i, 0, lines[i] ?? '');
      return lines.join('\n');
    case 'indent': {
      const by = m.by ?? 0;
      lines[i] =
        by >= 0
          ? ' '.repeat(by) + (lines[i] ?? '')
          : (lines[i] ?? '').replace(new RegExp(`^ {0,${-by}}`), '');
      return lines.join('\n');
    }
    case 'insert': {
      const at = m.at % Math.max(1, text.length);
      return text.slice(0, at) + (m.text ?? '') + text.slice(at);
    }
    default:
      return text.slice(0, m.at % Math.max(1, text.length));
  }
}

/** Structure-level damage: keys renamed, values swapped for other types. */
const valueArb = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string(), { maxKeys: 3 }),
);

function mutateTree(node: unknown, picks: number[], replacement: unknown): unknown {
  if (picks.length === 0 || node === null || typeof node !== 'object') return replacement;
  const [pick, ...rest] = picks;
  if (Array.isArray(node)) {
    if (node.length === 0) return replacement;
    const copy = [...node];
    const i = pick! % copy.length;
    copy[i] = mutateTree(copy[i], rest, replacement);
    return copy;
  }
  const entries = Object.entries(node as Record<string, unknown>);
  if (entries.length === 0) return replacement;
  const i = pick! % entries.length;
  entries[i] = [
    rest.length === 0 && pick! % 2 ? `${entries[i]![0]}_x` : entries[i]![0],
    mutateTree(entries[i]![1], rest, replacement),
  ];
  return Object.fromEntries(entries);
}

async function assertWellBehaved(text: string, name: string) {
  const p = path.join(workDir, name);
  writeFileSync(p, text);
  for (const output of ['json', 'text']) {
    const run = await runCli(['lint', '--output', output, p]);
    expect([0, 1, 2]).toContain(run.code);
    expect(run.stderr).not.toMatch(/internal error|a check failed|\n\s+at /);
    if (run.code === 2) {
      expect(run.stdout).toBe('');
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(run.stderr).toContain(name);
    } else if (output === 'json') {
      expect(() => JSON.parse(run.stdout)).not.toThrow();
    }
  }
}

describe('lint under random damage to the fixtures (fast-check)', () => {
  it('text mutations: only exit 0/1/2, no crash, no stack trace', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...FIXTURES),
        fc.array(textMutation, { minLength: 1, maxLength: 4 }),
        async (fx, mutations) => {
          const text = mutations.reduce((t, m) => applyText(t, m), fx.text);
          await assertWellBehaved(text, `text-${fx.name}`);
        },
      ),
      { numRuns: 120, seed: 20261128 },
    );
  });

  it('structure mutations: renamed keys and swapped value types never crash a check', async () => {
    const parseable = FIXTURES.filter((f) => {
      try {
        return typeof parse(f.text) === 'object';
      } catch {
        return false;
      }
    });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...parseable),
        fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
        valueArb,
        async (fx, picks, value) => {
          const tree = mutateTree(parse(fx.text), picks, value);
          await assertWellBehaved(stringify(tree ?? {}), `tree-${fx.name}`);
        },
      ),
      { numRuns: 120, seed: 42 },
    );
  });
});
