/**
 * What the client needs from a process: frames out, lines in, and its end.
 *
 * A transport owns the child process and its pipes (spawning, line splitting, draining stderr);
 * the client owns the protocol. Lines that arrive before the client subscribes are queued.
 */

export interface ExitInfo {
  /** Exit code, or null when the process was killed by a signal or never started. */
  code: number | null;
  /** The terminating signal, when there was one. */
  signal: string | number | null;
  /** Why the process could not be started or talked to, when that is the reason it ended. */
  error?: string;
}

export interface Transport {
  /** Write one frame (a JSON text without newline); the transport adds "\n". */
  send(frame: string): Promise<void>;
  /** Receive each non-blank stdout line, CR stripped. Lines seen earlier are replayed. */
  onLine(listener: (line: string) => void): void;
  /** Called once when the process has ended and its stdout is fully read. */
  onExit(listener: (info: ExitInfo) => void): void;
  /** Close the child's stdin (EOF makes the sidecar exit), where the platform allows it. */
  closeInput?(): Promise<void>;
  /** Kill the process now. */
  kill(): Promise<void>;
}

/** A queue that holds items until its one consumer subscribes, then forwards them. */
export class Relay<T> {
  private queued: T[] = [];
  private listener: ((item: T) => void) | null = null;

  emit(item: T): void {
    if (this.listener) this.listener(item);
    else this.queued.push(item);
  }

  subscribe(listener: (item: T) => void): void {
    this.listener = listener;
    const queued = this.queued;
    this.queued = [];
    for (const item of queued) listener(item);
  }
}
