// A real PostgreSQL (one database with the schema) and Redis for a test file of the queued
// executor: started before the file's tests, stopped after them.

import { afterAll, beforeAll } from 'vitest';
import { openPostgresPool, type PostgresPool } from '../../src/adapters/stores/postgres-connection.js';
import { ensurePostgresSchema } from '../../src/adapters/stores/postgres-schema.js';
import { type PostgresServer, startPostgres } from '../services/postgres.js';
import { type RedisServer, startRedis } from '../services/redis.js';

export interface QueueServices {
  readonly redis: RedisServer;
  /** A pool on the file's database, schema in place. */
  readonly database: PostgresPool;
  readonly databaseUrl: string;
}

/** Registers the hooks; `databaseName` names the file's database. */
export function useQueueServices(databaseName: string): QueueServices {
  let postgres: PostgresServer | undefined;
  let redis: RedisServer | undefined;
  let database: PostgresPool | undefined;
  let databaseUrl: string | undefined;

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
    databaseUrl = postgres.createDatabase(databaseName);
    database = openPostgresPool(databaseUrl);
    await ensurePostgresSchema(database);
  }, 60_000);
  afterAll(async () => {
    await database?.close();
    await redis?.stop();
    postgres?.stop();
  });

  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useQueueServices: the services are not started');
    return value;
  };
  return {
    get redis() {
      return ready(redis);
    },
    get database() {
      return ready(database);
    },
    get databaseUrl() {
      return ready(databaseUrl);
    },
  };
}
