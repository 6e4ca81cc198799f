/**
 * A TCP front end for the stand-in's HTTP server. Node's HTTP parser refuses the LIST method
 * (400 before any handler runs), yet node-vault and the Vault CLI send it; Vault treats
 * `LIST /v1/p` as `GET /v1/p?list=true`. This front end reads each request's head, rewrites a
 * LIST request line to that GET, and pipes everything else through untouched.
 */
import net from 'node:net';

const HEAD_END = Buffer.from('\r\n\r\n');
/** a request head bigger than this is not a Vault client's: pass it through and let the parser judge */
const MAX_HEAD = 64 * 1024;

/** Rewrite one request head if it is a LIST. */
export function rewriteHead(head: string): string {
  const match = /^LIST (\S+) (HTTP\/1\.[01])\r\n/.exec(head);
  if (!match) return head;
  const target = match[1]!;
  const rewritten = `${target}${target.includes('?') ? '&' : '?'}list=true`;
  return `GET ${rewritten} ${match[2]}\r\n${head.slice(match[0].length)}`;
}

/**
 * Per connection: find each request head, rewrite it, forward the body by Content-Length.
 * A chunked body (no Vault client sends one) switches the connection to plain pass-through.
 */
function rewriter(upstream: net.Socket) {
  let buffer = Buffer.alloc(0);
  let bodyLeft = 0;
  let passThrough = false;
  return (chunk: Buffer) => {
    if (passThrough) return void upstream.write(chunk);
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      if (bodyLeft > 0) {
        const take = Math.min(bodyLeft, buffer.length);
        if (take === 0) return;
        upstream.write(buffer.subarray(0, take));
        buffer = buffer.subarray(take);
        bodyLeft -= take;
        continue;
      }
      const end = buffer.indexOf(HEAD_END);
      if (end < 0) {
        if (buffer.length > MAX_HEAD) {
          passThrough = true;
          upstream.write(buffer);
          buffer = Buffer.alloc(0);
        }
        return;
      }
      const head = buffer.subarray(0, end + HEAD_END.length).toString('latin1');
      buffer = buffer.subarray(end + HEAD_END.length);
      upstream.write(Buffer.from(rewriteHead(head), 'latin1'));
      if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
        passThrough = true;
        if (buffer.length > 0) upstream.write(buffer);
        buffer = Buffer.alloc(0);
        return;
      }
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      bodyLeft = length ? Number(length[1]) : 0;
    }
  };
}

/** Listen on host:port and forward every connection to the HTTP server at upstreamPort. */
export function listFrontEnd(upstreamPort: number, host: string): net.Server {
  return net.createServer((client) => {
    client.setNoDelay(true);
    const upstream = net.connect(upstreamPort, host);
    upstream.setNoDelay(true);
    const forward = rewriter(upstream);
    client.on('data', forward);
    upstream.on('data', (chunk) => client.write(chunk));
    // a dropped connection upstream (a fault) must reach the client as a dropped connection
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
}
