/**
 * Keeps `docs/codes/` and the finding-code registry in step: one page per code, no orphan
 * pages, frontmatter that agrees with the registry, a fixed set of H2 headings in a fixed order
 * ("Automatic repair" exactly when the code is repairable), `related` codes that exist and are
 * linked, and an index (README.md) that lists exactly the registry's codes under their hops.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CODES, HOPS, type CodeMeta } from '../../src/codes/registry.js';

const DOCS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'codes');
const INDEX = 'README.md';

const REQUIRED_H2 = [
  'What it means',
  'Why it happens',
  'How ssochain detects it',
  'How to fix',
  'Automatic repair',
  'Related',
] as const;

const registry = CODES as Record<string, CodeMeta>;
const codes = Object.keys(registry).sort();

interface Page {
  frontmatter: Record<string, unknown>;
  /** the lines after the frontmatter */
  raw: string[];
  /** the same lines, fenced code blocks blanked so their `#` lines are not taken for headings */
  lines: string[];
  body: string;
}

function read(name: string): string {
  return readFileSync(join(DOCS, name), 'utf8');
}

function blankFences(lines: string[]): string[] {
  let fence: string | null = null;
  return lines.map((line) => {
    const m = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fence === null && m) {
      fence = m[1]!;
      return '';
    }
    if (fence !== null) {
      if (line.trim().startsWith(fence)) fence = null;
      return '';
    }
    return line;
  });
}

function parsePage(text: string): Page {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(text);
  // a page without frontmatter gets an empty one, so the frontmatter test fails for that page
  // instead of the whole file failing to load
  const frontmatter = m ? ((parse(m[1]!) ?? {}) as Record<string, unknown>) : {};
  const body = m ? text.slice(m[0].length) : text;
  const raw = body.split('\n');
  return { frontmatter, body, raw, lines: blankFences(raw) };
}

function headings(lines: string[], level: number): string[] {
  const prefix = '#'.repeat(level) + ' ';
  return lines.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length).trim());
}

/** the raw text of one H2 section, up to the next H2 (headings found outside code fences) */
function section(page: Page, title: string): string {
  const start = page.lines.indexOf(`## ${title}`);
  if (start < 0) return '';
  const next = page.lines.findIndex((l, i) => i > start && l.startsWith('## '));
  return page.raw.slice(start + 1, next < 0 ? undefined : next).join('\n');
}

/** code pages linked as relative `(<code>.md)` links */
function linkedPages(text: string): string[] {
  return [...text.matchAll(/\]\(([a-z0-9-]+)\.md(?:#[^)]*)?\)/g)].map((m) => m[1]!);
}

const pageFiles = readdirSync(DOCS)
  .filter((f) => f.endsWith('.md') && f !== INDEX)
  .sort();
const pages = new Map(pageFiles.map((f) => [f.slice(0, -'.md'.length), parsePage(read(f))]));

describe('docs/codes pages and the code registry', () => {
  it('has a page for every registry code', () => {
    const missing = codes.filter((c) => !pages.has(c));
    expect(missing, `codes without docs/codes/<code>.md`).toEqual([]);
  });

  it('has no page for a code the registry does not know', () => {
    const orphans = [...pages.keys()].filter((p) => !(p in registry));
    expect(orphans, 'orphan pages in docs/codes').toEqual([]);
  });

  it('holds only Markdown files', () => {
    const others = readdirSync(DOCS).filter((f) => !f.endsWith('.md'));
    expect(others).toEqual([]);
  });

  describe.each(codes.filter((c) => pages.has(c)))('%s', (code) => {
    const meta = registry[code]!;
    const page = pages.get(code)!;

    it('has frontmatter equal to the registry', () => {
      const fm = page.frontmatter;
      expect(Object.keys(fm).sort()).toEqual(['code', 'hop', 'related', 'repairable', 'severity']);
      expect(fm.code).toBe(code);
      expect(fm.hop).toBe(meta.hop);
      expect(fm.severity).toBe(meta.severity);
      expect(fm.repairable).toBe(meta.repairable);
    });

    it('lists related codes that exist, once each, without itself', () => {
      const related = page.frontmatter.related;
      expect(Array.isArray(related), 'related must be a YAML list').toBe(true);
      const list = related as unknown[];
      expect(list.length).toBeGreaterThan(0);
      for (const r of list) {
        expect(typeof r).toBe('string');
        expect(String(r) in registry, `related code "${String(r)}" is not in the registry`).toBe(true);
      }
      expect(list).not.toContain(code);
      expect(new Set(list).size).toBe(list.length);
    });

    it('opens with the code as H1 and the registry title as its summary', () => {
      const content = page.lines.map((l) => l.trim()).filter((l) => l !== '');
      expect(content[0]).toBe(`# ${code}`);
      expect(content[1]).toBe(meta.title);
      expect(headings(page.lines, 1)).toEqual([code]);
    });

    it('has exactly the required H2 headings, in order', () => {
      const expected = REQUIRED_H2.filter((h) => h !== 'Automatic repair' || meta.repairable);
      expect(headings(page.lines, 2)).toEqual(expected);
    });

    it('fills every section', () => {
      for (const h of headings(page.lines, 2)) {
        const text = section(page, h).trim();
        expect(text.length, `section "${h}" is empty`).toBeGreaterThan(0);
      }
    });

    it('links exactly its related codes in the Related section', () => {
      const linked = new Set(linkedPages(section(page, 'Related')));
      expect([...linked].sort()).toEqual([...(page.frontmatter.related as string[])].sort());
    });

    it('links only to code pages that exist', () => {
      for (const target of linkedPages(page.body)) {
        expect(target in registry, `link to missing page ${target}.md`).toBe(true);
      }
    });

    if (meta.repairable) {
      it('says the repair is a dry-run by default, backed up and undoable', () => {
        const text = section(page, 'Automatic repair');
        expect(text).toMatch(/dry-run/i);
        expect(text).toContain('--apply');
        expect(text).toMatch(/back(ed)? ?up/i);
        expect(text).toContain('ssochain undo');
      });
    }

    it('contains nothing that looks like a real credential', () => {
      const text = read(`${code}.md`);
      expect(text).not.toMatch(/AGE-SECRET-KEY-(PQ-)?1[0-9A-Z]{20,}/);
      expect(text).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
      expect(text).not.toMatch(/\b(syt|mct|mat|mar)_[A-Za-z0-9_]{16,}/);
      expect(text).not.toMatch(/\bak-[A-Za-z0-9]{30,}/);
    });
  });
});

describe('docs/codes/README.md index', () => {
  const lines = blankFences(read(INDEX).split('\n'));

  interface Row {
    hop: string | null;
    code: string;
    target: string;
    severity: string;
    repairable: string;
    title: string;
  }

  const rows: Row[] = [];
  const hopHeadings: string[] = [];
  let hop: string | null = null;
  for (const line of lines) {
    if (line.startsWith('## ')) {
      hop = line.slice(3).trim();
      hopHeadings.push(hop);
      continue;
    }
    const cells = line
      .trim()
      .replace(/^\||\|$/g, '')
      .split('|')
      .map((c) => c.trim());
    const link = /^\[`?([a-z0-9-]+)`?\]\(([a-z0-9-]+)\.md\)$/.exec(cells[0] ?? '');
    if (!line.trim().startsWith('|') || !link) continue;
    rows.push({
      hop,
      code: link[1]!,
      target: link[2]!,
      severity: cells[1] ?? '',
      repairable: cells[2] ?? '',
      title: (cells[3] ?? '').replace(/\\(.)/g, '$1'),
    });
  }

  it('links every row to the page of its code', () => {
    for (const row of rows) expect(row.target, row.code).toBe(row.code);
  });

  it('lists exactly the registry codes, once each', () => {
    const listed = rows.map((r) => r.code);
    expect(new Set(listed).size, 'a code is listed twice').toBe(listed.length);
    expect([...listed].sort()).toEqual(codes);
  });

  it('groups the codes by hop, in chain order', () => {
    const used = HOPS.filter((h) => codes.some((c) => registry[c]!.hop === h));
    expect(hopHeadings).toEqual(used);
    for (const row of rows) expect(row.hop, row.code).toBe(registry[row.code]?.hop);
  });

  it('shows the registry severity, repairability and title', () => {
    for (const row of rows) {
      const meta = registry[row.code];
      if (!meta) continue;
      expect(row.severity, row.code).toBe(meta.severity);
      expect(row.repairable, row.code).toBe(meta.repairable ? 'R' : '');
      expect(row.title, row.code).toBe(meta.title);
    }
  });
});
