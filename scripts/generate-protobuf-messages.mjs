#!/usr/bin/env node
/**
 * generate-protobuf-messages: writes apps/api-server/src/protobuf/protobuf-messages.generated.ts, the protobuf field
 * table the api-server decodes request bodies with, from Kubernetes' own sources so no field number is hand-typed.
 *
 *   npm run build -w @skiff/api   # the roots are the served kinds, read from the built package
 *   node scripts/generate-protobuf-messages.mjs <k8s.io/api dir> <k8s.io/apimachinery dir>
 *
 * (the two directories are checkouts of one tag, v0.33.x here, e.g. $GOPATH/pkg/mod/k8s.io/api@v0.33.13: field numbers never
 * change between releases, and v0.33 has every field Skiff serves, PodStatus.observedGeneration included).
 * Field numbers, names, types and repetition come from each package's generated.proto; whether a Go field is a
 * pointer (so a zero value on the wire was set on purpose) and whether JSON inlines it (Volume.volumeSource) come
 * from the `protobuf:"...,name=x"` struct tags in the package's Go files, and so does whether JSON always has the
 * field (no omitempty), which managed fields need. Only messages reachable from the served
 * kinds and the other bodies clients POST (EXTRA_ROOTS) are written.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const [apiDir, machineryDir] = process.argv.slice(2);
if (!apiDir || !machineryDir) {
  console.error('usage: generate-protobuf-messages.mjs <k8s.io/api dir> <k8s.io/apimachinery dir>');
  process.exit(2);
}
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const { SERVED_KINDS, definitionName } = await import(join(repoRoot, 'packages/api/dist/index.js'));

/** Bodies clients send that are not served kinds: subresource and virtual-resource requests, DeleteOptions. */
const EXTRA_ROOTS = [
  'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions',
  'io.k8s.api.authentication.v1.TokenRequest',
  'io.k8s.api.authentication.v1.SelfSubjectReview',
  'io.k8s.api.authentication.v1.TokenReview',
  'io.k8s.api.authorization.v1.SelfSubjectAccessReview',
  'io.k8s.api.authorization.v1.SubjectAccessReview',
  'io.k8s.api.authorization.v1.LocalSubjectAccessReview',
  'io.k8s.api.authorization.v1.SelfSubjectRulesReview',
  'io.k8s.api.policy.v1.Eviction',
  'io.k8s.api.autoscaling.v1.Scale',
  'io.k8s.api.core.v1.Binding',
];

/** The proto package `k8s.io.api.core.v1` is the OpenAPI prefix `io.k8s.api.core.v1`. */
const openapiName = (protoName) => protoName.replace(/^\.?k8s\.io\./, 'io.k8s.');

function goFiles(dir) {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.go') && !f.endsWith('_test.go') && !f.startsWith('zz_generated') && f !== 'generated.pb.go')
    .map((f) => readFileSync(join(dir, f), 'utf8'));
}

/** goFieldFlags reads `Field *Type \`json:"x,omitempty" protobuf:"varint,1,opt,name=x"\`` lines: struct -> field number -> flags. */
function goFieldFlags(dir) {
  const flags = new Map();
  for (const src of goFiles(dir)) {
    let struct;
    let markers = {};
    for (const line of src.split('\n')) {
      const open = /^type (\w+) struct \{/.exec(line);
      if (open) {
        struct = open[1];
        markers = {};
        continue;
      }
      if (line.startsWith('}')) struct = undefined;
      if (!struct) continue;
      // The markers kube's OpenAPI and structured-merge-diff read: +listType, +listMapKey, +mapType, +structType.
      const marker = /^\s*\/\/\s*\+(listType|listMapKey|mapType|structType)=(\S+)/.exec(line);
      if (marker) {
        markers[marker[1]] = marker[1] === 'listMapKey' ? [...(markers.listMapKey ?? []), marker[2]] : marker[2];
        continue;
      }
      if (/^\s*\/\//.test(line)) continue;
      const fieldMarkers = markers;
      markers = {};
      const m = /^\s+(?:(\w+)\s+)?(\S+)\s+`([^`]*)`/.exec(line);
      // Keyed by field number: an embedded struct's tag may carry no name (EphemeralContainerCommon: "bytes,1,req").
      const proto = m && /protobuf:"\w+,(\d+),/.exec(m[3]);
      if (!proto) continue;
      const json = /json:"([^"]*)"/.exec(m[3]);
      const f = {};
      if (m[2].startsWith('*')) f.ptr = true;
      if (json && json[1].split(',')[0] === '' && json[1].includes('inline')) f.inline = true;
      // Without omitempty Go always serializes the field (a nil slice as null): it is never "added" by a write.
      else if (json && !json[1].split(',').includes('omitempty')) f.noOmitempty = true;
      Object.assign(f, fieldMarkers);
      if (!flags.has(struct)) flags.set(struct, new Map());
      flags.get(struct).set(proto[1], f);
    }
  }
  return flags;
}

/** parseProto reads the messages of one generated.proto (k8s writes one field per line, no nesting). */
function parseProto(path, dir) {
  const src = readFileSync(path, 'utf8');
  const pkg = /^package ([\w.]+);/m.exec(src)[1];
  const flags = goFieldFlags(dir);
  const messages = {};
  const re = /^message (\w+) \{([\s\S]*?)^\}/gm;
  for (let m; (m = re.exec(src)); ) {
    const [, name, body] = m;
    const fields = {};
    for (const line of body.split('\n')) {
      const fm = /^\s*(optional|repeated)?\s*(map<\s*string\s*,\s*([\w.]+)\s*>|[\w.]+)\s+(\w+)\s*=\s*(\d+)/.exec(line);
      if (!fm || line.trim().startsWith('//')) continue;
      const [, label, type, mapValue, fieldName, num] = fm;
      const resolve = (t) => (SCALARS.has(t) ? t : openapiName(t.startsWith('.') ? t : `${pkg}.${t}`));
      const field = { name: fieldName, type: resolve(mapValue ?? type) };
      if (mapValue) field.map = true;
      if (label === 'repeated') field.repeated = true;
      Object.assign(field, flags.get(name)?.get(num));
      fields[Number(num)] = field;
    }
    messages[openapiName(`${pkg}.${name}`)] = fields;
  }
  return messages;
}

const SCALARS = new Set(['string', 'bytes', 'bool', 'int32', 'int64', 'uint32', 'uint64', 'double', 'float']);

function protoFiles(root) {
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name === 'generated.proto') out.push(dir);
    }
  };
  walk(root);
  return out;
}

const all = {};
for (const dir of [...protoFiles(apiDir), ...protoFiles(join(machineryDir, 'pkg'))]) Object.assign(all, parseProto(join(dir, 'generated.proto'), dir));

const roots = [...SERVED_KINDS.map((k) => definitionName(k.info.group, k.info.version, k.info.kind)), ...EXTRA_ROOTS];
const keep = {};
const visit = (name) => {
  if (keep[name] || SCALARS.has(name)) return;
  const msg = all[name];
  if (!msg) throw new Error(`no generated.proto message ${name}`);
  keep[name] = msg;
  for (const f of Object.values(msg)) visit(f.type);
};
roots.forEach(visit);

const lines = Object.keys(keep)
  .sort()
  .map((name) => {
    const value = (v) => (typeof v === 'string' ? `'${v}'` : Array.isArray(v) ? `[${v.map(value).join(', ')}]` : v);
    const fields = Object.entries(keep[name]).map(([num, f]) => `${num}: { ${Object.entries(f).map(([k, v]) => `${k}: ${value(v)}`).join(', ')} }`);
    return `  '${name}': {${fields.length ? ` ${fields.join(', ')} ` : ''}},`;
  });
const out = `/**
 * @module PROTOBUF_MESSAGES: protobuf field tables of every served kind and every body clients send, keyed by the
 * OpenAPI definition name. GENERATED by scripts/generate-protobuf-messages.mjs from k8s.io/api and
 * k8s.io/apimachinery v0.33 (generated.proto and Go struct tags); do not edit by hand, run the script.
 */
/* eslint-disable */
import type { ProtoMessage } from './protobuf-message.js';

export const PROTOBUF_MESSAGES: Readonly<Record<string, ProtoMessage>> = {
${lines.join('\n')}
};
`;
writeFileSync(join(repoRoot, 'apps/api-server/src/protobuf/protobuf-messages.generated.ts'), out);
console.log(`wrote ${Object.keys(keep).length} messages`);
