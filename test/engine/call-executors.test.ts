// The conformance suite against each CallExecutor: the in-process one over a provider, and the
// fake the runner tests use (so the fake behaves as the real one does).

import { SymbiontError } from '../../src/core/errors.js';
import { createInProcessExecutor } from '../../src/engine/in-process-executor.js';
import type { ModelProvider } from '../../src/ports/model-provider.js';
import { FakeExecutor } from '../fakes/fake-executor.js';
import { ManualClock } from '../fakes/manual-clock.js';
import { type Behaviour, callExecutorConformance } from './call-executor-conformance.js';

const badRequest = () => new SymbiontError('PROVIDER_BAD_REQUEST', 'scripted bad request');

callExecutorConformance('in-process', (behaviour: Behaviour) => {
  const clock = new ManualClock();
  const provider: ModelProvider = {
    name: 'conformance',
    modelFor: (tier) => `model-${tier}`,
    complete: (_request, signal) => {
      if (behaviour === 'answer') {
        return Promise.resolve({ text: 'answer text', inputTokens: 12, outputTokens: 3, costUsd: null });
      }
      if (behaviour === 'fail') return Promise.reject(badRequest());
      return new Promise((_, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
      );
    },
  };
  return { executor: createInProcessExecutor(provider, clock), clock };
});

callExecutorConformance('fake (test/fakes/fake-executor.ts)', (behaviour: Behaviour) => {
  const clock = new ManualClock();
  const executor = new FakeExecutor(clock, () =>
    behaviour === 'answer'
      ? { text: 'answer text' }
      : behaviour === 'fail'
        ? { error: badRequest() }
        : { hang: true },
  );
  return { executor, clock };
});
