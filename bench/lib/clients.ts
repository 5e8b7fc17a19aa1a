import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';

function run(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string; seconds: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr, seconds: (performance.now() - started) / 1000 }));
  });
}

/** Downloads `url` with curl into /dev/null; both servers are read by the same client. */
export async function curlDownload(url: string, headers: Record<string, string> = {}) {
  const args = ['-s', '-o', '/dev/null', '-w', '%{http_code} %{size_download} %{time_total}'];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  const result = await run('curl', [...args, url]);
  const [status, bytes, seconds] = result.stdout.trim().split(' ');
  if (status !== '200') throw new Error(`GET ${url} answered ${status}: ${result.stderr}`);
  return { bytes: Number(bytes), seconds: Number(seconds), bytesPerSecond: Number(bytes) / Number(seconds) };
}

/** Streams `file` to `url` with curl's PUT, as `airlock upload` does; returns the JSON answer. */
export async function curlUpload(url: string, file: string, headers: Record<string, string>) {
  const args = ['-s', '-X', 'PUT', '-T', file, '-w', '\n%{http_code}'];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  const result = await run('curl', [...args, url]);
  const lines = result.stdout.trimEnd().split('\n');
  const status = lines.pop();
  if (status !== '201' && status !== '200') throw new Error(`PUT ${url} answered ${status}: ${lines.join('\n')}`);
  return { body: JSON.parse(lines.join('\n')) as Record<string, unknown>, seconds: result.seconds };
}

export async function sha256sum(file: string) {
  const result = await run('sha256sum', [file]);
  if (result.code !== 0) throw new Error(`sha256sum failed: ${result.stderr}`);
  return { sha256: result.stdout.split(' ')[0]!, seconds: result.seconds };
}

export interface WrkResult {
  requests: number;
  bytes: number;
  seconds: number;
  errors: number;
  non2xx: number;
  p50Ms: number;
  p99Ms: number;
  requestsPerSecond: number;
  bytesPerSecond: number;
}

/**
 * Runs wrk with a Lua script made from `requestLua` (the body of wrk's `request` function, or
 * nothing for a plain GET) and a `done` hook that prints the figures as JSON.
 */
export async function wrk(options: { url: string; connections: number; seconds: number; threads?: number; method?: string; headers?: Record<string, string>; requestLua?: string; workDir: string }): Promise<WrkResult> {
  const headerLines = Object.entries(options.headers ?? {}).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`).join('\n');
  const script = `
wrk.method = ${JSON.stringify(options.method ?? 'GET')}
${headerLines}
${options.requestLua ?? ''}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('\\nWRK_JSON {"requests":%d,"bytes":%d,"duration_us":%d,"errors":%d,"non2xx":%d,"p50_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.bytes, summary.duration, e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50), latency:percentile(99)))
end
`;
  const scriptFile = path.join(options.workDir, `wrk-${process.pid}-${Date.now()}.lua`);
  await fs.writeFile(scriptFile, script);
  const threads = Math.min(options.threads ?? 2, options.connections);
  const result = await run('wrk', ['-t', String(threads), '-c', String(options.connections), '-d', `${options.seconds}s`, '--timeout', '10s', '-s', scriptFile, options.url]);
  const json = /WRK_JSON (\{.*\})/.exec(result.stdout);
  if (!json) throw new Error(`wrk printed no result for ${options.url}:\n${result.stdout}\n${result.stderr}`);
  const raw = JSON.parse(json[1]!) as Record<string, number>;
  const seconds = raw.duration_us! / 1e6;
  return {
    requests: raw.requests!,
    bytes: raw.bytes!,
    seconds,
    errors: raw.errors!,
    non2xx: raw.non2xx!,
    p50Ms: raw.p50_us! / 1000,
    p99Ms: raw.p99_us! / 1000,
    requestsPerSecond: raw.requests! / seconds,
    bytesPerSecond: raw.bytes! / seconds,
  };
}

/** wrk's `request` function for random `length`-byte ranges of a `size`-byte file. */
export const randomRangeLua = (urlPath: string, size: number, length: number) => `
math.randomseed(${Date.now() % 100000})
request = function()
  local start = math.random(0, ${size - length})
  wrk.headers["Range"] = "bytes=" .. start .. "-" .. (start + ${length - 1})
  return wrk.format(nil, ${JSON.stringify(urlPath)})
end
`;

/**
 * `HEAD` load with ApacheBench (`ab -i`): wrk cannot measure HEAD, because it waits for the body
 * that a `Content-Length` announces and a HEAD answer never sends.
 */
export async function abHead(options: { url: string; connections: number; seconds: number; headers?: Record<string, string> }) {
  const args = ['-i', '-k', '-q', '-c', String(options.connections), '-t', String(options.seconds), '-n', '100000000'];
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}: ${value}`);
  const result = await run('ab', [...args, options.url]);
  const number = (pattern: RegExp) => Number(pattern.exec(result.stdout)?.[1] ?? NaN);
  const requestsPerSecond = number(/Requests per second:\s+([\d.]+)/);
  if (!Number.isFinite(requestsPerSecond)) throw new Error(`ab printed no result for ${options.url}:\n${result.stdout}\n${result.stderr}`);
  return {
    requestsPerSecond,
    failed: number(/Failed requests:\s+(\d+)/),
    non2xx: Number(/Non-2xx responses:\s+(\d+)/.exec(result.stdout)?.[1] ?? 0),
    p99Ms: number(/^\s+99%\s+(\d+)/m),
  };
}
