/**
 * @module Label and field selectors: parsing, spec conversion, matching, and the field sets of each resource.
 */
export { dns1123SubdomainErrors, labelKeyErrors, labelValueErrors } from './label-validation.js';
export { newRequirement, Requirement, type Operator } from './requirement.js';
export { Selector, selectorFromRequirements } from './selector.js';
export { parseLabelSelector } from './parse-label-selector.js';
export { labelSelectorToString, selectorFromLabelSelector } from './label-selector.js';
export {
  escapeFieldValue,
  FieldSelector,
  fieldSelectorFromRequirements,
  parseFieldSelector,
  type FieldOperator,
  type FieldRequirement,
} from './field-selector.js';
export { FIELD_SELECTOR_FIELDS, fieldsFor, validateFieldSelector } from './fields-for.js';
