/**
 * Raw HTTP to the stand-in, below node-vault: one request on its own TCP connection, written
 * by hand, so the tests see exactly the status, headers and bytes a Vault client would get
 * (and can send the LIST method, which Node's own http client would send but its server refuses).
 */
import net from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: any;
}

export function rawRequest(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const url = new URL(base);
  const payload = options.body === undefined ? '' : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const lines = [`${method} ${path} HTTP/1.1`, `Host: ${url.host}`, 'Connection: close'];
  if (options.token !== undefined) lines.push(`X-Vault-Token: ${options.token}`);
  for (const [k, v] of Object.entries(options.headers ?? {})) lines.push(`${k}: ${v}`);
  const typed = Object.keys(options.headers ?? {}).some((k) => k.toLowerCase() === 'content-type');
  if (payload !== '' && !typed) lines.push('Content-Type: application/json');
  if (payload !== '') lines.push(`Content-Length: ${Buffer.byteLength(payload)}`);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const split = raw.indexOf('\r\n\r\n');
      if (split < 0) return reject(new Error(`connection closed without an answer (${raw.length} bytes)`));
      const [statusLine = '', ...headerLines] = raw.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      const text = raw.slice(split + 4);
      let json: unknown;
      try {
        json = text === '' ? undefined : JSON.parse(text);
      } catch {
        json = undefined;
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, text, json });
    });
    socket.write(`${lines.join('\r\n')}\r\n\r\n${payload}`);
  });
}
