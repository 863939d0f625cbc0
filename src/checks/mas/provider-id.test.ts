import { decodeTime, isValid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { viewFromYaml } from '../../sources/files/parse-yaml.js';
import { callbackUlidsIn, deriveProviderUlid, isMasUlid, ulidProblem, ulidTime } from './provider-id.js';

describe('deriveProviderUlid', () => {
  const issuer = 'https://auth.axion1337.chat/application/o/matrix/';

  it('is deterministic and depends on issuer and client_id', () => {
    const a = deriveProviderUlid(issuer, 'client');
    expect(deriveProviderUlid(issuer, 'client')).toBe(a);
    expect(deriveProviderUlid(issuer, 'other')).not.toBe(a);
    expect(deriveProviderUlid(`${issuer}x`, 'client')).not.toBe(a);
  });

  it('gives a valid uppercase ULID whose time is an ordinary recent one', () => {
    for (const clientId of ['a', 'b', 'client', '', 'ü', 'x'.repeat(500)]) {
      const id = deriveProviderUlid(issuer, clientId);
      expect(id).toMatch(/^[0123456789ABCDEFGHJKMNPQRSTVWXYZ]{26}$/);
      expect(isValid(id)).toBe(true);
      expect(isMasUlid(id)).toBe(true);
      const time = decodeTime(id);
      expect(time).toBe(ulidTime(id));
      expect(time).toBeGreaterThanOrEqual(Date.UTC(2024, 0, 1));
      expect(time).toBeLessThan(Date.UTC(2026, 0, 1));
    }
  });
});

describe('ulidProblem', () => {
  it('accepts MAS-style ULIDs', () => {
    expect(ulidProblem('01HFRQFT5QFMJFGF01P7JAV2ME')).toBeUndefined();
    expect(ulidProblem('0000000000000000000SYNAPSE')).toBeUndefined();
  });

  it('reports the length the way MAS does', () => {
    expect(ulidProblem('authentik')).toMatchObject({ message: 'invalid length', accepted: false });
  });

  it('gives the uppercase form of a lowercase id, which MAS reads but its schema rejects', () => {
    expect(ulidProblem('01kqdjtr1zvtg8jq220f5bnbfz')).toMatchObject({
      accepted: true,
      suggestion: '01KQDJTR1ZVTG8JQ220F5BNBFZ',
    });
  });

  it('reads Crockford look-alikes, which MAS rejects', () => {
    expect(ulidProblem('000000000000000000000FIRST')).toMatchObject({
      message: 'invalid character',
      accepted: false,
      suggestion: '000000000000000000000F1RST',
    });
    expect(ulidProblem('01HFRQFT5QFMJFGF01P7JAV2MO')).toMatchObject({
      suggestion: '01HFRQFT5QFMJFGF01P7JAV2M0',
    });
  });

  it('explains an overflowing first character and the id MAS really uses', () => {
    expect(ulidProblem('8ZZZZZZZZZZZZZZZZZZZZZZZZZ')).toMatchObject({
      accepted: true,
      suggestion: '0ZZZZZZZZZZZZZZZZZZZZZZZZZ',
    });
  });

  it('rejects other characters without guessing', () => {
    const problem = ulidProblem('01HFRQFT5QFMJFGF01P7JAV2M-');
    expect(problem?.message).toBe('invalid character');
    expect(problem?.suggestion).toBeUndefined();
  });
});

describe('callbackUlidsIn', () => {
  it('finds MAS callback URLs in values, uppercased, first come first', () => {
    const view = viewFromYaml(
      'mas',
      [
        'a: https://account.example.com/upstream/callback/01kqdjtr1zvtg8jq220f5bnbfz',
        'b: [https://x/upstream/callback/01HFRQFT5QFMJFGF01P7JAV2ME, https://x/upstream/callback/01KQDJTR1ZVTG8JQ220F5BNBFZ]',
        'https://x/upstream/callback/01ARZ3NDEKTSV4RRFFQ69G5FAV: keys do not count',
        'c: https://x/upstream/callback/01HFRQFT5QFMJFGF01P7JAV2ME0 is too long',
      ].join('\n'),
    );
    expect(callbackUlidsIn([view])).toEqual(['01KQDJTR1ZVTG8JQ220F5BNBFZ', '01HFRQFT5QFMJFGF01P7JAV2ME']);
  });
});
