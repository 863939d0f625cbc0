import type { Finding } from '../../report/types.js';
import { subjectFor, type ConfigView, type PathSeg } from '../../sources/files/config-view.js';
import { makeFinding } from '../finding.js';
import type { LintCheck } from '../lint-check.js';
import { getAt, isRecord, masPath, providerEntries } from './config-data.js';
import { locationWithin } from './scalar-column.js';
import { containsSuspectCharacter } from './smart-quotes.js';
import {
  compileTemplate,
  FOREIGN_FILTER_HINTS,
  MAS_TEMPLATE_FILTERS,
  MAS_TEMPLATE_FUNCTIONS,
  MAS_TEMPLATE_TESTS,
} from './template-engine.js';

/** Variables MAS puts in a claims template's context (template.rs `AttributeMappingContext`). */
const CLAIMS_CONTEXT = ['user', 'id_token_claims', 'userinfo_claims', 'extra_callback_parameters'];
/** Variables of an `additional_authorization_parameters` template. */
const AUTHORIZE_CONTEXT = ['params', 'logged_out'];

// prettier-ignore
const KEYWORDS = new Set([
  'and', 'or', 'not', 'in', 'is', 'if', 'else', 'elif', 'endif', 'for', 'endfor', 'true', 'false', 'none', 'True', 'False', 'None',
  'loop', 'set', 'endset', 'with', 'endwith', 'macro', 'endmacro', 'call', 'endcall', 'filter', 'endfilter', 'block', 'endblock', 'raw',
  'endraw', 'self', 'super', 'caller', 'varargs', 'kwargs', 'recursive', 'as', 'import', 'from', 'include', 'extends', 'do', 'continue',
  'break', 'autoescape', 'endautoescape',
]);

interface TemplateRef {
  path: PathSeg[];
  template: string;
  context: readonly string[];
  /** the localpart, with the action it is imported with */
  localpartAction?: string;
}

function templatesOf(view: ConfigView): TemplateRef[] {
  const out: TemplateRef[] = [];
  for (const { path, provider } of providerEntries(view.data)) {
    const claims = provider.claims_imports;
    if (isRecord(claims)) {
      for (const attr of ['subject', 'localpart', 'displayname', 'email', 'account_name']) {
        const template = getAt(claims, [attr, 'template']);
        if (typeof template !== 'string') continue;
        const action = getAt(claims, [attr, 'action']);
        out.push({
          path: [...path, 'claims_imports', attr, 'template'],
          template,
          context: CLAIMS_CONTEXT,
          ...(attr === 'localpart'
            ? { localpartAction: typeof action === 'string' ? action : 'ignore' }
            : {}),
        });
      }
    }
    const params = provider.additional_authorization_parameters;
    if (isRecord(params)) {
      for (const [name, template] of Object.entries(params)) {
        if (typeof template === 'string')
          out.push({
            path: [...path, 'additional_authorization_parameters', name],
            template,
            context: AUTHORIZE_CONTEXT,
          });
      }
    }
  }
  return out;
}

interface Block {
  kind: 'expr' | 'stmt';
  body: string;
  offset: number;
}

/** The `{{ … }}` and `{% … %}` blocks of a template, comments and raw sections left out. */
function blocksOf(template: string): Block[] {
  const out: Block[] = [];
  const withoutRaw = template.replace(/\{%-?\s*raw\s*-?%\}[\s\S]*?\{%-?\s*endraw\s*-?%\}/g, (m) =>
    ' '.repeat(m.length),
  );
  const re = /\{#[\s\S]*?#\}|\{\{([\s\S]*?)\}\}|\{%([\s\S]*?)%\}/g;
  for (const m of withoutRaw.matchAll(re)) {
    if (m[1] !== undefined) out.push({ kind: 'expr', body: m[1], offset: m.index! + 2 });
    else if (m[2] !== undefined) out.push({ kind: 'stmt', body: m[2], offset: m.index! + 2 });
  }
  return out;
}

/** Replaces string literals by spaces of the same length, so positions stay valid. */
function blankStrings(body: string): string {
  return body.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, (m) => ' '.repeat(m.length));
}

interface NameProblem {
  message: string;
  hint?: string;
  offset: number;
}

/** Filters, tests and functions MAS's MiniJinja environment does not have. */
function unknownNames(template: string): NameProblem[] {
  const out: NameProblem[] = [];
  const blocks = blocksOf(template);
  const macros = new Set<string>();
  for (const b of blocks)
    for (const m of blankStrings(b.body).matchAll(/\bmacro\s+([A-Za-z_]\w*)/g)) macros.add(m[1]!);
  for (const b of blocks) {
    const body = blankStrings(b.body);
    for (const m of body.matchAll(/\|\s*([A-Za-z_]\w*)/g)) {
      const name = m[1]!;
      if (!MAS_TEMPLATE_FILTERS.has(name))
        out.push({
          message: `unknown filter: filter ${name} is unknown`,
          hint: FOREIGN_FILTER_HINTS[name],
          offset: b.offset + m.index!,
        });
    }
    for (const m of body.matchAll(/\bis\s+(?:not\s+)?([A-Za-z_]\w*)/g)) {
      const name = m[1]!;
      if (!MAS_TEMPLATE_TESTS.has(name))
        out.push({ message: `unknown test: test ${name} is unknown`, offset: b.offset + m.index! });
    }
    for (const m of body.matchAll(/(?<!\w)([A-Za-z_]\w*)\s*\(/g)) {
      const name = m[1]!;
      const before = body.slice(0, m.index);
      // a method (`.split(`), or a filter or test with arguments (`| split('@')`, `is divisibleby(3)`)
      if (/[.|]\s*$/.test(before) || /\bis\s+(?:not\s+)?$/.test(before)) continue;
      if (KEYWORDS.has(name) || macros.has(name) || MAS_TEMPLATE_FUNCTIONS.has(name)) continue;
      out.push({ message: `unknown function: ${name} is unknown`, offset: b.offset + m.index! });
    }
  }
  return out;
}

/**
 * Root variables a template reads, when that is certain: only `{{ … }}` blocks, and only in a
 * template without statements (a `{% set %}` or `{% for %}` may define names).
 */
function rootVariables(template: string): string[] | undefined {
  const blocks = blocksOf(template);
  if (blocks.some((b) => b.kind === 'stmt')) return undefined;
  const names = new Set<string>();
  for (const b of blocks) {
    const body = blankStrings(b.body);
    for (const m of body.matchAll(/[A-Za-z_]\w*/g)) {
      const name = m[0];
      const before = body.slice(0, m.index);
      const after = body.slice(m.index! + name.length);
      if (/[.|]\s*$/.test(before) || /\bis\s+(?:not\s+)?$/.test(before)) continue; // attribute, filter, test
      if (/^\s*\(/.test(after) || /^\s*=(?!=)/.test(after)) continue; // call or keyword argument
      if (KEYWORDS.has(name) || /^\d/.test(name)) continue;
      names.add(name);
    }
  }
  return [...names];
}

/** MAS's localpart policy (policies/register/register.rego): the characters a localpart may have. */
const LOCALPART_CHARS = /^[a-z0-9.=_/+-]*$/;

/** What the template always outputs outside `{{ … }}`, when it has no statements. */
function literalText(template: string): string | undefined {
  if (/\{%/.test(template)) return undefined;
  return template.replace(/\{#[\s\S]*?#\}/g, '').replace(/\{\{[\s\S]*?\}\}/g, '');
}

function localpartProblem(template: string): string | undefined {
  const literal = literalText(template);
  if (literal === undefined) return undefined;
  const dynamic = /\{\{/.test(template);
  if (!LOCALPART_CHARS.test(literal)) {
    const bad = [...new Set([...literal].filter((c) => !LOCALPART_CHARS.test(c)))]
      .map((c) => JSON.stringify(c))
      .join(', ');
    return `its fixed text contains ${bad}, and MAS's policy allows only a-z, 0-9 and . = _ / + - in a localpart ("username contains invalid characters")`;
  }
  if (!dynamic && literal === '') return 'it is empty ("username too short")';
  if (!dynamic && /^\d+$/.test(literal))
    return 'it is all digits ("username must contain at least one non-numeric character")';
  if (!dynamic) return undefined; // a constant but valid localpart: a collision problem, not this one
  return undefined;
}

/**
 * Templates in `claims_imports.*.template` and `additional_authorization_parameters`. MAS only
 * renders them when someone signs in, so a syntax error, a Synapse-only filter
 * (`localpart_from_email`) or a variable MAS does not provide surfaces as a failed sign-in
 * (`Template … could not be rendered` / `rendered to an empty string`). Each template is
 * compiled with the real MiniJinja, configured like MAS, and its filters, tests and functions
 * are checked against MAS's environment. A localpart template whose fixed text already breaks
 * MAS's username policy can never produce a valid localpart (`mapping-localpart-invalid`).
 */
export function runClaimsTemplatesCheck(view: ConfigView): Finding[] {
  const out: Finding[] = [];
  for (const ref of templatesOf(view)) {
    const where = masPath(ref.path);
    const start = view.locate(ref.path, 'value');
    const at = (offset: number | undefined) =>
      offset === undefined ? start : locationWithin(start, ref.template, offset, view.encrypted);
    const report = (message: string, offset: number | undefined, explanation: string) =>
      out.push(
        makeFinding('mapping-template-invalid', {
          subject: subjectFor(view),
          detail: `${where}: ${message}. ${explanation}`,
          evidence: [{ source: 'mas-config', excerpt: `${where}: ${JSON.stringify(ref.template)}` }],
          fix: {
            summary: 'Correct the template (MiniJinja syntax, as MAS renders it).',
            snippet: `template: ${JSON.stringify(ref.template)}`,
          },
          location: at(offset),
        }),
      );

    const error = compileTemplate(where, ref.template);
    if (error) {
      // curly quotes break the syntax; mas/smart-quotes already says so, with the cleaned value
      if (!containsSuspectCharacter(ref.template)) {
        report(
          error.message,
          error.offset,
          'MAS renders this template at every sign-in through this provider, and every render fails: a required attribute stops the sign-in, an optional one is silently skipped.',
        );
      }
      continue;
    }
    for (const problem of unknownNames(ref.template)) {
      report(
        problem.message,
        problem.offset,
        `MAS's MiniJinja environment has no such name, so rendering fails at sign-in.${problem.hint ? ` ${problem.hint}` : ''}`,
      );
    }
    const roots = rootVariables(ref.template);
    if (roots && roots.length && !roots.some((r) => ref.context.includes(r))) {
      const first = roots[0]!;
      report(
        `references \`${first}\`, which MAS does not provide`,
        ref.template.indexOf(first),
        `MAS gives this template ${ref.context.map((c) => `\`${c}\``).join(', ')}; an unknown name renders as an empty string${
          ref.context === CLAIMS_CONTEXT
            ? `, so the result is always empty (did you mean \`user.${first}\`?)`
            : ''
        }.`,
      );
    }
    if (ref.localpartAction === 'require' || ref.localpartAction === 'force') {
      const problem = localpartProblem(ref.template);
      if (problem) {
        out.push(
          makeFinding('mapping-localpart-invalid', {
            subject: subjectFor(view),
            detail: `${where} can only produce invalid localparts: ${problem}. Every sign-in through this provider ends on MAS's "Policy error" page.`,
            evidence: [{ source: 'mas-config', excerpt: `${where}: ${JSON.stringify(ref.template)}` }],
            fix: {
              summary:
                'Build the localpart from a claim and keep only allowed characters, e.g. "{{ user.preferred_username | lower }}".',
              snippet: 'template: "{{ user.preferred_username | lower }}"',
            },
            location: start,
          }),
        );
      }
    }
  }
  return out;
}

export const masClaimsTemplates: LintCheck = {
  id: 'mas/claims-templates',
  codes: ['mapping-template-invalid', 'mapping-localpart-invalid'],
  appliesTo: ['mas'],
  run: (view) => runClaimsTemplatesCheck(view),
};
