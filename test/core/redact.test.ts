import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SymbiontError } from '../../src/core/errors.js';
import { REDACTED, redactSecrets, redactUrl } from '../../src/core/redact.js';

describe('redactUrl', () => {
  it.each([
    ['http://user:secret@127.0.0.1:9/v1?api-key=XYZ', 'http://127.0.0.1:9/v1'],
    ['https://key@api.example.com/v1#frag', 'https://api.example.com/v1'],
    ['http://127.0.0.1:11434/v1', 'http://127.0.0.1:11434/v1'],
    ['http://host:1', 'http://host:1'],
    ['http://host:1/', 'http://host:1/'],
    ['http://u:p@host:1?token=T', 'http://host:1'],
    ['not a url?key=K', 'not a url'],
    ['weird://u:p@[bad/x?y', 'weird://[bad/x'],
  ])('shows %s as %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });

  it('never keeps a userinfo or query secret, whatever the URL', () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9]{6,20}$/);
    fc.assert(
      fc.property(fc.webUrl(), secret, secret, (url, password, key) => {
        const parsed = new URL(url);
        parsed.username = 'user';
        parsed.password = password;
        parsed.search = `?api-key=${key}`;
        const shown = redactUrl(parsed.toString());
        expect(shown).not.toContain(password);
        expect(shown).not.toContain(key);
      }),
      { numRuns: 200, seed: 12 },
    );
  });
});

describe('redactSecrets', () => {
  it('redacts every URL in a message, known secrets, bearer tokens and credential pairs', () => {
    const message =
      'could not reach openai-compatible at http://user:secret@127.0.0.1:9/v1?api-key=XYZ: ' +
      'Request cannot be constructed from a URL that includes credentials: http://user:secret@127.0.0.1:9/v1?api-key=XYZ/chat/completions; ' +
      'sent Authorization: Bearer sk-abcdefghijkl with api_key=K123 and key sk-known';
    const redacted = redactSecrets(message, ['sk-known']);
    for (const secret of ['secret', 'XYZ', 'sk-abcdefghijkl', 'K123', 'sk-known']) {
      expect(redacted).not.toContain(secret);
    }
    expect(redacted).toContain('http://127.0.0.1:9/v1');
    expect(redacted).toContain(`Bearer ${REDACTED}`);
    expect(redacted).toContain(`api_key=${REDACTED}`);
  });

  it('leaves a message without credentials as it was', () => {
    const message = 'not found (404): model gpt-x or the endpoint at http://127.0.0.1:9/v1 does not exist';
    expect(redactSecrets(message)).toBe(message);
  });
});

describe('SymbiontError messages', () => {
  it('never carry URL credentials or key=value secrets, whoever built them', () => {
    const error = new SymbiontError(
      'PROVIDER_CONNECTION',
      'connect ECONNREFUSED http://alice:hunter2@127.0.0.1:9/v1/chat?api-key=XYZ123 (password=swordfish)',
    );
    expect(error.message).not.toMatch(/hunter2|XYZ123|swordfish/);
    expect(error.message).toContain('http://127.0.0.1:9/v1/chat');
  });
});
