export {
  TEMPLATE_ERROR_CODES,
  TemplateError,
  type TemplateErrorCode,
  type TemplateProblem,
  type TemplateProblemCode,
} from './errors.js';
export { type ExpandOptions, type ExpandResult, expand, tryExpand } from './expand.js';
export { scopes, type VariableLookup, type Variables } from './variables.js';
