// The reservation of one call: a real bound on what it can be charged, and the output cap
// that makes it fit what is left of a budget.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  callReservationUsd,
  MESSAGE_FRAMING_TOKENS,
  promptTokenBound,
  sizeCall,
  utf8Length,
} from '../../src/core/call-reservation.js';
import { costOfCall } from '../../src/core/pricing.js';

describe('call reservation', () => {
  it('counts UTF-8 bytes as the encoder does', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(utf8Length(text)).toBe(Buffer.byteLength(text, 'utf8'));
      }),
    );
  });

  it('bounds the prompt by its bytes, the framing and the provider overhead', () => {
    expect(promptTokenBound('héllo', 100)).toBe(6 + MESSAGE_FRAMING_TOKENS + 100);
  });

  it('prices input as cache writes and output at the cap (Sonnet 5.5, $2 / $10)', () => {
    const call = { model: 'claude-sonnet-5-5', tier: 2 as const, promptTokens: 1000 };
    expect(callReservationUsd(call, 4096)).toBeCloseTo((1000 * 2.5 + 4096 * 10) / 1e6, 12);
  });

  it('is never below what the call is then charged, for any usage within the bound', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200_000 }),
        fc.integer({ min: 1, max: 32_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom('claude-haiku-5-5', 'claude-sonnet-5-5', 'claude-opus-5-5', 'some-local-model'),
        (prompt, cap, inputShare, outputShare, model) => {
          const bound = callReservationUsd({ model, tier: 1, promptTokens: prompt }, cap);
          const input = Math.floor(prompt * inputShare);
          const charged = costOfCall(
            {
              inputTokens: input,
              outputTokens: Math.floor(cap * outputShare),
              cacheWriteTokens: input,
              costUsd: null,
            },
            model,
            1,
          );
          expect(charged.cost_usd).toBeLessThanOrEqual(bound + 1e-15);
        },
      ),
    );
  });

  it('sizes the output cap to what is left, down to the floor, else names the smallest reservation', () => {
    const call = {
      model: 'm',
      tier: 1 as const,
      promptTokens: 0,
      price: { inputPerMillion: 0, outputPerMillion: 1000 },
    };
    const limits = { capTokens: 1000, honoursCap: true };
    expect(sizeCall(call, limits, null)).toEqual({ fits: true, maxOutputTokens: 1000, reserveUsd: 1 });
    expect(sizeCall(call, limits, 5)).toEqual({ fits: true, maxOutputTokens: 1000, reserveUsd: 1 });
    const sized = sizeCall(call, limits, 0.5005);
    expect(sized).toMatchObject({ fits: true, maxOutputTokens: 500 });
    expect(sizeCall(call, limits, 0.2)).toEqual({ fits: false, minimumUsd: 0.256 });
    // A provider that ignores the cap is reserved at it, or not at all.
    expect(sizeCall(call, { ...limits, honoursCap: false }, 0.9)).toEqual({ fits: false, minimumUsd: 1 });
  });
});
