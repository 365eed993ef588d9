/**
 * A catalog pull in its own process, for the test that kills one half-way. argv: URL, and the
 * moment: `download` (the server stalls mid-body; the test kills us when it has sent part) or
 * `commit` (we say "ready" after the bundle is written, before it is installed, and wait).
 * Reaches the test's loopback server through the outbound guard with the address check injected.
 */
import { pullCatalog } from '../../src/lib/catalog.ts';
import { guardedFetcher } from '../../src/util/guarded-fetch.ts';

const [url, moment] = process.argv.slice(2);
await pullCatalog(url!, {
  env: process.env,
  fetch: guardedFetcher({ isAllowedAddress: () => true, isAllowedPort: () => true }),
  beforeCommit: async () => {
    if (moment !== 'commit') return;
    process.stdout.write('ready\n');
    setInterval(() => {}, 60_000); // alive until killed
    await new Promise(() => {});
  },
});
process.stdout.write('installed\n');
