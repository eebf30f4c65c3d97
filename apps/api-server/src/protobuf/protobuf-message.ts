/**
 * @module ProtoMessage: one protobuf message of the generated table (protobuf-messages.generated.ts), by field number.
 */

/** ProtoField is one field of a Kubernetes generated.proto message, with what the Go struct says about it. */
export interface ProtoField {
  /** The proto field name, which Kubernetes keeps equal to the JSON name. */
  name: string;
  /** A proto scalar (string, bytes, bool, int32, ...) or the OpenAPI name of a message (io.k8s.api.core.v1.PodSpec). */
  type: string;
  repeated?: boolean;
  /** map<string, type>. */
  map?: boolean;
  /** A Go pointer: present on the wire means set, so zero values are kept (replicas: 0). */
  ptr?: boolean;
  /** JSON inlines the message's fields into the parent (Volume.volumeSource). */
  inline?: boolean;
  /** The Go json tag has no omitempty: the field is always serialized, even empty (PodSpec.containers). */
  noOmitempty?: boolean;
  /** Kubernetes' merge markers on the Go field (`+listType`, `+listMapKey`, `+mapType`, `+structType`). */
  listType?: 'atomic' | 'set' | 'map';
  listMapKey?: readonly string[];
  mapType?: 'atomic' | 'granular';
  structType?: 'atomic' | 'granular';
}

export type ProtoMessage = Readonly<Record<number, ProtoField>>;

/** protoFieldNamed finds the field a JSON property is, looking through inlined messages (Volume's VolumeSource). */
export function protoFieldNamed(messages: Readonly<Record<string, ProtoMessage>>, message: ProtoMessage, name: string): ProtoField | undefined {
  for (const field of Object.values(message)) {
    if (field.inline) {
      const inner = messages[field.type] && protoFieldNamed(messages, messages[field.type]!, name);
      if (inner) return inner;
    } else if (field.name === name) return field;
  }
  return undefined;
}
