// `test [surface]` (core.md §11): option checks in the spec's order, the drivers' subtests, result lines.
import { LlmAuthError, usageError } from '../../lib/errors.js';
import { toTimerMs } from '../../lib/numbers.js';
import { pyTrim, repr } from '../../lib/python.js';
import { distinctNames, type Store, type Surface } from '../../store/index.js';
import type { SubtestResult } from '../../surfaces/driver.js';
import { driverFor, preflight } from '../../surfaces/index.js';
import { openStoreFor, type Invocation } from '../context.js';
import { timeoutSeconds } from '../options.js';

export interface TestCommandOptions {
  model?: string;
  surfaceModel?: string[];
  timeout?: string;
  verbose?: boolean;
  showRawError?: boolean;
}

/** `--surface-model SURFACE=MODEL` entries; a later entry for the same surface wins. */
export function parseSurfaceModels(values: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const value of values) {
    const eq = value.indexOf('=');
    const name = eq < 0 ? '' : pyTrim(value.slice(0, eq));
    const model = eq < 0 ? '' : pyTrim(value.slice(eq + 1));
    if (name === '' || model === '') throw usageError(`--surface-model expects SURFACE=MODEL, got ${repr(value)}`);
    map.set(name, model);
  }
  return map;
}

/** core.md §11.2: the first present source wins, even when empty; empty means no model. */
export function resolveModel(
  surface: Surface,
  store: Store,
  surfaceModels: Map<string, string>,
  model: string | undefined,
): string | undefined {
  let chosen: string | undefined;
  if (surfaceModels.has(surface.name)) chosen = surfaceModels.get(surface.name);
  else if (model !== undefined) chosen = model;
  else if (surface.metadata.model !== undefined) chosen = surface.metadata.model;
  else {
    const envName = surface.metadata.model_env || surface.metadata['model-env'];
    if (envName) chosen = store.value(envName);
  }
  return chosen === undefined || chosen === '' ? undefined : chosen;
}

export function renderSingle(results: ReadonlyArray<{ surface: Surface; subtests: SubtestResult[] }>): string[] {
  return results.flatMap(({ surface, subtests }) =>
    subtests.map((t) => `${surface.name}.${t.name}: ${t.pass ? 'pass' : 'fail'}${t.detail !== '' ? ` - ${t.detail}` : ''}`),
  );
}

type Results = ReadonlyArray<{ surface: Surface; subtests: SubtestResult[] }>;

/** Each surface name, in file order, with the failed subtests of all its envelopes. */
function failuresByName(results: Results): Array<[string, SubtestResult[]]> {
  return distinctNames(results.map((r) => r.surface)).map((name) => [
    name,
    results.filter((r) => r.surface.name === name).flatMap((r) => r.subtests.filter((t) => !t.pass)),
  ]);
}

export function renderAggregate(results: Results): string[] {
  return failuresByName(results).map(([name, failed]) => {
    if (failed.length === 0) return `${name}: pass`;
    if (failed.length === 1)
      return `${name}: fail - ${failed[0]!.name}${failed[0]!.detail !== '' ? `: ${failed[0]!.detail}` : ''}`;
    return `${name}: fail - subtests: ${failed.map((t) => t.name).join(', ')}`;
  });
}

/**
 * For each surface whose aggregate line names only its failing subtests, the first failure's detail, so that
 * nobody has to run the test again to see why (stderr; the stdout line stays the Python tool's).
 */
export function aggregateHints(results: Results): string[] {
  return failuresByName(results).flatMap(([name, failed]) => {
    if (failed.length < 2) return [];
    const first = failed[0]!;
    return [`${name}.${first.name}: ${first.detail === '' ? 'fail' : first.detail} (llm-auth test ${name} shows every subtest)`];
  });
}

export async function testCommand(inv: Invocation, name: string | undefined, options: TestCommandOptions): Promise<number> {
  const { seconds, label } = timeoutSeconds(options.timeout, '60');
  const store = await openStoreFor(inv, 'if-exists');

  if (options.model && name === undefined) {
    throw usageError('--model requires a surface; use --surface-model SURFACE=MODEL for aggregate tests');
  }
  if (store.surfaces.length === 0) throw new LlmAuthError(`no auth surfaces found in ${store.path.display}`);
  const surfaceModels = parseSurfaceModels(options.surfaceModel ?? []);
  const selected = store.select(name);
  preflight(selected, store, { writes: false });

  const results: Array<{ surface: Surface; subtests: SubtestResult[] }> = [];
  for (const surface of selected) {
    const subtests = await driverFor(surface).test(surface, store, {
      model: resolveModel(surface, store, surfaceModels, options.model),
      timeoutMs: toTimerMs(seconds),
      timeoutLabel: label,
      verbose: options.verbose === true,
      showRawError: options.showRawError === true,
      trace: (line) => inv.output.trace(line),
    });
    results.push({ surface, subtests });
  }
  for (const line of name === undefined ? renderAggregate(results) : renderSingle(results)) inv.output.result(line);
  if (name === undefined) for (const hint of aggregateHints(results)) inv.output.hint(hint);
  return results.every((r) => r.subtests.every((t) => t.pass)) ? 0 : 1;
}
