import { MasError } from './errors.js';
import type { Homeserver } from './homeserver.js';
import type { MasLogger } from './log.js';
import type { MasStore } from './store.js';
import { newUlid } from './util.js';

/**
 * MAS's task worker (`crates/tasks`): jobs are queued in the database by the web handlers and
 * run asynchronously. A scenario can stall the worker (jobs stay queued, as when `mas-cli
 * server --no-worker` runs with no separate worker) or slow it down.
 */
export type JobQueue = 'provision-user' | 'sync-devices' | 'deactivate-user';

export interface Job {
  id: string;
  queue: JobQueue;
  payload: { user_id: string; display_name_to_set?: string; hs_erase?: boolean };
  attempt: number;
  status: 'scheduled' | 'running' | 'completed' | 'failed' | 'abandoned';
  createdAt: Date;
  /** earliest time the job may run (retries are scheduled later) */
  runAt: number;
  lastError?: string;
}

const MAX_ATTEMPTS = 10;
/** `retry_delay`: 5s, 10s, 20s, ... (new_queue.rs L185) */
const retryDelaySeconds = (attempt: number) => 2 ** attempt * 5;

export interface WorkerOptions {
  stalled: boolean;
  /** added before each job runs */
  delayMs: number;
  /** how many real milliseconds one second of MAS's retry back-off lasts in the sandbox */
  retryMsPerSecond: number;
}

export class Worker {
  private readonly queue: Job[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly store: MasStore,
    private readonly homeserver: () => Homeserver,
    private readonly logger: MasLogger,
    private readonly options: WorkerOptions,
    /** the worker runs inside MAS: nothing runs while MAS is not running */
    private readonly isRunning: () => boolean = () => true,
  ) {}

  /** called when MAS (re)starts */
  resume(): void {
    this.kick();
  }

  get stalled(): boolean {
    return this.options.stalled;
  }

  setStalled(stalled: boolean): void {
    this.options.stalled = stalled;
    this.kick();
    this.notify();
  }

  setDelay(delayMs: number): void {
    this.options.delayMs = delayMs;
  }

  /** every job ever scheduled, oldest first (a copy) */
  jobs(): Job[] {
    return this.queue.map((j) => ({ ...j, payload: { ...j.payload } }));
  }

  /** jobs still waiting to run */
  pending(): Job[] {
    return this.jobs().filter((j) => j.status === 'scheduled' || j.status === 'running');
  }

  schedule(queue: JobQueue, payload: Job['payload'], at = new Date()): Job {
    const job: Job = {
      id: newUlid(at.getTime()),
      queue,
      payload,
      attempt: 0,
      status: 'scheduled',
      createdAt: at,
      runAt: Date.now(),
    };
    this.queue.push(job);
    this.kick();
    return job;
  }

  /**
   * Resolves once no job can run now: the queue is empty, or the worker is stalled, or only
   * retries scheduled for later remain.
   */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.notify(true);
  }

  private isIdle(): boolean {
    if (this.running) return false;
    if (this.options.stalled || this.closed || !this.isRunning()) return true;
    const now = Date.now();
    return !this.queue.some((j) => j.status === 'scheduled' && j.runAt <= now);
  }

  private notify(force = false): void {
    if (!force && !this.isIdle()) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private kick(): void {
    if (this.closed || this.options.stalled || !this.isRunning() || this.running || this.timer) return;
    const next = this.queue.filter((j) => j.status === 'scheduled').sort((a, b) => a.runAt - b.runAt)[0];
    if (!next) return this.notify();
    const wait = Math.max(0, next.runAt - Date.now()) + this.options.delayMs;
    if (next.runAt > Date.now()) this.notify();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.options.stalled || this.closed || !this.isRunning()) return this.notify();
      this.running = this.run(next).finally(() => {
        this.running = undefined;
        this.kick();
        this.notify();
      });
    }, wait);
    this.timer.unref?.();
  }

  private async run(job: Job): Promise<void> {
    const ctx = this.logger.context(`job-${job.queue}`);
    const started = performance.now();
    job.status = 'running';
    const fields = { 'job.id': job.id, 'job.queue.name': job.queue, 'job.attempt': job.attempt };
    this.logger.write('INFO', 'mas_tasks::new_queue', 910, 'Running job', fields, ctx);
    let decision: 'ok' | 'fail' | 'retry' = 'ok';
    let error: MasError | undefined;
    try {
      await this.execute(job, ctx);
    } catch (err) {
      error = err instanceof MasError ? err : new MasError(String((err as Error)?.message ?? err));
      decision = (err as { fail?: boolean }).fail ? 'fail' : 'retry';
    }
    const elapsed = performance.now() - started;
    const stats = `[polls: 3, cpu: 0.4ms, db: 0.0ms, elapsed: ${elapsed.toFixed(1)}ms, queries: 4, fetched: 2]`;
    if (decision === 'ok') {
      job.status = 'completed';
      this.logger.write('INFO', 'mas_tasks::new_queue', 934, `Job completed ${stats}`, fields, ctx);
      return;
    }
    job.lastError = [error!.message, ...error!.sources].join(': ');
    const withError = { error: error!, ...fields };
    if (decision === 'fail') {
      job.status = 'failed';
      this.logger.write(
        'ERROR',
        'mas_tasks::new_queue',
        946,
        `Job failed, not retrying ${stats}`,
        withError,
        ctx,
      );
    } else if (job.attempt < MAX_ATTEMPTS) {
      const delay = retryDelaySeconds(job.attempt);
      this.logger.write(
        'WARN',
        'mas_tasks::new_queue',
        960,
        `Job failed, will retry in ${delay}s ${stats}`,
        withError,
        ctx,
      );
      job.attempt += 1;
      job.status = 'scheduled';
      job.runAt = Date.now() + delay * this.options.retryMsPerSecond;
    } else {
      job.status = 'abandoned';
      this.logger.write(
        'ERROR',
        'mas_tasks::new_queue',
        974,
        `Job failed too many times, abandonning ${stats}`,
        withError,
        ctx,
      );
    }
  }

  private async execute(job: Job, ctx: string): Promise<void> {
    const user = this.store.users.get(job.payload.user_id);
    if (!user) throw Object.assign(new MasError('User not found'), { fail: true });
    const hs = this.homeserver();
    switch (job.queue) {
      case 'provision-user': {
        const emails = this.store.emailsOf(user.id).map((e) => e.email);
        const created = await hs.provisionUser({
          localpart: user.username,
          locked: user.lockedAt !== null,
          emails,
          displayname: job.payload.display_name_to_set,
        });
        this.logger.write(
          'INFO',
          'mas_tasks::matrix',
          created ? 81 : 83,
          created ? 'User created' : 'User updated',
          { 'user.id': user.id, mxid: hs.mxid(user.username) },
          ctx,
        );
        this.schedule('sync-devices', { user_id: user.id });
        return;
      }
      case 'sync-devices': {
        const devices = new Set<string>();
        for (const s of this.store.oauthSessions.values()) {
          if (s.userId !== user.id || s.finishedAt) continue;
          for (const scope of s.scope) {
            const m = /^urn:matrix:(?:client|org\.matrix\.msc2967\.client):device:(.+)$/.exec(scope);
            if (m) devices.add(m[1]!);
          }
        }
        await hs.syncDevices(user.username, [...devices]);
        return;
      }
      case 'deactivate-user': {
        user.deactivatedAt ??= new Date();
        for (const s of this.store.browserSessions.values())
          if (s.userId === user.id && !s.finishedAt) s.finishedAt = new Date();
        for (const s of this.store.oauthSessions.values())
          if (s.userId === user.id && !s.finishedAt) s.finishedAt = new Date();
        for (const e of this.store.emailsOf(user.id)) this.store.emails.delete(e.id);
        await hs.deleteUser(user.username, job.payload.hs_erase ?? true);
        return;
      }
    }
  }
}
