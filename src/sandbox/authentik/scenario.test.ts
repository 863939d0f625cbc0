import { describe, expect, it } from 'vitest';
import { AuthentikSectionSchema, MANAGED, resolveSection, SEED, SELF_SIGNED } from './scenario.js';

describe('the authentik: scenario section', () => {
  it('defaults to the seed: akadmin, boje, the default flows, matrix-provider and matrix', () => {
    const s = resolveSection();
    expect(Object.keys(s.users)).toEqual(['akadmin', 'boje']);
    expect(s.users.boje).toMatchObject({ is_active: true, type: 'external', email: 'boje@example.org' });
    expect(s.providers['matrix-provider']).toMatchObject({
      client_type: 'confidential',
      signing_key: SELF_SIGNED,
      sub_mode: 'hashed_user_id',
      include_claims_in_id_token: true,
      redirect_uris: [
        {
          matching_mode: 'strict',
          url: '${MAS_URL}/upstream/callback/01KQDJTR1ZVTG8JQ220F5BNBFZ',
          redirect_uri_type: 'authorization',
        },
      ],
    });
    expect(s.stages['default-authentication-identification']).toMatchObject({
      enrollment_flow: 'default-enrollment-flow',
    });
    expect(s.property_mappings["authentik default OAuth Mapping: OpenID 'email'"]!.expression).toContain(
      '"email_verified": False',
    );
    expect(s.applications.matrix).toMatchObject({ provider: 'matrix-provider', policies: [] });
  });

  it('merges overrides by name: fields replace, objects merge, null deletes an object or sets a field', () => {
    const s = resolveSection({
      users: { boje: { is_active: false, attributes: { a: 1 } }, akadmin: null, new: { name: 'New' } },
      providers: { 'matrix-provider': { signing_key: null, redirect_uris: ['https://mas.example/cb'] } },
      api_token_user: 'new',
      events: [{ action: 'login_failed', username: 'boje' }],
    });
    expect(Object.keys(s.users)).toEqual(['boje', 'new']);
    expect(s.users.boje).toMatchObject({ is_active: false, name: 'Boje', attributes: { a: 1 } });
    expect(s.providers['matrix-provider']!.signing_key).toBeNull();
    expect(s.providers['matrix-provider']!.redirect_uris).toEqual([
      { matching_mode: 'strict', url: 'https://mas.example/cb', redirect_uri_type: 'authorization' },
    ]);
    expect(s.events).toHaveLength(SEED.events!.length + 1);
  });

  it('base: empty starts from nothing', () => {
    const s = resolveSection({ base: 'empty', users: { solo: {} }, api_token_user: 'solo' });
    expect(Object.keys(s.users)).toEqual(['solo']);
    expect(s.providers).toEqual({});
    expect(() => resolveSection({ base: 'empty' })).toThrow(/api_token_user/);
  });

  it('reports broken references and typos with their path', () => {
    const r = AuthentikSectionSchema.safeParse({
      providers: { 'matrix-provider': { property_mappings: ['nope'], authorization_flow: 'missing-flow' } },
      applications: { matrix: { policies: [{ group: 'ghosts' }] } },
      stages: { 'default-enrollment-user-write': { user_creation_mode: 'sometimes' } },
      userz: {},
    });
    expect(r.success).toBe(false);
    const again = AuthentikSectionSchema.safeParse({
      providers: {
        'matrix-provider': { property_mappings: ['nope', MANAGED.email], authorization_flow: 'missing-flow' },
      },
      applications: { matrix: { policies: [{ group: 'ghosts' }, { policy: 'p' }] } },
      policies: { p: {} },
    });
    expect(again.success).toBe(false);
    const issues = again.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues).toEqual(
      expect.arrayContaining([
        "providers.matrix-provider.authorization_flow: unknown flow 'missing-flow'",
        "providers.matrix-provider.property_mappings.0: unknown property mapping 'nope'",
        "applications.matrix.policies.0.group: unknown group 'ghosts'",
      ]),
    );
  });
});
