// HTTP benchmark (npm run bench:http): requests/s and p99 latency of GET /tasks/:id and POST /tasks
// (simulated provider) next to Fastify's bare hello world, measured in the same run with
// autocannon on loopback, once with the servers and autocannon on separate CPUs and once
// sharing them (see placements()). Every API run sits between two bare runs, and its ratio is
// to their mean, so that the shared machine's changing load cancels out. Then 1,000 concurrent SSE subscribers to one running task,
// each of which must receive every event. Prints tables and writes bench/results/http.json.
// Not a test.

import { type ChildProcessWithoutNullStreams, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { COMPILED, RESULTS_DIR } from './results-dir.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? '5');
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? '3');
const CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? '50');
const SUBSCRIBERS = Number(process.env.BENCH_SSE_SUBSCRIBERS ?? '1000');
// BENCH_HTTP_ONLY=sse runs the fan-out alone.
const LATENCY_SCALE = Number(process.env.BENCH_LATENCY_SCALE ?? '0.01');

interface Target {
  url: string;
  token?: string;
  taskId?: string;
  runningTaskId?: string;
  child: ChildProcessWithoutNullStreams;
}

async function startTarget(mode: string): Promise<Target> {
  // BENCH_TARGET_NODE_ARGS, e.g. "--cpu-prof", profiles the server side.
  const nodeArgs = (process.env.BENCH_TARGET_NODE_ARGS ?? '').split(' ').filter(Boolean);
  // The compiled target beside the compiled benchmark (npm run bench:http), else the source through tsx.
  const target = COMPILED
    ? [join(HERE, 'http-target.js')]
    : ['--import', 'tsx', join(HERE, 'http-target.ts')];
  const child = spawn(process.execPath, [...nodeArgs, ...target, mode], {
    env: { ...process.env },
  });
  child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n')[0];
      if (output.includes('\n') && line) resolve({ ...(JSON.parse(line) as Omit<Target, 'child'>), child });
    });
    child.on('exit', (code) => reject(new Error(`bench target ${mode} exited with ${code}`)));
  });
}

async function stopTarget(target: Target): Promise<void> {
  const exited = new Promise((resolve) => target.child.once('close', resolve));
  target.child.kill('SIGTERM');
  await exited;
}

interface LoadResult {
  name: string;
  requests_per_second: number;
  p50_ms: number;
  p99_ms: number;
  non_2xx: number;
  errors: number;
}

/** Scenarios already warmed up: a short first run lets the JIT settle before anything is measured. */
const warmed = new Set<string>();

async function load(name: string, options: autocannon.Options): Promise<LoadResult> {
  if (!warmed.has(name)) {
    warmed.add(name);
    await autocannon({ ...options, duration: 1 });
  }
  const result = await autocannon({ ...options, duration: SECONDS, connections: CONNECTIONS });
  return {
    name,
    requests_per_second: Math.round(result.requests.average),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    non_2xx: result.non2xx,
    errors: result.errors,
  };
}

interface SseResult {
  subscribers: number;
  events_in_task: number;
  complete_subscribers: number;
  min_events: number;
  max_events: number;
  task_status_when_all_connected: string;
  connect_seconds: number;
  total_seconds: number;
}

/** Opens one SSE connection and counts its event frames until the server ends the stream. */
function subscribe(url: string, token: string): { connected: Promise<void>; done: Promise<number[]> } {
  let onConnected: () => void = () => {};
  const connected = new Promise<void>((resolve) => {
    onConnected = resolve;
  });
  const done = new Promise<number[]>((resolve, reject) => {
    const outgoing = request(
      url,
      { agent: false, headers: { authorization: `Bearer ${token}` } },
      (response) => {
        if (response.statusCode !== 200) reject(new Error(`SSE answered ${response.statusCode}`));
        onConnected();
        const seqs: number[] = [];
        let buffer = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          buffer += chunk;
          let end = buffer.indexOf('\n\n');
          while (end >= 0) {
            const id = /^id: (\d+)$/m.exec(buffer.slice(0, end));
            if (id) seqs.push(Number(id[1]));
            buffer = buffer.slice(end + 2);
            end = buffer.indexOf('\n\n');
          }
        });
        response.on('end', () => resolve(seqs));
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
  return { connected, done };
}

async function taskStatus(target: Target, taskId: string): Promise<string> {
  const response = await fetch(`${target.url}/tasks/${taskId}`, {
    headers: { authorization: `Bearer ${target.token}` },
  });
  return ((await response.json()) as { status: string }).status;
}

async function sseFanOut(target: Target): Promise<SseResult> {
  const token = target.token!;
  // Twenty subtasks in a chain, 400 ms each (after the target's latency scale): about eight
  // seconds of live events, so that every subscriber joins while the task runs.
  const latency = Math.round(400 / LATENCY_SCALE);
  const plan = {
    subtasks: Array.from({ length: 20 }, (_, index) => ({
      description: `step ${index} [[sim latency=${latency}]]`,
      depends_on: index === 0 ? [] : [index - 1],
    })),
  };
  const submitted = await fetch(`${target.url}/tasks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ plan }),
  });
  const { id } = (await submitted.json()) as { id: string };
  const started = performance.now();
  const subscriptions = Array.from({ length: SUBSCRIBERS }, () =>
    subscribe(`${target.url}/tasks/${id}/events`, token),
  );
  await Promise.all(subscriptions.map((subscription) => subscription.connected));
  const connectSeconds = (performance.now() - started) / 1000;
  const statusWhenConnected = await taskStatus(target, id);
  const received = await Promise.all(subscriptions.map((subscription) => subscription.done));
  const totalSeconds = (performance.now() - started) / 1000;
  const reference = await subscribe(`${target.url}/tasks/${id}/events`, token).done;
  const expected = reference.join(',');
  const finalStatus = await taskStatus(target, id);
  if (finalStatus !== 'completed') throw new Error(`the fan-out task ended ${finalStatus}`);
  const counts = received.map((seqs) => seqs.length);
  return {
    subscribers: SUBSCRIBERS,
    events_in_task: reference.length,
    complete_subscribers: received.filter((seqs) => seqs.join(',') === expected).length,
    min_events: Math.min(...counts),
    max_events: Math.max(...counts),
    task_status_when_all_connected: statusWhenConnected,
    connect_seconds: Number(connectSeconds.toFixed(2)),
    total_seconds: Number(totalSeconds.toFixed(2)),
  };
}

interface Scenario {
  name: string;
  options: autocannon.Options;
  runs: LoadResult[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Where the processes run. `separate`: the servers on the last CPU, autocannon (this process)
 * on the others, as a load generator on its own machine would be, so that it never takes the
 * server's CPU. `shared`: every process may use every CPU, and the scheduler decides. Needs
 * `taskset` (util-linux) and two CPUs; otherwise only `shared` is measured.
 */
interface Placement {
  name: 'separate' | 'shared';
  client: string;
  server: string;
}

function placements(): Placement[] {
  const cpus = availableParallelism();
  const all = `0-${cpus - 1}`;
  const shared: Placement = { name: 'shared', client: all, server: all };
  const hasTaskset = spawnSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' }).status === 0;
  if (cpus < 2 || !hasTaskset || process.env.BENCH_HTTP_PLACEMENT === 'shared') return [shared];
  const separate: Placement = {
    name: 'separate',
    client: cpus === 2 ? '0' : `0-${cpus - 2}`,
    server: String(cpus - 1),
  };
  return process.env.BENCH_HTTP_PLACEMENT === 'separate' ? [separate] : [separate, shared];
}

/** Sets the CPUs every thread of a process may run on. */
function pin(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}

interface Row {
  name: string;
  requests_per_second: number;
  p50_ms: number;
  p99_ms: number;
  vs_bare: number;
  non_2xx: number;
  errors: number;
  rounds: number[];
}

/**
 * Each API run is compared with the bare runs just before and after it (their mean), so that
 * a change in the machine's load during the round cancels out; a ratio is the median of those.
 */
function summarise(bare: Scenario, scenarios: Scenario[]): Row[] {
  const row = (scenario: Scenario, ratios: number[]): Row => ({
    name: scenario.name,
    requests_per_second: median(scenario.runs.map((run) => run.requests_per_second)),
    p50_ms: median(scenario.runs.map((run) => run.p50_ms)),
    p99_ms: median(scenario.runs.map((run) => run.p99_ms)),
    vs_bare: median(ratios),
    non_2xx: scenario.runs.reduce((sum, run) => sum + run.non_2xx, 0),
    errors: scenario.runs.reduce((sum, run) => sum + run.errors, 0),
    rounds: scenario.runs.map((run) => run.requests_per_second),
  });
  const bareRate = (position: number) => bare.runs[position]!.requests_per_second;
  const perRound = scenarios.length + 1;
  return [
    row(
      bare,
      bare.runs.map(() => 1),
    ),
    ...scenarios.map((scenario, index) =>
      row(
        scenario,
        scenario.runs.map((run, round) => {
          const before = bareRate(round * perRound + index);
          const after = bareRate(round * perRound + index + 1);
          return run.requests_per_second / ((before + after) / 2);
        }),
      ),
    ),
  ];
}

function printRows(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  console.log(`${'route'.padEnd(56)}   req/s   p50 ms  p99 ms  vs bare  rounds (req/s)`);
  for (const row of rows) {
    const ratio = `${Math.round(row.vs_bare * 100)}%`;
    const problems = row.non_2xx || row.errors ? `  (non-2xx ${row.non_2xx}, errors ${row.errors})` : '';
    console.log(
      `${row.name.padEnd(56)} ${String(Math.round(row.requests_per_second)).padStart(7)} ${String(row.p50_ms).padStart(8)} ${String(row.p99_ms).padStart(7)} ${ratio.padStart(8)}  ${row.rounds.join(' / ')}${problems}`,
    );
  }
}

async function main(): Promise<void> {
  if (process.env.BENCH_HTTP_ONLY === 'sse') {
    const target = await startTarget('symbiont');
    console.log(await sseFanOut(target));
    await stopTarget(target);
    return;
  }
  const targets = await Promise.all(['hello', 'symbiont', 'symbiont-memory'].map(startTarget));
  const [hello, sqlite, memory] = targets as [Target, Target, Target];
  const auth = (target: Target) => ({ authorization: `Bearer ${target.token}` });
  const bareScenario = (): Scenario => ({
    name: 'bare Fastify hello world',
    options: { url: `${hello.url}/hello` },
    runs: [],
  });
  const scenarioList = (): Scenario[] => [
    ...(
      [
        ['sqlite', sqlite],
        ['memory', memory],
      ] as const
    ).flatMap(([label, server]) => [
      {
        name: `GET /tasks/:id (${label}, finished task)`,
        options: { url: `${server.url}/tasks/${server.taskId}`, headers: auth(server) },
        runs: [],
      },
      {
        name: `GET /tasks/:id (${label}, running task)`,
        options: { url: `${server.url}/tasks/${server.runningTaskId}`, headers: auth(server) },
        runs: [],
      },
    ]),
  ];
  const results: Record<string, { client_cpus: string; server_cpus: string; loads: Row[] }> = {};
  let post: LoadResult | undefined;
  for (const placement of placements()) {
    pin(process.pid, placement.client);
    for (const target of targets) pin(target.child.pid!, placement.server);
    const bare = bareScenario();
    const scenarios = scenarioList();
    // Each round brackets every API run between two bare runs (bare, API 1, bare, API 2, ...,
    // bare), so that a change in the machine's load hits both sides of each ratio alike.
    for (let round = 0; round < ROUNDS; round++) {
      for (const scenario of scenarios) {
        bare.runs.push(await load(bare.name, bare.options));
        scenario.runs.push(await load(scenario.name, scenario.options));
      }
      bare.runs.push(await load(bare.name, bare.options));
    }
    const rows = summarise(bare, scenarios);
    if (post === undefined) {
      post = await load('POST /tasks (sqlite, simulated, answered once planned)', {
        url: `${sqlite.url}/tasks`,
        method: 'POST',
        headers: { ...auth(sqlite), 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'Draft a plan. Then review it. Then summarise it.' }),
      });
      rows.push({
        ...post,
        vs_bare: post.requests_per_second / rows[0]!.requests_per_second,
        rounds: [post.requests_per_second],
      });
    }
    results[placement.name] = { client_cpus: placement.client, server_cpus: placement.server, loads: rows };
  }
  await Promise.all(targets.map(stopTarget));
  pin(process.pid, `0-${availableParallelism() - 1}`);

  const sseTarget = await startTarget('symbiont');
  const sse = await sseFanOut(sseTarget);
  await stopTarget(sseTarget);

  for (const [name, result] of Object.entries(results)) {
    const where =
      name === 'separate'
        ? `servers on CPU ${result.server_cpus}, autocannon on CPU ${result.client_cpus}`
        : 'servers and autocannon share every CPU';
    printRows(
      `HTTP on loopback, ${where}; ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s (Node ${process.version}); medians`,
      result.loads,
    );
  }
  console.log(
    `\nSSE fan-out: ${sse.subscribers} subscribers to one running task of ${sse.events_in_task} events: ` +
      `${sse.complete_subscribers} received every event in order (min ${sse.min_events}, max ${sse.max_events}); ` +
      `all connected in ${sse.connect_seconds} s (task then ${sse.task_status_when_all_connected}), ` +
      `all done in ${sse.total_seconds} s`,
  );
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(
    join(RESULTS_DIR, 'http.json'),
    `${JSON.stringify({ node: process.version, cpus: availableParallelism(), connections: CONNECTIONS, seconds: SECONDS, rounds: ROUNDS, placements: results, sse }, null, 2)}\n`,
  );
  console.log('wrote bench/results/http.json');
}

await main();
