/**
 * @ytracker/sidecar-contract: the generated contract of ytracker-sidecar and its client.
 *
 * Transports live in their own entry points so a webview bundle never pulls in Node modules:
 * `@ytracker/sidecar-contract/transports/node` and `.../transports/tauri`.
 */

export * from "./generated/index.js";
export { createSidecarClient } from "./client.js";
export type { CallArgs, CallOptions, ClientOptions, SidecarClient } from "./client.js";
export { CLIENT_ERROR_CODES, SidecarError, suggestedAction } from "./errors.js";
export type { ClientErrorKind, ErrorAction, WireError } from "./errors.js";
export { LineSplitter, cleanLine } from "./lines.js";
export type { ExitInfo, Transport } from "./transport.js";
