/**
 * @module Decoding and validation for @skiff/api: wire schemas, decodeObject/decodeBody, validateObject.
 */
export { decodeObject, decodeBody, type BodyKind, type Decoded, type DecodeOptions, type FieldValidation } from './decode-object.js';
export { fieldPath, findDuplicateJsonFields, rememberDuplicateFields, duplicateFieldsOf, type DuplicateField, type JsonTextShape } from './duplicate-fields.js';
export { rememberPlainJson } from './plain-json.js';
export { validateObject, validateBinding, validateScale } from './validate-object.js';
export { FieldErrors, formatValue } from './field-errors.js';
export {
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isEnvVarName,
  isValidPortName,
  isPercent,
} from './name-rules.js';
export { POD_UPDATE_FORBIDDEN } from './validate-pod-update.js';
export { MAX_CONTAINERS_PER_POD } from './validate-pod-spec.js';
export { objectMetaSchema, listMetaSchema, labelSelectorSchema, deleteOptionsSchema, ownerReferenceSchema } from './meta-schema.js';
export { podSchema, podSpecSchema, podStatusSchema, podTemplateSpecSchema, containerSchema, bindingSchema } from './pod-schema.js';
export { scaleSchema } from './scale-schema.js';
export { namespaceSchema } from '../kinds/namespace.js';
export { nodeSchema } from '../kinds/node.js';
export { eventSchema } from '../kinds/event.js';
export { leaseSchema } from '../kinds/lease.js';
export { replicaSetSchema } from '../kinds/replica-set.js';
export { deploymentSchema } from '../kinds/deployment.js';
