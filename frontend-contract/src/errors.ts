/**
 * SidecarError: every failure a call can end with, wire errors and client-side ones alike.
 *
 * `kind` is the sidecar's `error.data.kind` for domain failures, and one of the client kinds
 * for the rest: `cancelled` (an AbortSignal, `$/cancelRequest`, or the sidecar shutting down),
 * `protocol` (a malformed request or an unknown method: a bug in the caller), `closed` (the
 * process is gone). `message` is always the sidecar's exact text, which the YTracker frontend
 * matches substrings of.
 */

import { ERROR_KINDS, PROTOCOL_ERROR_CODES, RETRYABLE_KINDS } from "./generated/errors.js";
import type { ErrorKind } from "./generated/errors.js";

export type ClientErrorKind = ErrorKind | "cancelled" | "protocol" | "closed";

/** A JSON-RPC error object as it arrives. */
export interface WireError {
  code: number;
  message: string;
  data?: unknown;
}

/** Codes for failures that never reached the sidecar or never came back from it. */
export const CLIENT_ERROR_CODES = {
  /** The call's own timeout passed (the request was then cancelled on the sidecar). */
  timeout: -32900,
  /** The process exited or could not be started. */
  closed: -32901,
} as const;

const BY_CODE: Record<number, ClientErrorKind> = {
  [PROTOCOL_ERROR_CODES.parse_error]: "protocol",
  [PROTOCOL_ERROR_CODES.invalid_request]: "protocol",
  [PROTOCOL_ERROR_CODES.method_not_found]: "protocol",
  [PROTOCOL_ERROR_CODES.invalid_params]: "invalid",
  [PROTOCOL_ERROR_CODES.internal_error]: "internal",
  [PROTOCOL_ERROR_CODES.request_cancelled]: "cancelled",
  [PROTOCOL_ERROR_CODES.server_shutting_down]: "cancelled",
};

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

function isErrorKind(value: unknown): value is ErrorKind {
  return typeof value === "string" && (ERROR_KINDS as readonly string[]).includes(value);
}

export class SidecarError extends Error {
  override readonly name = "SidecarError";
  readonly code: number;
  readonly kind: ClientErrorKind;
  /** The HTTP status Tracker answered with, when there was one. */
  readonly status: number | null;
  /** True for `rate_limited`, `server_error`, `network`, `timeout`: try again later. */
  readonly retryable: boolean;
  /** How long Tracker asked to wait (`Retry-After`), when it said. */
  readonly retryAfterMs: number | null;
  /** The wire `error.data` as sent (an `ErrorData`, `InvalidParamsData`, `IncidentData`). */
  readonly data: unknown;
  /** The method of the failed call, when known. */
  readonly method: string | undefined;

  constructor(
    message: string,
    fields: {
      code: number;
      kind: ClientErrorKind;
      status?: number | null;
      retryable?: boolean;
      retryAfterMs?: number | null;
      data?: unknown;
      method?: string;
    },
  ) {
    super(message);
    this.code = fields.code;
    this.kind = fields.kind;
    this.status = fields.status ?? null;
    this.retryable = fields.retryable ?? (RETRYABLE_KINDS as readonly string[]).includes(fields.kind);
    this.retryAfterMs = fields.retryAfterMs ?? null;
    this.data = fields.data;
    this.method = fields.method;
  }

  /** The error a JSON-RPC error object stands for. */
  static fromWire(error: WireError, method?: string): SidecarError {
    const data = record(error.data);
    const kind = isErrorKind(data["kind"]) ? data["kind"] : (BY_CODE[error.code] ?? "internal");
    const status = typeof data["status"] === "number" ? data["status"] : null;
    const retryAfter = typeof data["retryAfterMs"] === "number" ? data["retryAfterMs"] : null;
    const retryable = typeof data["retryable"] === "boolean" ? data["retryable"] : undefined;
    return new SidecarError(String(error.message), {
      code: error.code,
      kind,
      status,
      retryAfterMs: retryAfter,
      data: error.data,
      ...(retryable === undefined ? {} : { retryable }),
      ...(method === undefined ? {} : { method }),
    });
  }
}

/** What a UI should do with a failure, by kind (see the README's table). */
export type ErrorAction = "sign-in" | "show" | "retry-later" | "reload-and-retry" | "report" | "ignore";

export function suggestedAction(error: SidecarError): ErrorAction {
  switch (error.kind) {
    case "unauthenticated":
      return "sign-in";
    case "conflict":
      return "reload-and-retry";
    case "rate_limited":
    case "server_error":
    case "network":
    case "timeout":
      return "retry-later";
    case "internal":
    case "protocol":
      return "report";
    case "cancelled":
      return "ignore";
    default:
      return "show";
  }
}
