import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** A `npx graphflow …` line of a fenced code block in the docs. */
export interface DocumentedCommand {
  /** Repository-relative Markdown file. */
  file: string;
  line: number;
  /** The command as written, without its trailing `# comment`. */
  command: string;
  subcommand: string;
}

/** Subcommands that read and print but train nothing: cheap enough to run, as written, in every test run. */
export const CHEAP_SUBCOMMANDS: ReadonlySet<string> = new Set(['list', 'describe', 'validate', 'doctor', 'summary']);

/** Markdown a user reads: the README, docs/, and each package's, example's and tool's README. */
export async function documentationFiles(root: string): Promise<string[]> {
  const out: string[] = ['README.md'];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await fs.readdir(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'dist' && !entry.name.startsWith('.')) await walk(rel);
      } else if (entry.name.endsWith('.md')) {
        out.push(rel);
      }
    }
  };
  await walk('docs');
  for (const group of ['packages', 'plugins', 'examples', 'tools']) {
    for (const entry of await fs.readdir(path.join(root, group), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const readme = path.join(group, entry.name, 'README.md');
      if (await fs.access(path.join(root, readme)).then(() => true, () => false)) out.push(readme);
    }
  }
  return out;
}

/** Drop a shell comment that is not inside quotes. */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) {
      return line.slice(0, i).trimEnd();
    }
  }
  return line.trimEnd();
}

/** Every `npx graphflow` command in the fenced code blocks of `text` (continuation lines joined). */
export function extractCommands(file: string, text: string): DocumentedCommand[] {
  const out: DocumentedCommand[] = [];
  const lines = text.split('\n');
  let fenced = false;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (/^\s*```/.test(raw)) {
      fenced = !fenced;
      continue;
    }
    if (!fenced) continue;
    let command = stripComment(raw.trim().replace(/^\$\s+/, ''));
    const start = i;
    while (command.endsWith('\\') && i + 1 < lines.length) command = `${command.slice(0, -1).trimEnd()} ${stripComment(lines[++i]!.trim())}`;
    const m = /^npx graphflow\s+(\S+)/.exec(command);
    if (m) out.push({ file, line: start + 1, command, subcommand: m[1]! });
  }
  return out;
}

/** Documented commands that are cheap to run: the read-only subcommands and any `--help`. */
export function isCheap(c: DocumentedCommand): boolean {
  return CHEAP_SUBCOMMANDS.has(c.subcommand) || /(^|\s)(--help|-h)(\s|$)/.test(c.command);
}
