// The baseline: a bare node:http server answering fixed bytes from memory.
import http from 'node:http';

const body = Buffer.from(process.env.BARE_BODY_BASE64 ?? '', 'base64');
const headers = JSON.parse(process.env.BARE_HEADERS_JSON ?? '{}') as Record<string, string>;
const server = http.createServer((_req, res) => {
  res.writeHead(200, { ...headers, 'Content-Length': body.length });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`LISTENING ${typeof address === 'object' && address ? address.port : 0}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
