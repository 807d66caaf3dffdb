// The baseline: a bare node:http server answering every request with one
// captured response (status, headers, body) from memory.
import http from 'node:http';

const status = Number(process.env.BARE_STATUS ?? 200);
const body = Buffer.from(process.env.BARE_BODY_BASE64 ?? '', 'base64');
const headers = JSON.parse(process.env.BARE_HEADERS_JSON ?? '[]') as Array<[string, string]>;
const withLength: Array<[string, string]> = status === 304 || status === 204 ? headers : [...headers, ['Content-Length', String(body.length)]];
const server = http.createServer((req, res) => {
  // The body must be read (and dropped) before answering, as any server must for POST.
  req.resume();
  res.writeHead(status, withLength.flat());
  res.end(status === 304 || status === 204 || req.method === 'HEAD' ? undefined : body);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`LISTENING ${typeof address === 'object' && address ? address.port : 0}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
