// Resume in bounded batches: at most `batchSize` resumed tasks run at once; the next waiting
// task starts when one of them ends. A restart with hundreds of interrupted tasks never loads
// and runs them all at once (the memory that killed the process the first time).

export class ResumeQueue {
  private readonly waiting: string[] = [];
  private readonly queued = new Set<string>();
  private readonly active = new Set<string>();
  private pumping: Promise<string[]> | undefined;

  constructor(
    private readonly batchSize: number,
    /** Starts the task; true when it runs here now. */
    private readonly resume: (taskId: string) => Promise<boolean>,
    /** Called with a failure to start a waiting task (it stays unfinished, resumable later). */
    private readonly onError: (taskId: string, error: unknown) => void = () => {},
  ) {}

  /** Queues the ids (once each) and starts what fits; resolves with the ids started by this call. */
  async add(taskIds: readonly string[]): Promise<string[]> {
    for (const taskId of taskIds) {
      if (this.queued.has(taskId) || this.active.has(taskId)) continue;
      this.queued.add(taskId);
      this.waiting.push(taskId);
    }
    return this.pump();
  }

  /** Ids waiting for a place. */
  pending(): readonly string[] {
    return this.waiting;
  }

  /** A resumed task's run ended: its place goes to the next waiting task. */
  ended(taskId: string): void {
    if (this.active.delete(taskId) && this.waiting.length > 0) void this.pump();
  }

  /** Forgets the waiting tasks (the manager is closing). */
  clear(): void {
    this.waiting.length = 0;
    this.queued.clear();
  }

  private async pump(): Promise<string[]> {
    while (this.pumping) await this.pumping;
    this.pumping = (async () => {
      const started: string[] = [];
      while (this.active.size < this.batchSize && this.waiting.length > 0) {
        const taskId = this.waiting.shift()!;
        this.queued.delete(taskId);
        this.active.add(taskId);
        let runs = false;
        try {
          runs = await this.resume(taskId);
        } catch (error) {
          this.onError(taskId, error);
        }
        if (runs) started.push(taskId);
        else this.active.delete(taskId);
      }
      return started;
    })();
    try {
      return await this.pumping;
    } finally {
      this.pumping = undefined;
    }
  }
}
