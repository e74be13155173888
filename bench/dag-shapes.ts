// DAG shapes for the engine benchmark, generated from a seeded random source so that every
// run measures the same graphs.

export interface BenchDag {
  name: string;
  dependsOn: number[][];
  durations: number[];
}

/** Mulberry32: a tiny seeded PRNG (benchmarks only). */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function durationsFor(count: number, random: () => number, min: number, max: number): number[] {
  return Array.from({ length: count }, () => Math.round(min + random() * (max - min)));
}

export function fanOutFanIn(width: number, random: () => number, min: number, max: number): BenchDag {
  const dependsOn: number[][] = [[]];
  for (let index = 1; index <= width; index++) dependsOn.push([0]);
  dependsOn.push(Array.from({ length: width }, (_, index) => index + 1));
  return {
    name: `fan-out/fan-in (1-${width}-1)`,
    dependsOn,
    durations: durationsFor(width + 2, random, min, max),
  };
}

export function layeredRandom(
  layers: number,
  width: number,
  edgeChance: number,
  random: () => number,
  min: number,
  max: number,
): BenchDag {
  const dependsOn: number[][] = [];
  for (let layer = 0; layer < layers; layer++) {
    for (let column = 0; column < width; column++) {
      const deps: number[] = [];
      if (layer > 0) {
        const previousStart = (layer - 1) * width;
        for (let other = 0; other < width; other++)
          if (random() < edgeChance) deps.push(previousStart + other);
        if (deps.length === 0) deps.push(previousStart + Math.floor(random() * width));
        // Occasionally an edge skipping a layer.
        if (layer > 1 && random() < 0.2) deps.push((layer - 2) * width + Math.floor(random() * width));
      }
      dependsOn.push(deps);
    }
  }
  return {
    name: `layered random (${layers}x${width})`,
    dependsOn,
    durations: durationsFor(layers * width, random, min, max),
  };
}

export function parallelChains(lengths: number[], random: () => number, min: number, max: number): BenchDag {
  const dependsOn: number[][] = [];
  for (const length of lengths) {
    const start = dependsOn.length;
    for (let step = 0; step < length; step++) dependsOn.push(step === 0 ? [] : [start + step - 1]);
  }
  return {
    name: `parallel chains (${lengths.join(',')})`,
    dependsOn,
    durations: durationsFor(dependsOn.length, random, min, max),
  };
}
