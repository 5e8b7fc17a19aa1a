import { Worker } from 'node:worker_threads';

/**
 * Samples the RSS of a process every 50 ms in a worker thread, so a busy main thread does not
 * delay the samples. `mark(label)` starts a named window; `peak(label)` reads its peak.
 */
const SAMPLER = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
let peak = 0;
const sample = () => {
  try {
    const match = /^VmRSS:\\s+(\\d+)\\s+kB$/m.exec(fs.readFileSync('/proc/' + workerData.pid + '/status', 'utf8'));
    if (match) peak = Math.max(peak, Number(match[1]) * 1024);
  } catch {}
};
const timer = setInterval(sample, 50);
parentPort.on('message', (message) => {
  sample();
  parentPort.postMessage(peak);
  if (message === 'reset') peak = 0;
  if (message === 'stop') clearInterval(timer);
});
`;

export interface RssSampler {
  /** Peak since the last reset, then starts a new window. */
  resetWindow(): Promise<number>;
  /** Peak since the last reset, keeping the window open. */
  peak(): Promise<number>;
  stop(): Promise<void>;
}

export function sampleRss(pid: number): RssSampler {
  const worker = new Worker(SAMPLER, { eval: true, workerData: { pid } });
  const ask = (message: string) => new Promise<number>((resolve) => {
    worker.once('message', resolve);
    worker.postMessage(message);
  });
  return {
    resetWindow: () => ask('reset'),
    peak: () => ask('peek'),
    async stop() {
      await ask('stop');
      await worker.terminate();
    },
  };
}

export async function rssNow(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}
