import pino, { type Logger, type Level, type StreamEntry, type DestinationStream } from 'pino';
import pretty from 'pino-pretty';

export type LogFormat = 'pretty' | 'json';

export interface LoggerOptions {
  /** Console level (default info). The run log file always records debug and above. */
  level?: Level | 'silent';
  /** Console format: human-readable on a TTY by default, JSON lines otherwise. */
  format?: LogFormat;
  /** Run log file: JSON lines. */
  file?: string;
  /** Console stream (default stderr, so stdout carries only command results). */
  console?: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * The run logger: JSON lines to the run log, and pretty or JSON to the console.
 * Children carry `plugin`, `component` or `stage` so every line says who wrote it.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const out = options.console ?? process.stderr;
  const level = options.level ?? 'info';
  const format = options.format ?? (out.isTTY ? 'pretty' : 'json');
  const streams: StreamEntry[] = [];
  if (level !== 'silent') {
    const consoleStream: DestinationStream =
      format === 'pretty'
        ? pretty({ destination: out, colorize: Boolean(out.isTTY), sync: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss' })
        : (out as unknown as DestinationStream);
    streams.push({ level, stream: consoleStream });
  }
  if (options.file) streams.push({ level: 'debug', stream: pino.destination({ dest: options.file, sync: true, mkdir: true, append: true }) });
  if (streams.length === 0) return pino({ level: 'silent' });
  const minLevel = options.file ? 'debug' : level;
  return pino({ level: minLevel, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.multistream(streams));
}

export type { Logger };
