// Starts a throw-away PostgreSQL 15 server for a test: initdb into a temporary directory,
// `postgres` on 127.0.0.1 at a free port, stopped (and the directory removed) by `stop()`.
// PostgreSQL refuses to run as root: as root the server runs as the `postgres` user.

import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

const BIN = '/usr/lib/postgresql/15/bin';

export interface PostgresServer {
  /** postgres://… URL of an empty database on the server. */
  readonly url: string;
  /** Creates another empty database and returns its URL. */
  createDatabase(name: string): string;
  stop(): void;
}

function asServerUser(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, args];
  return ['runuser', ['-u', 'postgres', '--', command, ...args]];
}

function run(command: string, args: string[]): void {
  const [file, argv] = asServerUser(command, args);
  execFileSync(file, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function postgresAvailable(): boolean {
  return existsSync(join(BIN, 'postgres'));
}

export async function startPostgres(): Promise<PostgresServer> {
  if (!postgresAvailable()) {
    throw new Error(`PostgreSQL 15 is not installed (${BIN}); scripts/test.sh installs it`);
  }
  const directory = mkdtempSync(join(tmpdir(), 'symbiont-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(directory, uid, gid);
  }
  const data = join(directory, 'data');
  const port = await freePort();
  run(join(BIN, 'initdb'), [
    '-D',
    data,
    '-A',
    'trust',
    '-U',
    'symbiont',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C',
  ]);
  const options = [
    `-k ${directory}`,
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
  ].join(' ');
  run(join(BIN, 'pg_ctl'), [
    '-D',
    data,
    '-o',
    options,
    '-l',
    join(directory, 'log'),
    '-w',
    '-t',
    '60',
    'start',
  ]);
  const base = `postgres://symbiont@127.0.0.1:${port}`;
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    try {
      run(join(BIN, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  };
  process.once('exit', stop);
  return {
    url: `${base}/postgres`,
    createDatabase(name) {
      run(join(BIN, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'symbiont', name]);
      return `${base}/${name}`;
    },
    stop,
  };
}
