#!/usr/bin/env node
import { main } from './main';

// `graphflow list | head` closes the pipe early: the reader has what it wanted, so stop quietly as Unix tools do
// instead of dying with an unhandled EPIPE stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`GF_INTERNAL: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
