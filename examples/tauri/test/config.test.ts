/**
 * The example's `tauri.conf.json` and `capabilities/default.json` against Tauri 2's schema and
 * the shell plugin's permissions, and the checks themselves against broken copies (a validator
 * that accepted anything would pass the first group alone).
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { capability, tauriConf } from "./tauri-facts.js";
import { capabilityProblems, configProblems, sidecarWiringProblems } from "./validate.js";

type Json = Record<string, unknown>;
type Mutation = (conf: Json, cap: Json) => void;

const bundle = (conf: Json): Json => conf["bundle"] as Json;
const permissions = (cap: Json): unknown[] => cap["permissions"] as unknown[];
const spawnEntry = (cap: Json): Json => ((permissions(cap)[1] as Json)["allow"] as Json[])[0]!;

function problemsAfter(mutate: Mutation): string[] {
  const conf = tauriConf();
  const cap = capability();
  mutate(conf, cap);
  // Each check assumes the ones before it passed, as the tests of the real files do.
  for (const check of [() => configProblems(conf), () => capabilityProblems(cap, conf), () => sidecarWiringProblems(cap, conf)]) {
    const problems = check();
    if (problems.length > 0) return problems;
  }
  return [];
}

describe("examples/tauri JSON", () => {
  it("tauri.conf.json is valid against @tauri-apps/cli's config.schema.json", () => {
    assert.deepEqual(configProblems(tauriConf()), []);
  });

  it("bundles the sidecar under the name build/build.sh gives it, minus the target triple", () => {
    assert.deepEqual(bundle(tauriConf())["externalBin"], ["binaries/ytracker-sidecar"]);
  });

  it("capabilities/default.json is a valid capability with documented permissions only", () => {
    assert.deepEqual(capabilityProblems(capability(), tauriConf()), []);
  });

  it("allows exactly spawning that sidecar without arguments, writing its stdin and killing it", () => {
    assert.deepEqual(sidecarWiringProblems(capability(), tauriConf()), []);
    assert.deepEqual(spawnEntry(capability()), { name: "binaries/ytracker-sidecar", sidecar: true, args: false });
  });

  const broken: Array<[string, Mutation, RegExp]> = [
    ["a misspelt bundle key", (conf) => (bundle(conf)["externalBins"] = ["x"]), /must NOT have additional properties/],
    ["externalBin as a string", (conf) => (bundle(conf)["externalBin"] = "binaries/ytracker-sidecar"), /externalBin: must be array/],
    ["a config without identifier", (conf) => delete conf["identifier"], /must have required property 'identifier'/],
    ["an invented permission", (_, cap) => permissions(cap).push("shell:allow-sidecar"), /unknown permission shell:allow-sidecar/],
    ["a capability without permissions", (_, cap) => delete cap["permissions"], /required property 'permissions'/],
    ["a misspelt capability key", (_, cap) => (cap["window"] = ["main"]), /unknown capability key window/],
    ["a window the app does not have", (_, cap) => (cap["windows"] = ["settings"]), /window settings is not in/],
    ["a scope name that is not the externalBin", (_, cap) => (spawnEntry(cap)["name"] = "ytracker-sidecar"), /not in bundle.externalBin/],
    ["args as a string", (_, cap) => (spawnEntry(cap)["args"] = "--demo"), /args must be true, false or a list/],
    ["an args item with a typo", (_, cap) => (spawnEntry(cap)["args"] = [{ validtor: ".*" }]), /fixed string or \{validator/],
    ["a non-sidecar entry without cmd", (_, cap) => delete spawnEntry(cap)["sidecar"], /cmd is required unless sidecar/],
    ["no stdin write", (_, cap) => permissions(cap).splice(2, 1), /shell:allow-stdin-write is missing/],
    ["no kill", (_, cap) => permissions(cap).pop(), /shell:allow-kill is missing/],
    ["the whole shell opened", (_, cap) => permissions(cap).push("shell:allow-execute"), /opens more of the shell/],
  ];
  for (const [what, mutate, expected] of broken) {
    it(`catches ${what}`, () => {
      assert.match(problemsAfter(mutate).join("\n"), expected);
    });
  }
});
