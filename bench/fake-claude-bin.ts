// A fake `claude` for the overhead benchmark that answers at once: it reads its stdin (the
// prompt) to the end and prints the real CLI's JSON result object
// (../shared/fixtures/claude-cli/success.json). Compiled from C when `cc` exists (a process
// start then costs what the OS charges, nothing more), else a POSIX shell script.

import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from './results-dir.js';

export const SUCCESS_FIXTURE = resolve(REPO_ROOT, '..', 'shared', 'fixtures', 'claude-cli', 'success.json');

/** `text` as a C string literal: octal escapes for every byte that is not plain ASCII text. */
function cString(text: string): string {
  let literal = '"';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    literal +=
      byte >= 0x20 && byte < 0x7f && char !== '"' && char !== '\\' && char !== '?'
        ? char
        : `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return `${literal}"`;
}

const C_SOURCE = (json: string) => `#include <stdio.h>
#include <unistd.h>
static const char ANSWER[] = ${cString(json)};
int main(void) {
  char buffer[65536];
  while (read(0, buffer, sizeof buffer) > 0) {}
  fwrite(ANSWER, 1, sizeof ANSWER - 1, stdout);
  return 0;
}
`;

export interface FakeClaude {
  path: string;
  kind: 'C' | 'shell';
}

/** Writes the fake into `directory` as `claude` and returns its path. */
export function buildFakeClaude(directory: string, fixture = SUCCESS_FIXTURE): FakeClaude {
  const json = readFileSync(fixture, 'utf8').trim();
  const path = join(directory, 'claude');
  const source = join(directory, 'fake-claude.c');
  writeFileSync(source, C_SOURCE(json));
  const compiler = ['/usr/bin/cc', '/usr/local/bin/cc'].find((candidate) => existsSync(candidate));
  if (compiler !== undefined) {
    try {
      execFileSync(compiler, ['-O2', '-o', path, source], { stdio: 'ignore' });
      return { path, kind: 'C' };
    } catch {
      // Falls back to the shell script below.
    }
  }
  const copy = join(directory, 'success.json');
  writeFileSync(copy, json);
  writeFileSync(path, `#!/bin/sh\ncat > /dev/null\ncat '${copy}'\n`);
  chmodSync(path, 0o755);
  return { path, kind: 'shell' };
}
