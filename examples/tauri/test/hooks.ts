/**
 * Module resolution hook (registered with `module.register`): the example's imports of
 * `@tauri-apps/plugin-shell` load its stand-in, and those of the tray, menu, window,
 * notification and process modules load `tauri-stand-in.ts`, since the real modules talk to a
 * Tauri runtime through `window.__TAURI_INTERNALS__`.
 */

const TAURI_STAND_IN = new Set([
  "@tauri-apps/api/tray",
  "@tauri-apps/api/menu",
  "@tauri-apps/api/window",
  "@tauri-apps/plugin-notification",
  "@tauri-apps/plugin-process",
]);

interface ResolveResult {
  url: string;
  shortCircuit?: boolean;
}

type NextResolve = (specifier: string, context: unknown) => Promise<ResolveResult>;

export async function resolve(specifier: string, context: unknown, nextResolve: NextResolve): Promise<ResolveResult> {
  if (specifier === "@tauri-apps/plugin-shell") {
    return { url: new URL("./plugin-shell-stand-in.js", import.meta.url).href, shortCircuit: true };
  }
  if (TAURI_STAND_IN.has(specifier)) return { url: new URL("./tauri-stand-in.js", import.meta.url).href, shortCircuit: true };
  return nextResolve(specifier, context);
}
