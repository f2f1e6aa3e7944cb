import { GraphFlowError, type Problem } from '../errors/graphflow-error';
import type { Registry } from '../registry/registry';
import { collectKeywordHits } from '../registry/schema-compiler';
import { Suggester, listSome } from '../util/suggest';
import { MANIFEST_LIMITS } from './limits';
import { ajvErrorsToProblems } from './ajv-problems';
import { joinPointer, pointerTokens } from './json-pointer';
import { locatePointer, type LoadedManifest } from './load';
import { manifestSchema } from './manifest-schema';
import { clone, isPlainObject } from './merge';
import type { ResolvedManifest } from './types';

/** A reference found in component options (a `gfRef` string), checked after all entries are known. */
export interface FoundReference {
  namespace: string;
  value: string;
  pointer: string;
  /** Index of the stage it appears in, when inside a stage (stages may only reference earlier stages). */
  stageIndex?: number;
}

export interface ValidationOutcome {
  manifest: ResolvedManifest;
  references: FoundReference[];
}

const ENTRY_KINDS: Record<string, string[]> = { data: ['dataset'], models: ['backbone', 'module'], stages: ['stage'] };

/**
 * Validate a loaded manifest: the whole document against the manifest schema, then each component's options against
 * the schema its plugin declared (defaults filled in), its semantic rules, nested component specs and references.
 * Reports every problem found, each with file, line/column and JSON pointer; throws GF_MANIFEST_INVALID (or the
 * single problem's own code) when there is any. Returns a resolved copy; the input is not modified.
 */
export function validateManifest(loaded: LoadedManifest, registry: Registry): ValidationOutcome {
  const problems: Problem[] = [];
  const doc = clone(loaded.value);
  const suggester = new Suggester();
  const validateTop = registry.ajv.getSchema('urn:graphflow:schema:manifest') ?? registry.ajv.compile(manifestSchema());
  if (!validateTop(doc)) problems.push(...ajvErrorsToProblems(validateTop.errors, '', 'GF_MANIFEST_INVALID', suggester));

  const references: FoundReference[] = [];
  const checkSpec = (spec: unknown, pointer: string, kinds: string[], stageIndex?: number) =>
    validateComponentSpec(spec, pointer, kinds, registry, problems, references, stageIndex, suggester);

  if (doc['data'] !== undefined) checkSpec(doc['data'], '/data', ENTRY_KINDS['data']!);
  if (isPlainObject(doc['models'])) {
    for (const [name, spec] of Object.entries(doc['models'])) checkSpec(spec, joinPointer('/models', name), ENTRY_KINDS['models']!);
  }
  const stages = Array.isArray(doc['stages']) ? (doc['stages'] as unknown[]) : [];
  const stageNames = new Map<string, number>();
  stages.forEach((stage, i) => {
    if (!isPlainObject(stage)) return;
    if (typeof stage['name'] !== 'string') stage['name'] = `stage${i}`;
    const name = stage['name'] as string;
    if (stageNames.has(name)) {
      problems.push({ code: 'GF_MANIFEST_INVALID', pointer: `/stages/${i}/name`, message: `stage name "${name}" is already used by stage ${stageNames.get(name)}`, expected: 'unique stage names' });
    } else {
      stageNames.set(name, i);
    }
    checkSpec(stage, `/stages/${i}`, ENTRY_KINDS['stages']!, i);
  });

  checkBackend(doc, registry, problems, suggester);
  checkReferences(doc, references, stageNames, problems, suggester);

  if (problems.length > 0) throw problemsError(problems, loaded);
  return { manifest: doc as unknown as ResolvedManifest, references };
}

/**
 * One error for every problem found, located in the files. At most MANIFEST_LIMITS.maxProblems are listed (the first
 * ones, in document order); a last problem counts the rest, so the output stays bounded whatever the input.
 */
export function problemsError(problems: Problem[], loaded: Pick<LoadedManifest, 'sources' | 'file'>): GraphFlowError {
  const max = MANIFEST_LIMITS.maxProblems;
  // Only the listed ones are located (GraphFlowError keeps the first `max` and counts the rest).
  const located: Problem[] = problems.map((p, i) => (i < max ? { ...p, ...locatePointer(loaded, p.pointer ?? '') } : p));
  return GraphFlowError.fromProblems(located, `${loaded.file}: ${problems.length.toLocaleString('en-US')} problems found`);
}

function validateComponentSpec(
  spec: unknown,
  pointer: string,
  kinds: string[],
  registry: Registry,
  problems: Problem[],
  references: FoundReference[],
  stageIndex: number | undefined,
  suggester: Suggester,
): void {
  if (!isPlainObject(spec) || typeof spec['type'] !== 'string') {
    if (!isPlainObject(spec) || spec['type'] === undefined) {
      // The manifest schema already reports top-level specs; nested ones are ours to report.
      if (!pointer.startsWith('/data') && !/^\/(models\/[^/]+|stages\/\d+)$/.test(pointer)) {
        problems.push({ code: 'GF_MANIFEST_INVALID', pointer, message: 'expected a component spec', expected: `an object {"type": "${kinds[0]}/<name>", "options": {…}}` });
      }
    }
    return;
  }
  const type = spec['type'];
  const kind = type.split('/')[0]!;
  if (!/^[a-z][a-z0-9-]*\/[a-z][a-z0-9-]*$/.test(type)) return; // malformed: reported by the schema (or below for nested)
  const registered = registry.get(type);
  if (!registered) {
    const sameKinds = kinds.flatMap((k) => registry.list(k).map((c) => c.id));
    const suggestion = suggester.closest(type, sameKinds, `kinds:${kinds.join(',')}`) ?? suggester.get(`registry\u0000${type}`, () => registry.suggest(type));
    problems.push({
      code: 'GF_COMPONENT_UNKNOWN',
      pointer: `${pointer}/type`,
      message: `unknown component "${type}"`,
      expected: sameKinds.length ? `a registered ${kinds.join(' or ')} component (see \`graphflow list ${kinds[0]}\`)` : `a ${kinds.join(' or ')} component from a loaded plugin`,
      ...(suggestion ? { suggestion } : {}),
    });
    return;
  }
  if (!kinds.includes(kind)) {
    problems.push({ code: 'GF_MANIFEST_INVALID', pointer: `${pointer}/type`, message: `"${type}" is a ${kind} component`, expected: `a ${kinds.join(' or ')} component` });
    return;
  }
  if (!isPlainObject(spec['options'])) spec['options'] = spec['options'] === undefined ? {} : spec['options'];
  const options = spec['options'];
  if (!isPlainObject(options)) return; // wrong type: reported by the schema
  const optionsPointer = `${pointer}/options`;
  const { result: ok, hits } = collectKeywordHits(() => registered.validate(options));
  if (!ok) problems.push(...ajvErrorsToProblems(registered.validate.errors, optionsPointer, 'GF_MANIFEST_INVALID', suggester));
  const rules = registered.definition.rules;
  // Rules may assume schema-valid options; nested specs and references are still checked either way.
  if (ok && rules) {
    try {
      const violations = rules(options);
      if (!Array.isArray(violations)) throw new TypeError('rules() did not return a list');
      for (const violation of violations as unknown[]) {
        const v = (isPlainObject(violation) ? violation : {}) as { pointer?: unknown; message?: unknown; expected?: unknown };
        problems.push({
          code: 'GF_OPTIONS_INVALID',
          pointer: optionsPointer + (typeof v.pointer === 'string' ? v.pointer : ''),
          message: `${type}: ${typeof v.message === 'string' ? v.message : 'options break a rule of the component'}`,
          ...(typeof v.expected === 'string' && v.expected ? { expected: v.expected } : {}),
        });
      }
    } catch (e) {
      problems.push({ code: 'GF_OPTIONS_INVALID', pointer: optionsPointer, message: `${type}: options rule check failed: ${describeThrown(e)}` });
    }
  }
  for (const hit of hits) {
    const at = optionsPointer + hit.instancePath;
    if (hit.keyword === 'gfRef') {
      if (typeof hit.data === 'string') references.push({ namespace: hit.argument, value: hit.data, pointer: at, ...(stageIndex !== undefined ? { stageIndex } : {}) });
    } else {
      validateComponentSpec(hit.data, at, [hit.argument], registry, problems, references, stageIndex, suggester);
    }
  }
}

/** A message for anything a plugin's code threw (not necessarily an Error). */
function describeThrown(e: unknown): string {
  if (e instanceof Error) return e.message;
  try {
    return String(e);
  } catch {
    return 'an unprintable value';
  }
}

function checkBackend(doc: Record<string, unknown>, registry: Registry, problems: Problem[], suggester: Suggester): void {
  const backend = doc['backend'];
  const name = typeof backend === 'string' ? backend : isPlainObject(backend) && typeof backend['name'] === 'string' ? backend['name'] : undefined;
  if (name === undefined || name === 'auto') return;
  const available = registry.list('backend').map((c) => c.definition.name);
  if (available.length === 0 || available.includes(name)) return;
  const suggestion = suggester.closest(name, available, 'backends');
  problems.push({
    code: 'GF_COMPONENT_UNKNOWN',
    pointer: typeof backend === 'string' ? '/backend' : '/backend/name',
    message: `unknown backend "${name}"`,
    expected: `"auto" or one of ${available.map((a) => `"${a}"`).join(', ')}`,
    ...(suggestion ? { suggestion } : {}),
  });
}

function checkReferences(doc: Record<string, unknown>, references: FoundReference[], stageNames: Map<string, number>, problems: Problem[], suggester: Suggester): void {
  const models = isPlainObject(doc['models']) ? Object.keys(doc['models']) : [];
  const modelSet = new Set(models);
  const stageList = [...stageNames.keys()];
  // The same for every reference: built once, bounded in length.
  const modelsExpected = models.length ? `one of ${listSome(models, 20, (m) => `"models.${m}"`)}` : 'a model defined under "models"';
  for (const ref of references) {
    const tokens = ref.value.split('.');
    const shown = ref.value.length > 200 ? `${ref.value.slice(0, 197)}...` : ref.value;
    const head = tokens[0];
    const fail = (message: string, expected: string, suggestion?: string) =>
      problems.push({ code: 'GF_MANIFEST_REF', pointer: ref.pointer, message, expected, ...(suggestion ? { suggestion } : {}) });
    if (head !== ref.namespace) {
      fail(`"${shown}" is not a reference to ${ref.namespace}`, ref.namespace === 'data' ? '"data"' : `"${ref.namespace}.<name>"`);
      continue;
    }
    if (ref.namespace === 'data') {
      if (tokens.length !== 1) fail(`"${shown}" is not a data reference`, '"data"');
      else if (doc['data'] === undefined) fail('the manifest has no "data" entry to reference', 'a "data" entry in the manifest');
      continue;
    }
    const name = tokens[1];
    if (tokens.length < 2 || !name) {
      fail(`"${shown}" names no entry`, `"${ref.namespace}.<name>"`);
      continue;
    }
    if (ref.namespace === 'models' && !modelSet.has(name)) {
      const s = suggester.closest(name, models, 'models');
      fail(`reference "${shown}": no model named "${name}" is defined`, modelsExpected, s ? `models.${s}` : undefined);
    }
    if (ref.namespace === 'stages') {
      const index = stageNames.get(name);
      if (index === undefined) {
        const s = suggester.closest(name, stageList, 'stages');
        fail(`reference "${shown}": no stage named "${name}"`, 'the name of an earlier stage', s ? `stages.${s}` : undefined);
      } else if (ref.stageIndex !== undefined && index >= ref.stageIndex) {
        fail(`reference "${shown}": stage "${name}" does not run before this one`, 'the name of an earlier stage');
      }
    }
  }
}

/** Resolve a pointer like `/stages/2/options` to a human path `stages.2.options`. */
export function pointerToPath(pointer: string): string {
  return pointerTokens(pointer).join('.');
}
