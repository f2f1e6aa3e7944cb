import * as fs from 'node:fs';
import * as path from 'node:path';
import { globSync } from 'tinyglobby';
import type { Problem } from '../errors/graphflow-error';
import { resolvePluginPath, type PluginReference } from './plugin-loader';

/**
 * Whether the plugins a manifest names may be loaded. A plugin is code that runs with the user's permissions, and a
 * manifest (its own `plugins`, those it inherits through `extends`, a run folder's `manifest.resolved.json`) is a file
 * anyone can hand over, so by default only plugins the user vouched for are loaded: see {@link checkPluginConsent}.
 */
export interface PluginConsent {
  /** Load every plugin the manifest names (the CLI's `--allow-plugins`). Default: false. */
  allowManifestPlugins?: boolean;
  /** More plugins the user allows: paths (relative to the working directory) or package names. */
  allowed?: readonly string[];
  /**
   * Where the user's project is looked for: the nearest package.json in this folder or above it (default: the working
   * directory). Never the manifest's folder: a manifest's folder may carry a package.json of its own.
   */
  projectDir?: string;
}

/** One entry of a manifest's `plugins` list, and where it is written. */
export interface ManifestPluginEntry {
  reference: PluginReference;
  /** JSON pointer of the entry in `file`. */
  pointer: string;
  /** The file that names it (for an inherited plugin, the base manifest that lists it). */
  file?: string;
  line?: number;
  column?: number;
}

/** A package.json that speaks for the user: the project found from the working directory, or its workspace root. */
export interface TrustedProject {
  packageJson: string;
  dir: string;
  /** Package names it vouches for, with where it lists them (e.g. `dependencies`). */
  names: Map<string, string>;
  /** `graphflow.allowPlugins` entries that are paths, made absolute (relative to the package.json). */
  paths: string[];
}

export interface ConsentContext {
  consent?: PluginConsent;
  /** Plugins given on the command line (`--plugin`): always loaded, so allowed when a manifest names them too. */
  extraPlugins?: readonly string[];
  /** GraphFlow's own plugins (and the caller's default list): always trusted. */
  defaultPlugins?: readonly string[];
  /** Folders package names also resolve from (as for loading). */
  searchPaths?: readonly string[];
  /** The folder the manifest's relative plugin paths resolve against (as for loading). */
  baseDir: string;
  /** The working directory (default: process.cwd()). */
  cwd?: string;
}

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const;

function isPathReference(name: string): boolean {
  return name.startsWith('.') || path.isAbsolute(name);
}

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The package folders of a package.json's npm `workspaces` (array or `{ packages }`, `!` patterns exclude). */
export function workspaceFolders(dir: string, pkg: Record<string, unknown>): string[] {
  const ws = pkg['workspaces'];
  const patterns = (Array.isArray(ws) ? ws : typeof ws === 'object' && ws !== null && Array.isArray((ws as { packages?: unknown }).packages) ? (ws as { packages: unknown[] }).packages : [])
    .filter((p): p is string => typeof p === 'string' && p !== '');
  const included = patterns.filter((p) => !p.startsWith('!'));
  if (included.length === 0) return [];
  // As npm maps workspaces: each pattern names folders holding a package.json; `!` patterns exclude.
  const manifests = globSync(included.map((p) => `${p.replace(/\/+$/, '')}/package.json`), {
    cwd: dir,
    absolute: true,
    onlyFiles: true,
    deep: 10,
    ignore: ['**/node_modules/**', ...patterns.filter((p) => p.startsWith('!')).map((p) => `${p.slice(1).replace(/\/+$/, '')}/package.json`)],
  });
  return [...new Set(manifests.map((file) => path.dirname(path.resolve(file))))];
}

function trustedProject(packageJson: string, pkg: Record<string, unknown>): TrustedProject {
  const dir = path.dirname(packageJson);
  const names = new Map<string, string>();
  for (const field of DEPENDENCY_FIELDS) {
    const deps = pkg[field];
    if (typeof deps === 'object' && deps !== null && !Array.isArray(deps)) for (const name of Object.keys(deps)) if (!names.has(name)) names.set(name, `in ${field}`);
  }
  for (const folder of workspaceFolders(dir, pkg)) {
    const name = readJson(path.join(folder, 'package.json'))?.['name'];
    if (typeof name === 'string' && name !== '' && !names.has(name)) names.set(name, `workspace package ${toPosix(path.relative(dir, folder))}`);
  }
  const paths: string[] = [];
  const graphflow = pkg['graphflow'];
  const allow = typeof graphflow === 'object' && graphflow !== null ? (graphflow as { allowPlugins?: unknown }).allowPlugins : undefined;
  for (const entry of Array.isArray(allow) ? allow : []) {
    if (typeof entry !== 'string' || entry === '') continue;
    if (isPathReference(entry)) paths.push(path.resolve(dir, entry));
    else names.set(packageNameOf(entry), 'in graphflow.allowPlugins');
  }
  return { packageJson, dir, names, paths };
}

/**
 * The package.json files that speak for the user: the nearest one in `start` or above it and, when that package is
 * one of the npm workspaces of a package.json further up (as npm itself decides), that workspace root too.
 */
export function findTrustedProjects(start: string = process.cwd()): TrustedProject[] {
  let nearest: string | undefined;
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (isFile(path.join(dir, 'package.json'))) {
      nearest = path.join(dir, 'package.json');
      break;
    }
    if (path.dirname(dir) === dir) break;
  }
  if (!nearest) return [];
  const projects: TrustedProject[] = [];
  const own = readJson(nearest);
  if (own) projects.push(trustedProject(nearest, own));
  const member = path.dirname(nearest);
  for (let dir = path.dirname(member); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    const pkg = isFile(file) ? readJson(file) : undefined;
    if (pkg && pkg['workspaces'] !== undefined && workspaceFolders(dir, pkg).includes(member)) {
      projects.push(trustedProject(file, pkg));
      break;
    }
    if (path.dirname(dir) === dir) break;
  }
  return projects;
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/**
 * The consent check, run over every plugin a manifest names before any of them is imported. A manifest plugin is
 * allowed when:
 * - `consent.allowManifestPlugins` is set (`--allow-plugins`); or
 * - it resolves to the same module as a plugin given on the command line (`--plugin`), one in `consent.allowed`, or
 *   GraphFlow's own; or
 * - it is a package (or a file of a package) the user's project lists in `dependencies`, `devDependencies`,
 *   `optionalDependencies`, `peerDependencies`, its npm `workspaces` or `"graphflow": { "allowPlugins": [...] }`, and
 *   it resolves to the project's own installed copy (a copy beside the manifest does not count); or
 * - it is a path that resolves to the same module as a path in the project's `graphflow.allowPlugins`
 *   (relative to that package.json).
 * The project is the nearest package.json above the working directory (or `consent.projectDir`), plus its workspace
 * root when it is a workspace package; never a package.json beside the manifest.
 * Returns one GF_PLUGIN_NOT_ALLOWED problem per refused plugin (none: all allowed).
 */
export function checkPluginConsent(entries: readonly ManifestPluginEntry[], ctx: ConsentContext): Problem[] {
  if (entries.length === 0 || ctx.consent?.allowManifestPlugins === true) return [];
  const cwd = ctx.cwd ?? process.cwd();
  const searchPaths = [...(ctx.searchPaths ?? [])];
  const tryResolve = (name: string, baseDir: string): string | undefined => {
    try {
      return resolvePluginPath(name, { baseDir, searchPaths });
    } catch {
      return undefined;
    }
  };
  const trustedFiles = new Map<string, string>();
  const trustedPaths = new Map<string, string>();
  const trustedNames = new Map<string, { base: string; why: string }[]>();
  const trustName = (name: string, base: string, why: string) => trustedNames.set(name, [...(trustedNames.get(name) ?? []), { base, why }]);
  const trust = (entry: string, base: string, why: string) => {
    if (isPathReference(entry)) {
      trustedPaths.set(path.resolve(base, entry), why);
      const file = tryResolve(entry, base);
      if (file) trustedFiles.set(file, why);
    } else {
      trustName(packageNameOf(entry), base, why);
    }
  };
  for (const name of ctx.defaultPlugins ?? []) trust(name, cwd, "GraphFlow's own plugin");
  for (const name of ctx.extraPlugins ?? []) trust(name, cwd, `--plugin ${name}`);
  for (const name of ctx.consent?.allowed ?? []) trust(name, cwd, 'allowed by the caller');
  const projects = findTrustedProjects(ctx.consent?.projectDir ?? cwd);
  for (const project of projects) {
    for (const p of project.paths) trust(p, project.dir, `graphflow.allowPlugins of ${project.packageJson}`);
    for (const [name, field] of project.names) trustName(name, project.dir, `${field} of ${project.packageJson}`);
  }

  const problems: Problem[] = [];
  for (const entry of entries) {
    const name = typeof entry.reference === 'string' ? entry.reference : entry.reference.name;
    const resolved = tryResolve(name, ctx.baseDir);
    if (resolved !== undefined && trustedFiles.has(resolved)) continue;
    let detail: string;
    let shadowed = false;
    if (isPathReference(name)) {
      const absolute = path.resolve(ctx.baseDir, name);
      // A path the user allowed that does not exist (yet): let the loader say so.
      if (resolved === undefined && trustedPaths.has(absolute)) continue;
      detail = `it would load ${resolved ?? absolute}`;
    } else {
      const vouchers = trustedNames.get(packageNameOf(name)) ?? [];
      if (vouchers.length > 0) {
        // Not installed anywhere: allowed, and the loader reports it missing.
        if (resolved === undefined) continue;
        const expected = vouchers.map((v) => tryResolve(name, v.base));
        if (expected.includes(resolved)) continue;
        const own = expected.find((e) => e !== undefined);
        shadowed = true;
        detail =
          `package "${name}" is trusted (${vouchers[0]!.why}), but here it resolves to ${resolved} instead of ` +
          `${own ? `the project's copy ${own}` : 'a copy installed in the project (none is)'}: a copy that comes with a manifest is not your project's`;
      } else {
        detail = resolved ? `it would load package "${name}" (${resolved})` : `it would load package "${name}"`;
      }
    }
    problems.push({
      code: 'GF_PLUGIN_NOT_ALLOWED',
      message: `plugin "${name}" is not allowed to run: ${detail}. A plugin runs code with your permissions, so GraphFlow loads one a manifest names only with your consent. ${howToAllow(name, resolved, ctx.baseDir, projects[0], shadowed)}`,
      ...(entry.file !== undefined ? { file: entry.file } : {}),
      pointer: entry.pointer,
      ...(entry.line !== undefined ? { line: entry.line } : {}),
      ...(entry.column !== undefined ? { column: entry.column } : {}),
    });
  }
  return problems;
}

function howToAllow(name: string, resolved: string | undefined, baseDir: string, project: TrustedProject | undefined, shadowed: boolean): string {
  const isPath = isPathReference(name);
  const module = isPath ? (resolved ?? path.resolve(baseDir, name)) : shadowed ? resolved! : name;
  const ways = ['pass --allow-plugins (allows every plugin this manifest names)', `--plugin ${module.includes(' ') ? JSON.stringify(module) : module}`];
  const packageJson = project ? project.packageJson : 'a package.json in the folder you run graphflow from';
  if (isPath) {
    const rel = project ? toPosix(path.relative(project.dir, module)) : undefined;
    const entry = rel === undefined ? module : rel === '..' || rel.startsWith('../') || path.isAbsolute(rel) ? rel : `./${rel}`;
    ways.push(`list it in ${packageJson} as "graphflow": { "allowPlugins": ["${entry}"] }`);
  } else if (!shadowed) {
    ways.push(`add it to the dependencies of ${packageJson} and install it there (or list it in "graphflow": { "allowPlugins": ["${packageNameOf(name)}"] })`);
  }
  return `If you trust it: ${ways.slice(0, -1).join(', ')} or ${ways[ways.length - 1]}.`;
}
