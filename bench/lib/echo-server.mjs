// The floor Express sets: a bare Express app that parses a JSON body and echoes it back. Same http.Server settings
// as the api-server (keep-alive 65 s). Run as a child process by bench/lib/procs.mjs.
import { createServer } from 'node:http';
import express from 'express';

const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.use(express.json({ limit: '3mb' }));
app.post('*splat', (req, res) => res.json(req.body));
app.get('*splat', (_req, res) => res.json({ ok: true }));
const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, app);
server.listen(0, '127.0.0.1', () => process.stdout.write(`echo listening on ${server.address().port}\n`));
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 2000).unref();
});
