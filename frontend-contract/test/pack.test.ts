/**
 * The package as a user gets it: `npm pack` of a copy of this folder without `dist/` (a fresh
 * clone), the tarball installed into a scratch project, the README's client example compiled
 * there with `tsc --strict` and run against the real sidecar in `--demo` mode, and a typed use
 * whose deliberate mistakes must be type errors (so the types are real, not `any`).
 */

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";

import { PACKAGE_DIR, REPO } from "./helpers.js";

const run = promisify(execFile);
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const PACKED = ["src", "package.json", "tsconfig.json", "tsconfig.build.json", "README.md", "LICENSE"];

interface PackResult {
  filename: string;
  files: Array<{ path: string }>;
}

/** The first ```ts block of the README's "## The client" section. */
export function readmeClientExample(readme: string): string {
  const section = readme.split("\n## The client\n")[1];
  assert.ok(section, "README has a '## The client' section");
  const block = /```ts\n([\s\S]*?)\n```/.exec(section);
  assert.ok(block?.[1], "that section has a ```ts block");
  return block[1] + "\n";
}

/** What the example spawns: a frozen binary, else the venv's `ytracker-sidecar` script. */
function sidecarExecutable(): string {
  const binary = process.env["YTRACKER_SIDECAR_BIN"];
  if (binary) return binary;
  const script = process.platform === "win32" ? [".venv", "Scripts", "ytracker-sidecar.exe"] : [".venv", "bin", "ytracker-sidecar"];
  return join(REPO, ...script);
}

const TYPED_USE = `import { createSidecarClient } from "@ytracker/sidecar-contract";
import type { Issue, TimerState } from "@ytracker/sidecar-contract";
import { invoke } from "@ytracker/sidecar-contract/compat";
import { spawnSidecar } from "@ytracker/sidecar-contract/transports/node";

export async function typedUse(): Promise<Issue> {
  const client = createSidecarClient(spawnSidecar({ command: "ytracker-sidecar" }));
  // @ts-expect-error issueKey is a string
  await client.call("get_issue", { issueKey: 1 });
  // @ts-expect-error there is no such method
  await client.call("get_issuez", {});
  // @ts-expect-error a TimerState has no 'running'
  client.on("timer-tick", (state: TimerState) => state.running);
  await invoke<boolean>("has_session");
  return client.call("get_issue", { issueKey: "DESK-1" });
}
`;

describe("npm pack → install the tarball → tsc and run the README example", () => {
  let scratch: string;
  let packed: PackResult;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), "ytracker-pack-"));
    const copy = join(scratch, "clone");
    mkdirSync(copy);
    for (const name of PACKED) cpSync(join(PACKAGE_DIR, name), join(copy, name), { recursive: true });
    symlinkSync(join(PACKAGE_DIR, "node_modules"), join(copy, "node_modules"), "junction");
    const { stdout } = await run(NPM, ["pack", "--json", "--pack-destination", scratch], { cwd: copy });
    packed = (JSON.parse(stdout.slice(stdout.indexOf("["))) as PackResult[])[0]!;
  });

  after(() => rmSync(scratch, { recursive: true, force: true }));

  it("packs dist/ with types, the README and the LICENSE, and nothing of the tests", () => {
    const files = packed.files.map((file) => file.path);
    for (const expected of [
      "package.json",
      "README.md",
      "LICENSE",
      "dist/src/index.js",
      "dist/src/index.d.ts",
      "dist/src/compat.d.ts",
      "dist/src/transports/node.d.ts",
      "dist/src/transports/tauri.d.ts",
      "dist/src/generated/types.d.ts",
    ]) {
      assert.ok(files.includes(expected), `${expected} is in the tarball`);
    }
    assert.deepEqual(
      files.filter((file) => file.includes("test")),
      [],
    );
    const manifest = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8")) as Record<string, unknown>;
    assert.equal(manifest["private"], undefined, "a private package cannot be published");
    const license = readFileSync(join(PACKAGE_DIR, "LICENSE"), "utf8");
    assert.equal(license, readFileSync(join(REPO, "LICENSE"), "utf8"), "frontend-contract/LICENSE is the repository's");
  });

  it("installs into a scratch project, where tsc --strict accepts the example and rejects typed mistakes", async () => {
    const project = join(scratch, "app");
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    await run(NPM, ["install", "--no-audit", "--no-fund", "--ignore-scripts", join(scratch, packed.filename)], {
      cwd: project,
    });
    writeFileSync(join(project, "demo.ts"), readmeClientExample(readFileSync(join(PACKAGE_DIR, "README.md"), "utf8")));
    writeFileSync(join(project, "typed.ts"), TYPED_USE);
    writeFileSync(join(project, "tsconfig.json"), JSON.stringify(scratchTsconfig()));
    const tsc = join(PACKAGE_DIR, "node_modules", "typescript", "bin", "tsc");
    await run(process.execPath, [tsc, "-p", project]);
    assert.ok(existsSync(join(project, "demo.js")));
  });

  it("runs the README example as written against --demo", async () => {
    const project = join(scratch, "app");
    const home = join(scratch, "home");
    mkdirSync(home);
    const env = { ...process.env, YTRACKER_SIDECAR_BIN: sidecarExecutable(), TMPDIR: home, TEMP: home, TMP: home };
    Object.assign(env, { HOME: home, USERPROFILE: home, XDG_CONFIG_HOME: home, XDG_CACHE_HOME: home });
    const { stdout } = await run(process.execPath, [join(project, "demo.js")], { cwd: project, env });
    assert.match(stdout, /version: '[\d.]+'/);
    assert.match(stdout, /^DESK-\d+ .+/m);
    assert.match(stdout, /^timer true DESK-\d+$/m);
    assert.match(stdout, /^timer false null$/m);
    assert.match(stdout, /^(\d+)\/\1 bytes$/m);
    assert.match(stdout, /^invalid Comment text cannot be empty$/m);
    assert.match(stdout, /\{ code: 0, signal: null \}/);
    assert.ok(existsSync(join(home, "timer-after-sleep.png")), "the attachment was downloaded to tmpdir()");
  });
});

function scratchTsconfig(): object {
  return {
    compilerOptions: {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      strict: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: false,
      types: ["node"],
      typeRoots: [join(PACKAGE_DIR, "node_modules", "@types")],
    },
    files: ["demo.ts", "typed.ts"],
  };
}
