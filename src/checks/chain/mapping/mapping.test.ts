import { describe, expect, it } from 'vitest';
import { CODES } from '../../../codes/registry.js';
import type { AkUser, ChainSnapshot } from '../../../snapshot/types.js';
import {
  ak,
  changed,
  expectCleanIsQuiet,
  mas,
  masAdmin,
  pairsOf,
  runCheck,
  synapse,
} from '../../../../test/fixtures/snapshots/authentik/tester.js';
import { PROVIDER_ID, cleanSnapshot } from '../../../../test/fixtures/snapshots/clean.js';
import { providerPairs } from '../authentik/facts.js';
import { mappingClaimMissing } from './claim-missing.js';
import { claimsFor } from './claims.js';
import { mappingChecks } from './index.js';
import { mappingLocalpartCollision } from './localpart-collision.js';
import { mappingLocalpartInvalid } from './localpart-invalid.js';
import { mappingLocalpartSynapseOnly } from './localpart-synapse-only.js';
import { mappingLocalpartTaken } from './localpart-taken.js';

const preview = (s: ChainSnapshot, username = 'boje') =>
  ak(s).claimsPreview.find((c) => c.username === username)!.claims;
const person = (pk: number, username: string, extra: Partial<AkUser> = {}): AkUser => ({
  pk,
  username,
  name: username,
  email: `${username.toLowerCase()}@example.org`,
  is_active: true,
  type: 'internal',
  uid: `uid-${username}`,
  ...extra,
});

describe('mappingChecks', () => {
  it('covers the mapping codes the chain can see, and the clean chain raises nothing', () => {
    const declared = mappingChecks.flatMap((c) => c.codes);
    expect([...declared].sort()).toEqual(
      Object.keys(CODES)
        .filter((c) => c.startsWith('mapping-') && c !== 'mapping-template-invalid')
        .sort(),
    );
    for (const check of mappingChecks) expect(runCheck(check, cleanSnapshot()), check.id).toEqual([]);
  });
});

describe('claimsFor', () => {
  it("takes the default mappings' claims of scopes MAS does not request out of the preview", () => {
    const snap = changed((s) => (mas(s).providers[0]!.scope = 'openid email'));
    const pair = providerPairs(snap)[0]!;
    const c = claimsFor(
      snap,
      pair,
      ak(snap).users.find((u) => u.username === 'boje')!,
    )!;
    expect(c.origin).toBe('preview');
    expect(c.idToken.email).toBe('boje@example.org');
    expect(c.idToken.preferred_username).toBeUndefined();
    expect([...c.granted].sort()).toEqual(['email', 'openid']);
  });

  it("derives the default mappings' claims without a preview, and knows what it cannot know", () => {
    const snap = changed((s) => ak(s).users.push(person(9, 'Carla')));
    const pair = providerPairs(snap)[0]!;
    const c = claimsFor(
      snap,
      pair,
      ak(snap).users.find((u) => u.username === 'Carla')!,
    )!;
    expect(c.origin).toBe('derived');
    expect(c.idToken).toMatchObject({
      sub: 'uid-Carla',
      preferred_username: 'Carla',
      email: 'carla@example.org',
      email_verified: false,
    });
    expect(c.uncertain.has('groups')).toBe(true);
  });
});

describe('mapping/claim-missing', () => {
  it('is quiet for a healthy chain', () => expectCleanIsQuiet(mappingClaimMissing));

  it('MAS does not request the profile scope its required localpart needs: for everyone', () => {
    const snap = changed((s) => (mas(s).providers[0]!.scope = 'openid email'));
    const findings = runCheck(mappingClaimMissing, snap);
    expect(pairsOf(findings)).toEqual([['mapping-claim-missing', `provider/${PROVIDER_ID}`]]);
    expect(findings[0]!.detail).toContain('localpart reads preferred_username');
    expect(findings[0]!.fix!.snippet).toContain('scope: "openid email profile"');
  });

  it('claims only at userinfo while MAS does not fetch it', () => {
    const snap = changed((s) => (ak(s).providers[0]!.include_claims_in_id_token = false));
    const findings = runCheck(mappingClaimMissing, snap);
    expect(pairsOf(findings)).toEqual([['mapping-claim-missing', `provider/${PROVIDER_ID}`]]);
    expect(findings[0]!.fix!.repair).toBe('mas-set-fetch-userinfo');
    // fetching userinfo makes it work
    const fetched = changed((s) => {
      ak(s).providers[0]!.include_claims_in_id_token = false;
      mas(s).providers[0]!.fetch_userinfo = true;
    });
    expect(runCheck(mappingClaimMissing, fetched)).toEqual([]);
  });

  it('the user in focus has no email while MAS requires one', () => {
    const snap = changed((s) => {
      s.user = 'boje';
      mas(s).providers[0]!.claims_imports = {
        localpart: { action: 'require', template: '{{ user.preferred_username }}' },
        email: { action: 'require' },
      };
      preview(s).email = '';
    });
    const findings = runCheck(mappingClaimMissing, snap);
    expect(pairsOf(findings)).toEqual([['mapping-claim-missing', 'user/boje']]);
    expect(findings[0]!.detail).toContain("the user's email is empty in Authentik");
    expect(findings[0]!.detail).toContain('Template "{{ user.email }}" rendered to an empty string');
    expect(findings[0]!.evidence[1]!.excerpt).toBe(
      'preview_user for boje via provider/matrix-provider: email=""',
    );
  });

  it('a sampled user whose claims lack the claim (a custom mapping)', () => {
    const snap = changed((s) => delete preview(s).preferred_username);
    const [f] = runCheck(mappingClaimMissing, snap);
    expect(f!.subject).toBe('user/boje');
    expect(f!.detail).toContain("Authentik's claims for this user have no preferred_username");
  });

  it('a template that fails to render for a required claim', () => {
    const snap = changed((s) => {
      mas(s).providers[0]!.claims_imports = {
        localpart: { action: 'require', template: '{{ user.address.street }}' },
      };
    });
    const [f] = runCheck(mappingClaimMissing, snap);
    expect(f!.detail).toContain(
      "could not be rendered from the upstream provider's response for required claim",
    );
  });

  it('force and suggest do not fail on empty values', () => {
    const snap = changed((s) => {
      mas(s).providers[0]!.claims_imports = {
        localpart: { action: 'force', template: '{{ user.nothing }}' },
      };
    });
    expect(runCheck(mappingClaimMissing, snap)).toEqual([]);
  });
});

describe('mapping/localpart-invalid', () => {
  it('is quiet for a healthy chain', () => expectCleanIsQuiet(mappingLocalpartInvalid));

  it('an upper-case username renders an invalid localpart: MAS says Policy error', () => {
    const snap = changed((s) => {
      ak(s).users.find((u) => u.username === 'boje')!.username = 'Boje';
      ak(s).access = [];
      ak(s).claimsPreview = [];
    });
    const findings = runCheck(mappingLocalpartInvalid, snap);
    expect(pairsOf(findings)).toEqual([['mapping-localpart-invalid', 'user/Boje']]);
    expect(findings[0]!.detail).toContain('username contains invalid characters');
    expect(findings[0]!.fix!.snippet).toContain('template: "{{ user.preferred_username | lower }}"');
  });

  it('email-like usernames suggest the part before @', () => {
    const snap = changed((s) => ak(s).users.push(person(9, 'carla@example.org')));
    const [f] = runCheck(mappingLocalpartInvalid, snap);
    expect(f!.fix!.snippet).toContain(`template: "{{ user.email | split('@') | first | lower }}"`);
  });

  it('suggest is only a suggestion; inactive users and service accounts are left out', () => {
    const suggest = changed((s) => {
      ak(s).users.push(person(9, 'Carla'));
      mas(s).providers[0]!.claims_imports = { localpart: { action: 'suggest' } };
    });
    expect(runCheck(mappingLocalpartInvalid, suggest)).toEqual([]);
    const others = changed((s) => {
      ak(s).users.push(
        person(9, 'Carla', { is_active: false }),
        person(10, 'Bot', { type: 'service_account' }),
      );
    });
    expect(runCheck(mappingLocalpartInvalid, others)).toEqual([]);
  });

  it('many users: one summary finding instead of one each', () => {
    const snap = changed((s) => {
      for (let i = 0; i < 12; i++) ak(s).users.push(person(100 + i, `User${i}`));
    });
    const findings = runCheck(mappingLocalpartInvalid, snap);
    expect(pairsOf(findings)).toEqual([['mapping-localpart-invalid', `provider/${PROVIDER_ID}`]]);
    expect(findings[0]!.detail).toContain('For 12 Authentik users');
  });
});

describe('mapping/localpart-collision', () => {
  const byEmail = (s: ChainSnapshot) => {
    mas(s).providers[0]!.claims_imports = {
      localpart: { action: 'require', template: "{{ user.email | split('@') | first }}" },
    };
    ak(s).claimsPreview = [];
    ak(s).users.push(person(9, 'boje2', { email: 'boje@example.com' }));
  };

  it('is quiet for a healthy chain', () => expectCleanIsQuiet(mappingLocalpartCollision));

  it('two people, one localpart: the holder of the account is named', () => {
    const snap = changed((s) => {
      byEmail(s);
      ak(s).users.find((u) => u.username === 'boje')!.uid = 'hashed-boje';
    });
    const findings = runCheck(mappingLocalpartCollision, snap);
    expect(pairsOf(findings)).toEqual([['mapping-localpart-collision', 'localpart/boje']]);
    expect(findings[0]!.detail).toContain('"boje", "boje2"');
    expect(findings[0]!.detail).toContain('already belongs to "boje"');
    expect(findings[0]!.detail).toContain('The others are refused');
  });

  it('on_conflict add would merge them into one account', () => {
    const snap = changed((s) => {
      byEmail(s);
      (mas(s).providers[0]!.claims_imports.localpart as Record<string, unknown>).on_conflict = 'add';
    });
    expect(runCheck(mappingLocalpartCollision, snap)[0]!.detail).toContain('share one Matrix identity');
  });

  it('with a user in focus too: a collision concerns everyone', () => {
    expect(
      runCheck(
        mappingLocalpartCollision,
        changed((s) => {
          byEmail(s);
          s.user = 'akadmin';
        }),
      ),
    ).toHaveLength(1);
    expect(
      runCheck(
        mappingLocalpartCollision,
        changed((s) => {
          byEmail(s);
          s.user = 'boje2';
        }),
      ),
    ).toHaveLength(1);
  });
});

describe('mapping/localpart-taken', () => {
  it('is quiet for a healthy chain', () => expectCleanIsQuiet(mappingLocalpartTaken));

  it('a MAS user holds the localpart without a link for this subject', () => {
    const snap = changed((s) => (masAdmin(s).links = []));
    const findings = runCheck(mappingLocalpartTaken, snap);
    expect(pairsOf(findings)).toEqual([['mapping-localpart-taken', 'user/boje']]);
    const f = findings[0]!;
    expect(f.detail).toContain('"User exists"');
    expect(f.detail).toContain('has no upstream link at all');
    expect(f.fix!.snippet).toContain(
      `"user_id":"01KQDK0000000000000000BOJE","provider_id":"${PROVIDER_ID}","subject":"hashed-boje"`,
    );
    expect(f.fix!.repair).toBe('mas-add-upstream-link');
  });

  it('a link with another subject points at a changed subject mode', () => {
    const snap = changed((s) => (masAdmin(s).links[0]!.subject = 'boje-old-sub'));
    expect(runCheck(mappingLocalpartTaken, snap)[0]!.detail).toContain('subject mode was changed');
  });

  it('on_conflict add links by itself; set only while the user has no link to the provider', () => {
    const onConflict = (value: string, links: boolean) =>
      changed((s) => {
        (mas(s).providers[0]!.claims_imports.localpart as Record<string, unknown>).on_conflict = value;
        if (links) masAdmin(s).links[0]!.subject = 'other';
        else masAdmin(s).links = [];
      });
    expect(runCheck(mappingLocalpartTaken, onConflict('add', true))).toEqual([]);
    expect(runCheck(mappingLocalpartTaken, onConflict('set', false))).toEqual([]);
    expect(runCheck(mappingLocalpartTaken, onConflict('set', true))).toHaveLength(1);
  });

  it('an admin account nobody signs in to through Authentik is reported only when in focus', () => {
    const admin = (focus?: string) =>
      changed((s) => {
        ak(s).users.find((u) => u.username === 'akadmin')!.uid = 'uid-akadmin';
        if (focus) s.user = focus;
      });
    expect(runCheck(mappingLocalpartTaken, admin())).toEqual([]);
    expect(pairsOf(runCheck(mappingLocalpartTaken, admin('akadmin')))).toEqual([
      ['mapping-localpart-taken', 'user/akadmin'],
    ]);
  });

  it('a cut MAS user list proves nothing', () => {
    const snap = changed((s) => {
      masAdmin(s).links = [];
      masAdmin(s).truncated = true;
    });
    expect(runCheck(mappingLocalpartTaken, snap)).toEqual([]);
  });
});

describe('mapping/localpart-synapse-only', () => {
  it('is quiet for a healthy chain', () => expectCleanIsQuiet(mappingLocalpartSynapseOnly));

  it('the localpart exists in Synapse but not in MAS', () => {
    const snap = changed((s) => {
      masAdmin(s).users = masAdmin(s).users.filter((u) => u.username !== 'boje');
      masAdmin(s).links = [];
      synapse(s).users = [{ localpart: 'boje', exists: true, userId: '@boje:example.org' }];
    });
    const findings = runCheck(mappingLocalpartSynapseOnly, snap);
    expect(pairsOf(findings)).toEqual([['mapping-localpart-synapse-only', 'user/boje']]);
    expect(findings[0]!.detail).toContain('"Localpart not available"');
    expect(findings[0]!.fix!.snippet).toContain('"skip_homeserver_check":true');
    expect(findings[0]!.fix!.repair).toBe('mas-adopt-synapse-user');
  });

  it('a deactivated Synapse account: the name stays reserved, no automatic repair', () => {
    const snap = changed((s) => {
      masAdmin(s).users = masAdmin(s).users.filter((u) => u.username !== 'boje');
      masAdmin(s).links = [];
      synapse(s).users = [{ localpart: 'boje', exists: true, deactivated: true }];
    });
    const [f] = runCheck(mappingLocalpartSynapseOnly, snap);
    expect(f!.fix!.repair).toBeNull();
    expect(f!.fix!.summary).toContain('stays reserved');
  });

  it('not without the MAS or Synapse facts', () => {
    const snap = changed((s) => {
      masAdmin(s).users = [];
      s.synapse = { status: 'skipped', reason: 'no synapse section' };
    });
    expect(runCheck(mappingLocalpartSynapseOnly, snap)).toEqual([]);
  });
});
