/**
 * Module resolution hook (registered with `module.register`): `import ... from "electron"` in
 * the example's compiled main process resolves to the stand-in instead of the Electron package
 * (whose `index.js` only exports the path of a binary that is not installed here).
 */

interface ResolveResult {
  url: string;
  shortCircuit?: boolean;
}

type NextResolve = (specifier: string, context: unknown) => Promise<ResolveResult>;

export async function resolve(specifier: string, context: unknown, nextResolve: NextResolve): Promise<ResolveResult> {
  if (specifier === "electron") return { url: new URL("./electron-stand-in.js", import.meta.url).href, shortCircuit: true };
  return nextResolve(specifier, context);
}
