/**
 * Module resolution hook (registered with `module.register`): the example's
 * `import { Command } from "@tauri-apps/plugin-shell"` loads the stand-in, since the real
 * plugin talks to a Tauri runtime through `window.__TAURI_INTERNALS__`.
 */

interface ResolveResult {
  url: string;
  shortCircuit?: boolean;
}

type NextResolve = (specifier: string, context: unknown) => Promise<ResolveResult>;

export async function resolve(specifier: string, context: unknown, nextResolve: NextResolve): Promise<ResolveResult> {
  if (specifier === "@tauri-apps/plugin-shell") {
    return { url: new URL("./plugin-shell-stand-in.js", import.meta.url).href, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
