import { promises as fsPromises } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../logger';
import { type SqliteDatabase, walFile } from './sqlite-database';

/**
 * SQLite checkpoints a WAL-mode database inside the commit that takes the WAL past 1,000 pages:
 * that commit copies the pages into the database file and flushes it, on the thread that
 * committed, which here is the event loop. In an alert storm that is a stall of several
 * milliseconds every few hundred batches, felt by every request and chat turn in flight.
 *
 * Instead, the bot's connection checkpoints nothing itself, and a worker thread with a connection
 * of its own runs a PASSIVE checkpoint a few times a second. A passive checkpoint never takes the
 * writer's lock, so the event loop's commits neither wait for it nor do its work; once it has
 * copied every page, the next commit starts the WAL over from its beginning, as after SQLite's own.
 * The worker starts only once the WAL has grown past `startAtBytes` (most databases, and every
 * short test, never need it). Should the worker fail, SQLite's own checkpoints are switched back on.
 */
export interface CheckpointerOptions {
  readonly logger: Logger;
  /** How often the WAL is looked at, and checkpointed once the worker runs (default 250 ms). */
  readonly intervalMs?: number;
  /** The WAL size that starts the worker (default 1 MB, a quarter of where SQLite would checkpoint). */
  readonly startAtBytes?: number;
}

export interface CheckpointerState {
  /** The worker runs the checkpoints. */
  readonly workerRunning: boolean;
  /** Checkpoints the worker has run. */
  readonly checkpoints: number;
  /** The WAL's pages at the last checkpoint, and how many of them are in the database file. */
  readonly last: { readonly walPages: number; readonly copiedPages: number } | undefined;
  /** The worker failed; SQLite's own checkpoints are back on. */
  readonly fellBack: boolean;
}

/** SQLite's own default: a checkpoint in the commit that takes the WAL past this many pages. */
const sqliteDefaultAutocheckpointPages = 1_000;

type WorkerReport = { readonly kind: 'checkpointed'; readonly walPages: number; readonly copiedPages: number } | { readonly kind: 'failed'; readonly reason: string };

/**
 * The worker's code, run from source (eval) so the same text serves the compiled build, tsx and
 * jest, none of which would agree on a worker file's path. The driver comes by absolute path.
 */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ kind: 'checkpointed', walPages: result.log, copiedPages: result.checkpointed });
  } catch (error) {
    parentPort.postMessage({ kind: 'failed', reason: error && error.message ? error.message : String(error) });
  }
});
`;

export class BackgroundCheckpointer {
  private readonly timer: NodeJS.Timeout;
  private worker: Worker | undefined;
  private busy = false;
  private stopped = false;
  private checkpoints = 0;
  private last: CheckpointerState['last'];
  private fellBack = false;
  /** A checkpoint asked for and not yet answered (stop waits for it). */
  private pending: Promise<void> | undefined;

  private constructor(
    private readonly db: SqliteDatabase,
    private readonly options: CheckpointerOptions,
  ) {
    db.pragma('wal_autocheckpoint = 0');
    this.timer = setInterval(() => void this.tick(), options.intervalMs ?? 250);
    this.timer.unref();
  }

  /** Takes over the checkpoints of a file database in WAL mode; undefined for an in-memory one (it has no WAL). */
  static start(db: SqliteDatabase, options: CheckpointerOptions): BackgroundCheckpointer | undefined {
    if (db.memory) return undefined;
    return new BackgroundCheckpointer(db, options);
  }

  state(): CheckpointerState {
    return { workerRunning: this.worker !== undefined, checkpoints: this.checkpoints, last: this.last, fellBack: this.fellBack };
  }

  /** Stops the timer and the worker; the connection is left as it was opened, for its close to checkpoint what is left. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.pending;
    const worker = this.worker;
    this.worker = undefined;
    if (worker === undefined) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('close');
    // A worker that does not close within a second is ended; its connection goes with its thread.
    const ended = setTimeout(() => void worker.terminate(), 1_000);
    ended.unref();
    await exited;
    clearTimeout(ended);
  }

  private async tick(): Promise<void> {
    if (this.busy || this.stopped || this.fellBack) return;
    this.busy = true;
    try {
      if (this.worker === undefined && !(await this.walOutgrown())) return;
      if (this.stopped) return;
      this.pending = this.checkpoint();
      await this.pending;
    } finally {
      this.busy = false;
      this.pending = undefined;
    }
  }

  private async walOutgrown(): Promise<boolean> {
    try {
      const { size } = await fsPromises.stat(walFile(this.db));
      return size >= (this.options.startAtBytes ?? 1024 * 1024);
    } catch {
      // No WAL yet (nothing written since it was last removed).
      return false;
    }
  }

  private checkpoint(): Promise<void> {
    const worker = (this.worker ??= this.startWorker());
    return new Promise<void>((resolve) => {
      const onReport = (report: WorkerReport): void => {
        worker.off('exit', onExit);
        if (report.kind === 'checkpointed') {
          this.checkpoints += 1;
          this.last = { walPages: report.walPages, copiedPages: report.copiedPages };
        } else this.fallBack(`the checkpoint failed: ${report.reason}`);
        resolve();
      };
      const onExit = (): void => {
        worker.off('message', onReport);
        resolve();
      };
      worker.once('message', onReport);
      worker.once('exit', onExit);
      worker.postMessage('checkpoint');
    });
  }

  private startWorker(): Worker {
    const worker = new Worker(workerSource, { eval: true, workerData: { driver: require.resolve('better-sqlite3'), file: this.db.name } });
    worker.unref();
    worker.on('error', (error) => this.fallBack(`the checkpoint worker failed: ${error.message}`));
    worker.on('exit', () => {
      if (this.worker === worker && !this.stopped) this.fallBack('the checkpoint worker stopped');
    });
    return worker;
  }

  private fallBack(reason: string): void {
    if (this.fellBack || this.stopped) return;
    this.fellBack = true;
    clearInterval(this.timer);
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
    // The event loop pays for checkpoints again, but the WAL stays bounded.
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${sqliteDefaultAutocheckpointPages}`);
    this.options.logger.warn({ reason }, 'WAL checkpoints are back on the event loop');
  }
}
