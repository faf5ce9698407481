/**
 * The example's `tauri.conf.json` and `capabilities/default.json` against Tauri 2's schema and
 * the documented permissions of the core and the shell, notification and process plugins, and
 * the checks themselves against broken copies (a validator that accepted anything would pass the
 * first group alone).
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { TRAY_ID } from "../src/tray.js";
import { capability, tauriConf } from "./tauri-facts.js";
import { capabilityProblems, configProblems, desktopWiringProblems, sidecarWiringProblems } from "./validate.js";

type Json = Record<string, unknown>;
type Mutation = (conf: Json, cap: Json) => void;

const bundle = (conf: Json): Json => conf["bundle"] as Json;
const permissions = (cap: Json): unknown[] => cap["permissions"] as unknown[];
const spawnEntry = (cap: Json): Json => ((permissions(cap)[1] as Json)["allow"] as Json[])[0]!;
const drop = (cap: Json, identifier: string): void => {
  cap["permissions"] = permissions(cap).filter((p) => p !== identifier);
};

function problemsAfter(mutate: Mutation): string[] {
  const conf = tauriConf();
  const cap = capability();
  mutate(conf, cap);
  // Each check assumes the ones before it passed, as the tests of the real files do.
  const checks = [
    () => configProblems(conf),
    () => capabilityProblems(cap, conf),
    () => sidecarWiringProblems(cap, conf),
    () => desktopWiringProblems(cap, conf, TRAY_ID),
  ];
  for (const check of checks) {
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

  it("grants what the tray, the notifications and the window use, and declares the tray icon src/tray.ts finds", () => {
    assert.deepEqual(desktopWiringProblems(capability(), tauriConf(), TRAY_ID), []);
    assert.deepEqual((tauriConf()["app"] as Json)["trayIcon"], { id: TRAY_ID, iconPath: "icons/32x32.png", tooltip: "YTracker" });
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
    ["no kill", (_, cap) => drop(cap, "shell:allow-kill"), /shell:allow-kill is missing/],
    ["the whole shell opened", (_, cap) => permissions(cap).push("shell:allow-execute"), /opens more of the shell/],
    ["an invented notification permission", (_, cap) => permissions(cap).push("notification:allow-send"), /unknown permission notification:allow-send/],
    ["a core permission without its core: prefix", (_, cap) => permissions(cap).push("window:allow-show"), /unknown permission window:allow-show/],
    ["no notify", (_, cap) => drop(cap, "notification:allow-notify"), /notification:allow-notify is not granted/],
    ["no permission question", (_, cap) => drop(cap, "notification:allow-request-permission"), /allow-request-permission is not granted/],
    ["no show", (_, cap) => drop(cap, "core:window:allow-show"), /core:window:allow-show is not granted/],
    ["no hide (closing would quit)", (_, cap) => drop(cap, "core:window:allow-hide"), /core:window:allow-hide is not granted/],
    ["no exit", (_, cap) => drop(cap, "process:allow-exit"), /process:allow-exit is not granted/],
    ["the core defaults left out", (_, cap) => drop(cap, "core:default"), /core:tray:allow-set-menu is not granted/],
    ["no tray icon in the config", (conf) => delete (conf["app"] as Json)["trayIcon"], /no app.trayIcon with id main/],
    ["a tray icon under another id", (conf) => (((conf["app"] as Json)["trayIcon"] as Json)["id"] = "tray"), /no app.trayIcon with id main/],
    ["a tray icon without its image", (conf) => delete ((conf["app"] as Json)["trayIcon"] as Json)["iconPath"], /required property 'iconPath'/],
  ];
  for (const [what, mutate, expected] of broken) {
    it(`catches ${what}`, () => {
      assert.match(problemsAfter(mutate).join("\n"), expected);
    });
  }
});
