export { TemplateError, type TemplateProblem, type TemplateProblemCode } from './errors.js';
export {
  escapeTemplate,
  type ExpandOptions,
  type ExpandResult,
  expand,
  referencedVariables,
  tryExpand,
} from './expand.js';
export { scopes, toLookup, type VariableLookup, type Variables } from './variables.js';
