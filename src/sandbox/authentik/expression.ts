/**
 * A small interpreter for the Python expressions Authentik stores in scope mappings and
 * expression policies. Authentik runs them in a Python sandbox; the emulator understands the
 * subset that the default mappings and typical repair mappings use:
 *
 *   - statements: `return <expr>` and `ak_message(<expr>)`, comments, blank lines;
 *   - literals: strings, numbers, True/False/None, dicts, lists;
 *   - `request.user` / `user` with attribute access, `.get(key, default)` on dicts,
 *     `.all()`, `.lower()`, `.upper()`, `.strip()`, `.split(sep)`;
 *   - list comprehensions `[g.name for g in request.user.ak_groups.all()]`;
 *   - `ak_is_group_member(user, name="...")`, `==`, `!=`, `in`, `not in`, `not`, `and`, `or`.
 *
 * Anything else raises `UnsupportedExpression`; the caller then records what Authentik would
 * (a `property_mapping_exception` / `policy_exception` event) and says in the sandbox log that
 * the emulator, not the expression, is the limit.
 */
export class UnsupportedExpression extends Error {}

export interface ExprUser {
  pk: number;
  uid: string;
  uuid: string;
  username: string;
  name: string;
  email: string;
  is_active: boolean;
  is_superuser: boolean;
  type: string;
  path: string;
  attributes: Record<string, unknown>;
  groups: { name: string; attributes: Record<string, unknown>; pk: string; is_superuser: boolean }[];
}

export interface EvalResult {
  value: unknown;
  messages: string[];
}

type Token = { kind: 'str' | 'num' | 'name' | 'op'; value: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (/\s/.test(c)) {
      if (c === '\n') out.push({ kind: 'op', value: '\n' });
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const triple = src.slice(i, i + 3) === c.repeat(3);
      const q = triple ? c.repeat(3) : c;
      let j = i + q.length;
      let s = '';
      while (j < src.length && src.slice(j, j + q.length) !== q) {
        if (src[j] === '\\' && j + 1 < src.length) {
          const n = src[j + 1]!;
          s += n === 'n' ? '\n' : n === 't' ? '\t' : n;
          j += 2;
        } else s += src[j++];
      }
      if (j >= src.length) throw new UnsupportedExpression('unterminated string');
      out.push({ kind: 'str', value: s });
      i = j + q.length;
      continue;
    }
    const num = /^\d+(\.\d+)?/.exec(src.slice(i));
    if (num) {
      out.push({ kind: 'num', value: num[0] });
      i += num[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (name) {
      out.push({ kind: 'name', value: name[0] });
      i += name[0].length;
      continue;
    }
    const op = /^(==|!=|[{}[\](),:.=])/.exec(src.slice(i));
    if (op) {
      out.push({ kind: 'op', value: op[0] });
      i += op[0].length;
      continue;
    }
    throw new UnsupportedExpression(`unexpected character '${c}'`);
  }
  return out;
}

class PyObject {
  constructor(readonly attrs: Record<string, unknown>) {}
}
class Method {
  constructor(
    readonly self: unknown,
    readonly name: string,
  ) {}
}
class Builtin {
  constructor(readonly name: string) {}
}

function userObject(u: ExprUser): PyObject {
  const groups = u.groups.map((g) => new PyObject({ ...g }));
  return new PyObject({
    ...u,
    ak_groups: new PyObject({ __all: groups }),
    groups: new PyObject({ __all: groups }),
  });
}

class Parser {
  private pos = 0;
  private depth = 0;
  private scopes: Record<string, unknown>[];
  constructor(
    private readonly tokens: Token[],
    root: Record<string, unknown>,
    private readonly messages: string[],
  ) {
    this.scopes = [root];
  }

  private peek(): Token | undefined {
    let p = this.pos;
    if (this.depth > 0) while (this.tokens[p]?.value === '\n' && this.tokens[p]?.kind === 'op') p++;
    return this.tokens[p];
  }
  private next(): Token {
    if (this.depth > 0)
      while (this.tokens[this.pos]?.value === '\n' && this.tokens[this.pos]?.kind === 'op') this.pos++;
    const t = this.tokens[this.pos++];
    if (!t) throw new UnsupportedExpression('unexpected end of expression');
    return t;
  }
  private accept(value: string): boolean {
    if (this.peek()?.value === value && this.peek()?.kind !== 'str') {
      this.next();
      return true;
    }
    return false;
  }
  private expect(value: string): void {
    const t = this.next();
    if (t.value !== value || t.kind === 'str') throw new UnsupportedExpression(`expected '${value}'`);
  }

  /** statements until `return` */
  program(): unknown {
    for (;;) {
      while (this.tokens[this.pos]?.kind === 'op' && this.tokens[this.pos]?.value === '\n') this.pos++;
      const t = this.tokens[this.pos];
      if (!t) throw new UnsupportedExpression('no return statement');
      if (t.kind === 'name' && t.value === 'return') {
        this.pos++;
        return this.expression();
      }
      this.expression();
      const after = this.tokens[this.pos];
      if (after && !(after.kind === 'op' && after.value === '\n'))
        throw new UnsupportedExpression('only `return` and `ak_message(...)` statements are understood');
    }
  }

  expression(): unknown {
    let left = this.andExpr();
    while (this.peek()?.kind === 'name' && this.peek()?.value === 'or') {
      this.next();
      const right = this.andExpr();
      left = truthy(left) ? left : right;
    }
    return left;
  }
  private andExpr(): unknown {
    let left = this.notExpr();
    while (this.peek()?.kind === 'name' && this.peek()?.value === 'and') {
      this.next();
      const right = this.notExpr();
      left = truthy(left) ? right : left;
    }
    return left;
  }
  private notExpr(): unknown {
    if (this.peek()?.kind === 'name' && this.peek()?.value === 'not') {
      this.next();
      return !truthy(this.notExpr());
    }
    return this.comparison();
  }
  private comparison(): unknown {
    const left = this.postfix();
    const t = this.peek();
    if (t?.kind === 'op' && (t.value === '==' || t.value === '!=')) {
      this.next();
      const right = this.postfix();
      const eq = JSON.stringify(plain(left)) === JSON.stringify(plain(right));
      return t.value === '==' ? eq : !eq;
    }
    if (t?.kind === 'name' && (t.value === 'in' || t.value === 'not')) {
      this.next();
      if (t.value === 'not') {
        const n = this.next();
        if (n.value !== 'in') throw new UnsupportedExpression("expected 'in'");
      }
      const right = plain(this.postfix());
      const found = Array.isArray(right)
        ? right.some((x) => JSON.stringify(x) === JSON.stringify(plain(left)))
        : typeof right === 'string'
          ? right.includes(String(left))
          : typeof right === 'object' && right !== null && String(left) in right;
      return t.value === 'in' ? found : !found;
    }
    return left;
  }
  private postfix(): unknown {
    let value = this.atom();
    for (;;) {
      if (this.accept('.')) {
        const name = this.next();
        if (name.kind !== 'name') throw new UnsupportedExpression('expected an attribute name');
        value = getAttr(value, name.value);
      } else if (this.peek()?.value === '(' && this.peek()?.kind === 'op') {
        value = this.call(value);
      } else if (this.peek()?.value === '[' && this.peek()?.kind === 'op') {
        this.next();
        this.depth++;
        const key = this.expression();
        this.expect(']');
        this.depth--;
        const obj = plain(value) as Record<string, unknown> | unknown[];
        value = Array.isArray(obj) ? obj[Number(key)] : (obj as Record<string, unknown>)?.[String(key)];
        if (value === undefined) throw new UnsupportedExpression(`KeyError: ${String(key)}`);
      } else return value;
    }
  }
  private call(fn: unknown): unknown {
    this.expect('(');
    this.depth++;
    const args: unknown[] = [];
    const kwargs: Record<string, unknown> = {};
    while (!this.accept(')')) {
      const t = this.peek();
      const ahead = this.tokens.slice(this.pos).filter((x) => !(x.kind === 'op' && x.value === '\n'));
      if (t?.kind === 'name' && ahead[1]?.kind === 'op' && ahead[1].value === '=') {
        this.next();
        this.expect('=');
        kwargs[t.value] = this.expression();
      } else args.push(this.expression());
      if (!this.accept(',')) {
        this.expect(')');
        break;
      }
    }
    this.depth--;
    return invoke(fn, args, kwargs, this.messages);
  }
  private atom(): unknown {
    const t = this.next();
    if (t.kind === 'str') {
      let s = t.value;
      while (this.peek()?.kind === 'str') s += this.next().value;
      return s;
    }
    if (t.kind === 'num') return Number(t.value);
    if (t.kind === 'name') {
      if (t.value === 'True') return true;
      if (t.value === 'False') return false;
      if (t.value === 'None') return null;
      for (let i = this.scopes.length - 1; i >= 0; i--)
        if (t.value in this.scopes[i]!) return this.scopes[i]![t.value];
      throw new UnsupportedExpression(`unknown name '${t.value}'`);
    }
    if (t.value === '(') {
      this.depth++;
      const v = this.expression();
      this.expect(')');
      this.depth--;
      return v;
    }
    if (t.value === '{') {
      this.depth++;
      const out: Record<string, unknown> = {};
      while (!this.accept('}')) {
        const key = this.expression();
        this.expect(':');
        out[String(key)] = plain(this.expression());
        if (!this.accept(',')) {
          this.expect('}');
          break;
        }
      }
      this.depth--;
      return out;
    }
    if (t.value === '[') {
      this.depth++;
      if (this.accept(']')) {
        this.depth--;
        return [];
      }
      const start = this.pos;
      const first = this.tryComprehension(start);
      if (first !== undefined) {
        this.depth--;
        return first;
      }
      const out: unknown[] = [plain(this.expression())];
      while (this.accept(',')) {
        if (this.peek()?.value === ']') break;
        out.push(plain(this.expression()));
      }
      this.expect(']');
      this.depth--;
      return out;
    }
    throw new UnsupportedExpression(`unexpected '${t.value}'`);
  }
  /** `[<expr> for <name> in <iterable>]`, evaluated per item */
  private tryComprehension(start: number): unknown[] | undefined {
    let depth = 0;
    let forAt = -1;
    for (let i = start; i < this.tokens.length; i++) {
      const t = this.tokens[i]!;
      if (t.kind === 'op' && '([{'.includes(t.value)) depth++;
      if (t.kind === 'op' && ')]}'.includes(t.value)) {
        if (depth === 0) break;
        depth--;
      }
      if (depth === 0 && t.kind === 'name' && t.value === 'for') {
        forAt = i;
        break;
      }
    }
    if (forAt < 0) return undefined;
    const varTok = this.tokens[forAt + 1];
    if (varTok?.kind !== 'name' || this.tokens[forAt + 2]?.value !== 'in')
      throw new UnsupportedExpression('unsupported comprehension');
    this.pos = forAt + 3;
    const iterable = plainIterable(this.expression());
    this.expect(']');
    const end = this.pos;
    const out: unknown[] = [];
    for (const item of iterable) {
      this.scopes.push({ [varTok.value]: item });
      this.pos = start;
      out.push(plain(this.expression()));
      this.scopes.pop();
    }
    this.pos = end;
    return out;
  }
}

function truthy(v: unknown): boolean {
  const p = plain(v);
  if (Array.isArray(p)) return p.length > 0;
  if (p && typeof p === 'object') return Object.keys(p).length > 0;
  return Boolean(p);
}

function getAttr(value: unknown, name: string): unknown {
  if (value instanceof PyObject) {
    if (name in value.attrs && name !== '__all') return value.attrs[name];
    if (name === 'all' && '__all' in value.attrs) return new Method(value, name);
    throw new UnsupportedExpression(`object has no attribute '${name}'`);
  }
  if (typeof value === 'string' && ['lower', 'upper', 'strip', 'split'].includes(name))
    return new Method(value, name);
  if (value && typeof value === 'object' && !Array.isArray(value) && ['get', 'keys', 'values'].includes(name))
    return new Method(value, name);
  throw new UnsupportedExpression(`attribute '${name}' is not understood by the emulator`);
}

function invoke(fn: unknown, args: unknown[], kwargs: Record<string, unknown>, messages: string[]): unknown {
  if (fn instanceof Method) {
    const self = fn.self;
    switch (fn.name) {
      case 'all':
        return (self as PyObject).attrs.__all;
      case 'lower':
        return (self as string).toLowerCase();
      case 'upper':
        return (self as string).toUpperCase();
      case 'strip':
        return (self as string).trim();
      case 'split':
        return args.length ? (self as string).split(String(args[0])) : (self as string).trim().split(/\s+/);
      case 'get': {
        const obj = self as Record<string, unknown>;
        const key = String(args[0]);
        return key in obj ? obj[key] : (args[1] ?? null);
      }
      case 'keys':
        return Object.keys(self as object);
      case 'values':
        return Object.values(self as object);
    }
  }
  if (fn instanceof Builtin) {
    if (fn.name === 'ak_message') {
      messages.push(String(plain(args[0])));
      return null;
    }
    if (fn.name === 'ak_is_group_member') {
      const user = args[0] as PyObject;
      const groups = ((user?.attrs.ak_groups as PyObject)?.attrs.__all ?? []) as PyObject[];
      const wanted = kwargs.name ?? args[1];
      return groups.some((g) => g.attrs.name === wanted);
    }
    if (fn.name === 'str') return String(plain(args[0]));
    if (fn.name === 'bool') return truthy(args[0]);
  }
  throw new UnsupportedExpression('call not understood by the emulator');
}

function plain(v: unknown): unknown {
  if (v instanceof PyObject) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v.attrs)) if (!(x instanceof PyObject) && k !== '__all') out[k] = x;
    return out;
  }
  return v;
}

function plainIterable(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  throw new UnsupportedExpression('can only iterate over lists');
}

/** Evaluates an expression for a user; returns the returned value and any `ak_message`s. */
export function evaluate(expression: string, user: ExprUser): EvalResult {
  const messages: string[] = [];
  const u = userObject(user);
  const root: Record<string, unknown> = {
    request: new PyObject({ user: u, context: {} }),
    user: u,
    ak_message: new Builtin('ak_message'),
    ak_is_group_member: new Builtin('ak_is_group_member'),
    str: new Builtin('str'),
    bool: new Builtin('bool'),
  };
  const parser = new Parser(tokenize(expression), root, messages);
  return { value: plain(parser.program()), messages };
}

/** The emulator-only `claims:` form of a scope mapping: `$user.<field>`, `$groups`, literals. */
export function resolveClaimsTemplate(
  template: Record<string, unknown>,
  user: ExprUser,
): Record<string, unknown> {
  const resolve = (v: unknown): unknown => {
    if (typeof v === 'string' && v.startsWith('$')) {
      if (v === '$groups') return user.groups.map((g) => g.name);
      const path = v.replace(/^\$user\./, '').split('.');
      let cur: unknown = user;
      for (const p of path) cur = (cur as Record<string, unknown> | undefined)?.[p];
      return cur ?? null;
    }
    if (Array.isArray(v)) return v.map(resolve);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
    return v;
  };
  return resolve(template) as Record<string, unknown>;
}
