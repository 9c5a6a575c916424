// An S3-compatible object store for fovea's tests, on loopback: s3rver,
// behind a front that verifies each request's SigV4 signature (s3rver 3.7.1
// checks none) with aws4, the signer AWS's own JavaScript SDK v2 used.
//
//   node object_store.js --data DIR --bucket NAME [--port N]
//        [--access-key ID --secret-key KEY] [--upload DIR --prefix P/]
//        [--page-size N]
//
// Uploads every file of DIR (not recursive) under P/, then prints
// "fovea-store ready PORT" on stdout: PORT is the verifying front, which
// answers 403 SignatureDoesNotMatch or InvalidAccessKeyId as S3 does and
// passes the rest to s3rver. Restarted with the same --data and --port, it
// serves the same objects (the outage tests stop and start it). With
// --page-size, a listing gives at most N keys a page (S3 gives at most
// 1,000; a store may give fewer), so a test sees many pages of few objects.
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');
const aws4 = require('aws4');
const S3rver = require('s3rver');

function option(name, fallback) {
  const at = process.argv.indexOf('--' + name);
  return at < 0 ? fallback : process.argv[at + 1];
}

const data = option('data');
const bucket = option('bucket', 'fovea');
const port = Number(option('port', '0'));
const accessKey = option('access-key', 'fovea-test');
const secretKey = option('secret-key', 'fovea-test-secret');
const region = option('region', 'us-east-1');
const upload = option('upload');
const prefix = option('prefix', '');
const pageSize = Number(option('page-size', '0'));

function s3Error(res, status, code, message) {
  if (process.env.FOVEA_STORE_LOG) process.stderr.write(status + ' ' + code + ' ' + message + '\n');
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>' + code +
          '</Code><Message>' + message + '</Message></Error>');
}

// The signature aws4 computes for the request's signed headers, or null
// if the Authorization header is not SigV4's.
function verify(req) {
  const auth = req.headers.authorization || '';
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)$/.exec(auth);
  if (!match)
    return 'missing';
  if (match[1] !== accessKey)
    return 'key';
  const headers = {};
  for (const name of match[3].split(';'))
    headers[name] = req.headers[name];
  const signed = aws4.sign({ host: req.headers.host, path: req.url,
                             method: req.method, headers, service: 's3',
                             region }, { accessKeyId: accessKey,
                                         secretAccessKey: secretKey });
  const expected = /Signature=([0-9a-f]+)/.exec(signed.headers.Authorization)[1];
  return expected === match[4] ? 'ok' : 'signature';
}

// The request's target, with a listing's max-keys lowered to --page-size
// (after its signature was checked against the target as sent).
function paged(req) {
  if (!pageSize || req.method !== 'GET')
    return req.url;
  const url = new URL(req.url, 'http://store');
  if (url.searchParams.get('list-type') !== '2')
    return req.url;
  const asked = Number(url.searchParams.get('max-keys') || '1000');
  url.searchParams.set('max-keys', String(Math.min(asked, pageSize)));
  return url.pathname + url.search;
}

async function main() {
  const store = new S3rver({ port: 0, address: '127.0.0.1', silent: !process.env.FOVEA_STORE_LOG,
                             directory: data,
                             configureBuckets: [{ name: bucket }] });
  const { port: backendPort } = await store.run();
  const front = http.createServer((req, res) => {
    const verdict = verify(req);
    if (verdict === 'missing')
      return s3Error(res, 403, 'AccessDenied', 'No SigV4 signature');
    if (verdict === 'key')
      return s3Error(res, 403, 'InvalidAccessKeyId', 'Unknown access key');
    if (verdict === 'signature')
      return s3Error(res, 403, 'SignatureDoesNotMatch', 'Wrong signature');
    // Verified here: s3rver knows only its own key, and is asked anonymously.
    const headers = {};
    for (const [name, value] of Object.entries(req.headers))
      if (name !== 'authorization' && !name.startsWith('x-amz-'))
        headers[name] = value;
    const forward = http.request({ host: '127.0.0.1', port: backendPort,
                                   path: paged(req), method: req.method,
                                   headers }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', (e) => s3Error(res, 500, 'InternalError', 'backend: ' + e.message));
    req.pipe(forward);
  });
  front.keepAliveTimeout = 60000;
  await new Promise((resolve) => front.listen(port, '127.0.0.1', resolve));
  if (upload)
    await uploadFolder(backendPort);
  process.stdout.write('fovea-store ready ' + front.address().port + '\n');
  const stop = () => { front.close(); store.close().then(() => process.exit(0)); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

// Straight to s3rver, 32 at a time: 10,000 small PUTs in a few seconds.
async function uploadFolder(backendPort) {
  const names = fs.readdirSync(upload).filter(
    (n) => fs.statSync(path.join(upload, n)).isFile()).sort();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  let next = 0;
  async function worker() {
    while (next < names.length) {
      const name = names[next++];
      const body = fs.readFileSync(path.join(upload, name));
      await new Promise((resolve, reject) => {
        const put = http.request({ host: '127.0.0.1', port: backendPort, agent,
                                   method: 'PUT',
                                   path: '/' + bucket + '/' +
                                         encodeURI(prefix + name),
                                   headers: { 'content-length': body.length } },
                                 (answer) => {
          answer.resume();
          answer.statusCode === 200 ? resolve()
            : reject(new Error('PUT ' + name + ': ' + answer.statusCode));
        });
        put.on('error', reject);
        put.end(body);
      });
    }
  }
  await Promise.all(Array.from({ length: 32 }, worker));
  agent.destroy();
}

main().catch((e) => { process.stderr.write(String(e.stack || e) + '\n'); process.exit(1); });
