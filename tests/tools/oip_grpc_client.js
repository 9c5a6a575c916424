// A gRPC client of the Open Inference Protocol that fovea did not write:
// Node's @grpc/grpc-js with @grpc/proto-loader, loading the official
// open_inference_grpc.proto (edge/ of fovea's source) at run time.
//
//   node oip_grpc_client.js SCRIPT.json
//
// SCRIPT: {"address": "HOST:PORT", "proto": PATH,
//          "tls": {"ca": PEM, "cert": PEM, "key": PEM,
//                  "server_name": NAME} (optional; cert and key too),
//          "concurrency": N (default 1), "deadline_ms": M (optional),
//          "calls": [{"rpc": "ModelInfer", "request": {...},
//                     "deadline_ms": M (optional)}, ...]}
// In a request, {"$file": PATH} stands for the file's bytes,
// {"$base64": TEXT} for those bytes, and {"$length_prefixed": [PATH, ...]}
// for the files each after its 4-byte little-endian length (Triton's raw
// BYTES tensor). Prints one JSON line per call, in the calls' order:
// {"i": K, "code": C, "details": TEXT, "response": {...}} with bytes as
// base64 and 64-bit integers as strings; code 0 is OK. Exits 0 once every
// call has its line. With "repeat_for_ms": M, it makes the calls over and
// over until M ms have passed, and prints one line at the end instead:
// {"calls": N, "failed": K}.
'use strict';
const fs = require('fs');
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

const script = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));

function expand(value) {
  if (Array.isArray(value)) return value.map(expand);
  if (value === null || typeof value !== 'object') return value;
  if ('$file' in value) return fs.readFileSync(value.$file);
  if ('$base64' in value) return Buffer.from(value.$base64, 'base64');
  if ('$length_prefixed' in value) {
    const parts = [];
    for (const file of value.$length_prefixed) {
      const data = fs.readFileSync(file);
      const length = Buffer.alloc(4);
      length.writeUInt32LE(data.length);
      parts.push(length, data);
    }
    return Buffer.concat(parts);
  }
  const out = {};
  for (const [k, v] of Object.entries(value)) out[k] = expand(v);
  return out;
}

const definition = loader.loadSync(script.proto, {
  keepCase: true, longs: String, enums: String, bytes: String,
  defaults: false, oneofs: true,
});
const service = grpc.loadPackageDefinition(definition).inference
  .GRPCInferenceService;
function credentialsOf(tls) {
  if (!tls) return grpc.credentials.createInsecure();
  if (!tls.cert) return grpc.credentials.createSsl(fs.readFileSync(tls.ca));
  return grpc.credentials.createSsl(fs.readFileSync(tls.ca),
                                    fs.readFileSync(tls.key),
                                    fs.readFileSync(tls.cert));
}
const credentials = credentialsOf(script.tls);
const options = {
  'grpc.max_send_message_length': -1,
  'grpc.max_receive_message_length': -1,
};
if (script.tls && script.tls.server_name)
  options['grpc.ssl_target_name_override'] = script.tls.server_name;
const client = new service(script.address, credentials, options);

const calls = script.calls;
const lines = new Array(calls.length);
let next = 0;
let printed = 0;
let running = 0;
const repeatUntil = script.repeat_for_ms
  ? Date.now() + script.repeat_for_ms : 0;
let made = 0;
let failed = 0;

function flush() {
  while (printed < calls.length && lines[printed] !== undefined) {
    process.stdout.write(lines[printed] + '\n');
    printed += 1;
  }
  if (printed === calls.length) {
    client.close();
    process.exitCode = 0;
  }
}

function start() {
  while (running < (script.concurrency || 1) && next < calls.length) {
    const i = next++;
    const call = calls[i];
    running += 1;
    const metadata = new grpc.Metadata();
    const callOptions = {};
    const deadline = call.deadline_ms || script.deadline_ms;
    if (deadline) callOptions.deadline = new Date(Date.now() + deadline);
    client[call.rpc](expand(call.request || {}), metadata, callOptions,
                     (error, response) => {
      running -= 1;
      lines[i] = JSON.stringify(error
        ? { i, code: error.code, details: error.details || '' }
        : { i, code: 0, details: '', response });
      flush();
      start();
    });
  }
}

// Repeating: each answer starts the next call, until the time is up.
function repeat() {
  while (running < (script.concurrency || 1) && Date.now() < repeatUntil
         && calls.length > 0) {
    const call = calls[made % calls.length];
    made += 1;
    running += 1;
    client[call.rpc](expand(call.request || {}), (error) => {
      running -= 1;
      if (error) failed += 1;
      if (Date.now() < repeatUntil) return repeat();
      if (running === 0) {
        process.stdout.write(JSON.stringify({ calls: made, failed }) + '\n');
        client.close();
      }
    });
  }
}

if (repeatUntil) repeat();
else if (calls.length === 0) flush(); else start();
