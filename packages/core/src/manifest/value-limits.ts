import { GraphFlowError, type ErrorLocation } from '../errors/graphflow-error';
import { escapePointerToken } from './json-pointer';
import { MANIFEST_LIMITS, isForbiddenKey } from './limits';

const n = (value: number) => value.toLocaleString('en-US');

/** Where nesting first went past the limit in a JSON text, found without parsing it. */
export interface NestingExcess {
  /** Offset of the bracket that opens the first level past the limit. */
  position: number;
  /** JSON pointer of the value that bracket opens. */
  pointer: string;
  /** Deepest nesting anywhere in the text. */
  depth: number;
}

interface Frame {
  array: boolean;
  index: number;
  /** Raw (still escaped) text of the current key, for objects. */
  key: string | undefined;
}

function decodeKey(raw: string): string {
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}

/**
 * Scan a JSON text for nesting deeper than `maxDepth`, in one pass and constant stack, before any parser recurses into
 * it. Tolerates invalid JSON (it only tracks strings and brackets; the parser reports syntax errors afterwards).
 */
export function findExcessiveNesting(text: string, maxDepth: number = MANIFEST_LIMITS.maxDepth): NestingExcess | undefined {
  const stack: Frame[] = [];
  let expectKey = false;
  let excess: { position: number; pointer: string } | undefined;
  let depth = 0;
  let deepest = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const start = i + 1;
      i++;
      while (i < length) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i += 2;
        else if (d === 0x22) break;
        else i++;
      }
      if (expectKey && !excess) {
        const top = stack[stack.length - 1];
        if (top && !top.array) top.key = text.slice(start, Math.min(i, length));
      }
      expectKey = false;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (depth > maxDepth && !excess) {
        const tokens = stack.map((f) => escapePointerToken(f.array ? f.index : decodeKey(f.key ?? '')));
        excess = { position: i, pointer: tokens.length ? `/${tokens.join('/')}` : '' };
      }
      if (!excess) stack.push({ array: c === 0x5b, index: 0, key: undefined });
      expectKey = c === 0x7b;
    } else if (c === 0x7d || c === 0x5d) {
      if (depth > 0) depth--;
      if (!excess) stack.pop();
      expectKey = false;
    } else if (c === 0x2c && !excess) {
      const top = stack[stack.length - 1];
      if (top?.array) top.index++;
      else if (top) expectKey = true;
    }
  }
  return excess ? { ...excess, depth: deepest } : undefined;
}

/** How to report a problem found by checkValueLimits. */
export interface ValueLimitContext {
  /** Names the value in messages when there is no file, e.g. `--set models.a=…`. */
  label?: string;
  /** Location of a pointer inside the value (file, line, column), when the value came from a file. */
  locate?: (pointer: string) => ErrorLocation;
  /** Pointer of the value inside its document (prefix of every pointer reported). */
  pointer?: string;
  /** Does the source text have this pointer? (json-source-map turns a `"__proto__"` key into a prototype, not a key.) */
  hasPointer?: (pointer: string) => boolean;
  /** Code for a forbidden key (default GF_MANIFEST_INVALID; GF_OVERRIDE_INVALID for overrides). */
  forbiddenCode?: 'GF_MANIFEST_INVALID' | 'GF_OVERRIDE_INVALID';
  /** Depth of the value's own position (an override at `a.b.c` starts at 3). */
  baseDepth?: number;
}

interface Node {
  value: unknown;
  parent: Node | undefined;
  token: string;
  depth: number;
}

function pointerOf(node: Node, prefix: string): string {
  const tokens: string[] = [];
  for (let at: Node | undefined = node; at && at.parent; at = at.parent) tokens.push(escapePointerToken(at.token));
  return prefix + (tokens.length ? `/${tokens.reverse().join('/')}` : '');
}

/**
 * Check a parsed JSON value against MANIFEST_LIMITS (nesting, entries per object/array, string and key length, finite
 * numbers) and refuse `__proto__` / `constructor` / `prototype` keys. Iterative, so any depth is safe. Throws the
 * first problem as a GraphFlowError: GF_MANIFEST_LIMIT for a limit, `forbiddenCode` for a key, GF_MANIFEST_INVALID
 * for a number that is not finite.
 */
export function checkValueLimits(value: unknown, context: ValueLimitContext = {}): void {
  const prefix = context.pointer ?? '';
  const stack: Node[] = [{ value, parent: undefined, token: '', depth: context.baseDepth ?? 0 }];
  const fail = (code: 'GF_MANIFEST_LIMIT' | 'GF_MANIFEST_INVALID' | 'GF_OVERRIDE_INVALID', node: Node, message: string, expected?: string): never => {
    const inner = pointerOf(node, prefix);
    // A value from a file is located by pointer (and line); an override's value has no file: say where in the value.
    const location: ErrorLocation = context.locate ? { pointer: inner, ...context.locate(inner) } : {};
    const text = `${context.label ? `${context.label}: ` : ''}${message}${!context.locate && inner ? ` (at ${inner} in the value)` : ''}`;
    throw new GraphFlowError(code, text, { ...location, ...(expected ? { problems: [{ code, message: text, ...location, expected }] } : {}) });
  };
  while (stack.length > 0) {
    const node = stack.pop()!;
    const v = node.value;
    if (typeof v === 'string') {
      if (v.length > MANIFEST_LIMITS.maxStringLength) {
        fail('GF_MANIFEST_LIMIT', node, `string of ${n(v.length)} characters is longer than the limit of ${n(MANIFEST_LIMITS.maxStringLength)}`);
      }
      continue;
    }
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) fail('GF_MANIFEST_INVALID', node, 'number is out of range (not a finite double)', 'a number between ±1.8e308');
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    const depth = node.depth + 1;
    if (depth > MANIFEST_LIMITS.maxDepth) fail('GF_MANIFEST_LIMIT', node, `nesting deeper than ${MANIFEST_LIMITS.maxDepth} levels: level ${depth} opens here (limit ${MANIFEST_LIMITS.maxDepth})`);
    if (Array.isArray(v)) {
      if (v.length > MANIFEST_LIMITS.maxEntries) fail('GF_MANIFEST_LIMIT', node, `array of ${n(v.length)} items is longer than the limit of ${n(MANIFEST_LIMITS.maxEntries)}`);
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], parent: node, token: String(i), depth });
      continue;
    }
    const proto = Object.getPrototypeOf(v) as unknown;
    if ((proto !== Object.prototype && proto !== null) || context.hasPointer?.(`${pointerOf(node, prefix)}/__proto__`)) {
      fail(context.forbiddenCode ?? 'GF_MANIFEST_INVALID', { value: undefined, parent: node, token: '__proto__', depth }, 'the key "__proto__" is not allowed', 'a key other than "__proto__", "constructor" and "prototype"');
    }
    const keys = Object.keys(v);
    if (keys.length > MANIFEST_LIMITS.maxEntries) fail('GF_MANIFEST_LIMIT', node, `object with ${n(keys.length)} keys has more than the limit of ${n(MANIFEST_LIMITS.maxEntries)}`);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      const child: Node = { value: (v as Record<string, unknown>)[key], parent: node, token: key, depth };
      if (isForbiddenKey(key)) fail(context.forbiddenCode ?? 'GF_MANIFEST_INVALID', child, `the key "${key}" is not allowed`, 'a key other than "__proto__", "constructor" and "prototype"');
      if (key.length > MANIFEST_LIMITS.maxStringLength) {
        // Reported at the object: a pointer that spells the key out would be as long as the key.
        fail('GF_MANIFEST_LIMIT', node, `a key of ${n(key.length)} characters is longer than the limit of ${n(MANIFEST_LIMITS.maxStringLength)}`);
      }
      stack.push(child);
    }
  }
}
