/**
 * The typed JSON-RPC 2.0 client of the sidecar, over any Transport.
 *
 * Owns: request ids, the pending-call table, per-call timeouts, cancellation (an AbortSignal or
 * a timeout sends `$/cancelRequest`), notification routing (`on`, and `$/progress` to the call
 * it belongs to), and the close sequence (`shutdown`, `exit`, EOF, then kill after a grace
 * period). It never throws from the read path: a bad line goes to `onProtocolError`.
 */

import { CLIENT_ERROR_CODES, SidecarError } from "./errors.js";
import type { WireError } from "./errors.js";
import type { MethodName, ParamsOf, ResultOf } from "./generated/methods.js";
import type { NotificationName, Notifications } from "./generated/notifications.js";
import { PROTOCOL_ERROR_CODES } from "./generated/errors.js";
import type { Progress, Ready } from "./generated/types.js";
import type { ExitInfo, Transport } from "./transport.js";

export interface CallOptions {
  /** Aborting cancels the request on the sidecar and rejects with kind `cancelled`. */
  signal?: AbortSignal;
  /**
   * Give up after this many ms without an answer (progress restarts the clock); the request is
   * then cancelled on the sidecar and the call rejects with kind `timeout`. 0 disables it.
   */
  timeoutMs?: number;
  /** Receives this call's `$/progress` notifications (attachment transfers). */
  onProgress?: (progress: Progress) => void;
}

export interface ClientOptions {
  /** Default `timeoutMs` of every call (default 120000; 0 disables). */
  timeoutMs?: number;
  /** How long `close()` waits for a clean exit before killing (default 3000 ms). */
  closeGraceMs?: number;
  /** A stdout line that is not a JSON-RPC message, or a listener that threw. */
  onProtocolError?: (problem: string, detail: unknown) => void;
  /** Sees every frame sent and every message received (debugging, tests). */
  trace?: (direction: "send" | "recv", message: unknown) => void;
}

/** `call(method)` may omit params exactly when every param is optional. */
export type CallArgs<M extends MethodName> =
  {} extends ParamsOf<M>
    ? [params?: ParamsOf<M>, options?: CallOptions]
    : [params: ParamsOf<M>, options?: CallOptions];

export interface SidecarClient {
  /** Call a method of the contract; resolves with its result or rejects with SidecarError. */
  call<M extends MethodName>(method: M, ...args: CallArgs<M>): Promise<ResultOf<M>>;
  /** Call any method by name, untyped (the `invoke` layer and newer sidecars use it). */
  request(method: string, params?: unknown, options?: CallOptions): Promise<unknown>;
  /** Subscribe to a notification; returns the unsubscribe function. */
  on<N extends NotificationName>(event: N, handler: (params: Notifications[N]) => void): () => void;
  /** Subscribe to every notification, known or not. */
  onNotification(handler: (method: string, params: unknown) => void): () => void;
  /** Resolves with the `ready` notification (rejects if the process ends first). */
  readonly ready: Promise<Ready>;
  /** Resolves when the process has ended. */
  readonly exited: Promise<ExitInfo>;
  /** True once the process has ended. */
  readonly closed: boolean;
  /** `shutdown`, `exit`, EOF; kill after the grace period. Safe to call more than once. */
  close(options?: { graceMs?: number }): Promise<ExitInfo>;
}

interface Pending {
  method: string;
  resolve: (value: unknown) => void;
  reject: (error: SidecarError) => void;
  onProgress: ((progress: Progress) => void) | undefined;
  restartTimer: () => void;
  cleanup: () => void;
}

type Json = Record<string, unknown>;

const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_GRACE_MS = 3_000;
const KILL_WAIT_MS = 2_000;

export function createSidecarClient(transport: Transport, options: ClientOptions = {}): SidecarClient {
  return new Client(transport, options);
}

class Client implements SidecarClient {
  readonly ready: Promise<Ready>;
  readonly exited: Promise<ExitInfo>;
  closed = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<(params: unknown) => void>>();
  private readonly anyListeners = new Set<(method: string, params: unknown) => void>();
  private exitInfo: ExitInfo | null = null;
  private closing: Promise<ExitInfo> | null = null;
  private settleReady!: { resolve: (ready: Ready) => void; reject: (error: SidecarError) => void };
  private settleExit!: (info: ExitInfo) => void;

  constructor(
    private readonly transport: Transport,
    private readonly options: ClientOptions,
  ) {
    this.ready = new Promise((resolve, reject) => (this.settleReady = { resolve, reject }));
    this.ready.catch(() => undefined); // nobody awaiting `ready` must not mean an unhandled rejection
    this.exited = new Promise((resolve) => (this.settleExit = resolve));
    transport.onLine((line) => this.receive(line));
    transport.onExit((info) => this.ended(info));
  }

  call<M extends MethodName>(method: M, ...args: CallArgs<M>): Promise<ResultOf<M>> {
    const [params, callOptions] = args;
    return this.request(method, params ?? {}, callOptions) as Promise<ResultOf<M>>;
  }

  request(method: string, params?: unknown, options: CallOptions = {}): Promise<unknown> {
    if (this.exitInfo) return Promise.reject(this.closedError(method));
    if (options.signal?.aborted) return Promise.reject(cancelled(method));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, this.track(id, method, resolve, reject, options));
      this.write({ jsonrpc: "2.0", id, method, params: params ?? {} }).catch((error: unknown) =>
        this.fail(id, closedError(method, `cannot write to the sidecar: ${String(error)}`)),
      );
    });
  }

  on<N extends NotificationName>(event: N, handler: (params: Notifications[N]) => void): () => void {
    const set = this.listeners.get(event) ?? new Set();
    this.listeners.set(event, set);
    const untyped = handler as (params: unknown) => void;
    set.add(untyped);
    return () => set.delete(untyped);
  }

  onNotification(handler: (method: string, params: unknown) => void): () => void {
    this.anyListeners.add(handler);
    return () => this.anyListeners.delete(handler);
  }

  close(options: { graceMs?: number } = {}): Promise<ExitInfo> {
    this.closing ??= this.shutdown(options.graceMs ?? this.options.closeGraceMs ?? DEFAULT_GRACE_MS);
    return this.closing;
  }

  // -- calls ---------------------------------------------------------------------------------

  private track(
    id: number,
    method: string,
    resolve: (value: unknown) => void,
    reject: (error: SidecarError) => void,
    options: CallOptions,
  ): Pending {
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const restartTimer = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      if (timeoutMs > 0) timer = setTimeout(() => this.abandon(id, timedOut(method, timeoutMs)), timeoutMs);
    };
    const onAbort = (): void => this.abandon(id, cancelled(method));
    options.signal?.addEventListener("abort", onAbort, { once: true });
    restartTimer();
    const cleanup = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    };
    return { method, resolve, reject, onProgress: options.onProgress, restartTimer, cleanup };
  }

  /** The caller gave up (abort or timeout): tell the sidecar to stop, reject now. */
  private abandon(id: number, error: SidecarError): void {
    if (!this.pending.has(id)) return;
    this.fail(id, error);
    this.write({ jsonrpc: "2.0", method: "$/cancelRequest", params: { id } }).catch(() => undefined);
  }

  private fail(id: number, error: SidecarError): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    entry.cleanup();
    entry.reject(error);
  }

  private write(message: Json): Promise<void> {
    this.options.trace?.("send", message);
    return this.transport.send(JSON.stringify(message));
  }

  // -- inbound -------------------------------------------------------------------------------

  private receive(line: string): void {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch (error) {
      this.problem("a stdout line is not JSON", { line: line.slice(0, 200), error: String(error) });
      return;
    }
    for (const item of Array.isArray(message) ? message : [message]) this.dispatch(item);
  }

  private dispatch(message: unknown): void {
    this.options.trace?.("recv", message);
    if (typeof message !== "object" || message === null) {
      this.problem("a message is not an object", message);
      return;
    }
    const msg = message as Json;
    if (typeof msg["method"] === "string" && !("id" in msg)) this.notification(msg["method"], msg["params"]);
    else if ("id" in msg && ("result" in msg || "error" in msg)) this.response(msg);
    else this.problem("not a JSON-RPC response or notification", message);
  }

  private response(msg: Json): void {
    const id = msg["id"];
    const entry = typeof id === "number" ? this.pending.get(id) : undefined;
    if (!entry) {
      if (id === null && "error" in msg) this.problem("the sidecar rejected a frame", msg["error"]);
      return; // answered after the caller gave up: nothing is waiting
    }
    this.pending.delete(id as number);
    entry.cleanup();
    if ("error" in msg) entry.reject(SidecarError.fromWire(msg["error"] as WireError, entry.method));
    else entry.resolve(msg["result"]);
  }

  private notification(method: string, params: unknown): void {
    if (method === "ready") this.settleReady.resolve(params as Ready);
    if (method === "$/progress") this.progress(params as Progress);
    for (const handler of this.listeners.get(method) ?? []) this.safely(() => handler(params));
    for (const handler of this.anyListeners) this.safely(() => handler(method, params));
  }

  private progress(progress: Progress): void {
    const entry = typeof progress?.id === "number" ? this.pending.get(progress.id) : undefined;
    if (!entry) return;
    entry.restartTimer();
    if (entry.onProgress) this.safely(() => entry.onProgress!(progress));
  }

  private safely(run: () => void): void {
    try {
      run();
    } catch (error) {
      this.problem("a listener threw", error);
    }
  }

  private problem(problem: string, detail: unknown): void {
    this.options.onProtocolError?.(problem, detail);
  }

  // -- the end -------------------------------------------------------------------------------

  private ended(info: ExitInfo): void {
    if (this.exitInfo) return;
    this.exitInfo = info;
    this.closed = true;
    for (const id of [...this.pending.keys()]) this.fail(id, this.closedError(this.pending.get(id)!.method));
    this.settleReady.reject(this.closedError("ready"));
    this.settleExit(info);
  }

  private closedError(method: string): SidecarError {
    const info = this.exitInfo;
    const how = info?.error ?? (info ? `exited with code ${info.code}, signal ${info.signal}` : "is closing");
    return closedError(method, `The sidecar ${how}`);
  }

  private async shutdown(graceMs: number): Promise<ExitInfo> {
    if (this.exitInfo) return this.exitInfo;
    const deadline = delay(graceMs);
    const polite = (async () => {
      await this.request("shutdown", {}, { timeoutMs: graceMs }).catch(() => undefined);
      await this.write({ jsonrpc: "2.0", method: "exit" }).catch(() => undefined);
      await this.transport.closeInput?.().catch(() => undefined);
      await this.exited;
    })();
    await Promise.race([polite, deadline.promise]);
    deadline.cancel();
    if (!this.exitInfo) await this.transport.kill().catch(() => undefined);
    const lastChance = delay(KILL_WAIT_MS);
    await Promise.race([this.exited, lastChance.promise]);
    lastChance.cancel();
    this.ended({ code: null, signal: null, error: "did not exit after kill" }); // no-op if it did
    return this.exited;
  }
}

function cancelled(method: string): SidecarError {
  return new SidecarError("Request cancelled", {
    code: PROTOCOL_ERROR_CODES.request_cancelled,
    kind: "cancelled",
    method,
  });
}

function timedOut(method: string, ms: number): SidecarError {
  return new SidecarError(`request timed out: no answer to ${method} within ${ms} ms`, {
    code: CLIENT_ERROR_CODES.timeout,
    kind: "timeout",
    method,
  });
}

function closedError(method: string, message: string): SidecarError {
  return new SidecarError(message, { code: CLIENT_ERROR_CODES.closed, kind: "closed", method });
}

function delay(ms: number): { promise: Promise<void>; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return { promise, cancel: () => clearTimeout(timer) };
}
