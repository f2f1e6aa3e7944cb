/**
 * Manifest mutations for the fuzz harness: seeded, so a case is fully determined by (seed, case index).
 * Two sources of cases: the repository's example manifests with random edits (values of the wrong type at any
 * pointer, deleted / duplicated / renamed keys, odd numbers and strings, text-level damage), and structural attacks
 * (deep nesting, `extends` chains and diamonds, `__proto__` keys, huge entry counts, long strings, hostile `--set`).
 * Nothing here names a loadable plugin: every `plugins` entry is rewritten to a path that does not exist.
 */
import type { Rng } from '@graphflow/core';

/** A file a case writes, relative to the case's working folder. */
export interface FuzzFile {
  path: string;
  text?: string;
  bytes?: Buffer;
}

/** How a case is run: loadManifest + validateManifest on a shared registry, preparePipeline, or `graphflow validate`. */
export type FuzzVia = 'validate' | 'prepare' | 'cli' | 'variants';

export interface FuzzCase {
  index: number;
  /** What generated it, e.g. `example:value` or `attack:deep`; summaries count by kind. */
  kind: string;
  files: FuzzFile[];
  /** Manifest to load, relative to the case folder. */
  entry: string;
  /** `--set` texts. */
  sets: string[];
  via: FuzzVia;
  /** Ablation variants file (relative), for via = 'variants'. */
  variantsFile?: string;
  /** Extra CLI flags, for via = 'cli'. */
  cliFlags?: string[];
}

/** An example manifest: where it sits under the examples copy, and its parsed value. */
export interface ExampleManifest {
  /** e.g. `examples/quickstart/manifest.json`. */
  path: string;
  value: Record<string, unknown>;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const FORBIDDEN = ['__proto__', 'constructor', 'prototype'];

export const pick = <T>(rng: Rng, items: readonly T[]): T => items[rng.int(items.length)]!;
const chance = (rng: Rng, p: number) => rng.next() < p;

/** An own data property, even for `__proto__` (JSON.stringify then writes it as a key). */
function define(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function nested(depth: number, array: boolean, leaf: Json = 1): Json {
  let v: Json = leaf;
  for (let i = 0; i < depth; i++) v = array ? [v] : { a: v };
  return v;
}

/** Text of a value nested `depth` deep, built as text (cheaper than a value for 100,000 levels). */
export function nestedText(depth: number, array: boolean): string {
  return array ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

const LONG = 'x'.repeat(65_537);

/** Values that are over a limit: rare, or most cases would stop at GF_MANIFEST_LIMIT before validation. */
function hugeValue(rng: Rng): unknown {
  switch (rng.int(3)) {
    case 0:
      return pick(rng, [LONG, 'z'.repeat(65_536)]);
    case 1:
      return nested(pick(rng, [63, 64, 65, 100]), chance(rng, 0.5));
    default:
      return Array.from({ length: pick(rng, [10_000, 10_001]) }, (_, i) => i);
  }
}

/** Values of every kind, including the ones that break assumptions; one in `hugeOneIn` is over a limit. */
function weirdValue(rng: Rng, hugeOneIn = 25): unknown {
  if (rng.int(hugeOneIn) === 0) return hugeValue(rng);
  switch (rng.int(11)) {
    case 0:
      return pick(rng, [null, true, false]);
    case 1:
    case 2:
      return pick(rng, [0, -0, -1, 1, 2, 3, 1.5, 7, 64, 1e308, -1e308, 5e-324, 2 ** 53 + 1, 4294967296, 4294967295, -2147483649, 0.1, 1000000]);
    case 3:
      return pick(rng, ['', ' ', 'NaN', 'Infinity', '-Infinity', '1e999', '0x10', 'true', 'null', '{}', '[]', '-1', '٣', 'y'.repeat(1000)]);
    case 4:
      return pick(rng, ['models.missing', 'models.', 'models', 'models.teacher', 'models.student', 'models.teacher.x', 'stages.nope', 'stages.', 'data', 'data.x', 'models.__proto__', 'models.constructor', 'stages.teacher']);
    case 5:
      return pick(rng, ['backbone/unet', 'backbone/nope', 'loss/graph-flow', 'loss/kd', 'stage/supervised', 'stage/nope', 'dataset/synthetic', 'module/paraphraser', 'Backbone/UNet', 'backbone/', '/unet', 'a/b/c', 'optimizer/adam', 'transform/flip', 'backbone/transunet', 'loss/dice-ce']);
    case 6:
      return pick(rng, ['~0', '~1', '~01', 'a/b', '模型', '🙂', 'e\u0301', '\u0000', '\ud800', 'line\nbreak', '"quoted"', '\\', '${x}', '%s']);
    case 7:
      return pick(rng, [[], [null], [1, 2, 3], ['models.teacher'], [{}], [[]], [{ type: 5 }], ['enc2', 'nope'], [{ type: 'loss/kd' }]]);
    case 8:
      return pick<unknown>(rng, [{}, { type: 5 }, { type: 'backbone/unet', options: [] }, { type: 'loss/kd', options: { temperature: -1 } }, { name: 5 }, { options: null }, { type: 'backbone/unet', options: { depth: 99 } }]);
    case 9: {
      const o: Record<string, unknown> = {};
      define(o, pick(rng, FORBIDDEN), pick<unknown>(rng, [{ polluted: 'yes' }, { type: 'backbone/unet' }, 5, null, []]));
      return o;
    }
    default:
      return nested(pick(rng, [2, 3, 10]), chance(rng, 0.5));
  }
}

function weirdKey(rng: Rng, base: string): string {
  switch (rng.int(6)) {
    case 0:
      return pick(rng, FORBIDDEN);
    case 1:
      return pick(rng, ['', '~', '~0', '~1', '/', 'a/b', '~01', '模型', '🙂', '\u0000', ' ', 'a.b', '1', '-1', 'hasOwnProperty', 'toString', 'valueOf', '__defineGetter__']);
    case 2:
      return base.length > 1 ? base.slice(1) : `${base}x`; // a typo
    case 3:
      return base.length > 1 ? base[1]! + base[0]! + base.slice(2) : `${base}${base}`;
    case 4:
      return base.toUpperCase();
    default:
      return 'k'.repeat(pick(rng, [200, 65_537]));
  }
}

/** Every place in a value: its container and key (the root has none). */
interface Slot {
  parent: Record<string, unknown> | unknown[];
  key: string | number;
  path: (string | number)[];
}

function slots(root: unknown, max = 5000): Slot[] {
  const out: Slot[] = [];
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value: root, path: [] }];
  while (stack.length && out.length < max) {
    const { value, path } = stack.pop()!;
    if (Array.isArray(value)) {
      value.forEach((v, i) => {
        out.push({ parent: value, key: i, path: [...path, i] });
        stack.push({ value: v, path: [...path, i] });
      });
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        out.push({ parent: value as Record<string, unknown>, key: k, path: [...path, k] });
        stack.push({ value: v, path: [...path, k] });
      }
    }
  }
  return out;
}

function setAt(slot: Slot, value: unknown): void {
  if (Array.isArray(slot.parent)) slot.parent[slot.key as number] = value;
  else define(slot.parent, slot.key as string, value);
}

function getAt(slot: Slot): unknown {
  return (slot.parent as Record<string | number, unknown>)[slot.key];
}

/** One random edit of a manifest value, in place. */
function mutateValue(rng: Rng, root: Record<string, unknown>): void {
  const all = slots(root);
  const slot = all.length ? pick(rng, all) : undefined;
  switch (rng.int(10)) {
    case 0:
    case 1:
    case 2:
      if (slot) setAt(slot, weirdValue(rng));
      return;
    case 3: // delete
      if (!slot) return;
      if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
      else delete slot.parent[slot.key as string];
      return;
    case 4: {
      // rename a key, or add a weird one
      if (!slot || Array.isArray(slot.parent)) return;
      const value = getAt(slot);
      const key = weirdKey(rng, String(slot.key));
      if (chance(rng, 0.5)) delete slot.parent[slot.key as string];
      define(slot.parent, key, value);
      return;
    }
    case 5: {
      // duplicate an item of an array (two stages with one name, a repeated loss …) or copy a subtree elsewhere
      if (!slot) return;
      const value = JSON.parse(JSON.stringify(getAt(slot) ?? null)) as unknown;
      if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 0, value);
      else setAt(pick(rng, all), value);
      return;
    }
    case 6: {
      // swap a type: object ↔ array, number ↔ string
      if (!slot) return;
      const v = getAt(slot);
      if (Array.isArray(v)) setAt(slot, Object.fromEntries(v.map((x, i) => [String(i), x])));
      else if (v && typeof v === 'object') setAt(slot, Object.values(v));
      else if (typeof v === 'number') setAt(slot, String(v));
      else if (typeof v === 'string') setAt(slot, Number(v.length));
      else setAt(slot, [v]);
      return;
    }
    case 7: {
      // the top-level keys the loader and validator read themselves
      const key = pick(rng, ['extends', 'plugins', 'stages', 'models', 'name', 'seed', 'data', 'backend', 'outputs', 'defaultPlugins', '$schema', 'description']);
      define(root, key, weirdValue(rng));
      return;
    }
    case 8: {
      // many entries: models or stages, at or past the limit
      const count = pick(rng, [5, 50, 500, 500, 10_001]);
      if (chance(rng, 0.5)) {
        const models: Record<string, unknown> = {};
        for (let i = 0; i < count; i++) models[`m${i}`] = { type: 'module/paraphraser', options: { teacher: chance(rng, 0.5) ? 'models.missing' : `models.m${i + 1}` } };
        root['models'] = models;
      } else {
        root['stages'] = Array.from({ length: count }, (_, i) => ({ name: `s${i % 97}`, type: 'stage/evaluate', options: { models: [`models.m${i}`] } }));
      }
      return;
    }
    default:
      // a plausible near-miss: a number one off, a string with a typo, a boolean flipped
      if (!slot) return;
      {
        const v = getAt(slot);
        if (typeof v === 'number') setAt(slot, pick(rng, [v + 1, v - 1, -v, v * 1000, v / 3]));
        else if (typeof v === 'string') setAt(slot, chance(rng, 0.5) ? v.slice(1) : `${v}x`);
        else if (typeof v === 'boolean') setAt(slot, !v);
        else setAt(slot, hugeValue(rng));
      }
  }
}

/** One random edit of the text: damage, odd literals, duplicate or escaped keys, proto keys. */
function mutateText(rng: Rng, text: string): string {
  const at = text.length ? rng.int(text.length) : 0;
  switch (rng.int(12)) {
    case 0:
      return text.slice(0, at); // truncated
    case 1:
      return text.slice(0, at) + pick(rng, ['{', '}', '[', ']', ',', ':', '"', '\\', '\u0000', 'x', ' ', '\n', '\ud83d', '/*', '//']) + text.slice(at);
    case 2:
      return text.slice(0, at) + text.slice(at + 1 + rng.int(8));
    case 3:
      return pick(rng, ['\ufeff', '\ufeff\ufeff', '']) + text + pick(rng, ['', '\n', ' x', ',', '}', '\u0000']);
    case 4: {
      // an odd number literal where a number was
      const m = [...text.matchAll(/: (-?\d+(\.\d+)?)/g)];
      if (!m.length) return text;
      const hit = pick(rng, m);
      const lit = pick(rng, ['1e999', '-1e999', 'NaN', 'Infinity', '01', '1.', '.5', '-', '0x10', '1e308', '-0', '123456789012345678901234567890', '4.9e-324', '1E+2']);
      return text.slice(0, hit.index! + 2) + lit + text.slice(hit.index! + 2 + hit[1]!.length);
    }
    case 5: {
      // a duplicate member after some "{"
      const opens = [...text.matchAll(/\{/g)];
      if (!opens.length) return text;
      const hit = pick(rng, opens);
      const member = pick(rng, ['"name": "dup", "name": "dup2", ', '"type": "backbone/unet", ', '"options": {}, "options": [], ', '"seed": 1, "seed": "x", ']);
      return text.slice(0, hit.index! + 1) + member + text.slice(hit.index! + 1);
    }
    case 6:
    case 7: {
      // a proto key, raw or escaped
      const opens = [...text.matchAll(/\{/g)];
      if (!opens.length) return text;
      const hit = pick(rng, opens);
      const key = pick(rng, ['__proto__', '\\u005f_proto__', '\\u005F\\u005Fproto\\u005f\\u005f', 'constructor', 'prototype', '__pro\\u0074o__']);
      const value = pick(rng, ['{"polluted": "yes"}', '{"type": "backbone/unet"}', '5', 'null', '[]', '{"prototype": {"polluted": 1}}']);
      const comma = text.slice(hit.index! + 1).trimStart().startsWith('}') ? '' : ', ';
      return `${text.slice(0, hit.index! + 1)}"${key}": ${value}${comma}${text.slice(hit.index! + 1)}`;
    }
    case 8: {
      // a key written with escapes (same key) or with ~ and / that JSON pointers must escape
      const keys = [...text.matchAll(/"([a-zA-Z]+)":/g)];
      if (!keys.length) return text;
      const hit = pick(rng, keys);
      const name = hit[1]!;
      const replacement = pick(rng, [`\\u00${name.charCodeAt(0).toString(16)}${name.slice(1)}`, `${name}~0`, `${name}~1x`, `${name}/x`, `~${name}`, `${name}\\/`]);
      return text.slice(0, hit.index! + 1) + replacement + text.slice(hit.index! + 1 + name.length);
    }
    case 9:
      return pick(rng, ['', ' ', 'null', '42', '"manifest"', '[]', `[${text}]`, 'true', '{}', '{"extends": {}}', text + text]);
    case 10:
      return text.replace(/\n/g, pick(rng, ['\r\n', '\r', '\t', '\u2028']));
    default:
      return text.slice(0, at) + nestedText(pick(rng, [2, 10, 63, 64, 65, 5000]), chance(rng, 0.5)).slice(0, chance(rng, 0.8) ? undefined : 100) + text.slice(at);
  }
}

/** Plugins never load in the fuzz: every entry becomes a path that does not exist (same shape). */
export function neuterPlugins(value: unknown): void {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return;
  const plugins = (value as Record<string, unknown>)['plugins'];
  if (!Array.isArray(plugins)) return;
  (value as Record<string, unknown>)['plugins'] = plugins.map((entry, i) => {
    if (typeof entry === 'string') return entry === '' ? '' : `./gf-fuzz-no-such-plugin-${i}`;
    if (entry && typeof entry === 'object' && !Array.isArray(entry) && typeof (entry as Record<string, unknown>)['name'] === 'string') {
      return { ...(entry as Record<string, unknown>), name: `./gf-fuzz-no-such-plugin-${i}` };
    }
    return entry;
  });
}

function randomSet(rng: Rng, value: unknown): string {
  const all = slots(value, 2000);
  let path: string;
  switch (rng.int(5)) {
    case 0:
      path = pick(rng, ['models.__proto__.type', '__proto__.polluted', 'constructor.prototype.polluted', 'stages.0.__proto__.x', 'models.x.constructor', 'prototype', 'models.toString.type', 'models.hasOwnProperty', 'stages.99999999999999999999.x', 'stages.nope.epochs', 'seed.x', 'a'.repeat(70).split('').join('.'), '.', 'a..b', '', 'models.x=y']);
      break;
    case 1:
    case 2:
      path = all.length ? pick(rng, all).path.join('.') : 'seed';
      break;
    case 3:
      path = pick(rng, ['seed', 'name', 'stages.0.epochs', 'stages.teacher.epochs', 'models.student.options.width', 'data.options.size', 'backend', 'outputs.dir', 'models.new.type', 'stages.1.losses']);
      break;
    default:
      path = all.length ? `${pick(rng, all).path.join('.')}.${weirdKey(rng, 'k')}` : 'x';
  }
  const raw = (() => {
    switch (rng.int(12)) {
      case 0:
      case 1:
        return pick(rng, ['', '5', '-1', '1e999', 'NaN', 'null', 'true', '"str"', 'str', '[1,', '{"a":', '{}', '[]', '0.5', '"models.missing"', 'backbone/unet']);
      case 2:
        return pick(rng, ['{"__proto__": {"polluted": "yes"}}', '{"constructor": {"prototype": {"polluted": 1}}}', '[{"__proto__": 1}]', '{"a": {"prototype": 2}}']);
      case 3:
        return nestedText(pick(rng, [10, 10, 65, 5000, 100_000]), chance(rng, 0.5));
      case 4:
        return JSON.stringify(Array.from({ length: pick(rng, [10, 10, 10_001]) }, (_, i) => i));
      case 5:
        return chance(rng, 0.3) ? JSON.stringify(LONG) : '"a string"';
      default:
        return JSON.stringify(weirdValue(rng)) ?? 'null';
    }
  })();
  return `${path}=${raw}`;
}

function serialize(rng: Rng, value: unknown): string {
  return JSON.stringify(value, null, pick(rng, [0, 2, '\t'])) ?? 'null';
}

/** Structural attacks, each a small file tree. */
function attack(rng: Rng, index: number, examples: readonly ExampleManifest[]): Omit<FuzzCase, 'via' | 'index'> {
  const dir = `case-${index}`;
  const f = (name: string) => `${dir}/${name}`;
  const base = JSON.parse(JSON.stringify(pick(rng, examples.filter((e) => !('extends' in e.value))).value)) as Record<string, unknown>;
  neuterPlugins(base);
  const which = rng.int(9);
  switch (which) {
    case 0: {
      // deep nesting, valid or not, at the top or inside options
      const depth = pick(rng, [63, 64, 65, 1000, 5000, 100_000]);
      const deep = nestedText(depth, chance(rng, 0.5));
      const text = chance(rng, 0.5) ? `{"name": "deep", "models": {"m": {"type": "backbone/unet", "options": {"x": ${deep}}}}}` : deep;
      return { kind: 'attack:deep', files: [{ path: f('m.json'), text: chance(rng, 0.2) ? text.slice(0, -3) : text }], entry: f('m.json'), sets: [] };
    }
    case 1: {
      // extends chains: each file extends the next once or twice, diamonds, cycles, missing and odd bases
      const length = pick(rng, [2, 5, 16, 17, 25]);
      const twice = chance(rng, 0.6);
      const files: FuzzFile[] = [];
      for (let i = 0; i < length; i++) {
        const next = `./c${i + 1}.json`;
        let ext: unknown = twice ? [next, next] : next;
        if (i === length - 1) ext = pick<unknown>(rng, [undefined, undefined, './c0.json', './missing.json', './', '', [], [5], {}, '/dev/null', './c3.json', `./${'d/'.repeat(20)}x.json`, 'c0.json\u0000']);
        const own: Record<string, unknown> = i === length - 1 ? { ...base } : { seed: i, description: `layer ${i}` };
        if (ext !== undefined) own['extends'] = ext;
        if (chance(rng, 0.3)) own['stages'] = [{ name: `s${i}`, type: 'stage/evaluate', options: { models: ['models.teacher'] } }];
        files.push({ path: f(`c${i}.json`), text: JSON.stringify(own) });
      }
      if (chance(rng, 0.3)) {
        // a diamond: c0 extends two bases that both extend the same chain
        files.push({ path: f('top.json'), text: JSON.stringify({ extends: ['./c1.json', './c2.json', './c1.json'], name: 'diamond' }) });
        return { kind: 'attack:extends', files, entry: f('top.json'), sets: [] };
      }
      return { kind: 'attack:extends', files, entry: f('c0.json'), sets: [] };
    }
    case 2: {
      // wide extends: many files named by one, or one named many times
      const count = pick(rng, [10, 63, 64, 65, 130]);
      const files: FuzzFile[] = [];
      const distinct = chance(rng, 0.5);
      for (let i = 0; i < (distinct ? count : 1); i++) files.push({ path: f(`b${i}.json`), text: JSON.stringify({ seed: i, models: { [`m${i}`]: { type: 'backbone/unet' } } }) });
      files.push({ path: f('m.json'), text: JSON.stringify({ name: 'wide', extends: Array.from({ length: count }, (_, i) => `./b${distinct ? i : 0}.json`) }) });
      return { kind: 'attack:extends-wide', files, entry: f('m.json'), sets: [] };
    }
    case 3: {
      // many models referencing a missing one, or one another; many stages
      const count = pick(rng, [100, 2000, 10_000, 10_001]);
      const models: Record<string, unknown> = {};
      const missing = chance(rng, 0.7);
      for (let i = 0; i < count; i++) models[`m${i}`] = { type: 'module/paraphraser', options: { teacher: missing ? 'models.missing' : `models.m${(i + 1) % count}` } };
      const value: Record<string, unknown> = { name: 'many', models };
      if (chance(rng, 0.3)) value['stages'] = Array.from({ length: Math.min(count, 3000) }, (_, i) => ({ name: `s${i}`, type: 'stage/evaluate', options: { models: [`models.nope${i % 7}`] } }));
      return { kind: 'attack:many', files: [{ path: f('m.json'), text: JSON.stringify(value) }], entry: f('m.json'), sets: [] };
    }
    case 4: {
      // two bases whose merge passes the entry limit although each file is inside it
      const half = (from: number) => Object.fromEntries(Array.from({ length: 6000 }, (_, i) => [`m${from + i}`, { type: 'backbone/unet' }]));
      return {
        kind: 'attack:merge-many',
        files: [
          { path: f('a.json'), text: JSON.stringify({ models: half(0) }) },
          { path: f('b.json'), text: JSON.stringify({ models: half(6000) }) },
          { path: f('m.json'), text: JSON.stringify({ name: 'merged', extends: ['./a.json', './b.json'] }) },
        ],
        entry: f('m.json'),
        sets: [],
      };
    }
    case 5: {
      // long strings and keys
      const value = { ...base };
      const long = 'n'.repeat(pick(rng, [65_536, 65_537, 1_000_000]));
      if (chance(rng, 0.5)) value['description'] = long;
      else value['models'] = { ...(value['models'] as object), [long.slice(0, pick(rng, [100, 65_537]))]: { type: 'backbone/unet' } };
      return { kind: 'attack:long', files: [{ path: f('m.json'), text: JSON.stringify(value) }], entry: f('m.json'), sets: [] };
    }
    case 6: {
      // a file past the size limit (rarely: it costs a 4 MiB write), or a binary one
      if (chance(rng, 0.3)) return { kind: 'attack:size', files: [{ path: f('m.json'), text: `{"description": "${'s'.repeat(4 * 1024 * 1024)}"}` }], entry: f('m.json'), sets: [] };
      const bytes = Buffer.alloc(2000);
      for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(256);
      return { kind: 'attack:binary', files: [{ path: f('m.json'), bytes }], entry: f('m.json'), sets: [] };
    }
    case 7: {
      // proto keys at every depth, and through --set
      const text = mutateText(rng, mutateText(rng, JSON.stringify(base)));
      const sets = [pick(rng, ['models.__proto__.type=backbone/unet', '__proto__.polluted=yes', 'constructor.prototype.polluted=1', 'models.teacher.options={"__proto__":{"polluted":1}}', 'stages.0.options.prototype=1'])];
      return { kind: 'attack:proto', files: [{ path: f('m.json'), text }], entry: f('m.json'), sets };
    }
    default: {
      // hostile --set overrides on a valid manifest
      const sets = Array.from({ length: 1 + rng.int(4) }, () => randomSet(rng, base));
      return { kind: 'attack:set', files: [{ path: f('m.json'), text: JSON.stringify(base) }], entry: f('m.json'), sets };
    }
  }
}

/** An ablation variants file: good, malformed, or hostile paths and values. */
function variantsCase(rng: Rng, index: number, examples: readonly ExampleManifest[]): Omit<FuzzCase, 'via' | 'index'> {
  const dir = `case-${index}`;
  const base = JSON.parse(JSON.stringify(pick(rng, examples.filter((e) => !('extends' in e.value))).value)) as Record<string, unknown>;
  neuterPlugins(base);
  // Built as text from the raw `--set` values: some are nested too deep for JSON.stringify.
  const members: string[] = [];
  for (let i = 0; i < 1 + rng.int(3); i++) {
    const set = randomSet(rng, base);
    const eq = set.indexOf('=');
    const raw = set.slice(eq + 1);
    let valueText: string;
    try {
      JSON.parse(raw);
      valueText = raw;
    } catch {
      valueText = JSON.stringify(raw);
    }
    const entries = [`${JSON.stringify(eq > 0 ? set.slice(0, eq) : set)}: ${valueText}`];
    if (chance(rng, 0.3)) entries.push(`${JSON.stringify(pick(rng, ['models.__proto__.type', '__proto__.polluted', 'constructor.prototype.x']))}: "backbone/unet"`);
    const name = chance(rng, 0.15) ? pick(rng, [...FORBIDDEN, '', '../x', 'a/b', '~1']) : `v${i}`;
    const body = chance(rng, 0.1) ? JSON.stringify(weirdValue(rng)) ?? 'null' : `{${entries.join(', ')}}`;
    members.push(`${JSON.stringify(name)}: ${body}`);
  }
  let text = chance(rng, 0.1) ? JSON.stringify(weirdValue(rng)) ?? 'null' : `{"variants": {${members.join(', ')}}}`;
  if (chance(rng, 0.2)) text = mutateText(rng, text);
  return {
    kind: 'variants',
    files: [
      { path: `${dir}/m.json`, text: JSON.stringify(base) },
      { path: `${dir}/v.json`, text },
    ],
    entry: `${dir}/m.json`,
    variantsFile: `${dir}/v.json`,
    sets: [],
  };
}

/** The case with this index: example mutations most of the time, structural attacks and variants files otherwise. */
export function generateCase(rng: Rng, index: number, examples: readonly ExampleManifest[]): FuzzCase {
  const roll = rng.next();
  const via: FuzzVia = ((r) => (r < 0.6 ? 'validate' : r < 0.85 ? 'prepare' : 'cli'))(rng.next());
  if (roll < 0.08) return { index, via: 'variants', ...variantsCase(rng, index, examples) };
  if (roll < 0.4) {
    const c = { index, via, ...attack(rng, index, examples) };
    return via === 'cli' ? { ...c, cliFlags: cliFlags(rng) } : c;
  }
  // An example, edited in place of its own file (so its relative `extends` still resolve), values then maybe text.
  const example = examples[index % examples.length]!;
  const value = JSON.parse(JSON.stringify(example.value)) as Record<string, unknown>;
  const edits = 1 + rng.int(4);
  for (let i = 0; i < edits; i++) mutateValue(rng, value);
  neuterPlugins(value);
  let text = serialize(rng, value);
  const textual = chance(rng, 0.3);
  if (textual) text = mutateText(rng, text);
  const sets = chance(rng, 0.3) ? Array.from({ length: 1 + rng.int(3) }, () => randomSet(rng, value)) : [];
  const entry = example.path.replace(/\.json$/, `.fuzz-${index}.json`);
  return { index, kind: textual ? 'example:text' : 'example:value', files: [{ path: entry, text }], entry, sets, via, ...(via === 'cli' ? { cliFlags: cliFlags(rng) } : {}) };
}

function cliFlags(rng: Rng): string[] {
  return [...(chance(rng, 0.5) ? ['--json'] : []), ...(chance(rng, 0.7) ? ['--no-data'] : [])];
}
