// `test [surface]` (core.md §11): option checks in the spec's order, the drivers' subtests, result lines.
import * as fs from 'node:fs';
import { LlmAuthError, usageError } from '../../lib/errors.js';
import { toTimerMs } from '../../lib/numbers.js';
import { timeoutSeconds } from '../options.js';
import { pyTrim, repr } from '../../lib/text.js';
import { distinctNames, isChatgptSurface, type Surface } from '../../store/envelope.js';
import type { LoadedStore } from '../../store/store.js';
import { parseRecord } from '../../surfaces/chatgpt/record.js';
import { driverFor } from '../../surfaces/index.js';
import type { SubtestResult } from '../../surfaces/types.js';
import { driverContext, openStoreForCommand, runSafetyChecks, storePath, type CommandContext } from '../context.js';
import { unknownSurface } from '../../surfaces/status.js';

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
export function resolveModel(surface: Surface, store: LoadedStore, surfaceModels: Map<string, string>, model: string | undefined): string | undefined {
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

export function renderAggregate(results: ReadonlyArray<{ surface: Surface; subtests: SubtestResult[] }>): string[] {
  return distinctNames(results.map((r) => r.surface)).map((name) => {
    const failed = results.filter((r) => r.surface.name === name).flatMap((r) => r.subtests.filter((t) => !t.pass));
    if (failed.length === 0) return `${name}: pass`;
    if (failed.length === 1) return `${name}: fail - ${failed[0]!.name}${failed[0]!.detail !== '' ? `: ${failed[0]!.detail}` : ''}`;
    return `${name}: fail - subtests: ${failed.map((t) => t.name).join(', ')}`;
  });
}

export async function testCommand(ctx: CommandContext, name: string | undefined, options: TestCommandOptions): Promise<number> {
  const { seconds, label } = timeoutSeconds(options.timeout, '60');
  const p = storePath(ctx);
  if (fs.existsSync(p.absolute)) await runSafetyChecks(ctx, p);
  const store = openStoreForCommand(ctx, p);

  if (options.model && name === undefined) {
    throw usageError('--model requires a surface; use --surface-model SURFACE=MODEL for aggregate tests');
  }
  if (store.surfaces.length === 0) throw new LlmAuthError(`no auth surfaces found in ${p.display}`);
  const surfaceModels = parseSurfaceModels(options.surfaceModel ?? []);
  const selected = name === undefined ? store.surfaces : store.surfaces.filter((s) => s.name === name);
  if (selected.length === 0) throw unknownSurface(name!, store.surfaces);
  if (selected.some(isChatgptSurface)) parseRecord(store.value('CHATGPT_AUTH_JSON'));

  const dctx = driverContext(ctx, store);
  const results: Array<{ surface: Surface; subtests: SubtestResult[] }> = [];
  for (const surface of selected) {
    const subtests = await driverFor(surface).test(surface, dctx, {
      model: resolveModel(surface, store, surfaceModels, options.model),
      timeoutMs: toTimerMs(seconds),
      timeoutLabel: label,
      verbose: options.verbose === true,
      showRawError: options.showRawError === true,
      trace: (line) => ctx.output.trace(line),
    });
    results.push({ surface, subtests });
  }
  for (const line of name === undefined ? renderAggregate(results) : renderSingle(results)) ctx.output.result(line);
  return results.every((r) => r.subtests.every((t) => t.pass)) ? 0 : 1;
}
