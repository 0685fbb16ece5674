import type { GqlField, GqlLocation, GqlOperation, GqlValue } from './graphql-parse.js';

// The part of GitLab's GraphQL schema the simulator serves, with the names, arguments and types of
// app/graphql: Query.group (Types::QueryType), Group.projects (Resolvers::NamespaceProjectsResolver),
// Project.pipelines (Resolvers::Ci::ProjectPipelinesResolver with ResolvesPipelines), Pipeline.jobs
// (Resolvers::Ci::JobsResolver, with its `job_kind` argument) and the CiJob fields of Types::Ci::JobType.
// Read at gitlabhq commits 017a6c129d (query_type.rb, types/ci/job_type.rb), 098c9a1d51
// (namespace_projects_resolver.rb), 3919ad7251 (project_pipelines_resolver.rb); the prices at 0653e08efd
// (base_resolver.rb) and 0115b63f64 (base_field.rb), the limit at 7e202c4fa8 (gitlab_schema.rb).
// Anything else is refused the way GitLab's graphql-ruby validation refuses it.

interface ArgDef {
  type: string;
}

/** How GitLab prices a field (Types::BaseField#field_resolver_complexity, Resolvers::BaseResolver). */
interface Cost {
  /** `resolver_complexity`: 1, +10 for NamespaceProjectsResolver; +1 when the resolver calls Gitaly. */
  resolver: number;
  /** A connection: the complexity grows by 1 % per item asked for (`complexity_multiplier` 0.01). */
  connection: boolean;
}

interface FieldDef {
  type: string;
  args?: Record<string, ArgDef>;
  cost?: Cost;
}

const page = {
  first: { type: 'Int' },
  after: { type: 'String' },
  last: { type: 'Int' },
  before: { type: 'String' },
};
const connection = (node: string): Record<string, FieldDef> => ({
  nodes: { type: `[${node}]` },
  pageInfo: { type: 'PageInfo!' },
  count: { type: 'Int!' },
});

export const TYPES: Record<string, Record<string, FieldDef>> = {
  Query: {
    group: { type: 'Group', args: { fullPath: { type: 'ID!' } }, cost: { resolver: 1, connection: false } },
  },
  Group: {
    id: { type: 'ID!' },
    fullPath: { type: 'ID!' },
    projects: {
      type: 'ProjectConnection!',
      args: { includeSubgroups: { type: 'Boolean' }, ...page },
      cost: { resolver: 11, connection: true },
    },
  },
  ProjectConnection: connection('Project'),
  Project: {
    id: { type: 'ID!' },
    fullPath: { type: 'ID!' },
    pipelines: {
      type: 'PipelineConnection',
      args: { status: { type: 'PipelineStatusEnum' }, source: { type: 'String' }, ...page },
      cost: { resolver: 2, connection: true },
    },
    ciCdSettings: { type: 'ProjectCiCdSetting' },
  },
  // Types::Ci::CiCdSettingType (app/graphql/types/ci/ci_cd_setting_type.rb): null for a user who may not
  // manage the project's settings (`authorize :manage_merge_request_settings`, maintainers and owners).
  ProjectCiCdSetting: {
    groupRunnersEnabled: { type: 'Boolean' },
  },
  PipelineConnection: connection('Pipeline'),
  Pipeline: {
    id: { type: 'ID!' },
    status: { type: 'PipelineStatusEnum!' },
    jobs: {
      type: 'CiJobConnection',
      args: { statuses: { type: '[CiJobStatus!]' }, jobKind: { type: 'CiJobKind' }, ...page },
      cost: { resolver: 1, connection: true },
    },
  },
  CiJobConnection: connection('CiJob'),
  CiJob: {
    id: { type: 'JobID' },
    name: { type: 'String' },
    status: { type: 'CiJobStatus' },
    tags: { type: '[String!]' },
    createdAt: { type: 'Time!' },
    queuedAt: { type: 'Time' },
    queuedDuration: { type: 'Duration' },
  },
  PageInfo: {
    hasNextPage: { type: 'Boolean!' },
    hasPreviousPage: { type: 'Boolean!' },
    endCursor: { type: 'String' },
    startCursor: { type: 'String' },
  },
};

const STATUSES = ['CREATED', 'WAITING_FOR_RESOURCE', 'PREPARING', 'WAITING_FOR_CALLBACK', 'PENDING'];
const MORE = ['RUNNING', 'FAILED', 'SUCCESS', 'CANCELED', 'CANCELING', 'SKIPPED', 'MANUAL', 'SCHEDULED'];
export const ENUMS: Record<string, readonly string[]> = {
  PipelineStatusEnum: [...STATUSES, ...MORE],
  CiJobStatus: [...STATUSES, ...MORE],
  CiJobKind: ['BUILD', 'BRIDGE'],
};
const SCALARS = new Set(['ID', 'String', 'Int', 'Float', 'Boolean', 'Time', 'Duration', 'JobID']);

/** GitLab's limits for an authenticated user (GitlabSchema: AUTHENTICATED_MAX_COMPLEXITY, default_max_page_size). */
export const MAX_COMPLEXITY = 250;
export const MAX_PAGE_SIZE = 100;

export interface GqlError {
  message: string;
  locations?: GqlLocation[];
  extensions?: Record<string, unknown>;
}

const baseType = (type: string) => type.replace(/[[\]!]/g, '');
const isList = (type: string) => type.startsWith('[');

/** Coerces a value to an input type; returns an error text, or the JavaScript value. */
function coerce(value: unknown, type: string): { ok: true; value: unknown } | { ok: false } {
  const nonNull = type.endsWith('!');
  const inner = nonNull ? type.slice(0, -1) : type;
  if (value === null || value === undefined) return nonNull ? { ok: false } : { ok: true, value: null };
  if (inner.startsWith('[')) {
    const element = inner.slice(1, -1);
    const list = Array.isArray(value) ? value : [value];
    const out: unknown[] = [];
    for (const item of list) {
      const c = coerce(item, element);
      if (!c.ok) return c;
      out.push(c.value);
    }
    return { ok: true, value: out };
  }
  if (ENUMS[inner]) return ENUMS[inner].includes(String(value)) ? { ok: true, value } : { ok: false };
  if (inner === 'Int') return Number.isInteger(value) ? { ok: true, value } : { ok: false };
  if (inner === 'Boolean') return typeof value === 'boolean' ? { ok: true, value } : { ok: false };
  if (inner === 'ID')
    return typeof value === 'string' || Number.isInteger(value)
      ? { ok: true, value: String(value) }
      : { ok: false };
  return typeof value === 'string' ? { ok: true, value } : { ok: false };
}

/** A literal or variable as a JavaScript value (enums as their names). */
function literal(value: GqlValue, variables: Record<string, unknown>): unknown {
  switch (value.kind) {
    case 'variable':
      return variables[value.name];
    case 'null':
      return null;
    case 'list':
      return value.values.map((v) => literal(v, variables));
    case 'object':
      return Object.fromEntries(Object.entries(value.fields).map(([k, v]) => [k, literal(v, variables)]));
    default:
      return value.value;
  }
}

export interface ValidatedQuery {
  errors: GqlError[];
  /** Each field's arguments, coerced. */
  args: Map<GqlField, Record<string, unknown>>;
  complexity: number;
}

/** Validates an operation against {@link TYPES} as graphql-ruby would, coerces arguments, prices it. */
export function validateQuery(operation: GqlOperation, given: Record<string, unknown>): ValidatedQuery {
  const errors: GqlError[] = [];
  const args = new Map<GqlField, Record<string, unknown>>();
  const variables: Record<string, unknown> = {};
  const declared = new Set<string>();
  for (const v of operation.variables) {
    declared.add(v.name);
    const raw = Object.hasOwn(given, v.name)
      ? given[v.name]
      : v.defaultValue
        ? literal(v.defaultValue, {})
        : undefined;
    const c = coerce(raw, v.type);
    if (!c.ok)
      errors.push({
        message: `Variable $${v.name} of type ${v.type} was provided invalid value`,
        extensions: { code: 'variableMismatch', variableName: v.name },
      });
    else variables[v.name] = c.value;
  }
  const usesUndeclared = (value: GqlValue): string | undefined => {
    if (value.kind === 'variable') return declared.has(value.name) ? undefined : value.name;
    if (value.kind === 'list') return value.values.map(usesUndeclared).find(Boolean);
    if (value.kind === 'object') return Object.values(value.fields).map(usesUndeclared).find(Boolean);
    return undefined;
  };

  const visit = (fields: readonly GqlField[], typeName: string): number => {
    let total = 0;
    const defs = TYPES[typeName]!;
    for (const field of fields) {
      const where = { locations: [field.location] };
      const def = defs[field.name];
      if (!def) {
        errors.push({
          message: `Field '${field.name}' doesn't exist on type '${typeName}'`,
          ...where,
          extensions: { code: 'undefinedField', typeName, fieldName: field.name },
        });
        continue;
      }
      const resolved: Record<string, unknown> = {};
      for (const [argName, value] of Object.entries(field.args)) {
        const argDef = def.args?.[argName];
        if (!argDef) {
          errors.push({
            message: `Field '${field.name}' doesn't accept argument '${argName}'`,
            ...where,
            extensions: {
              code: 'argumentNotAccepted',
              name: field.name,
              typeName: 'Field',
              argumentName: argName,
            },
          });
          continue;
        }
        const undeclared = usesUndeclared(value);
        if (undeclared) {
          errors.push({
            message: `Variable $${undeclared} is used by ${operation.name ?? 'anonymous query'} but not declared`,
            ...where,
            extensions: { code: 'variableNotDefined', variableName: undeclared },
          });
          continue;
        }
        const c = coerce(literal(value, variables), argDef.type);
        if (!c.ok) {
          const shown =
            value.kind === 'variable'
              ? `$${value.name}`
              : JSON.stringify(literal(value, {})).replace(/^"(.*)"$/, '$1');
          errors.push({
            message: `Argument '${argName}' on Field '${field.name}' has an invalid value (${shown}). Expected type '${argDef.type}'.`,
            ...where,
            extensions: { code: 'argumentLiteralsIncompatible', typeName: 'Field', argumentName: argName },
          });
        } else resolved[argName] = c.value;
      }
      const missing = Object.entries(def.args ?? {})
        .filter(
          ([n, a]) => a.type.endsWith('!') && resolved[n] === undefined && !Object.hasOwn(field.args, n),
        )
        .map(([n]) => n);
      if (missing.length > 0)
        errors.push({
          message: `Field '${field.name}' is missing required arguments: ${missing.join(', ')}`,
          ...where,
          extensions: {
            code: 'missingRequiredArguments',
            className: 'Field',
            name: field.name,
            arguments: missing.join(', '),
          },
        });
      args.set(field, resolved);
      const type = baseType(def.type);
      let children = 0;
      if (SCALARS.has(type) || ENUMS[type]) {
        if (field.selections)
          errors.push({
            message: `Selections can't be made on scalars (field '${field.name}' returns ${type} but has selections [${field.selections.map((s) => s.name).join(', ')}])`,
            ...where,
            extensions: { code: 'selectionMismatch', nodeName: `field '${field.name}'`, typeName: type },
          });
      } else if (!field.selections) {
        errors.push({
          message: `Field '${field.name}' of type '${isList(def.type) ? `[${type}]` : type}' must have a selection of subfields. Did you mean '${field.name} { ... }'?`,
          ...where,
          extensions: { code: 'selectionMismatch', nodeName: `field '${field.name}'`, typeName: type },
        });
      } else children = visit(field.selections, type);
      if (!def.cost) total += 1 + children;
      else {
        const base = children + def.cost.resolver;
        const first =
          typeof resolved.first === 'number' ? Math.min(resolved.first, MAX_PAGE_SIZE) : MAX_PAGE_SIZE;
        total += Math.trunc(def.cost.connection ? base + base * first * 0.01 : base);
      }
    }
    return total;
  };
  const complexity = visit(operation.selections, 'Query');
  return { errors, args, complexity };
}
