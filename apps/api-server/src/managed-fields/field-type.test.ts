import { describe, expect, it } from 'vitest';
import { definitionName, KINDS } from '@skiff/api';
import { protoFieldNamed } from '../protobuf/protobuf-message.js';
import { PROTOBUF_MESSAGES } from '../protobuf/protobuf-messages.generated.js';
import { fieldTypeOf, type FieldType } from './field-type.js';

/**
 * disagreements walks a kind's FieldType (derived from its OpenAPI schema) beside the Go type's protobuf message and
 * lists every field whose merge type differs from Kubernetes' `+listType`/`+listMapKey`/`+mapType`/`+structType`
 * markers, which is what structured-merge-diff in kube-apiserver follows.
 */
function disagreements(t: FieldType, message: string, path: string, seen: Set<string>, out: string[]): void {
  if (t.t !== 'struct' || seen.has(message)) return;
  seen.add(message);
  const proto = PROTOBUF_MESSAGES[message];
  if (!proto) return;
  for (const f of Object.values(proto)) {
    const names = f.inline ? Object.values(PROTOBUF_MESSAGES[f.type] ?? {}).map((g) => g.name) : [f.name];
    for (const name of names) {
      const pf = protoFieldNamed(PROTOBUF_MESSAGES, proto, name)!;
      const ft = t.field(name);
      if (!ft) continue;
      const at = `${path}.${name}`;
      // []byte fields carry +listType=atomic too; in JSON they are base64 strings.
      if (pf.listType && pf.type !== 'bytes' && (ft.t !== 'list' || ft.rel !== pf.listType)) out.push(`${at}: listType ${pf.listType}, Skiff ${ft.t === 'list' ? ft.rel : ft.t}`);
      else if (pf.listType === 'map' && ft.t === 'list' && [...ft.keys].join() !== (pf.listMapKey ?? []).join()) out.push(`${at}: listMapKey ${pf.listMapKey}, Skiff ${ft.keys}`);
      if ((pf.mapType === 'atomic' || pf.structType === 'atomic') && ft.t !== 'scalar') out.push(`${at}: atomic, Skiff ${ft.t}`);
      if (ft.t === 'struct') disagreements(ft, pf.type, at, seen, out);
      if (ft.t === 'list' && ft.elem.t === 'struct') disagreements(ft.elem, pf.type, `${at}[]`, seen, out);
      if (ft.t === 'map' && ft.elem.t === 'struct') disagreements(ft.elem, pf.type, `${at}{}`, seen, out);
    }
  }
}

describe('fieldTypeOf', () => {
  it("merges every served kind's lists and maps as Kubernetes' Go markers say", () => {
    const out: string[] = [];
    for (const kind of KINDS) {
      const { group, version, kind: name } = kind.info;
      disagreements(fieldTypeOf(name), definitionName(group, version, name), name, new Set(), out);
    }
    expect(out).toEqual([]);
  });
});
