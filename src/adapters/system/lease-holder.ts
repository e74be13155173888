// Execution-lease holders are `host:pid:uuid`. A holder on this host whose process no longer
// exists cannot renew its lease, so a taker need not wait for the lease to expire: that is
// what lets `symbiont resume` pick up a crashed run at once instead of after the lease's TTL.

import { hostname } from 'node:os';

/** The holder string for this process: `host:pid:uuid`. */
export function leaseHolderFor(uuid: string): string {
  return `${hostname()}:${process.pid}:${uuid}`;
}

/**
 * True only when `holder` names a process on THIS host that is certainly gone (kill(pid, 0)
 * fails with ESRCH). A holder from another host, a malformed one, or a live, zombie or
 * foreign-owned (EPERM) process is not gone: its lease is left to expire.
 */
export function isLocalHolderGone(holder: string): boolean {
  const parts = holder.split(':');
  if (parts.length < 3) return false;
  const pidText = parts[parts.length - 2]!;
  const host = parts.slice(0, parts.length - 2).join(':');
  if (host !== hostname() || !/^\d+$/.test(pidText)) return false;
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
