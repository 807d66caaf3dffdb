// The app under benchmark, in its own process, logging to a discarded stream.
import { Writable } from 'node:stream';
import { serve } from '@hono/node-server';
import { createApp } from '../../app.ts';
import { createLog } from '../../src/http.ts';
import { loadSettings } from '../../src/settings.ts';

const settings = loadSettings({ ...process.env, PORT: '0' });
const lightweight = await createApp(settings, createLog(new Writable({ write: (_chunk, _enc, done) => done() })));
const server = serve({ fetch: lightweight.app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  console.log(`LISTENING ${info.port}`);
});
process.on('SIGTERM', () => {
  server.close();
  void lightweight.close().then(() => process.exit(0));
});
