import { defineConfig } from 'vitest/config';

// The real-Synapse suite: run by .ci/synapse-real.sh (needs root and the chroot built by
// scripts/synapse-real/setup.sh). Files run one after the other: each starts its own Synapse.
export default defineConfig({
  test: {
    include: ['test/synapse-real/**/*.real.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
