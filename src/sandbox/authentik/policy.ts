import type { RequestContext } from '../http/server.js';
import type { Events } from './events.js';
import { modelRef } from './events.js';
import { evaluate, UnsupportedExpression, type ExprUser } from './expression.js';
import { anonymousUser, type Store, type UserRec } from './model.js';

export interface PolicyResult {
  passing: boolean;
  messages: string[];
}

export function exprUser(store: Store, user: UserRec): ExprUser {
  return {
    pk: user.pk,
    uid: store.uid(user),
    uuid: user.uuid,
    username: user.username,
    name: user.name,
    email: user.email,
    is_active: user.is_active,
    is_superuser: store.isSuperuser(user),
    type: user.type,
    path: user.path,
    attributes: structuredClone(user.attributes),
    groups: store.groupsOf(user).map((g) => ({
      name: g.name,
      pk: g.pk,
      attributes: structuredClone(g.attributes),
      is_superuser: g.is_superuser,
    })),
  };
}

/**
 * Authentik's PolicyEngine over the bindings of one target (application, flow or flow stage
 * binding): group bindings test membership (a member of a child group is a member of the
 * parent), user bindings test identity, policy bindings run the policy; `negate` flips a
 * result without touching its messages; `mode` combines them; no bindings means passing.
 */
export function evaluateBindings(
  store: Store,
  events: Events,
  target: string,
  mode: string,
  user: UserRec | null,
  ctx?: RequestContext,
): PolicyResult {
  const results: PolicyResult[] = [];
  for (const b of store.policyBindingsOf(target)) {
    if (!b.enabled) continue;
    let r: PolicyResult;
    if (b.group) {
      r = { passing: !!user && store.groupsOf(user).some((g) => g.pk === b.group), messages: [] };
    } else if (b.user !== null) {
      r = { passing: !!user && user.pk === b.user, messages: [] };
    } else {
      const policy = b.policy ? store.data.policies[b.policy] : undefined;
      if (!policy) r = { passing: b.failure_result, messages: [] };
      else r = runPolicy(store, events, policy.pk, user, b.failure_result, ctx);
    }
    if (b.negate) r = { passing: !r.passing, messages: r.messages };
    results.push(r);
  }
  if (results.length === 0) return { passing: true, messages: [] };
  const passing = mode === 'all' ? results.every((r) => r.passing) : results.some((r) => r.passing);
  return { passing, messages: results.flatMap((r) => r.messages) };
}

function runPolicy(
  store: Store,
  events: Events,
  policyPk: string,
  user: UserRec | null,
  failureResult: boolean,
  ctx?: RequestContext,
): PolicyResult {
  const policy = store.data.policies[policyPk]!;
  const extra = policy.message ? [policy.message] : [];
  if (policy.result !== undefined) return { passing: policy.result, messages: extra };
  try {
    // anonymous requests run policies as Django's AnonymousUser
    const { value, messages } = evaluate(policy.expression, exprUser(store, user ?? anonymousUser()));
    return { passing: Boolean(value), messages: [...messages, ...extra] };
  } catch (err) {
    const emulatorLimit = err instanceof UnsupportedExpression;
    events.record(
      'policy_exception',
      {
        message: emulatorLimit
          ? `emulator cannot evaluate this expression: ${(err as Error).message}`
          : String((err as Error).message),
        policy: modelRef('authentik_policies_expression', 'expressionpolicy', policy.pk, policy.name),
      },
      { user, ctx },
    );
    return { passing: failureResult, messages: extra };
  }
}
