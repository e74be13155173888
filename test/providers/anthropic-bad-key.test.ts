// What a bad API key costs before the user sees the error (issue 11's figure: it was 6 minutes
// and 27 requests): the SDK's own retries are off (maxRetries 0) and an auth error is never
// retried nor escalated (core/error-traits.ts), so planning fails on its first request.

import { describe, expect, it } from 'vitest';
import { MemoryLedger } from '../../src/adapters/ledger/memory-ledger.js';
import { AnthropicProvider } from '../../src/adapters/providers/anthropic.js';
import { createMemoryStore } from '../../src/adapters/stores/memory-store.js';
import { systemClock } from '../../src/adapters/system/system-clock.js';
import { TaskManager } from '../../src/engine/task-manager.js';
import { steadyEntropy } from '../engine/runner-harness.js';
import { startFakeMessagesApi } from '../fakes/fake-messages-api.js';

describe('a bad API key on the anthropic provider', () => {
  it('fails the task after one request, with the fix named', async () => {
    const server = await startFakeMessagesApi({ apiKey: 'sk-ant-the-right-key' });
    try {
      const provider = new AnthropicProvider({ apiKey: 'sk-ant-a-wrong-key', baseURL: server.url });
      const manager = new TaskManager({
        clock: systemClock,
        entropy: steadyEntropy(),
        store: createMemoryStore({ clock: systemClock }),
        ledger: new MemoryLedger(),
        providers: () => provider,
        defaults: { provider: 'anthropic' },
      });
      const started = Date.now();
      const receipt = await manager.submitTask({ prompt: 'write a haiku about autumn' });
      const task = await manager.waitForTask(receipt.id);
      const elapsed = Date.now() - started;
      await manager.close();
      expect(task.status).toBe('failed');
      expect(task.error).toMatch(/authentication failed.*ANTHROPIC_API_KEY/);
      expect(task.error).not.toContain('sk-ant-a-wrong-key');
      const requests = server.requests.filter((request) => request.path === '/v1/messages');
      expect(requests).toHaveLength(1);
      console.info(`bad API key: ${requests.length} request, ${elapsed} ms before the task failed`);
    } finally {
      await server.close();
    }
  });
});
