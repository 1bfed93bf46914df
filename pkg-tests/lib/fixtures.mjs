// The fixtures every browser test file shares (kept apart from harness.mjs, which the
// benchmark also imports, so that only test files load node:test).

import { after, before } from 'node:test';
import { checkBuilt, launch, serve } from './harness.mjs';

/**
 * One test file's fixtures: before its tests, checks the build, serves www/ and (unless
 * `browser: false`) launches Chromium; after them, closes both. Read `env.url` and
 * `env.browser` inside the tests (they are set once the hooks have run).
 */
export function testEnv({ browser = true, webgpu = false } = {}) {
  const env = { server: null, browser: null, get url() { return env.server.url; } };
  before(async () => {
    checkBuilt();
    env.server = await serve();
    if (browser) env.browser = await launch({ webgpu });
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}
