import { describe, expect, it } from 'vitest';
import { limitConcurrency } from './doctor.js';

describe('limitConcurrency', () => {
  it('never has more requests in flight than the limit, and runs them all', async () => {
    let inFlight = 0;
    let peak = 0;
    const slow = (async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 10));
      inFlight--;
      return new Response('{}', { status: 200 });
    }) as unknown as typeof fetch;
    const limited = limitConcurrency(slow, 3);
    const answers = await Promise.all(Array.from({ length: 10 }, () => limited('http://127.0.0.1/')));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(peak).toBe(3);
  });

  it('frees the slot when a request fails', async () => {
    const failing = (async () => {
      throw new TypeError('fetch failed');
    }) as unknown as typeof fetch;
    const limited = limitConcurrency(failing, 1);
    await expect(limited('http://127.0.0.1/')).rejects.toThrow('fetch failed');
    await expect(limited('http://127.0.0.1/')).rejects.toThrow('fetch failed');
  });
});
