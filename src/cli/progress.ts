import cliProgress from 'cli-progress';
import { printError } from './output.ts';

/**
 * What upload and download report while bytes move. On a terminal it is one bar with bytes, rate
 * and time left; elsewhere (CI logs, pipes) a bar would be noise, so each finished file gets a line.
 */
export interface Progress {
  /** Counts bytes moved; negative when a restarted transfer gives back what it had counted. */
  advance(bytes: number): void;
  /** Names the file now moving, shown beside the bar. */
  setFile(path: string): void;
  /** A file finished; the line is printed only when there is no bar. */
  fileDone(line: string): void;
  /** A line the user must see in both modes (such as a restarted download). */
  note(line: string): void;
  stop(): void;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${UNITS[unit]}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`;
}

/** Bytes per second over the last few seconds, so one slow or fast moment does not swing it. */
class RateMeter {
  private samples: Array<{ at: number; value: number }> = [];
  constructor(private readonly windowMs = 5000) {}

  sample(value: number, at = Date.now()) {
    this.samples.push({ at, value });
    while (this.samples.length > 2 && at - this.samples[0]!.at > this.windowMs) this.samples.shift();
  }

  perSecond(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at === first.at) return 0;
    return Math.max(0, ((last.value - first.value) * 1000) / (last.at - first.at));
  }
}

class TerminalProgress implements Progress {
  private readonly bar: cliProgress.SingleBar;
  private readonly rate = new RateMeter();
  private value = 0;
  private file = '';
  private readonly onInterrupt = () => {
    // Put the cursor back before dying; then exit as the shell expects from Ctrl-C.
    this.stop();
    process.exit(130);
  };

  constructor(private readonly total: number, stream: NodeJS.WriteStream) {
    this.bar = new cliProgress.SingleBar({
      stream,
      format: '{bar} {percentage}% | {done}/{size} | {rate} | {left} left | {file}',
      barsize: 24,
      hideCursor: true,
      fps: 8,
      etaBuffer: 1,
    }, cliProgress.Presets.shades_classic);
    this.bar.start(Math.max(total, 1), 0, this.payload());
    process.once('SIGINT', this.onInterrupt);
  }

  private payload() {
    const perSecond = this.rate.perSecond();
    const width = Math.max(10, (process.stderr.columns ?? 80) - 80);
    const file = this.file.length > width ? `…${this.file.slice(-(width - 1))}` : this.file;
    return {
      done: formatBytes(this.value),
      size: formatBytes(this.total),
      rate: `${formatBytes(perSecond)}/s`,
      left: perSecond > 0 ? formatDuration((this.total - this.value) / perSecond) : '--:--',
      file,
    };
  }

  advance(bytes: number) {
    this.value += bytes;
    this.rate.sample(this.value);
    this.bar.update(Math.min(this.value, Math.max(this.total, 1)), this.payload());
  }

  setFile(path: string) {
    this.file = path;
    this.bar.update(this.payload());
  }

  fileDone() {}

  note(line: string) {
    // Clear the bar's line, print above it; the bar redraws on its next update.
    process.stderr.write(`\r\x1b[K${line}\n`);
    this.bar.update(this.payload());
  }

  stop() {
    process.removeListener('SIGINT', this.onInterrupt);
    this.bar.stop();
  }
}

class LineProgress implements Progress {
  advance() {}
  setFile() {}
  fileDone(line: string) {
    printError(line);
  }
  note(line: string) {
    printError(line);
  }
  stop() {}
}

export function createProgress(totalBytes: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  return stream.isTTY ? new TerminalProgress(totalBytes, stream) : new LineProgress();
}
