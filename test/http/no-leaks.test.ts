import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { issueToken } from '../../src/adapters/auth/issue-token.js';
import { openSse } from './sse-client.js';
import { findSecrets, postJson, startTestServer } from './test-server.js';

// Every test server checks at close that no token string reached its logs, ledger, database or
// other files (test-server.ts). This suite makes that check bite: tokens go everywhere a
// careless server could copy them from.

describe('no token leaks', () => {
  it('keeps token strings out of the logs, the ledger and the database', async () => {
    const server = await startTestServer({ server: { rateLimit: { burst: 40, perSecond: 1 } } });
    const revoked = await issueToken(server.tokenStore, { name: 'temp' });
    const secrets = [...Object.values(server.tokens), revoked.token];
    let closed = false;
    try {
      const submitted = await postJson(server, '/tasks', { prompt: 'Write a line. Then another.' });
      const { id } = (await submitted.json()) as { id: string };
      const stream = await openSse(`${server.url}/tasks/${id}/events`, {
        authorization: `Bearer ${server.tokens.alice}`,
      });
      for await (const _ of stream.items) {
        // read to the end
      }
      await server.call(`/tasks/${id}`, { token: server.tokens.root });
      await server.call(`/tasks/${id}`, { token: server.tokens.bob });
      await server.call('/metrics', { token: server.tokens.root });
      await server.call('/costs?by=task', { token: server.tokens.root });
      await server.call('/ledger/verify', { token: server.tokens.alice });
      // Tokens where they do not belong: path, query, a bad header, a revoked token.
      await server.call(`/tasks/${server.tokens.alice}`);
      await server.call(`/${server.tokens.root}/x?token=${server.tokens.root}`);
      await server.call(`/tasks?access_token=${server.tokens.bob}`);
      await server.call('/tasks', {
        token: null,
        headers: { authorization: `Basic ${server.tokens.alice}` },
      });
      await server.tokenStore.remove('temp');
      await server.call('/tasks', { token: revoked.token });
      await postJson(server, '/tasks', { prompt: 'x', unknown: server.tokens.alice });
      for (let index = 0; index < 45; index++) await server.call('/tasks', { token: server.tokens.bob });
      await server.app.service.waitForTask(id);

      expect(server.logs.length).toBeGreaterThan(50);
      expect(server.logs.some((line) => line.includes('symb_[redacted]'))).toBe(true);
      expect(statSync(join(server.home, 'ledger.jsonl')).size).toBeGreaterThan(0);
      expect(existsSync(join(server.home, 'symbiont.db'))).toBe(true);
      expect(findSecrets(server.home, server.logs, secrets)).toEqual([]);
      closed = true;
      await server.close();
    } finally {
      if (!closed) await server.close();
    }
  });
});
