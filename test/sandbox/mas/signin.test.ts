import { afterEach, describe, expect, it } from 'vitest';
import {
  Browser,
  providerYaml,
  startFakeIdp,
  startFakeSynapse,
  startMas,
  testConfig,
  type FakeIdp,
  type FakeSynapse,
  type MasHarness,
} from './helpers.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.map((c) => c()));
  cleanup = [];
});

async function setup(
  opts: {
    provider?: (idp: FakeIdp) => string;
    idp?: Parameters<typeof startFakeIdp>[0];
    section?: Record<string, unknown>;
    extra?: string;
  } = {},
) {
  const idp = await startFakeIdp(opts.idp);
  const synapse = await startFakeSynapse();
  const h = await startMas(
    {
      config: testConfig({
        provider: opts.provider ? opts.provider(idp) : providerYaml(idp),
        extra: opts.extra,
      }),
      ...(opts.section ?? {}),
    },
    { authentik: idp.url, synapse: synapse.url },
  );
  cleanup.push(idp.close, synapse.close, h.close);
  await h.mas.ready();
  return { idp, synapse, h };
}

describe('upstream sign-in', () => {
  it('registers a new user through the link page and provisions it asynchronously', async () => {
    const { synapse, h } = await setup();
    const browser = new Browser();
    const page = await browser.follow(`${h.url}/login`);
    expect(page.status).toBe(200);
    expect(page.url).toContain('/upstream/link/');
    expect(page.body).toContain('Create a new account');
    const done = await browser.submit(page, 'upstream-register', {}, (u) => u.endsWith('/'));
    expect(done.status).toBe(303);
    await h.mas.worker.idle();
    const state = h.mas.state();
    expect(state.users.map((u) => u.username)).toEqual(['boje']);
    expect(state.users[0]!.emails).toEqual(['boje@example.test']);
    expect(state.links[0]).toMatchObject({ subject: 'sub-boje', userId: state.users[0]!.id });
    expect(synapse.users.get('boje')).toMatchObject({ displayname: 'Boje', emails: ['boje@example.test'] });
    expect(
      h
        .logs()
        .some((l) =>
          / INFO mas_tasks::matrix:81 job-provision-user-\d+ - User created user\.id=\w+ mxid=@boje:sandbox\.local$/.test(
            l,
          ),
        ),
    ).toBe(true);
  });
});

export type { FakeSynapse, MasHarness };
